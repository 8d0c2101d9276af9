"""What members see of the prompt pool in a real browser: the daily post's question, and a refused fragment
in English (a moderator's /prompts add) and German (a member's suggestion)."""

from __future__ import annotations

from typing import Any

from bot.content.questions import question_problem
from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, run_command, sandbox, shot

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


async def test_the_daily_post_asks_a_complete_question(page: Any, sandbox: Sandbox) -> None:
    await page.click("#jump-next")
    await open_channel(page, "daily-discussion")
    post = page.locator(".message .embed").first
    await post.wait_for()
    shown = await post.text_content() or ""
    asked = [prompt.text for prompt in sandbox.content.prompts if prompt.text in shown]
    assert asked and all(question_problem(question, "en") is None for question in asked)
    await shot(page, "prompt-question-daily-post-en")


async def test_a_fragment_is_refused_in_the_members_language(page: Any, sandbox: Sandbox) -> None:
    await act_as(page, "Terence Fletcher")
    await run_command(page, "prompts add", text="what you care about")
    note = page.locator(".message.ephemeral").last
    await note.locator(".content", has_text="capital letter").wait_for()
    await shot(page, "prompt-question-refused-en")

    await act_as(page, "Nicole")
    await run_command(page, "suggest", text="Ist er zufrieden mit mir?")
    note = page.locator(".message.ephemeral").last
    await note.locator(".content", has_text="gemeint ist").wait_for()
    await shot(page, "prompt-question-refused-de")
