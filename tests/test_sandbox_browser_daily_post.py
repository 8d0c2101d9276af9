"""The daily post in a real browser, as a member of an English and of a German server sees it (issue 12).

The sandbox's clock jump makes the scheduled post happen; for the German server a moderator first sets the
server's language with the real `/schedule set … language:Deutsch`. Screenshots: daily-post-en, daily-post-de.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, reveal_spoilers, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


async def _the_post(page: Any) -> Any:
    """Jump to the next scheduled post and open the channel it goes to; returns the post's message."""
    await page.click("#jump-next")
    await open_channel(page, "daily-discussion")
    message = page.locator(".message", has=page.locator(".embed .e-footer")).last
    await message.locator(".btn.s5").wait_for()  # the button to the thread comes once the thread is open
    await message.evaluate("m => m.scrollIntoView({block: 'start'})")
    return message


async def test_daily_post_in_an_english_server(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Andrew Neiman")
    message = await _the_post(page)
    embed = message.locator(".embed")
    title = await embed.locator(".e-title").inner_text()
    assert title.endswith("?") and "Daily discussion" not in title
    assert (await embed.locator(".e-footer").inner_text()).startswith("Question of the day no. 1")
    assert await message.locator(".btn.s5").inner_text() == "Join the discussion ↗"
    chip = message.locator(".thread-chip .t-name")
    assert await chip.inner_text() == title  # the thread is named by the question
    await shot(page, "daily-post-en", docs=True)
    await reveal_spoilers(page)
    await shot(page, "daily-post-en-revealed")


async def test_daily_post_in_a_german_server(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Terence Fletcher")
    await page.fill("#composer", "/schedule set")
    await page.wait_for_selector("#command-picker .pick[data-path='schedule set']")
    await page.press("#composer", "Enter")
    form = page.locator("#command-form")
    await form.locator(".cmd-name").wait_for()
    await form.locator("[name='channel']").select_option(label="#daily-discussion")
    await form.locator("[name='time']").fill("09:00")
    await form.locator("[name='timezone']").fill("Europe/Berlin")
    await form.locator("[name='language']").select_option(label="Deutsch")
    await form.locator(".send").click()
    await page.wait_for_selector("#command-form", state="hidden")
    await page.locator(".message.ephemeral", has_text="Deutsch").wait_for()
    assert await page.locator("#composer-error").is_hidden()
    await act_as(page, "Nicole")
    message = await _the_post(page)
    embed = message.locator(".embed")
    assert (await embed.locator(".e-footer").inner_text()).startswith("Frage des Tages Nr. 1")
    assert (await embed.locator(".e-field-name").first.inner_text()) == "Quelle"
    assert await message.locator(".btn.s5").inner_text() == "Zur Diskussion ↗"
    assert await page.locator("#composer-error").is_hidden()  # no script error shown to the reader either
    await shot(page, "daily-post-de", docs=True)
    await reveal_spoilers(page)
    await shot(page, "daily-post-de-revealed")


async def test_discussion_today_before_and_after_the_post(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Andrew Neiman")
    await run_command(page, "discussion today")
    await page.locator(".message .content", has_text="Today's question comes").wait_for()
    await shot(page, "discussion-today-before-en")  # the page shows timestamps in the acting member's language
    await act_as(page, "Nicole")
    await run_command(page, "discussion today")
    await page.locator(".message .content", has_text="Die Frage des Tages kommt").wait_for()
    assert not await page.locator(".message .content", has_text="<t:").count()  # timestamps are rendered
    await shot(page, "discussion-today-before-de")
    await act_as(page, "Andrew Neiman")
    await _the_post(page)  # the post and its thread are out (the scheduler runs on its own)
    await open_channel(page, "general")
    await run_command(page, "discussion today")
    answer = page.locator(".message", has=page.locator(".embed .e-desc", has_text="Answer in the thread")).last
    await answer.locator(".btn.s5", has_text="Join the discussion").wait_for()
    await shot(page, "discussion-today-after")
