"""Schedules that neither skip nor double a day (SPEC §6), end to end against the emulator.

Schedule changes, zone moves, a tick racing `/schedule set`, and failures reported once (a machine clock that
disagrees with Discord's: tests/test_clock_sanity.py). The clock is injected and the poster ticked by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, days_of, schedule, tick
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
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    assert post is not None and post.thread_id is not None  # the fourth try opened the thread
    reports = emu.messages_in(log_channel)
    assert len(reports) == 1, [r.content for r in reports]
    assert len(bot_posts(emu, world.channel)) == 1


# ---- a change never skips a day still due ----------------------------------------------------------------


async def test_moving_the_time_earlier_than_now_posts_today_at_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))  # 10:00 in Berlin
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="20:00")
        clock.advance(minutes=1)
        await schedule(emu, world, time="09:00")  # today's 09:00 has passed, today's post has not gone out
        clock.advance(seconds=30)
        await tick(running)
        posts = bot_posts(emu, world.channel)
        assert await days_of(running, world.guild.id, posts) == ["2026-11-21"]
        clock.set(datetime(2026, 11, 21, 19, 0, 30, tzinfo=UTC))  # the old time: nothing more today
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1
        clock.set(datetime(2026, 11, 22, 8, 0, 30, tzinfo=UTC))  # tomorrow 09:00
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 2


async def test_a_zone_change_that_puts_todays_time_in_the_past_posts_today(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))  # 07:00 in New York, 21:00 in Tokyo
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="18:00", timezone="America/New_York")
        await schedule(emu, world, time="18:00", timezone="Asia/Tokyo")  # Tokyo's 18:00 today has passed
        await tick(running)
        posts = bot_posts(emu, world.channel)
        assert await days_of(running, world.guild.id, posts) == ["2026-11-21"]


async def test_moving_the_time_later_today_posts_at_the_new_time(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        await schedule(emu, world, time="12:00")
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        clock.set(datetime(2026, 11, 21, 11, 0, 30, tzinfo=UTC))
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1


async def test_a_new_schedule_starts_at_its_next_occurrence(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))  # 10:00 in Berlin, after today's 09:00
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        clock.set(datetime(2026, 11, 22, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        posts = bot_posts(emu, world.channel)
        assert await days_of(running, world.guild.id, posts) == ["2026-11-22"]


async def test_a_change_after_todays_post_does_not_post_today_again(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        await schedule(emu, world, time="08:00")
        await schedule(emu, world, time="12:00")
        for hour in (9, 11, 12, 20):
            clock.set(datetime(2026, 11, 21, hour, 0, 30, tzinfo=UTC))
            await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1


# ---- a zone change never doubles a day -------------------------------------------------------------------


def _berlin_days(emu: DiscordEmulator, channel: object) -> list[date]:
    """The Berlin date each daily post in `channel` went out on."""
    from zoneinfo import ZoneInfo

    from bot.emulator.snowflake import snowflake_time

    berlin = ZoneInfo("Europe/Berlin")
    return [snowflake_time(m.id).astimezone(berlin).date() for m in bot_posts(emu, channel)]


async def test_moving_the_zone_east_after_todays_post_and_back_posts_once_a_day(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))  # 09:00 in Berlin: the 21st's post
        await tick(running)
        clock.set(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))  # 13:00 Berlin = 01:00 on the 22nd in Auckland
        await schedule(emu, world, time="09:00", timezone="Pacific/Auckland")
        # Auckland's 09:00 on the 22nd is 21:00 on the 21st in Berlin: the day that already had its post.
        for hour in (20, 21, 22):
            clock.set(datetime(2026, 11, 21, hour, 0, 30, tzinfo=UTC))
            await tick(running)
        assert _berlin_days(emu, world.channel) == [date(2026, 11, 21)]
        clock.set(datetime(2026, 11, 21, 23, 0, 0, tzinfo=UTC))  # midnight in Berlin, noon in Auckland
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 2
        clock.set(datetime(2026, 11, 22, 6, 0, tzinfo=UTC))
        await schedule(emu, world, time="09:00", timezone="Europe/Berlin")  # and back
        for day, hour in ((22, 8), (22, 12), (23, 8)):
            clock.set(datetime(2026, 11, day, hour, 0, 30, tzinfo=UTC))
            await tick(running)
    assert _berlin_days(emu, world.channel) == [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)]


def _local_days(emu: DiscordEmulator, channel: object, zone: str) -> list[date]:
    """The local date in `zone` each daily post in `channel` went out on."""
    from zoneinfo import ZoneInfo

    from bot.emulator.snowflake import snowflake_time

    return [snowflake_time(m.id).astimezone(ZoneInfo(zone)).date() for m in bot_posts(emu, channel)]


async def test_moving_the_zone_west_after_a_late_post_skips_no_day(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        clock.set(datetime(2026, 11, 21, 22, 30, tzinfo=UTC))  # 23:30 in Berlin: the bot was down at 09:00
        await tick(running)
        clock.set(datetime(2026, 11, 21, 22, 35, tzinfo=UTC))  # 17:35 on the 21st in New York
        await schedule(emu, world, time="09:00", timezone="America/New_York")
        for day, hour in ((21, 23), (22, 5), (22, 14), (22, 20), (23, 14)):
            clock.set(datetime(2026, 11, day, hour, 0, 30, tzinfo=UTC))
            await tick(running)
    ny = _local_days(emu, world.channel, "America/New_York")
    assert ny == [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)]


async def test_moving_the_zone_west_past_the_date_of_the_last_post_skips_that_date_in_the_new_zone(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """The documented limit (README, "Zone changes"): days are keyed by local date, one post per key.

    Auckland's post of the 23rd goes out at 15:00 on the 22nd in New York. Moved to New York, the server's 23rd
    finds the 23rd taken: New York's 23rd gets no post, its 22nd and 24th do. Never two posts in one day.
    """
    clock.set(datetime(2026, 11, 22, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00", timezone="Pacific/Auckland")
        clock.set(datetime(2026, 11, 22, 20, 0, 30, tzinfo=UTC))  # 09:00 on the 23rd in Auckland
        await tick(running)
        clock.set(datetime(2026, 11, 22, 20, 5, tzinfo=UTC))  # 15:05 on the 22nd in New York
        await schedule(emu, world, time="09:00", timezone="America/New_York")
        for day, hour in ((22, 21), (23, 11), (23, 14), (23, 20), (24, 14), (25, 14)):
            clock.set(datetime(2026, 11, day, hour, 0, 30, tzinfo=UTC))
            await tick(running)
        keys = [post.post_date for post in await running.storage.discussion.recent_posts(world.guild.id, 10)]
    assert _local_days(emu, world.channel, "America/New_York") == [
        date(2026, 11, 22),
        date(2026, 11, 24),
        date(2026, 11, 25),
    ]
    assert sorted(keys) == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]


# ---- a tick racing /schedule set -----------------------------------------------------------------------


async def test_a_tick_racing_schedule_set_neither_posts_to_the_old_channel_nor_overwrites_the_next_run(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    import asyncio

    from tests.discussion_helpers import services

    new_channel = emu.add_text_channel(world.guild, "new-studio")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        poster, _ = services(running)
        await schedule(emu, world, time="09:00")
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))  # due
        lock = poster._guild_locks[world.guild.id]
        await lock.acquire()  # the server's post is busy (a post-now, say): the tick reads, then waits
        ticking = asyncio.ensure_future(poster.tick())
        await asyncio.sleep(0.05)
        assert not ticking.done()
        await schedule(emu, world, channel=new_channel, time="12:00")  # meanwhile the schedule changes
        lock.release()
        await ticking
        saved = await running.storage.discussion.get_schedule(world.guild.id)
        assert bot_posts(emu, world.channel) == []  # nothing to the old channel
        assert saved is not None and saved.next_run_at == int(datetime(2026, 11, 21, 11, 0, tzinfo=UTC).timestamp())
        clock.set(datetime(2026, 11, 21, 11, 0, 30, tzinfo=UTC))
        await tick(running)
    assert bot_posts(emu, world.channel) == [] and len(bot_posts(emu, new_channel)) == 1
