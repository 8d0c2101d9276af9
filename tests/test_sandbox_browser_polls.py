"""Stance polls as members see them in a real browser (issue 15 §2): the daily post's poll with its answers,
members' votes and, once it has ended, its result, in English and in German, and the result in /discussion stats.

One sandbox per language, so every screenshot is in one language (switching one server's language half-way put
day 1's English poll above day 2's German one): a prompt with a stance is queued, so the next daily post carries
its poll; personas vote by clicking answers in the page. The page's "+1 day" then ends the poll (24 hours) and
brings the next day's post (a prompt without a poll, queued). A reader of the other language checks that the
page's own words follow the reader: the closed poll and /discussion stats, without a screenshot.
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


async def _set_language(sandbox: Sandbox, language: str) -> None:
    world = sandbox.world
    assert world is not None
    schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None
    await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language=language))


async def _next_day_with(sandbox: Sandbox, prompt_id: str, jump: str) -> None:
    """Queue `prompt_id` and press the page's clock button (`next` post, or `day`)."""
    world = sandbox.world
    assert world is not None
    await sandbox.storage.discussion.queue_prompt(world.guild.id, prompt_id, sandbox.clock())
    url = sandbox.url.rstrip("/") + "/api/clock"
    async with aiohttp.ClientSession() as session, session.post(url, json={"jump": jump}) as response:
        assert response.status == 200, await response.text()


async def _poll_ended_next_day(sandbox: Sandbox) -> None:
    """ "+1 day": the poll ends and the next day's post (no poll) is out; the poll's result is recorded."""
    world = sandbox.world
    assert world is not None
    plain = next(p for p in sandbox.content.prompts if p.stance is None)
    await _next_day_with(sandbox, plain.id, "day")

    async def recorded() -> bool:
        today = sandbox.clock().date()
        polls = await sandbox.storage.polls.between(world.guild.id, today - timedelta(days=5), today)
        return len(polls) == 1 and polls[0].finalized

    await eventually(recorded, timeout=15)


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


async def _stats(page: Any, persona: str, title: str) -> tuple[Any, str]:
    await act_as(page, persona)
    await run_command(page, "discussion stats")
    stats = page.locator(".message .embed", has_text=title).last
    await stats.wait_for()
    await stats.evaluate("e => e.closest('.message').scrollIntoView({block: 'end'})")
    return stats, await stats.inner_text()


async def test_the_daily_posts_poll_its_votes_and_result_in_english(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 1100})
    en = next(p for p in sandbox.content.prompts if p.id == EN_PROMPT).stance
    assert en is not None

    await _set_language(sandbox, "en")
    await _next_day_with(sandbox, EN_PROMPT, "next")
    await open_channel(page, "daily-discussion")
    await _vote(page, "Terence Fletcher", en.question, en.answers[0].text)
    await _vote(page, "Andrew Neiman", en.question, en.answers[2].text)
    card = await _poll_card(page, en.question)
    text = await card.inner_text()
    assert "1 vote · 50%" in text and "2 votes · Ends in 2" in text, text
    await shot(page, "poll-en")

    await _poll_ended_next_day(sandbox)
    _, text = await _stats(page, "Andrew Neiman", "Final result")
    assert f"Poll: {en.question}" in text and "Final result: 2 votes in 1 poll." in text, text
    await shot(page, "poll-result-en")

    # A German reader of the English server: the page's words about the poll are hers.
    await act_as(page, "Nicole")
    closed = await (await _poll_card(page, en.question)).inner_text()
    assert "Umfrage beendet" in closed and "Poll closed" not in closed, closed


async def test_the_daily_posts_poll_its_votes_and_result_in_german(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 1100})
    de = next(p for p in sandbox.content.prompts if p.id == DE_PROMPT).stance
    assert de is not None and de.question_de

    await _set_language(sandbox, "de")
    await _next_day_with(sandbox, DE_PROMPT, "next")
    await act_as(page, "Nicole")
    await open_channel(page, "daily-discussion")
    await _vote(page, "Nicole", de.question_de, de.answers[1].text_de or "")
    await _vote(page, "Mona", de.question_de, de.answers[1].text_de or "")
    card = await _poll_card(page, de.question_de)
    text = await card.inner_text()
    assert "2 Stimmen · 100" in text and "Endet in" in text, text
    assert not any(answer.text in text for answer in de.answers), "an English answer in a German poll"
    await shot(page, "poll-de")

    await _poll_ended_next_day(sandbox)
    _, text = await _stats(page, "Nicole", "Endergebnis")
    assert f"Umfrage: {de.question_de}" in text and "Endergebnis: 2 Stimmen in 1 Umfrage." in text, text
    await shot(page, "poll-result-de")

    # An English reader of the German server reads its poll in his own language.
    _, text = await _stats(page, "Andrew Neiman", "Final result")
    assert f"Poll: {de.question}" in text and "Final result: 2 votes in 1 poll." in text, text
