"""Clock sanity (SPEC §6): a machine clock that disagrees with Discord's neither claims a day nor purges.

Unit tests of the skew logic (bot/clockcheck.py), then the real bot against the emulator, whose REST responses
carry its clock in the `Date` header as Discord's do, with the bot's clock a day or 400 days fast.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.clockcheck import ClockCheck, describe_duration, parse_http_date, skew_of
from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.emulator.server import http_date
from bot.services import Services
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, days_of, logged, schedule, services, tick
from tests.harness import FakeClock, Running, run_bot

T = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
CHECK_LOG = "bot.clockcheck"


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == CHECK_LOG and r.levelno >= logging.ERROR]


def _recoveries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == CHECK_LOG and r.levelno == logging.WARNING]


# ---- the skew of one exchange ---------------------------------------------------------------------------


def test_a_date_inside_the_exchange_is_no_skew() -> None:
    assert skew_of(T, T + timedelta(seconds=3), T + timedelta(seconds=1)) == timedelta(0)
    assert skew_of(T, T, T) == timedelta(0)
    # the Date header is rounded down to the second: a machine at .9 s agrees with Discord's whole second
    assert skew_of(T + timedelta(seconds=0.9), T + timedelta(seconds=0.9), T) == timedelta(0)


def test_skew_is_the_distance_outside_the_exchange() -> None:
    day = timedelta(days=1)
    assert skew_of(T + day, T + day, T) == day - timedelta(seconds=1)  # ahead: the header's second may end later
    assert skew_of(T, T + timedelta(seconds=2), T + timedelta(minutes=7)) == -(timedelta(minutes=7, seconds=-2))
    # a machine clock moved back while the request was in flight is a window, not a skew
    assert skew_of(T + timedelta(hours=5), T, T + timedelta(hours=2)) == timedelta(0)


def test_the_emulators_date_header_is_rfc_7231_and_reads_back() -> None:
    header = http_date(datetime(2026, 11, 21, 8, 0, 0, 750000, tzinfo=UTC))
    assert header == "Sat, 21 Nov 2026 08:00:00 GMT"
    assert parse_http_date(header) == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert parse_http_date(None) is None and parse_http_date("yesterday") is None


async def test_every_emulator_response_carries_its_clock_in_the_date_header(emu: DiscordEmulator) -> None:
    from tests.harness import TOKEN

    async with aiohttp.ClientSession() as http:
        for token in (TOKEN, "wrong"):  # an answer and an error alike
            headers = {"Authorization": f"Bot {token}"}
            async with http.get(emu.api_base + "/oauth2/applications/@me", headers=headers) as response:
                assert response.headers["Date"] == http_date(emu.clock())
                assert response.status == (200 if token == TOKEN else 401)


def test_durations_read_as_days_hours_minutes() -> None:
    assert describe_duration(timedelta(days=1, seconds=-1)) == "1 day"
    assert describe_duration(timedelta(days=400)) == "400 days"
    assert describe_duration(-timedelta(hours=2, minutes=7)) == "2 hours 7 minutes"
    assert describe_duration(timedelta(seconds=20)) == "less than a minute"


# ---- the check: threshold, one line per change, recovery ---------------------------------------------------


def test_up_to_five_minutes_agree_and_beyond_them_do_not() -> None:
    check = ClockCheck(lambda: T, monotonic=Monotonic())
    assert check.agrees  # nothing read yet: nothing to compare with
    check.observe(T, T, T - timedelta(minutes=5, seconds=1))  # exactly 5 minutes ahead, given the rounding
    assert check.agrees and check.skew == timedelta(minutes=5)
    check.observe(T, T, T - timedelta(minutes=5, seconds=2))
    assert not check.agrees
    check.observe(T, T, T + timedelta(minutes=5))  # exactly 5 minutes behind
    assert check.agrees
    check.observe(T, T, T + timedelta(minutes=5, seconds=1))
    assert not check.agrees


def test_disagreement_is_logged_once_and_recovery_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=CHECK_LOG)
    check = ClockCheck(lambda: T, monotonic=Monotonic())
    fast = T + timedelta(days=400)
    for _ in range(5):
        check.observe(fast, fast, T)
    assert _errors(caplog) == [
        "The machine clock is 400 days ahead of Discord's (machine 2027-12-26 07:00:00 UTC, Discord "
        "2026-11-21 07:00:00 UTC): no daily post is claimed and no reply purged until the clocks agree within "
        "5 minutes"
    ]
    for _ in range(3):
        check.observe(T, T, T)
    assert check.agrees
    assert len(_recoveries(caplog)) == 1 and "agrees with Discord's again" in _recoveries(caplog)[0]
    check.observe(T, T, T + timedelta(hours=2))  # it can go wrong again: a new line
    assert len(_errors(caplog)) == 2 and "2 hours behind Discord's" in _errors(caplog)[1]


async def test_confirm_reads_again_when_the_reading_is_old_wrong_or_the_clock_jumped() -> None:
    now = [T]
    mono = Monotonic()
    discord_now = [T]
    check = ClockCheck(lambda: now[0], monotonic=mono)

    async def probe() -> None:
        check.observe(now[0], now[0], discord_now[0])

    probes = 0

    async def counting_probe() -> None:
        nonlocal probes
        probes += 1
        await probe()

    check.probe = counting_probe
    assert await check.confirm() and probes == 1  # nothing read yet
    mono.now += 30
    now[0] += timedelta(seconds=30)
    discord_now[0] += timedelta(seconds=30)
    assert await check.confirm() and probes == 1  # a fresh reading that agrees is enough
    mono.now += 31
    now[0] += timedelta(seconds=31)
    discord_now[0] += timedelta(seconds=31)
    assert await check.confirm() and probes == 2  # over a minute old
    mono.now += 1
    now[0] += timedelta(days=1, seconds=1)  # the machine clock jumps a day right after a reading
    discord_now[0] += timedelta(seconds=1)
    assert not await check.confirm() and probes == 3
    assert not await check.confirm() and probes == 4  # while they disagree, every confirm reads again
    now[0] = discord_now[0]
    assert await check.confirm() and probes == 5 and check.agrees


async def test_a_failing_probe_keeps_the_last_reading() -> None:
    mono = Monotonic()
    check = ClockCheck(lambda: T + timedelta(days=1), monotonic=mono)

    async def down() -> None:
        raise aiohttp.ClientConnectionError("Discord is unreachable")

    check.probe = down
    assert await check.confirm()  # never read, and cannot: nothing to compare with
    check.observe(T + timedelta(days=1), T + timedelta(days=1), T)
    assert not await check.confirm()


# ---- end to end: the bot's clock a day and 400 days fast ------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    """These tests begin a year earlier than the others: the world (and its snowflakes) are made then."""
    return FakeClock(datetime(2025, 11, 21, 6, 0, tzinfo=UTC))


def _privacy(running: Running) -> Services:
    return running.bot.services


async def _a_year_of_history(
    emu: DiscordEmulator, world: World, content: ContentPack, db: Path, clock: FakeClock
) -> None:
    """A post and one reply of 2025-11-21 19:00 UTC, logged by a bot whose clock was right."""
    clock.set(datetime(2025, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="09:00")
        clock.set(datetime(2025, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        thread = emu.get_channel(bot_posts(emu, world.channel)[0].id)
        clock.set(datetime(2025, 11, 21, 19, 0, tzinfo=UTC))
        reply = await emu.send_user_message(thread, world.member, "Not quite my tempo")
        await logged(running, world.guild.id, lambda rows: any(row.message_id == reply.id for row in rows))


@pytest.mark.parametrize("fast", [timedelta(days=1), timedelta(days=400)], ids=["a-day-fast", "400-days-fast"])
async def test_a_fast_clock_neither_posts_nor_purges_until_it_agrees_with_discords(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    fast: timedelta,
) -> None:
    caplog.set_level(logging.INFO, logger=CHECK_LOG)
    db = tmp_path / "bot.db"
    await _a_year_of_history(emu, world, content, db, clock)
    # A year later (364.5 days after the reply, inside the 365-day retention) the machine starts with a fast clock.
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET, clock_offset=fast) as running:
        purger = _privacy(running).purger
        assert purger.skipped >= 1  # the purge at start-up, after the login's first response, did nothing
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))  # 09:00 in Berlin: today's post is due
        for _ in range(3):
            await tick(running)
            await purger.run_once()
        assert len(bot_posts(emu, world.channel)) == 1  # only last year's
        assert await running.storage.replies.count_replies(world.guild.id) == 1
        assert len(_errors(caplog)) == 1, _errors(caplog)
        assert f"{describe_duration(fast)} ahead of Discord's" in _errors(caplog)[0]

        assert running.skewed is not None
        running.skewed.offset = timedelta(0)  # the operator sets the clock right
        await tick(running)
        await tick(running)
        await purger.run_once()
        posts = bot_posts(emu, world.channel)
        assert len(posts) == 2 and await days_of(running, world.guild.id, posts[1:]) == ["2026-11-21"]
        assert await running.storage.replies.count_replies(world.guild.id) == 1  # 364.5 days old: kept
    assert len(_errors(caplog)) == 1 and len(_recoveries(caplog)) == 1


async def test_a_clock_that_jumps_a_day_while_the_bot_runs_claims_nothing_until_it_is_back(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(
        emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET, clock_offset=timedelta(0)
    ) as running:
        await schedule(emu, world, time="09:00")
        assert running.skewed is not None
        running.skewed.offset = timedelta(days=1)  # right after a response: tomorrow's 09:00 has passed
        clock.set(datetime(2026, 11, 21, 7, 30, tzinfo=UTC))
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        poster, _ = services(running)
        outcome = await poster.post_now(world.guild.id)  # a moderator's post-now is refused too
        assert outcome.status == "failed" and bot_posts(emu, world.channel) == []
        assert await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 22)) is None
        running.skewed.offset = timedelta(0)
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
        await tick(running)
        posts = bot_posts(emu, world.channel)
        assert len(posts) == 1 and await days_of(running, world.guild.id, posts) == ["2026-11-21"]
