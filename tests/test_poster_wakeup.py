"""The poster sleeps until the next due time on the bot's clock and is woken by changes (issue 16 §1).

Nothing here calls `tick()`: the poster's own loop posts, driven by the injected clock. The clock is moved to
the due second exactly, so a post found there left at its minute, not at a later poll.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.storage import DailyPost, Schedule
from bot.timeutil import Alarm
from tests.conftest import World
from tests.discussion_helpers import bot_posts, schedule
from tests.harness import FakeClock, Running, eventually, run_bot

SAFETY = {"scheduler_tick_seconds": 300.0}  # the safety re-check: five minutes on the bot's clock


async def sent_post(running: Running, guild_id: int, day: date) -> DailyPost:
    """The day's post once it is stored as sent: the poster records that after Discord accepted the message, so
    a post the emulator already shows can still be on its way into the database."""

    async def stored() -> DailyPost | None:
        post = await running.storage.discussion.get_post(guild_id, day)
        return post if post is not None and post.posted_at is not None else None

    result: DailyPost = await eventually(stored)
    return result


async def save_unannounced(running: Running, world: World, local_time: str, due: datetime, clock: FakeClock) -> None:
    """A daily schedule written straight into the database, as another process would: nobody wakes the poster."""
    await running.storage.discussion.save_schedule(
        Schedule(
            guild_id=world.guild.id,
            channel_id=world.channel.id,
            local_time=local_time,
            timezone="Europe/Berlin",
            days=0b1111111,
            ping_role_id=None,
            moderator_role_id=None,
            log_channel_id=None,
            paused=False,
            next_run_at=int(due.timestamp()),
            updated_at=clock(),
        )
    )


async def test_a_schedule_change_wakes_the_sleeping_poster(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY) as running:
        await schedule(emu, world, time="10:00")  # the poster now sleeps until 09:00 UTC
        await schedule(emu, world, time="08:02")  # earlier: only a wake makes it look again
        clock.set(datetime(2026, 11, 21, 7, 2, tzinfo=UTC))  # 08:02 in Berlin, the new time, to the second
        posts = await eventually(lambda: bot_posts(emu, world.channel))
        stored = await sent_post(running, world.guild.id, date(2026, 11, 21))
    assert len(posts) == 1
    assert stored is not None and stored.status == "sent"
    assert stored.posted_at == datetime(2026, 11, 21, 7, 2, tzinfo=UTC)  # at the minute, not at a later poll


async def test_the_poster_wakes_at_the_due_second_of_the_next_day(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY) as running:
        await schedule(emu, world, time="08:01")
        clock.set(datetime(2026, 11, 21, 7, 1, tzinfo=UTC))
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 1)
        clock.set(datetime(2026, 11, 22, 7, 0, 59, tzinfo=UTC))  # one second early: the poster sleeps on
        clock.set(datetime(2026, 11, 22, 7, 1, tzinfo=UTC))
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 2)
        stored = await sent_post(running, world.guild.id, date(2026, 11, 22))
    assert stored is not None and stored.posted_at == datetime(2026, 11, 22, 7, 1, tzinfo=UTC)
    assert len(bot_posts(emu, world.channel)) == 2  # one a day, still exactly once


async def test_a_schedule_nobody_announced_is_found_by_the_safety_recheck(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY) as running:
        # Written straight into the database (as another process would): no wake, so the loop sleeps on
        # until its safety re-check, five minutes after the tick at READY.
        await save_unannounced(running, world, "08:02", datetime(2026, 11, 21, 7, 2, tzinfo=UTC), clock)
        clock.set(datetime(2026, 11, 21, 7, 5, tzinfo=UTC))
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 1)
        stored = await sent_post(running, world.guild.id, date(2026, 11, 21))
    assert stored is not None and stored.posted_at == datetime(2026, 11, 21, 7, 5, tzinfo=UTC)


async def test_a_schedule_falling_due_during_the_tick_is_not_left_to_the_safety_recheck(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """The clock passes a schedule's due second while the tick's query runs: the tick did not see it due, so the
    sleep must end at that second, not five minutes later at the safety re-check (seen in CI: a post late)."""
    clock.set(datetime(2026, 11, 21, 7, 0, 59, tzinfo=UTC))
    due = datetime(2026, 11, 21, 7, 1, tzinfo=UTC)
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY) as running:
        await save_unannounced(running, world, "08:01", due, clock)  # no wake: the loop sleeps on until 07:05:59
        poster = running.bot.services.poster
        stepping = asyncio.current_task()
        query = poster.discussion.due_schedules

        async def slow_query(*args: Any, **kwargs: Any) -> list[Schedule]:
            found: list[Schedule] = await query(*args, **kwargs)
            if asyncio.current_task() is stepping:  # only this test's step, never the loop's own
                clock.set(due)  # the second passes while the query runs
            return found

        poster.discussion.due_schedules = slow_query  # type: ignore[method-assign]
        wake_at = await poster.step()
        assert bot_posts(emu, world.channel) == []  # not due at the tick's moment
        assert wake_at == due  # the sleep ends at the due second
        poster.discussion.due_schedules = query  # type: ignore[method-assign]
        await poster.step()
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 1)
        stored = await sent_post(running, world.guild.id, due.date())
    assert stored.posted_at == due
    assert len(bot_posts(emu, world.channel)) == 1


async def test_resume_wakes_the_poster(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY):
        await schedule(emu, world, time="08:01")
        for command in ("schedule pause", "schedule resume"):
            handle = await emu.invoke(world.guild, world.channel, world.moderator, command, {})
            await handle.message()
        clock.set(datetime(2026, 11, 21, 7, 1, tzinfo=UTC))
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 1)


# ---- the clock-aware sleep itself ---------------------------------------------------------------------


async def test_alarm_ends_when_the_injected_clock_passes_the_moment() -> None:
    clock = FakeClock()
    alarm = Alarm(clock)
    sleeping = asyncio.ensure_future(alarm.sleep_until(clock() + timedelta(hours=2)))
    await asyncio.sleep(0)
    clock.advance(hours=1)  # not yet
    await asyncio.sleep(0.01)
    assert not sleeping.done()
    clock.advance(hours=1)
    assert await asyncio.wait_for(sleeping, 5) is False


async def test_alarm_wake_ends_the_sleep_early_and_is_remembered_until_the_next_sleep() -> None:
    clock = FakeClock()
    alarm = Alarm(clock)
    sleeping = asyncio.ensure_future(alarm.sleep_until(clock() + timedelta(days=1)))
    await asyncio.sleep(0)
    alarm.wake()
    assert await asyncio.wait_for(sleeping, 5) is True
    alarm.wake()  # while nobody sleeps (during a tick): the next sleep returns at once
    assert await asyncio.wait_for(alarm.sleep_until(clock() + timedelta(days=1)), 5) is True


async def test_alarm_on_the_real_clock_rereads_it() -> None:
    moments = [datetime(2026, 1, 1, tzinfo=UTC)]
    alarm = Alarm(lambda: moments[0], reread_seconds=0.01)  # a plain callable: nothing to watch
    sleeping = asyncio.ensure_future(alarm.sleep_until(moments[0] + timedelta(hours=1)))
    await asyncio.sleep(0.02)
    assert not sleeping.done()
    moments[0] += timedelta(hours=1)  # the machine clock stepped forward: noticed at the next re-read
    assert await asyncio.wait_for(sleeping, 5) is False


async def test_a_new_server_wakes_the_poster(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=SAFETY) as running:
        # A schedule kept from the server's earlier stay (written without a wake, as by another process)...
        await save_unannounced(running, world, "08:02", datetime(2026, 11, 21, 7, 2, tzinfo=UTC), clock)
        joined = emu.add_guild("Nassau Band")  # ...and the bot joins a server: the poster looks again
        await eventually(lambda: running.bot.get_guild(joined.id) is not None)
        clock.set(datetime(2026, 11, 21, 7, 2, tzinfo=UTC))  # before the 07:05 safety re-check
        await eventually(lambda: len(bot_posts(emu, world.channel)) == 1)
        stored = await sent_post(running, world.guild.id, date(2026, 11, 21))
    assert stored is not None and stored.posted_at == datetime(2026, 11, 21, 7, 2, tzinfo=UTC)
