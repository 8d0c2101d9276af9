"""Schedules that neither skip nor double a day (SPEC §6), end to end against the emulator.

Schedule changes, zone moves, a tick racing `/schedule set`, a machine clock that disagrees with Discord's,
and failures reported once. The clock is injected and the poster ticked by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.content import ContentPack
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, tick
from tests.emulator import DiscordEmulator
from tests.harness import FakeClock, run_bot

THREAD = r"/channels/\d+/messages/\d+/threads$"


async def test_a_failure_retried_all_day_is_reported_to_moderators_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    log_channel = emu.add_text_channel(world.guild, "mod-log")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, log_channel=log_channel)
        emu.fail("POST", THREAD, 503, times=3)  # discord.py does not retry a 503: the poster tries later
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        for _ in range(4):
            await tick(running)
            clock.advance(minutes=5, seconds=1)
        post = await running.storage.get_post(world.guild.id, date(2026, 11, 21))
    assert post is not None and post.thread_id is not None  # the fourth try opened the thread
    reports = emu.messages_in(log_channel)
    assert len(reports) == 1, [r.content for r in reports]
    assert len(bot_posts(emu, world.channel)) == 1
