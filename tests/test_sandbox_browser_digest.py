"""The weekly digest as members see it in the discussion channel, in English and German, in a real browser.

Three daily posts happen through the sandbox's clock jumps and the personas answer; the digest is then set
for the current local day at 00:00 (so it is due at once) and the scheduler ticks. For the German shot the
server's language is switched and the week's digest claim removed, so the same week is posted again in
German. Screenshots: digest-en, digest-de (artifacts/screenshots/).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.app import Sandbox
from bot.storage import DigestSetting
from tests.browser_helpers import answer_daily_posts, chromium, open_channel, page, sandbox, shot
from tests.harness import eventually

__all__ = ["chromium", "page", "sandbox"]  # the fixtures


ANSWERS = [  # per day: who answers that day's question
    [("Andrew Neiman", "Fletcher pushes too hard, but the solo proves him right?")],
    [("Andrew Neiman", "Not quite my tempo."), ("Nicole", "Ich finde, der Film zeigt beides.")],
    [("Nicole", "Am Ende spielt Andrew nur noch für sich."), ("Andrew Neiman", "Caravan, double time.")],
]


async def _post_digest(sandbox: Sandbox) -> None:
    world = sandbox.world
    assert world is not None
    storage = sandbox.storage
    schedule = await storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None

    async def all_logged() -> bool:
        events: Any = sandbox.bot.get_cog("DiscussionEvents")
        await events.logger.flush()
        return await storage.replies.count_replies(world.guild.id) == 5

    await eventually(all_logged, timeout=10)
    now = sandbox.clock()
    weekday = now.astimezone(ZoneInfo(schedule.timezone)).weekday()
    await storage.digest.save_digest_setting(
        DigestSetting(world.guild.id, weekday, "00:00", True, now - timedelta(days=8))
    )
    events: Any = sandbox.bot.get_cog("DiscussionEvents")
    await events.poster.tick()
    sandbox._push()


async def _show(page: Any, title: str) -> Any:
    head = page.locator(".message .embed", has_text=title).last
    await head.wait_for()
    await head.evaluate("e => e.closest('.message').scrollIntoView({block: 'start'})")
    return head.locator("xpath=ancestor::*[contains(@class, 'message')][1]")


async def test_the_digest_in_english_and_german(page: Any, sandbox: Sandbox) -> None:
    await page.set_viewport_size({"width": 1280, "height": 1400})
    await answer_daily_posts(sandbox, ANSWERS)
    await _post_digest(sandbox)
    await open_channel(page, "daily-discussion")
    message = await _show(page, "This week's discussion")
    text = await message.inner_text()
    assert "3 questions, 5 replies from 2 members" in text, text
    assert "Not quite my tempo." in text and "Go to the reply" in text, text
    await shot(page, "digest-en")

    world = sandbox.world
    assert world is not None
    schedule = await sandbox.storage.discussion.get_schedule(world.guild.id)
    assert schedule is not None
    await sandbox.storage.discussion.save_schedule(dataclasses.replace(schedule, language="de"))
    async with sandbox.storage.transaction() as conn:
        await conn.execute("DELETE FROM digest_posts WHERE guild_id = ?", (world.guild.id,))
    sandbox.clock.jump(timedelta(hours=1))  # past the nonce's window, which would hand back the English message
    await _post_digest(sandbox)
    message = await _show(page, "Die Diskussion dieser Woche")
    text = await message.inner_text()
    assert "3 Fragen, 5 Antworten von 2 Mitgliedern" in text, text
    assert "Zur Antwort" in text and "reply" not in text, text
    await shot(page, "digest-de")
