"""Property tests for bot.scheduling: DST transitions in awkward zones, exactly-once, rotation, parsing.

The oracles here deliberately avoid the module's own gap arithmetic: they find the first valid local minute
by scanning minute by minute and the first occurrence of an ambiguous time by trying both folds.
"""

from __future__ import annotations

import functools
import random
import re
import string
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.scheduling import (
    ALL_DAYS,
    ScheduleInputError,
    choose_prompt,
    daily_nonce,
    format_days,
    is_due,
    local_date,
    next_run,
    parse_days,
    parse_time,
    resolve_timezone,
    scheduled_instant,
    search_timezones,
    thread_name,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# (zone, year): zones with hour, half-hour and 45-minute offsets, 30-minute DST shifts (Lord Howe), and
# transitions at midnight (Beirut, Santiago, and São Paulo while it still had DST).
ZONE_YEARS = [
    ("Europe/Berlin", 2026),
    ("America/New_York", 2026),
    ("Australia/Lord_Howe", 2026),
    ("Asia/Kathmandu", 2026),
    ("Pacific/Chatham", 2026),
    ("UTC", 2026),
    ("Asia/Beirut", 2026),
    ("America/Santiago", 2026),
    ("America/Sao_Paulo", 2018),
]

days_sets = st.frozensets(st.integers(0, 6), min_size=1)
# times near the usual transition hours are over-represented
hours = st.one_of(st.sampled_from([0, 1, 2, 3, 23]), st.integers(0, 23))
minutes = st.one_of(st.sampled_from([0, 15, 30, 44, 45, 59]), st.integers(0, 59))
times = st.builds(time, hours, minutes)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


@functools.cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """Every UTC instant in (about) ``year`` at which the zone's offset changes, to the second."""
    tz = ZoneInfo(zone_name)
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(days=2)
    found = []
    previous = start.astimezone(tz).utcoffset()
    for hour in range(1, (366 + 4) * 24):
        instant = start + timedelta(hours=hour)
        offset = instant.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = instant - timedelta(hours=1), instant
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    high = middle
                else:
                    low = middle
            found.append(high)
            previous = offset
    return tuple(found)


def oracle_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """First valid local minute at or after ``at`` on ``day`` (scanning), at its first occurrence."""
    local = datetime.combine(day, at)
    for step in range(48 * 60):
        candidate = local + timedelta(minutes=step)
        instants = [
            instant
            for fold in (0, 1)
            if _wall(instant := candidate.replace(tzinfo=tz, fold=fold).astimezone(UTC), tz) == candidate
        ]
        if instants:
            return min(instants)
    raise AssertionError("no valid minute within two days")


def oracle_run(day: date, at: time, tz: ZoneInfo, days: frozenset[int]) -> datetime | None:
    if day.weekday() not in days:
        return None
    instant = oracle_instant(day, at, tz)
    return instant if instant.astimezone(tz).date() == day else None


@st.composite
def zone_and_instant(draw: st.DrawFn) -> tuple[ZoneInfo, datetime]:
    """A zone and an instant, usually within two days of one of its transitions."""
    zone_name, year = draw(st.sampled_from(ZONE_YEARS))
    points = transitions(zone_name, year)
    if points and draw(st.integers(0, 4)) > 0:
        anchor = draw(st.sampled_from(points))
        offset = draw(
            st.one_of(
                st.integers(-2 * 86400, 2 * 86400),
                st.integers(-2 * 3600, 2 * 3600),
                st.sampled_from([-3600, -1800, -60, -1, 0, 1, 60, 1800, 3600]),
            )
        )
    else:
        anchor = datetime(year, 1, 1, tzinfo=UTC)
        offset = draw(st.integers(0, 365 * 86400))
    return ZoneInfo(zone_name), anchor + timedelta(seconds=offset)


# ---------------------------------------------------------------------------------------------- next_run


@FAST
@given(zone_and_instant(), times, days_sets)
def test_next_run_matches_oracle(zone_instant: tuple[ZoneInfo, datetime], at: time, days: frozenset[int]) -> None:
    tz, after = zone_instant
    run = next_run(after, at, tz, days)
    assert run.tzinfo is UTC
    assert run > after
    run_day = local_date(run, tz)
    assert run_day.weekday() in days
    # the local time, or the first valid minute after it when it falls in a gap
    expected = oracle_instant(run_day, at, tz)
    assert run == expected
    wall = _wall(run, tz)
    assert wall.second == 0
    assert wall.time() >= at
    if wall.time() != at:
        assert _wall(datetime.combine(run_day, at).replace(tzinfo=tz).astimezone(UTC), tz).time() != at
    # never skips a scheduled day: no run of any local day falls strictly between after and run
    day = local_date(after, tz) - timedelta(days=1)
    while day <= run_day:
        other = oracle_run(day, at, tz, days)
        assert other is None or not (after < other < run), (day, other)
        day += timedelta(days=1)


@FAST
@given(zone_and_instant(), times, days_sets)
def test_scheduled_instant_is_on_its_day_and_first_occurrence(
    zone_instant: tuple[ZoneInfo, datetime], at: time, days: frozenset[int]
) -> None:
    tz, moment = zone_instant
    day = local_date(moment, tz)
    instant = scheduled_instant(day, at, tz)
    assert instant == oracle_instant(day, at, tz)
    assert local_date(instant, tz) == day
    # the first occurrence: a minute earlier the wall clock had not yet reached the scheduled time
    assert _wall(instant - timedelta(minutes=1), tz) < datetime.combine(day, at) or (
        _wall(instant - timedelta(minutes=1), tz).date() != day
    )


@pytest.mark.parametrize(("zone_name", "year"), ZONE_YEARS)
@pytest.mark.parametrize("at", [time(0, 0), time(0, 30), time(1, 45), time(2, 0), time(2, 30), time(3, 0)])
@pytest.mark.parametrize("days", [ALL_DAYS, frozenset({0, 2, 6})])
def test_one_run_per_scheduled_local_day_for_a_year(zone_name: str, year: int, at: time, days: frozenset[int]) -> None:
    tz = ZoneInfo(zone_name)
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC) - timedelta(microseconds=1)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    runs = []
    moment = start
    while True:
        moment = next_run(moment, at, tz, days)
        if moment >= end:
            break
        runs.append(moment)
    run_days = [local_date(run, tz) for run in runs]
    assert len(run_days) == len(set(run_days)), "two runs on one local day"
    assert run_days == sorted(run_days)
    expected_days = [
        date(year, 1, 1) + timedelta(days=offset)
        for offset in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)
        if (date(year, 1, 1) + timedelta(days=offset)).weekday() in days
    ]
    assert run_days == expected_days
    for run, day in zip(runs, run_days, strict=True):
        assert run == scheduled_instant(day, at, tz)


