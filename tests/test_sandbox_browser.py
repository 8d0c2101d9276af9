"""The sandbox page in a real browser: Debian's Chromium driven by Playwright, against the real bot.

Skipped with one line where Chromium or Playwright is missing, unless WHIPLASH_REQUIRE_SERVICES=1 (CI),
which turns the skip into a failure. Screenshots go to artifacts/screenshots/ (git-ignored); with
WHIPLASH_DOCS_SCREENSHOTS=1 the README's four are also written to docs/.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, reveal_spoilers, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


async def test_page_loads_and_film_info_answers_with_the_card(page: Any, sandbox: Sandbox) -> None:
    assert await page.text_content("#guild-name") == "Whiplash Film Club"
    assert await page.text_content("#channel-name") == "general"
    await shot(page, "page-loaded")
    await act_as(page, "Andrew Neiman")
    await run_command(page, "film info")
    card = page.locator(".message .embed").last
    await card.locator(".e-field-name", has_text="Main cast").wait_for()
    assert "Whiplash" in (await card.locator(".e-title").text_content() or "")
    assert await page.locator(".message").last.locator(".top").text_content() == "↱ Andrew Neiman used /film info"
    await card.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")  # the card's top
    await shot(page, "film-info")


async def test_daily_post_after_a_clock_jump_and_a_thread_reply_in_stats(page: Any, sandbox: Sandbox) -> None:
    await page.click("#jump-next")
    await open_channel(page, "daily-discussion")
    chip = page.locator(".thread-chip").first
    await chip.wait_for()
    await act_as(page, "Andrew Neiman")
    await chip.click()
    await page.wait_for_selector(".message.ephemeral, .message >> nth=0")
    await page.fill("#composer", "Fletcher **pushes** too hard, but ||the final solo|| says otherwise.")
    await page.press("#composer", "Enter")
    reply = page.locator(".message .content", has_text="pushes")
    await reply.wait_for()
    assert await reply.locator("strong").text_content() == "pushes"
    await act_as(page, "Nicole")
    await page.fill("#composer", "Ich finde, der Film zeigt beides.")
    await page.press("#composer", "Enter")
    await page.locator(".message .content", has_text="beides").wait_for()
    await act_as(page, "Andrew Neiman")  # the English server read by an English member: the page's words in English
    await page.locator(".message .content", has_text="beides").wait_for()
    await reveal_spoilers(page)
    await shot(page, "daily-post-thread", docs=True)

    await act_as(page, "Terence Fletcher")
    await open_channel(page, "general")
    await run_command(page, "discussion stats")
    card = page.locator(".message .embed").last
    await card.locator(".e-desc", has_text="2 replies from 2 members").wait_for()
    chart = card.locator("img.e-image")
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await chart.element_handle())
    await shot(page, "discussion-stats")


async def test_a_button_click_turns_the_review_excerpt(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Andrew Neiman")
    await page.fill("#composer", "/review ex")
    await page.wait_for_selector("#command-picker .pick[data-path='review excerpt']")
    await page.press("#composer", "Enter")
    await page.click("#command-form [name='review']")
    first_choice = page.locator("#autocomplete .pick[data-choice]").first
    await first_choice.wait_for()  # the bot's own autocomplete answer
    await first_choice.click()
    await page.click("#command-form .send")
    message = page.locator(".message", has=page.locator(".embed")).last
    await message.locator(".btn").first.wait_for()
    before = await message.locator(".embed").inner_text()
    await reveal_spoilers(page)
    await shot(page, "review-excerpt", docs=True)
    buttons = message.locator(".btn:not([disabled])")
    await buttons.last.click()
    await page.wait_for_function(
        "b => { const e = [...document.querySelectorAll('.message .embed')].pop(); return e && e.innerText !== b; }",
        arg=before,
    )
    await shot(page, "review-excerpt-turned")


async def test_a_german_member_gets_german_text(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Nicole")
    assert (await page.get_attribute("#composer", "placeholder") or "").startswith("Nachricht")
    assert await page.text_content("#acting .panel-title") == "Du handelst als"
    await page.fill("#composer", "/film")
    picker = page.locator("#command-picker")
    await picker.locator(".pick[data-path='film info']").wait_for()
    description = await picker.locator(".pick[data-path='film info'] .p-desc").text_content()
    assert description and "Film" in description and "cast" not in description  # the German description
    await page.press("#composer", "Escape")
    await page.fill("#composer", "")
    await run_command(page, "film info")
    card = page.locator(".message .embed").last
    await card.locator(".e-field-name", has_text="Hauptbesetzung").wait_for()
    await run_command(page, "privacy status")
    note = page.locator(".message.ephemeral .ephemeral-note").last
    await note.wait_for()
    assert "Nur du kannst das sehen" in (await note.text_content() or "")
    await shot(page, "german-member")


async def test_user_text_is_escaped_and_markdown_rendered(page: Any, sandbox: Sandbox) -> None:
    world = sandbox.world
    assert world is not None
    text = (
        '<img src=x onerror="window.pwned=1"> **bold** *it* ||secret|| <t:1767258000:F> '
        f"<#{world.daily.id}> <@{world.personas[1].id}>"
    )
    await page.fill("#composer", text)
    await page.press("#composer", "Enter")
    content = page.locator(".message .content", has_text="bold").last
    await content.wait_for()
    assert await content.locator("img").count() == 0
    assert await page.evaluate("window.pwned") is None
    assert "<img src=x" in (await content.text_content() or "")
    assert await content.locator("strong").text_content() == "bold"
    assert await content.locator("em").text_content() == "it"
    assert await content.locator(".mention.chan").text_content() == "#daily-discussion"
    assert await content.locator(".mention", has_text="@Andrew Neiman").count() == 1
    stamp = await content.locator(".timestamp").text_content()
    assert stamp and re.search(r"January 1, 2026", stamp), stamp  # 2026-01-01 10:00 Berlin, in English
    spoiler = content.locator(".spoiler")
    assert "revealed" not in (await spoiler.get_attribute("class") or "")
    await spoiler.click()
    assert "revealed" in (await spoiler.get_attribute("class") or "")
    await page.fill("#composer", "first line")
    await page.press("#composer", "Shift+Enter")
    await page.type("#composer", "> quoted, as in Discord")
    await page.press("#composer", "Enter")
    quote = page.locator(".message .content", has_text="first line").locator("blockquote")
    await quote.wait_for()
    assert await quote.text_content() == "quoted, as in Discord"
    await shot(page, "markdown")


async def test_a_missing_required_option_is_refused_like_discords_client(page: Any, sandbox: Sandbox) -> None:
    await page.fill("#composer", "/review search")
    await page.wait_for_selector("#command-picker .pick[data-path='review search']")
    await page.press("#composer", "Enter")
    await page.click("#command-form .send")
    error = page.locator("#composer-error")
    await error.wait_for()
    assert await error.text_content() == "query: this option is required"
    assert not [r for r in sandbox.emu.interactions.values() if r.name == "review search"]  # never sent


async def test_a_late_answer_shows_discords_failure_and_the_violation(page: Any, sandbox: Sandbox) -> None:
    sandbox.emu.interaction_deadline = 0.0  # every answer is now too late, as if the bot hung
    await run_command(page, "film info")
    failure = page.locator(".message.pending .failed")
    await failure.wait_for()
    assert await failure.text_content() == "The application did not respond"
    banner = page.locator("#violations")
    await banner.wait_for()
    assert "violation" in (await banner.text_content() or "")
    await shot(page, "late-answer")
    assert any("not answered within" in v for v in sandbox.emu.clear_violations())


async def test_a_persona_picked_while_the_page_is_refreshing_stays_picked(page: Any, sandbox: Sandbox) -> None:
    """The page refreshes on every event; its answer for the persona it asked about must not undo a click on
    another persona made meanwhile (after a clock jump the page refreshes all the time, and such a click was lost)."""
    await act_as(page, "Terence Fletcher")
    held: list[Any] = []
    arrived = asyncio.Event()

    async def hold(route: Any) -> None:
        if arrived.is_set():
            await route.continue_()
        else:
            held.append(route)
            arrived.set()

    await page.route("**/api/state?as=*", hold)
    await page.evaluate("() => { refresh(); }")  # a refresh as Terence Fletcher, its answer held back
    await asyncio.wait_for(arrived.wait(), 10)
    await page.click("#personas .persona:has-text('Andrew Neiman')")  # picked while that answer is on its way
    await held[0].continue_()
    await page.wait_for_selector("#personas .persona.active:has-text('Andrew Neiman')")
    await page.wait_for_timeout(300)  # any later refresh keeps the pick
    assert "Andrew Neiman" in (await page.text_content("#personas .persona.active") or "")
