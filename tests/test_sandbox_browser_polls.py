"""Stance polls as members see them in a real browser (issue 15 §2): the daily post's poll with its answers,
members' votes and, once it has ended, its result, in English and in German, and the result in /discussion stats.

A prompt with a stance is queued, so the next daily post carries its poll; personas vote by clicking answers in
the page. The sandbox's clock then jumps a day: the poll ends (24 hours) and the page shows it closed.
Screenshots: poll-en, poll-de (the running polls), poll-result-en, poll-result-de (ended, and in stats).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import aiohttp

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, run_command, sandbox, shot
from tests.harness import eventually

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

EN_PROMPT = "q000-06-break-the-spirit"  # Is Fletcher’s method ever justified?
DE_PROMPT = "p002-09-does-showing-mean-endorsing"  # Befürwortet Whiplash Fletchers Methoden …?


async def _next_post_with(sandbox: Sandbox, prompt_id: str, language: str) -> None:
    """Queue `prompt_id`, set the server's language and jump the sandbox's clock to the next daily post."""
    world = sandbox.world
    assert world is not None
    schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None
    await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language=language))
    await sandbox.storage.discussion.queue_prompt(world.guild.id, prompt_id, sandbox.clock())
    url = sandbox.url.rstrip("/") + "/api/clock"
    async with aiohttp.ClientSession() as session, session.post(url, json={"jump": "next"}) as response:
        assert response.status == 200, await response.text()


async def _poll_card(page: Any, question: str) -> Any:
    card = page.locator(".poll", has_text=question).last
    await card.wait_for()
    await card.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")
    return card


async def _vote(page: Any, persona: str, question: str, answer: str) -> None:
    await act_as(page, persona)
    card = await _poll_card(page, question)
    await card.locator(".poll-answer", has_text=answer).click()
    await card.locator(".poll-answer.mine", has_text=answer).wait_for()


async def test_the_daily_posts_poll_its_votes_and_result_in_english_and_german(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 1100})
    content = sandbox.content
    en = next(p for p in content.prompts if p.id == EN_PROMPT).stance
    de = next(p for p in content.prompts if p.id == DE_PROMPT).stance
    assert en is not None and de is not None

    await _next_post_with(sandbox, EN_PROMPT, "en")
    await open_channel(page, "daily-discussion")
    await _vote(page, "Terence Fletcher", en.question, en.answers[0].text)
    await _vote(page, "Andrew Neiman", en.question, en.answers[2].text)
    card = await _poll_card(page, en.question)
    text = await card.inner_text()
    assert "1 vote · 50%" in text and "2 votes · Ends in 2" in text, text
    await shot(page, "poll-en")

    await _next_post_with(sandbox, DE_PROMPT, "de")  # a day later: the English poll has ended
    await _vote(page, "Nicole", de.question_de or "", de.answers[1].text_de or "")
    await _vote(page, "Mona", de.question_de or "", de.answers[1].text_de or "")
    card = await _poll_card(page, de.question_de or "")
    text = await card.inner_text()
    assert "2 Stimmen · 100" in text and "Endet in" in text, text
    assert not any(answer.text in text for answer in de.answers), "an English answer in a German poll"
    closed = await _poll_card(page, en.question)
    assert "Poll closed" not in await closed.inner_text()  # Nicole's page is German
    assert "Umfrage beendet" in await closed.inner_text()
    await _poll_card(page, de.question_de or "")
    await shot(page, "poll-de")

    sandbox.clock.jump(timedelta(days=1, hours=1))  # the German poll ends too
    world = sandbox.world
    assert world is not None

    async def both_recorded() -> bool:
        polls = await sandbox.storage.polls.between(world.guild.id, sandbox.clock().date() - timedelta(days=5),
                                                    sandbox.clock().date())  # fmt: skip
        return len(polls) == 2 and all(poll.finalized for poll in polls)

    await eventually(both_recorded, timeout=15)
    await act_as(page, "Andrew Neiman")
    await run_command(page, "discussion stats")
    stats = page.locator(".message .embed", has_text="Final result").last
    await stats.wait_for()
    await stats.evaluate("e => e.closest('.message').scrollIntoView({block: 'end'})")
    text = await stats.inner_text()
    assert f"Poll: {en.question}" in text and "Final result: 2 votes in 1 poll." in text, text
    assert f"Poll: {de.question}" in text, text  # Andrew reads the German server's poll in his own language
    await shot(page, "poll-result-en")

    await act_as(page, "Nicole")
    await run_command(page, "discussion stats")
    stats = page.locator(".message .embed", has_text="Endergebnis").last
    await stats.wait_for()
    await stats.evaluate("e => e.closest('.message').scrollIntoView({block: 'end'})")
    text = await stats.inner_text()
    assert f"Umfrage: {de.question_de}" in text and "Endergebnis: 2 Stimmen in 1 Umfrage." in text, text
    await shot(page, "poll-result-de")