# ---------------------------------------------------------------------------------------------- is_due


@FAST
@given(
    zone_and_instant(),
    times,
    days_sets,
    st.lists(st.integers(0, 4 * 86400), min_size=1, max_size=60),
    st.sampled_from([None, -1, -2, -9]),
)
def test_is_due_posts_once_per_day_and_only_today(
    zone_instant: tuple[ZoneInfo, datetime],
    at: time,
    days: frozenset[int],
    tick_offsets: list[int],
    initial: int | None,
) -> None:
    tz, origin = zone_instant
    ticks = sorted(origin + timedelta(seconds=offset) for offset in tick_offsets)
    last_posted = None if initial is None else local_date(ticks[0], tz) + timedelta(days=initial)
    posted: list[date] = []
    for now in ticks:
        today = local_date(now, tz)
        due = is_due(now, at, tz, days, last_posted)
        if due is None:
            # not due: nothing scheduled yet today, or today is already posted
            run = oracle_run(today, at, tz, days)
            assert run is None or run > now or last_posted == today
            continue
        assert due == today, "only ever today's date"
        assert due not in posted, "never the same day twice"
        assert due.weekday() in days
        assert scheduled_instant(due, at, tz) <= now
        posted.append(due)
        last_posted = due
        # a duplicate tick at the same instant (or a retry) finds nothing to do
        assert is_due(now, at, tz, days, last_posted) is None
    assert posted == sorted(posted)


# ---------------------------------------------------------------------------------------------- nonce


