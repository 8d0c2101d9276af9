"""/help in the sandbox's browser page, as the moderator (English) and as the German member (issue 12)."""

from __future__ import annotations

from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, page, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


async def _help_card(page: Any) -> Any:
    await run_command(page, "help")
    card = page.locator(".message.ephemeral .embed").last
    await card.wait_for()
    await card.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")
    return card


async def test_help_as_the_moderator_lists_every_command_to_click(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Terence Fletcher")
    card = await _help_card(page)
    await card.locator(".e-title", has_text="What you can do here").wait_for()
    text = await card.inner_text()
    for command in ("/film info", "/suggest", "/privacy forget", "/schedule set", "/prompts add", "/replies export"):
        assert command in text, command
    assert "For moderators" in text
    assert await card.locator(".mention", has_text="/schedule set").count() == 1  # a command to click, not code
    assert "</" not in text and ":15" not in text  # no raw mention syntax or ids
    await shot(page, "help-en", docs=True)


async def test_help_as_the_german_member_shows_only_member_commands(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Nicole")
    await page.fill("#composer", "/sch")
    assert await page.locator("#command-picker .pick[data-path^='schedule']").count() == 0  # hidden from members
    await page.fill("#composer", "")
    card = await _help_card(page)
    await card.locator(".e-title", has_text="Das kannst du hier tun").wait_for()
    text = await card.inner_text()
    assert "Die tägliche Diskussion" in text and "/privacy forget" in text and "/suggest" in text
    for hidden in ("/schedule", "/prompts", "/replies", "Für die Moderation"):
        assert hidden not in text, hidden
    for english in ("What you can do", "Your data", "Delete everything"):
        assert english not in text, english
    await shot(page, "help-de", docs=True)
