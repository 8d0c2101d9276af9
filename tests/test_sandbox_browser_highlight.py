"""Highlights and reactions in the sandbox's page (issue 14 §1): a member reacts, a moderator picks Apps →
"Highlight reply" on a reply, the bot's ⭐ appears and the answer is only for the moderator; in English and,
with a German client, "Antwort hervorheben"."""

from __future__ import annotations

from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


async def _say(page: Any, text: str) -> Any:
    await page.fill("#composer", text)
    await page.press("#composer", "Enter")
    message = page.locator(".message", has=page.locator(".content", has_text=text))
    await message.wait_for()
    return message


async def _menu(page: Any, message: Any, label: str) -> None:
    await message.hover()
    await message.locator(".apps-btn").click()
    await message.locator(".apps-menu .pick", has_text=label).click()


async def test_a_reaction_and_a_highlight_in_english_and_german(page: Any, sandbox: Sandbox) -> None:
    await page.click("#jump-next")
    await open_channel(page, "daily-discussion")
    chip = page.locator(".thread-chip").first
    await chip.wait_for()
    await act_as(page, "Andrew Neiman")
    await chip.click()
    await page.wait_for_selector(".message >> nth=0")
    first = await _say(page, "Fletcher never says good job, and that is the whole film.")
    second = await _say(page, "The last nine minutes are a conversation without words.")

    await act_as(page, "Nicole")
    await first.hover()
    await first.locator(".react-btn").click()
    await first.locator(".reaction.mine", has_text="👏").wait_for()
    assert await page.locator(".apps-btn").count() == 0  # members have no Apps entry for it

    await act_as(page, "Terence Fletcher")
    await _menu(page, first, "Highlight reply")
    answer = page.locator(".message.ephemeral .content", has_text="Highlighted")
    await answer.wait_for()
    assert await answer.inner_text() == "Highlighted: the bot put its ⭐ on the reply."
    await first.locator(".reaction", has_text="⭐").wait_for()
    assert "1" in await first.locator(".reaction", has_text="👏").inner_text()
    used = page.locator(".message.ephemeral .top .mention").last
    assert await used.inner_text() == "Highlight reply"  # a menu, shown without a slash
    await shot(page, "highlight-en")

    world = sandbox._world()
    nicole = next(p for p in world.personas if p.locale == "de").member
    sandbox.emu.set_member_roles(world.guild, nicole, [world.moderators])  # Nicole moderates, in German
    await act_as(page, "Nicole")
    await _menu(page, second, "Antwort hervorheben")
    german = page.locator(".message.ephemeral .content", has_text="Hervorgehoben")
    await german.wait_for()
    assert await german.inner_text() == "Hervorgehoben: Der Bot hat seinen ⭐ an die Antwort gesetzt."
    await second.locator(".reaction", has_text="⭐").wait_for()
    await _menu(page, first, "Antwort hervorheben")
    await page.locator(".message.ephemeral .content", has_text="bereits hervorgehoben").wait_for()
    assert await page.locator(".message.ephemeral .top .mention").last.inner_text() == "Antwort hervorheben"
    await shot(page, "highlight-de")
