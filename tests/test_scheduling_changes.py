"""Unit and property tests for schedule changes: day_end, run_after_change, wait_for_previous_day (SPEC §6),
and the storage that backs them (schedule versions, the compare-and-set on next_run_at, the latest post)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.scheduling import (
    ALL_DAYS,
    day_end,
    local_date,
    next_run,
    run_after_change,
    scheduled_instant,
    wait_for_previous_day,
)
from bot.storage import Schedule, Storage

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZONES = ["Europe/Berlin", "America/New_York", "Pacific/Auckland", "Asia/Kathmandu", "America/Santiago", "UTC"]
BERLIN = ZoneInfo("Europe/Berlin")

zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)
times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
days_sets = st.frozensets(st.integers(0, 6), min_size=1)


# ---- day_end ----------------------------------------------------------------------------------------


def test_day_end_is_local_midnight_and_follows_daylight_saving() -> None:
    assert day_end(date(2026, 11, 21), BERLIN) == datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    assert day_end(date(2026, 3, 28), BERLIN) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # before the gap
    assert day_end(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # a 23-hour day


def test_day_end_in_a_midnight_gap_is_the_end_of_the_gap() -> None:
    # Santiago moves from 00:00 to 01:00 on 2026-09-06: the 5th ends when the 6th begins, at 01:00 local.
    santiago = ZoneInfo("America/Santiago")
    ends = day_end(date(2026, 9, 5), santiago)
    assert local_date(ends, santiago) == date(2026, 9, 6)
    assert local_date(ends - timedelta(seconds=1), santiago) == date(2026, 9, 5)


@FAST
@given(instants, zones)
def test_day_end_is_the_first_instant_of_the_next_local_date(now: datetime, tz: ZoneInfo) -> None:
    today = local_date(now, tz)
    ends = day_end(today, tz)
    assert now < ends
    assert local_date(ends, tz) == today + timedelta(days=1)
    assert local_date(ends - timedelta(seconds=1), tz) == today


# ---- run_after_change -----------------------------------------------------------------------------------


def test_a_change_to_a_time_already_passed_today_runs_at_once() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    assert run_after_change(now, time(9, 0), BERLIN, ALL_DAYS, today_claimed=False) == now
    tomorrow = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert run_after_change(now, time(9, 0), BERLIN, ALL_DAYS, today_claimed=True) == tomorrow
    assert next_run(now, time(9, 0), BERLIN, ALL_DAYS) == tomorrow  # what a new schedule gets


def test_a_change_to_a_later_time_today_runs_then() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    expected = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
    assert run_after_change(now, time(12, 0), BERLIN, ALL_DAYS, today_claimed=False) == expected


def test_a_change_on_an_unscheduled_day_waits_for_the_next_scheduled_one() -> None:
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert run_after_change(saturday, time(9, 0), BERLIN, frozenset(range(5)), today_claimed=False) == monday


@FAST
@given(instants, times, zones, days_sets, st.booleans())
def test_a_change_never_skips_today_and_never_runs_in_the_past(
    now: datetime, at: time, tz: ZoneInfo, days: frozenset[int], claimed: bool
) -> None:
    first = run_after_change(now, at, tz, days, today_claimed=claimed)
    assert first >= now
    assert first <= next_run(now, at, tz, days)
    today = local_date(now, tz)
    run = scheduled_instant(today, at, tz)
    if claimed or today.weekday() not in days or local_date(run, tz) != today:
        assert first == next_run(now, at, tz, days)
    else:  # today is still due: at its run if ahead, else at once
        assert first == (now if run <= now else run)


# ---- wait_for_previous_day ------------------------------------------------------------------------------


def test_a_post_after_moving_east_waits_for_the_previous_posts_day_to_end() -> None:
    auckland = ZoneInfo("Pacific/Auckland")
    now = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)  # 09:00 on the 22nd in Auckland, 21:00 on the 21st in Berlin
    assert wait_for_previous_day(now, date(2026, 11, 21), BERLIN) == datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
    assert local_date(datetime(2026, 11, 21, 23, 0, tzinfo=UTC), auckland) == date(2026, 11, 22)
    assert wait_for_previous_day(now, date(2026, 11, 21), auckland) is None  # that day ended long ago


@FAST
@given(instants, zones, st.integers(-2, 2))
def test_no_wait_once_the_previous_day_has_ended(now: datetime, tz: ZoneInfo, shift: int) -> None:
    previous = local_date(now, tz) + timedelta(days=shift)
    waited = wait_for_previous_day(now, previous, tz)
    if previous < local_date(now, tz):
        assert waited is None
    else:
        assert waited == day_end(previous, tz) and waited > now


# ---- storage ------------------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _schedule(next_run_at: int, channel: int = 10) -> Schedule:
    return Schedule(1, channel, "09:00", "Europe/Berlin", 127, None, None, None, False, next_run_at, NOW)


async def test_next_run_is_advanced_only_for_the_schedule_version_that_was_read(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.discussion.save_schedule(_schedule(100))
        read = await storage.discussion.get_schedule(1)
        assert read is not None
        await storage.discussion.save_schedule(_schedule(200, channel=11))  # /schedule set meanwhile
        assert not await storage.discussion.set_next_run(1, 300, read.version)
        changed = await storage.discussion.get_schedule(1)
        assert changed is not None and changed.next_run_at == 200 and changed.version == read.version + 1
        assert await storage.discussion.set_next_run(1, 300, changed.version)
        await storage.discussion.set_paused(1, True, 300, NOW)
        paused = await storage.discussion.get_schedule(1)
        assert paused is not None and paused.version == changed.version + 1 and paused.next_run_at == 300


async def test_latest_post_keeps_its_zone_and_ignores_failed_days(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.discussion.claim_post(1, date(2026, 11, 21), "p1", 10, "n1", NOW, "Europe/Berlin")
        await storage.discussion.claim_post(1, date(2026, 11, 22), "p2", 10, "n2", NOW, "Pacific/Auckland")
        await storage.discussion.record_post_error(1, date(2026, 11, 22), "gone", failed=True)
        latest = await storage.discussion.latest_post(1)
        assert latest is not None and latest.post_date == date(2026, 11, 21) and latest.timezone == "Europe/Berlin"
        assert await storage.discussion.latest_post(2) is None
