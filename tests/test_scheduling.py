"""Unit tests with concrete expectations for bot.scheduling (SPEC §5 /schedule, §6)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import (
    ALL_DAYS,
    WEEKDAYS,
    WEEKENDS,
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

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
CHATHAM = ZoneInfo("Pacific/Chatham")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
BEIRUT = ZoneInfo("Asia/Beirut")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def one_sentence(message: str) -> bool:
    """Starts with a capital or a quote, ends with a full stop, and has no other sentence end."""
    return (
        (message[:1].isupper() or message.startswith("“"))
        and len(re.findall(r"[.!?](?:\s|$)", message)) == 1
        and message.endswith(".")
    )


# ---------------------------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  18:05 ", time(18, 5)),
        ("12:00", time(12, 0)),
    ],
)
def test_parse_time_accepts_24_hour_clock(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("25:00", "“25:00” is not a time: use HH:MM on a 24-hour clock from 00:00 to 23:59"),
        ("24:00", "“24:00” is not a time"),
        ("12:60", "“12:60” is not a time"),
        ("09:30:00", "“09:30:00” has seconds"),
        ("9:30 pm", "“9:30 pm” is a 12-hour time: use HH:MM on a 24-hour clock, such as 21:30."),
        ("9pm", "such as 21:00."),
        ("12am", "such as 00:00."),
        ("12:15 PM", "such as 12:15."),
        ("9.30", "“9.30” is not a time: use HH:MM on a 24-hour clock, such as 09:30."),
        ("9h45", "such as 09:45."),
        ("930", "“930” is not a time"),
        ("9:5", "“9:5” is not a time"),
        ("009:30", "“009:30” is not a time"),
        ("", "The time is empty"),
        ("   ", "The time is empty"),
        ("noon", "“noon” is not a time"),
        ("٩:٣٠", "is not a time"),  # non-ASCII digits
        ("-1:30", "is not a time"),
    ],
)
def test_parse_time_rejects_with_one_sentence(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_time(text)
    message = str(caught.value)
    assert fragment in message
    assert one_sentence(message), message
    assert isinstance(caught.value, ValueError)


def test_error_quotes_are_short_and_single_line() -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_time("x" * 500 + "\n@everyone")
    message = str(caught.value)
    assert "\n" not in message
    assert len(message) < 120


# ---------------------------------------------------------------------------------------------- days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", ALL_DAYS),
        ("Every Day", ALL_DAYS),
        ("weekdays", WEEKDAYS),
        ("WEEKENDS", WEEKENDS),
        ("week ends", WEEKENDS),
        ("mon-fri", WEEKDAYS),
        ("Mon - Fri", WEEKDAYS),
        ("mon–fri", WEEKDAYS),  # en dash, as phones type it
        ("mon,wed,fri", {0, 2, 4}),
        (" mon , wed ,fri ", {0, 2, 4}),
        ("mon wed fri", {0, 2, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sun-mon", {6, 0}),
        ("sat-sat", {5}),
        ("tue-mon", ALL_DAYS),
        ("Monday, Wednesday", {0, 2}),
        ("tues,thurs", {1, 3}),
        ("saturdays", {5}),
        ("weekends, wed", {2, 5, 6}),
        ("mon,mon", {0}),
        ("thursday-tuesday", {3, 4, 5, 6, 0, 1}),
    ],
)
def test_parse_days(text: str, expected: set[int]) -> None:
    assert parse_days(text) == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "The days are empty: use daily, weekdays, weekends, a range such as mon-fri"),
        ("funday", "“funday” is not a day: use daily"),
        ("mo", "“mo” is not a day"),
        ("mon,xyz", "“xyz” is not a day"),
        ("mon-", "“mon-” is not a day range"),
        ("mon-wed-fri", "“mon-wed-fri” is not a day range"),
        ("mon-xyz", "“xyz” in “mon-xyz” is not a day"),
        ("weekdays-sun", "“weekdays” in “weekdays-sun” is not a day"),
        (",,", "names no day"),
        ("1-5", "is not a day"),
    ],
)
def test_parse_days_rejects_with_one_sentence(text: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_days(text)
    message = str(caught.value)
    assert fragment in message
    assert one_sentence(message), message


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (ALL_DAYS, "daily"),
        (WEEKDAYS, "weekdays"),
        (WEEKENDS, "weekends"),
        ({0, 2, 4}, "mon,wed,fri"),
        ({4, 5, 6, 0}, "fri-mon"),
        ({0, 1, 2}, "mon-wed"),
        ({0, 1}, "mon,tue"),
        ({6, 0}, "mon,sun"),
        ({2, 4, 5, 6, 0}, "wed,fri-mon"),
        ({0, 1, 2, 3, 4, 6}, "sun-fri"),
        ({3}, "thu"),
    ],
)
def test_format_days(days: set[int], expected: str) -> None:
    assert format_days(days) == expected


def test_format_days_round_trips_every_set() -> None:
    for size in range(1, 8):
        for chosen in combinations(range(7), size):
            days = frozenset(chosen)
            text = format_days(days)
            assert parse_days(text) == days, text
            assert format_days(parse_days(text)) == text
            assert len(text) <= 27


@pytest.mark.parametrize("bad", [set(), {7}, {-1, 2}])
def test_format_days_rejects_invalid_sets(bad: set[int]) -> None:
    with pytest.raises(ValueError):
        format_days(bad)


# ---------------------------------------------------------------------------------------------- zones


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("  AMERICA/NEW_YORK ", "America/New_York"),
        ("america/new york", "America/New_York"),
        ("utc", "UTC"),
        ("Australia/Lord_Howe", "Australia/Lord_Howe"),
        ("US/Eastern", "US/Eastern"),  # a legacy IANA link is still an IANA name
    ],
)
def test_resolve_timezone(name: str, expected: str) -> None:
    zone = resolve_timezone(name)
    assert isinstance(zone, ZoneInfo)
    assert zone.key == expected


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Berlin", "“Berlin” is not an IANA time zone name: use one such as Europe/Berlin"),
        ("new york", "such as America/New_York"),
        ("CEST", "“CEST” is not an IANA time zone name"),
        ("+02:00", "is not an IANA time zone name"),
        ("/etc/passwd", "is not an IANA time zone name"),
        ("../../etc/passwd", "is not an IANA time zone name"),
        ("localtime", "is not an IANA time zone name"),
        ("Factory", "is not an IANA time zone name"),
        ("", "The time zone is empty"),
    ],
)
def test_resolve_timezone_rejects_with_one_sentence(name: str, fragment: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        resolve_timezone(name)
    message = str(caught.value)
    assert fragment in message
    assert one_sentence(message), message


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("berlin", "Europe/Berlin"),
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("new_york", "America/New_York"),
        ("newyork", "America/New_York"),
        ("York", "America/New_York"),
        ("lord howe", "Australia/Lord_Howe"),
        ("kathmandu", "Asia/Kathmandu"),
        ("europe/berlin", "Europe/Berlin"),
        ("utc", "UTC"),
        ("US/Eastern", "US/Eastern"),
        ("los angeles", "America/Los_Angeles"),
    ],
)
def test_search_timezones_best_match_first(query: str, first: str) -> None:
    results = search_timezones(query)
    assert results[0] == first


def _match_kind(name: str, query: str) -> int:
    lowered = name.lower()
    if lowered.rsplit("/", 1)[-1] == query:
        return 0
    if lowered.startswith(query):
        return 1
    if any(word.startswith(query) for word in re.split(r"[/_-]", lowered)):
        return 2
    return 3 if query in lowered else 4


@pytest.mark.parametrize("query", ["ber", "an", "new", "europe/b", "sa", "ch"])
def test_search_timezones_prefix_before_substring(query: str) -> None:
    results = search_timezones(query)
    assert results
    kinds = [_match_kind(name, query) for name in results]
    assert kinds == sorted(kinds), list(zip(results, kinds, strict=True))
    assert 4 not in kinds


def test_search_timezones_city_prefix_beats_substring() -> None:
    results = search_timezones("ber")
    assert results.index("Europe/Berlin") < len([r for r in results if _match_kind(r, "ber") <= 2])
    assert all(name.startswith("Europe/B") for name in search_timezones("europe/b"))


def test_search_timezones_limits() -> None:
    assert len(search_timezones("a")) == 25
    assert len(search_timezones("a", limit=5)) == 5
    assert len(search_timezones("a", limit=500)) == 25
    assert search_timezones("a", limit=0) == []
    assert search_timezones("no such place anywhere") == []


def test_search_timezones_empty_query_gives_common_zones() -> None:
    results = search_timezones("")
    assert 10 <= len(results) <= 25
    assert {"UTC", "Europe/Berlin", "America/New_York", "Europe/London"} <= set(results)
    assert search_timezones("   ", limit=3) == results[:3]
    for name in results:
        resolve_timezone(name)


# ---------------------------------------------------------------------------------------------- run times


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # ordinary days
        (BERLIN, date(2026, 1, 15), time(9, 30), utc(2026, 1, 15, 8, 30)),
        (BERLIN, date(2026, 7, 15), time(9, 30), utc(2026, 7, 15, 7, 30)),
        # spring forward: 02:00-03:00 does not exist; fires at 03:00 CEST
        (BERLIN, date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),
        # fall back: 02:30 happens twice; the first (CEST) occurrence
        (BERLIN, date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        (BERLIN, date(2026, 10, 25), time(3, 0), utc(2026, 10, 25, 2, 0)),
        (NEW_YORK, date(2026, 3, 8), time(2, 15), utc(2026, 3, 8, 7, 0)),
        (NEW_YORK, date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        # Lord Howe moves by 30 minutes: +10:30 <-> +11:00 at 02:00 local
        (LORD_HOWE, date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 30)),  # gap 02:00-02:30 → 02:30
        (LORD_HOWE, date(2026, 10, 4), time(2, 0), utc(2026, 10, 3, 15, 30)),
        (LORD_HOWE, date(2026, 10, 4), time(2, 30), utc(2026, 10, 3, 15, 30)),
        (LORD_HOWE, date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45)),  # 01:30-02:00 twice → +11
        (LORD_HOWE, date(2026, 4, 5), time(2, 0), utc(2026, 4, 4, 15, 30)),
        # Chatham: +12:45 / +13:45, transitions at 02:45 / 03:45 local
        (CHATHAM, date(2026, 9, 27), time(3, 0), utc(2026, 9, 26, 14, 0)),  # gap 02:45-03:45 → 03:45
        (CHATHAM, date(2026, 4, 5), time(3, 0), utc(2026, 4, 4, 13, 15)),  # first, at +13:45
        (KATHMANDU, date(2026, 6, 1), time(9, 0), utc(2026, 6, 1, 3, 15)),
        # Beirut goes back at midnight to 23:00 of the day before, and forward at 00:00 to 01:00
        (BEIRUT, date(2026, 10, 24), time(23, 30), utc(2026, 10, 24, 20, 30)),
        (BEIRUT, date(2026, 3, 29), time(0, 30), utc(2026, 3, 28, 22, 0)),
    ],
)
def test_scheduled_instant(zone: ZoneInfo, day: date, at: time, expected: datetime) -> None:
    result = scheduled_instant(day, at, zone)
    assert result == expected
    assert result.tzinfo is UTC


def test_scheduled_instant_rejects_aware_time() -> None:
    with pytest.raises(ValueError):
        scheduled_instant(date(2026, 1, 1), time(9, 0, tzinfo=UTC), BERLIN)


def test_next_run_is_strictly_after() -> None:
    at = time(9, 30)
    run = utc(2026, 1, 15, 8, 30)
    assert next_run(run - timedelta(microseconds=1), at, BERLIN, ALL_DAYS) == run
    assert next_run(run, at, BERLIN, ALL_DAYS) == run + timedelta(days=1)


def test_next_run_across_spring_forward() -> None:
    after = utc(2026, 3, 28, 1, 0)  # Saturday 02:00 CET
    first = next_run(after, time(2, 30), BERLIN, ALL_DAYS)
    assert first == utc(2026, 3, 28, 1, 30)
    second = next_run(first, time(2, 30), BERLIN, ALL_DAYS)
    assert second == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert next_run(second, time(2, 30), BERLIN, ALL_DAYS) == utc(2026, 3, 30, 0, 30)


def test_next_run_fires_once_in_the_repeated_hour() -> None:
    at = time(2, 30)
    first = next_run(utc(2026, 10, 24, 12, 0), at, BERLIN, ALL_DAYS)
    assert first == utc(2026, 10, 25, 0, 30)
    # half an hour later the wall clock reads 02:30 again (CET): no second run that day
    assert next_run(first, at, BERLIN, ALL_DAYS) == utc(2026, 10, 26, 1, 30)
    assert next_run(utc(2026, 10, 25, 1, 15), at, BERLIN, ALL_DAYS) == utc(2026, 10, 26, 1, 30)


def test_next_run_skips_unscheduled_days() -> None:
    friday_evening = utc(2026, 1, 16, 20, 0)
    assert next_run(friday_evening, time(9, 0), NEW_YORK, WEEKDAYS) == utc(2026, 1, 19, 14, 0)
    assert next_run(friday_evening, time(9, 0), NEW_YORK, frozenset({2})) == utc(2026, 1, 21, 14, 0)


def test_next_run_local_day_differs_from_utc_day() -> None:
    # 2026-01-15 20:00 UTC is already Friday 16th 09:45 in Chatham (+13:45)
    after = utc(2026, 1, 15, 20, 0)
    run = next_run(after, time(10, 0), CHATHAM, frozenset({4}))
    assert run == utc(2026, 1, 15, 20, 15)
    assert local_date(run, CHATHAM) == date(2026, 1, 16)


def test_next_run_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        next_run(datetime(2026, 1, 1), time(9), BERLIN, ALL_DAYS)  # naive on purpose
    with pytest.raises(ValueError):
        next_run(utc(2026, 1, 1), time(9), BERLIN, frozenset())
    with pytest.raises(ValueError):
        next_run(utc(2026, 1, 1), time(9), BERLIN, frozenset({7}))


def test_next_run_accepts_any_aware_input() -> None:
    after = datetime(2026, 1, 15, 9, 0, tzinfo=BERLIN)
    assert next_run(after, time(9, 30), BERLIN, ALL_DAYS) == utc(2026, 1, 15, 8, 30)


def test_local_date() -> None:
    assert local_date(utc(2026, 1, 15, 23, 30), BERLIN) == date(2026, 1, 16)
    assert local_date(utc(2026, 1, 15, 3, 0), NEW_YORK) == date(2026, 1, 14)


# ---------------------------------------------------------------------------------------------- is_due


def test_is_due_before_at_and_after_the_run() -> None:
    at, days = time(9, 30), ALL_DAYS
    assert is_due(utc(2026, 1, 15, 8, 29), at, BERLIN, days, None) is None
    assert is_due(utc(2026, 1, 15, 8, 30), at, BERLIN, days, None) == date(2026, 1, 15)
    assert is_due(utc(2026, 1, 15, 8, 30), at, BERLIN, days, date(2026, 1, 14)) == date(2026, 1, 15)
    assert is_due(utc(2026, 1, 15, 8, 30), at, BERLIN, days, date(2026, 1, 15)) is None


def test_is_due_posts_late_the_same_day_but_never_yesterday() -> None:
    at = time(9, 30)
    # down from 09:00 until 22:00 local: posts late, once
    assert is_due(utc(2026, 1, 15, 21, 0), at, BERLIN, ALL_DAYS, date(2026, 1, 14)) == date(2026, 1, 15)
    # down until after midnight: yesterday's post is lost, today's waits for 09:30
    assert is_due(utc(2026, 1, 15, 23, 30), at, BERLIN, ALL_DAYS, date(2026, 1, 14)) is None
    assert is_due(utc(2026, 1, 16, 8, 30), at, BERLIN, ALL_DAYS, date(2026, 1, 14)) == date(2026, 1, 16)


def test_is_due_respects_days() -> None:
    saturday = utc(2026, 1, 17, 15, 0)
    assert is_due(saturday, time(9, 0), NEW_YORK, WEEKDAYS, None) is None
    assert is_due(saturday, time(9, 0), NEW_YORK, WEEKENDS, None) == date(2026, 1, 17)


def test_is_due_in_the_gap_and_the_repeated_hour() -> None:
    at = time(2, 30)
    assert is_due(utc(2026, 3, 29, 0, 59), at, BERLIN, ALL_DAYS, None) is None
    assert is_due(utc(2026, 3, 29, 1, 0), at, BERLIN, ALL_DAYS, None) == date(2026, 3, 29)
    day = date(2026, 10, 25)
    assert is_due(utc(2026, 10, 25, 0, 30), at, BERLIN, ALL_DAYS, None) == day
    assert is_due(utc(2026, 10, 25, 1, 30), at, BERLIN, ALL_DAYS, day) is None  # 02:30 CET, already posted


def test_is_due_never_goes_back_to_a_posted_day() -> None:
    # a date recorded as posted that is later than "today" (clock skew, a zone change) blocks posting
    assert is_due(utc(2026, 1, 15, 12, 0), time(9), BERLIN, ALL_DAYS, date(2026, 1, 16)) is None


# ---------------------------------------------------------------------------------------------- nonce


def test_daily_nonce() -> None:
    nonce = daily_nonce(1234567890123456789, date(2026, 3, 29))
    assert nonce == daily_nonce(1234567890123456789, date(2026, 3, 29))
    assert len(nonce) == 25
    assert re.fullmatch(r"d[a-z2-7]{24}", nonce)
    assert nonce != daily_nonce(1234567890123456789, date(2026, 3, 30))
    assert nonce != daily_nonce(1234567890123456788, date(2026, 3, 29))
    assert len(daily_nonce(2**64 - 1, date.max)) == 25
    assert len(daily_nonce(0, date.min)) == 25


def test_daily_nonce_rejects_bad_ids() -> None:
    with pytest.raises(ValueError):
        daily_nonce(-1, date(2026, 1, 1))
    with pytest.raises(ValueError):
        daily_nonce(True, date(2026, 1, 1))


def test_daily_nonce_distinct_over_a_grid() -> None:
    nonces = {
        daily_nonce(guild, date(2026, 1, 1) + timedelta(days=offset))
        for guild in range(10**17, 10**17 + 150)
        for offset in range(366)
    }
    assert len(nonces) == 150 * 366


# ---------------------------------------------------------------------------------------------- rotation


def test_choose_prompt_empty_pool() -> None:
    assert choose_prompt([], ["a"], {}) is None


def test_choose_prompt_queue_first() -> None:
    pool = ["a", "b", "c"]
    assert choose_prompt(pool, ["c", "a"], {"a": 1, "b": 2, "c": 3}) == "c"
    assert choose_prompt(pool, ["gone", "b"], {}) == "b"  # the first queued id still in the pool
    assert choose_prompt(pool, ["gone"], {"a": 5, "b": 4, "c": 6}) == "b"


def test_choose_prompt_never_used_then_least_recent() -> None:
    pool = ["a", "b", "c", "d"]
    assert choose_prompt(pool, [], {"a": 3, "b": 1, "c": 2}) == "d"
    assert choose_prompt(pool, [], {"a": 3, "b": 1, "c": 2, "d": 4}) == "b"
    stamps = {
        "a": utc(2026, 1, 3),
        "b": utc(2026, 1, 1),
        "c": utc(2026, 1, 2),
        "d": datetime(2026, 1, 1, 2, tzinfo=ZoneInfo("Asia/Tokyo")),  # 2025-12-31 17:00 UTC
    }
    assert choose_prompt(pool, [], stamps) == "d"


def test_choose_prompt_ignores_unknown_and_disabled_ids() -> None:
    assert choose_prompt(["a", "b"], [], {"zzz": 0, "a": 1}) == "b"
    assert choose_prompt(["a"], [], {"a": 1}) == "a"


def test_choose_prompt_rejects_mixed_recency() -> None:
    with pytest.raises(TypeError):
        choose_prompt(["a", "b"], [], {"a": 1, "b": utc(2026, 1, 1)})
    with pytest.raises(ValueError):
        choose_prompt(["a", "b"], [], {"a": datetime(2026, 1, 1), "b": utc(2026, 1, 1)})


def test_choose_prompt_is_deterministic_and_varies_by_seed() -> None:
    pool = [f"p{i}" for i in range(30)]
    firsts = {choose_prompt(pool, [], {}, seed=seed) for seed in range(20)}
    assert len(firsts) > 5
    assert choose_prompt(pool, [], {}, seed=7) == choose_prompt(list(reversed(pool)), [], {}, seed=7)
    # pinned so that a change of hash (e.g. to Python's salted hash()) shows up
    assert choose_prompt(["a", "b", "c", "d"], [], {}, seed=0) == choose_prompt(["a", "b", "c", "d"], [], {})
    assert choose_prompt(["a", "b", "c", "d"], [], {}, seed=123456789012345678) in {"a", "b", "c", "d"}


# ---------------------------------------------------------------------------------------------- thread name


FALLBACK = "Question of the day no. 12"


def test_thread_name_is_the_question_itself() -> None:
    assert thread_name("Is Fletcher satisfied with Andrew?", fallback=FALLBACK) == "Is Fletcher satisfied with Andrew?"
    assert thread_name("  Two\nlines\t here? ", fallback=FALLBACK) == "Two lines here?"
    assert thread_name("Wie weit würdest du gehen?", fallback="Frage des Tages Nr. 4") == "Wie weit würdest du gehen?"


def test_thread_name_of_an_empty_question_is_the_fallback() -> None:
    assert thread_name("", fallback=FALLBACK) == FALLBACK
    assert thread_name(" \n\t", fallback=FALLBACK) == FALLBACK


def test_thread_name_truncates_on_a_word_boundary() -> None:
    text = "Fletcher says there are no two words more harmful than good job; " * 3
    name = thread_name(text, fallback=FALLBACK)
    assert len(name) <= 100
    assert name.endswith("…")
    body = name.removesuffix("…")
    assert text.startswith(body)
    assert text[len(body)] in " ;"  # cut at the end of a word
    assert not body.endswith((" ", ";"))


def test_thread_name_hard_cuts_one_long_word() -> None:
    name = thread_name("a" * 300, fallback=FALLBACK)
    assert name == "a" * 99 + "…"


def test_thread_name_counts_astral_characters_twice() -> None:
    name = thread_name("🥁" * 200, fallback=FALLBACK)
    assert len(name.encode("utf-16-le")) // 2 <= 100
    assert name.endswith("🥁…")


def test_a_skipped_local_date_has_no_run() -> None:
    # Samoa skipped 2011-12-30 when it moved across the date line
    apia = ZoneInfo("Pacific/Apia")
    after = utc(2011, 12, 29, 12, 0)  # 2011-12-29 02:00 local
    runs = [next_run(after, time(9), apia, ALL_DAYS)]
    runs.append(next_run(runs[0], time(9), apia, ALL_DAYS))
    assert [local_date(run, apia) for run in runs] == [date(2011, 12, 29), date(2011, 12, 31)]
    assert is_due(utc(2011, 12, 30, 18, 59), time(9), apia, ALL_DAYS, date(2011, 12, 29)) is None  # 08:59 on the 31st
    assert is_due(utc(2011, 12, 30, 19, 0), time(9), apia, ALL_DAYS, date(2011, 12, 29)) == date(2011, 12, 31)
