"""/discussion me and /discussion leaderboard as members see them, in English and German, in a real browser.

Three daily posts happen through the sandbox's clock jumps; the personas answer in the threads. Screenshots:
me-en, me-de, leaderboard-en, leaderboard-de (artifacts/screenshots/).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, answer_daily_posts, chromium, open_channel, page, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

ANSWERS = [  # per day: who answers that day's question
    [("Andrew Neiman", "Fletcher pushes too hard, but the solo proves him right?")],
    [("Andrew Neiman", "Not quite my tempo."), ("Nicole", "Ich finde, der Film zeigt beides.")],
    [("Nicole", "Am Ende spielt Andrew nur noch für sich."), ("Andrew Neiman", "Caravan, double time.")],
]


async def _top_of(embed: Any) -> None:
    await embed.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")


async def _me(page: Any, button: str, shown: str) -> Any:
    """/discussion me, then the leaderboard button; the updated card once it says `shown`."""
    await run_command(page, "discussion me")
    card = page.locator(".message.ephemeral .embed").last
    await card.locator(".e-field-name").first.wait_for()
    await page.locator(".message.ephemeral .btn", has_text=button).last.click()
    card = page.locator(".message.ephemeral .embed").last
    await card.locator(".e-desc", has_text=shown).wait_for()
    return card


async def test_me_and_the_leaderboard_in_english_and_german(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 900})
    await answer_daily_posts(sandbox, ANSWERS)
    await open_channel(page, "general")

    await act_as(page, "Andrew Neiman")
    card = await _me(page, "Show me on the leaderboard", "You appear on the leaderboard")
    text = await card.inner_text()
    assert "3 days in a row" in text and "3 replies" in text, text
    await _top_of(card)
    await shot(page, "me-en")

    await act_as(page, "Nicole")
    card = await _me(page, "In der Bestenliste zeigen", "Du stehst in der Bestenliste")
    text = await card.inner_text()
    assert "2 Tage in Folge" in text and "2 Antworten" in text, text
    await _top_of(card)
    await shot(page, "me-de")

    await run_command(page, "discussion leaderboard")
    board = page.locator(".message .embed", has_text="Bestenliste der Tagesdiskussion").last
    await board.wait_for()
    text = await board.inner_text()
    assert "1. Andrew Neiman: 3 Tage in Folge · 3 Antworten" in text, text
    assert "2. Nicole: 2 Tage in Folge · 2 Antworten" in text, text
    await _top_of(board)
    await shot(page, "leaderboard-de")

    await act_as(page, "Andrew Neiman")
    await run_command(page, "discussion leaderboard")
    board = page.locator(".message .embed", has_text="Daily discussion leaderboard").last
    await board.wait_for()
    text = await board.inner_text()
    assert "1. Andrew Neiman: 3 days in a row · 3 replies · best: 3 days" in text, text
    await _top_of(board)
    await shot(page, "leaderboard-en")