@FAST
@given(st.integers(0, 2**64 - 1), st.dates())
def test_daily_nonce_shape(guild_id: int, day: date) -> None:
    nonce = daily_nonce(guild_id, day)
    assert len(nonce) <= 25
    assert nonce == daily_nonce(guild_id, day)
    assert not nonce.isdigit()
    assert nonce.isascii() and nonce.isalnum()


@FAST
@given(st.integers(0, 2**64 - 1), st.dates(), st.integers(0, 2**64 - 1), st.dates())
def test_daily_nonce_distinct(guild_a: int, day_a: date, guild_b: int, day_b: date) -> None:
    if (guild_a, day_a) != (guild_b, day_b):
        assert daily_nonce(guild_a, day_a) != daily_nonce(guild_b, day_b)


# ---------------------------------------------------------------------------------------------- rotation


prompt_ids = st.text(alphabet=string.ascii_lowercase + string.digits + "-", min_size=1, max_size=8)


@FAST
@given(st.lists(prompt_ids, min_size=1, max_size=25, unique=True), st.integers(0, 2**63), st.integers(2, 4))
def test_rotation_never_repeats_before_the_pool_is_exhausted(pool: list[str], seed: int, rounds: int) -> None:
    last_used: dict[str, int] = {}
    history: list[str] = []
    for number in range(len(pool) * rounds):
        chosen = choose_prompt(pool, [], last_used, seed=seed)
        assert chosen is not None and chosen in pool
        history.append(chosen)
        last_used[chosen] = number
    for start in range(0, len(history), len(pool)):
        assert sorted(history[start : start + len(pool)]) == sorted(pool)
    # any window of len(pool) consecutive posts has no repeat
    for start in range(len(history) - len(pool) + 1):
        assert len(set(history[start : start + len(pool)])) == len(pool)


@FAST
@given(
    st.lists(prompt_ids, min_size=2, max_size=20, unique=True),
    st.integers(0, 2**63),
    st.data(),
)
def test_rotation_with_queue_additions_and_disabling(pool: list[str], seed: int, data: st.DataObject) -> None:
    """A queued prompt is posted next; otherwise nothing repeats until every enabled prompt was posted."""
    enabled = list(pool)
    last_used: dict[str, datetime] = {}
    clock = datetime(2026, 1, 1, tzinfo=UTC)
    history: list[str] = []
    for _ in range(3 * len(pool)):
        queue: list[str] = []
        action = data.draw(st.sampled_from(["post", "post", "post", "queue", "disable"]))
        if action == "queue":
            queue = [data.draw(st.sampled_from(["not-a-prompt", *enabled])), data.draw(st.sampled_from(enabled))]
        elif action == "disable" and len(enabled) > 1:
            enabled.remove(data.draw(st.sampled_from(enabled)))
        chosen = choose_prompt(enabled, queue, last_used, seed=seed)
        assert chosen is not None and chosen in enabled
        if queue:
            assert chosen == next(q for q in queue if q in enabled)
        else:
            never_used = [p for p in enabled if p not in last_used]
            if never_used:
                assert chosen in never_used
            else:
                assert last_used[chosen] == min(last_used[p] for p in enabled)
            if chosen in history:
                # a repeat only once every other enabled prompt was posted since its last post
                since = history[len(history) - history[::-1].index(chosen) :]
                assert set(enabled) - {chosen} <= set(since)
        history.append(chosen)
        last_used[chosen] = clock
        clock += timedelta(days=1)


