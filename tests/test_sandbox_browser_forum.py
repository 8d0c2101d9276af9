"""Forum mode in a real browser (issue 15): the daily question as tagged forum posts, in English and in German.

A moderator moves the daily post into the demo server's forum with the real `/schedule set channel:#question-forum`
(for the German server with `language:Deutsch`); the sandbox's clock jump makes three days of posts, members
answer in them, and a member opens the forum. Screenshots: forum-en, forum-de (the forum), forum-en-post and
forum-de-post (one post opened).
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.sandbox.app import Sandbox
from tests.browser_helpers import act_as, chromium, open_channel, page, sandbox, shot
from tests.harness import eventually

__all__ = ["chromium", "page", "sandbox"]  # the fixtures

DAYS = 3


async def _move_to_forum(page: Any, moderator: str, language: str | None = None) -> None:
    """The moderator runs /schedule set with the forum, through the page's command form."""
    await act_as(page, moderator)
    await page.fill("#composer", "/schedule set")
    await page.wait_for_selector("#command-picker .pick[data-path='schedule set']")
    await page.press("#composer", "Enter")
    form = page.locator("#command-form")
    await form.locator(".cmd-name").wait_for()
    await form.locator("[name='channel']").select_option(label="#question-forum")
    await form.locator("[name='time']").fill("09:00")
    await form.locator("[name='timezone']").fill("Europe/Berlin")
    if language is not None:
        await form.locator("[name='language']").select_option(label=language)
    await form.locator(".send").click()
    await page.wait_for_selector("#command-form", state="hidden")
    await page.locator(".message.ephemeral", has_text="question-forum").last.wait_for()
    assert await page.locator("#composer-error").is_hidden()


async def _three_days_of_posts(sandbox: Sandbox, answers: list[list[tuple[str, str]]]) -> None:
    """Jump to each day's post and answer in it, through the page's own API."""
    world = sandbox.world
    assert world is not None and world.forum is not None
    forum = world.forum
    people = {p.member.user.global_name or p.member.user.username: p.id for p in world.personas}
    base = sandbox.url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        for day in range(DAYS):
            async with session.post(f"{base}/api/clock", json={"jump": "next"}) as response:
                assert response.status == 200, await response.text()

            def posts(day: int = day) -> list[Any] | None:
                found = [t for t in sandbox.emu.threads if t.parent_id == forum.id]
                return found if len(found) > day else None

            thread = (await eventually(posts, timeout=10))[-1]
            for who, text in answers[day]:
                body = {"as": str(people[who]), "channel": str(thread.id), "content": text}
                async with session.post(f"{base}/api/messages", json=body) as response:
                    assert response.status == 200, await response.text()


async def _open_forum(page: Any) -> Any:
    await open_channel(page, "question-forum")
    cards = page.locator(".forum-post")
    await page.wait_for_function("n => document.querySelectorAll('.forum-post').length === n", arg=DAYS)
    return cards


async def test_forum_mode_in_an_english_server(page: Any, sandbox: Sandbox) -> None:
    await _move_to_forum(page, "Terence Fletcher")
    await _three_days_of_posts(
        sandbox,
        [
            [("Andrew Neiman", "He wanted greatness more than friends."), ("Nicole", "Und was bleibt am Ende?")],
            [("Andrew Neiman", "Fletcher never says good job.")],
            [],
        ],
    )
    await act_as(page, "Andrew Neiman")
    cards = await _open_forum(page)
    newest, oldest = cards.first, cards.last
    assert (await newest.locator(".fp-title").inner_text()).endswith("?")
    tags = await oldest.locator(".fp-tags .forum-tag").all_inner_texts()
    assert tags[0] == "Whiplash" and 2 <= len(tags) <= 5
    assert (await oldest.locator(".fp-meta").inner_text()).strip() == "2 replies"
    assert (await cards.nth(1).locator(".fp-meta").inner_text()).strip() == "1 reply"
    assert (await newest.locator(".fp-meta").inner_text()).strip() == "0 replies"
    forum_tags = await page.locator(".forum-head .forum-tag").all_inner_texts()
    assert forum_tags[:2] == ["Off-topic", "Fan art"] and "Whiplash" in forum_tags and len(forum_tags) <= 20
    await shot(page, "forum-en", docs=True)
    await oldest.click()
    await page.locator(".message", has_text="He wanted greatness").wait_for()
    await shot(page, "forum-en-post")


async def test_forum_mode_in_a_german_server(page: Any, sandbox: Sandbox) -> None:
    await _move_to_forum(page, "Mona", language="Deutsch")
    await _three_days_of_posts(
        sandbox,
        [
            [("Nicole", "Er will Größe, nicht Freundschaft."), ("Andrew Neiman", "Ich auch.")],
            [("Nicole", "Fletcher lobt nie.")],
            [],
        ],
    )
    await act_as(page, "Nicole")
    cards = await _open_forum(page)
    oldest = cards.last
    assert (await oldest.locator(".fp-meta").inner_text()).strip() == "2 Antworten"
    assert (await cards.nth(1).locator(".fp-meta").inner_text()).strip() == "1 Antwort"
    tags = await page.locator(".forum-post .forum-tag").all_inner_texts()
    assert "Spoilers" not in tags  # the spoiler tag reads "Spoiler" in German
    assert not {"Approval & praise", "Teachers & power", "Limits & their cost"} & set(tags)  # no English family
    await shot(page, "forum-de", docs=True)
    await oldest.click()
    await page.locator(".message", has_text="Er will Größe").wait_for()
    await shot(page, "forum-de-post")