@FAST
@given(st.lists(prompt_ids, min_size=1, max_size=20, unique=True), st.integers(0, 2**63), st.randoms())
def test_rotation_is_deterministic_and_order_independent(pool: list[str], seed: int, rng: random.Random) -> None:
    shuffled = list(pool)
    rng.shuffle(shuffled)
    used = {p: i for i, p in enumerate(pool[: len(pool) // 2])}
    assert choose_prompt(pool, [], used, seed=seed) == choose_prompt(shuffled, [], dict(used), seed=seed)


# ---------------------------------------------------------------------------------------------- parsing


@FAST
@given(st.integers(0, 23), st.integers(0, 59), st.booleans(), st.text(" \t", max_size=2))
def test_parse_time_accepts_every_valid_time(hour: int, minute: int, padded: bool, space: str) -> None:
    text = f"{space}{hour:02d}:{minute:02d}{space}" if padded else f"{hour}:{minute:02d}"
    assert parse_time(text) == time(hour, minute)


@FAST
@given(st.text(max_size=30))
def test_parse_time_only_raises_schedule_input_error(text: str) -> None:
    try:
        result = parse_time(text)
    except ScheduleInputError as error:
        message = str(error)
        assert message.endswith(".") and "\n" not in message and len(message) < 160
    else:
        assert re.fullmatch(r"\s*\d{1,2}:\d{2}\s*", text, re.ASCII)
        assert result.second == 0 and result.microsecond == 0


DAY_SPELLINGS = [
    ["mon", "monday", "Mon", "MONDAY", "Mondays"],
    ["tue", "tues", "tuesday", "Tue"],
    ["wed", "wednesday", "WED"],
    ["thu", "thur", "thurs", "thursday"],
    ["fri", "friday", "Fri"],
    ["sat", "saturday", "Sat"],
    ["sun", "sunday", "SUNDAY"],
]


@FAST
@given(st.data())
def test_parse_days_accepts_varied_spellings(data: st.DataObject) -> None:
    expected: set[int] = set()
    items = []
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, 6))
        if data.draw(st.booleans()):
            end = data.draw(st.integers(0, 6))
            dash = data.draw(st.sampled_from(["-", " - ", "–", "- "]))
            items.append(
                data.draw(st.sampled_from(DAY_SPELLINGS[start])) + dash + data.draw(st.sampled_from(DAY_SPELLINGS[end]))
            )
            expected |= {(start + k) % 7 for k in range((end - start) % 7 + 1)}
        else:
            items.append(data.draw(st.sampled_from(DAY_SPELLINGS[start])))
            expected.add(start)
    separator = data.draw(st.sampled_from([",", ", ", " , ", " ", ";"]))
    text = separator.join(items)
    assert parse_days(text) == frozenset(expected), text


@FAST
@given(days_sets)
def test_format_days_round_trips(days: frozenset[int]) -> None:
    text = format_days(days)
    assert parse_days(text) == days
    assert parse_days(text.upper()) == days
    assert format_days(parse_days(text)) == text


@FAST
@given(st.text(max_size=30))
def test_parse_days_only_raises_schedule_input_error(text: str) -> None:
    try:
        days = parse_days(text)
    except ScheduleInputError as error:
        assert str(error).endswith(".")
    else:
        assert days and days <= ALL_DAYS


# ---------------------------------------------------------------------------------------------- zones


@FAST
@given(st.text(max_size=40))
def test_search_timezones_shape(query: str) -> None:
    results = search_timezones(query)
    assert len(results) <= 25
    assert len(results) == len(set(results))
    for name in results:
        assert 0 < len(name) <= 100
        assert resolve_timezone(name).key == name


@FAST
@given(st.text(max_size=40))
def test_resolve_timezone_only_raises_schedule_input_error(text: str) -> None:
    try:
        zone = resolve_timezone(text)
    except ScheduleInputError as error:
        assert str(error).endswith(".")
    else:
        assert zone.key.lower() == "_".join(text.split()).lower()


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(search_timezones("a", limit=25) + search_timezones("e", limit=25))))
def test_every_suggestion_is_found_by_its_city(name: str) -> None:
    city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
    assert name in search_timezones(city)


# ---------------------------------------------------------------------------------------------- thread name


@FAST
@given(st.text(max_size=300), st.text(max_size=120))
def test_thread_name_shape(text: str, fallback: str) -> None:
    name = thread_name(text, fallback=fallback)
    assert 0 < len(name.encode("utf-16-le")) // 2 <= 100
    assert all(char.isprintable() for char in name)
    assert name == name.strip()
    normalised = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if not normalised:
        return  # the fallback names it (checked in test_scheduling)
    if len(normalised.encode("utf-16-le")) // 2 <= 100:
        assert name == normalised
    else:
        assert name.endswith("…")
        body = name.removesuffix("…")
        assert body and normalised.startswith(body)
