"""Parsing and formatting a moderator's time and days."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time

from babel import dates as babel_dates
from babel import lists as babel_lists

from bot.i18n import tr
from bot.scheduling._common import (
    _DAY_ABBREVIATIONS,
    _DAY_NAMES,
    ALL_DAYS,
    WEEKDAYS,
    WEEKENDS,
    ScheduleInputError,
    _require_days,
    _shown,
)

# --------------------------------------------------------------------------------------------------------
# Time of day
# --------------------------------------------------------------------------------------------------------

_HH_MM = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)
_WITH_SECONDS = re.compile(r"(\d{1,2}):(\d{2}):\d{2}(?:\.\d+)?", re.ASCII)
_TWELVE_HOUR = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?\s*m?\.?", re.ASCII | re.IGNORECASE)
_OTHER_SEPARATOR = re.compile(r"(\d{1,2})\s*[.hH\s]\s*(\d{2})", re.ASCII)


def parse_time(text: str) -> time:
    """Parse a moderator's posting time given as ``HH:MM`` (or ``H:MM``) on a 24-hour clock.

    Surrounding whitespace is ignored. Seconds, ``24:00``, 12-hour forms such as ``9:30 pm`` and other
    separators such as ``9.30`` are rejected with a :class:`ScheduleInputError` whose sentence says what was
    wrong and, where the intent is clear, the accepted spelling of the same time.

    >>> parse_time("9:05")
    datetime.time(9, 5)
    """
    stripped = text.strip()
    if not stripped:
        raise ScheduleInputError("schedule.input.time_empty", example="09:30")
    match = _HH_MM.fullmatch(stripped)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
        raise ScheduleInputError("schedule.input.time_out_of_range", text=_shown(text), example="09:30")
    match = _WITH_SECONDS.fullmatch(stripped)
    if match is not None:
        example = _example(int(match[1]), int(match[2]))
        raise ScheduleInputError("schedule.input.time_seconds", text=_shown(text), example=example)
    match = _TWELVE_HOUR.fullmatch(stripped)
    if match is not None:
        hour, minute = int(match[1]), int(match[2] or 0)
        if 1 <= hour <= 12 and minute <= 59:
            hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
            example = _example(hour, minute)
        else:
            example = "21:30"
        raise ScheduleInputError("schedule.input.time_12_hour", text=_shown(text), example=example)
    match = _OTHER_SEPARATOR.fullmatch(stripped)
    if match is not None:
        example = _example(int(match[1]), int(match[2]))
        raise ScheduleInputError("schedule.input.time_bad", text=_shown(text), example=example)
    raise ScheduleInputError("schedule.input.time_bad", text=_shown(text), example="09:30")


def _example(hour: int, minute: int) -> str:
    """The HH:MM spelling of a recognisable time, or a generic example if it is out of range."""
    if hour <= 23 and minute <= 59:
        return f"{hour:02d}:{minute:02d}"
    return "09:30"


# --------------------------------------------------------------------------------------------------------
# Days of the week
# --------------------------------------------------------------------------------------------------------

_KEYWORDS: dict[str, frozenset[int]] = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}


def _day_number(token: str) -> int | None:
    """0-6 for a day name: the full name, its plural, or any prefix of at least three letters."""
    for number, name in enumerate(_DAY_NAMES):
        if token == name + "s" or (len(token) >= 3 and name.startswith(token)):
            return number
    return None


def parse_days(text: str) -> frozenset[int]:
    """Parse the days a schedule posts on into weekday numbers (0 = Monday … 6 = Sunday).

    Accepted, case-insensitively and with free spacing: ``daily`` (also ``every day``), ``weekdays``,
    ``weekends``, day names in full (``monday``) or abbreviated to three or more letters (``mon``, ``tues``,
    ``thurs``), inclusive ranges (``mon-fri``; ranges wrap around the week, so ``fri-mon`` is Friday to
    Monday) and lists of any of these separated by commas, semicolons or spaces (``mon, wed, fri``).
    En and em dashes count as hyphens.

    >>> sorted(parse_days("fri-mon"))
    [0, 4, 5, 6]
    """
    lowered = text.strip().lower()
    if not lowered:
        raise ScheduleInputError("schedule.input.days_empty")
    normalised = re.sub(r"\s*[-–—]\s*", "-", lowered)
    normalised = re.sub(r"\bevery\s*day\b", "daily", normalised)
    normalised = re.sub(r"\bweek\s+(days?|ends?)\b", r"week\1", normalised)
    days: set[int] = set()
    for item in re.split(r"[,;\s]+", normalised):
        if not item:
            continue
        if item in _KEYWORDS:
            days |= _KEYWORDS[item]
        elif "-" in item:
            days |= _parse_range(item)
        else:
            number = _day_number(item)
            if number is None:
                raise ScheduleInputError("schedule.input.not_a_day", text=_shown(item))
            days.add(number)
    if not days:
        raise ScheduleInputError("schedule.input.no_day", text=_shown(text))
    return frozenset(days)


def _parse_range(item: str) -> frozenset[int]:
    parts = item.split("-")
    if len(parts) != 2 or not all(parts):
        raise ScheduleInputError("schedule.input.not_a_range", text=_shown(item))
    start, end = (_day_number(part) for part in parts)
    if start is None or end is None:
        bad = parts[0] if start is None else parts[1]
        raise ScheduleInputError("schedule.input.not_a_day_in_range", text=_shown(bad), range=_shown(item))
    length = (end - start) % 7 + 1
    return frozenset((start + offset) % 7 for offset in range(length))


def format_days(days: Iterable[int]) -> str:
    """The canonical compact spelling of a set of weekdays; :func:`parse_days` reads it back unchanged.

    ``daily``, ``weekdays`` and ``weekends`` where they fit exactly; otherwise comma-separated runs, where a
    run of three or more consecutive days is a range. A run through Sunday into Monday is written as one
    wrapping range placed last (``wed,fri-mon``); two-day runs are listed (``mon,tue``).

    >>> format_days({0, 2, 4})
    'mon,wed,fri'
    >>> format_days({4, 5, 6, 0})
    'fri-mon'
    """
    chosen = _require_days(days)
    if chosen == ALL_DAYS:
        return "daily"
    if chosen == WEEKDAYS:
        return "weekdays"
    if chosen == WEEKENDS:
        return "weekends"
    parts: list[str] = []
    for run in _runs(chosen):
        if len(run) >= 3:
            parts.append(f"{_DAY_ABBREVIATIONS[run[0]]}-{_DAY_ABBREVIATIONS[run[-1]]}")
        else:
            parts.extend(_DAY_ABBREVIATIONS[day] for day in run)
    return ",".join(parts)


def _runs(chosen: frozenset[int]) -> list[list[int]]:
    """Consecutive days grouped; a run through Sunday into Monday is one wrapping run, placed last."""
    runs: list[list[int]] = []
    for day in sorted(chosen):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6 and len(runs[0]) + len(runs[-1]) >= 3:
        runs = [*runs[1:-1], runs[-1] + runs[0]]
    return runs


def describe_days(days: Iterable[int], lang: str) -> str:
    """The days in words for a member: "every day", "Monday to Friday", "Monday, Wednesday and Friday".

    Day names and the list's "and" come from Babel in `lang` ('en' or 'de'); runs of three or more days read
    as a range. This is what people read; :func:`format_days` is what they type.

    >>> describe_days({0, 2, 4}, "de")
    'Montag, Mittwoch und Freitag'
    """
    chosen = _require_days(days)
    if chosen == ALL_DAYS:
        return tr(lang, "schedule.days.every_day")
    names = babel_dates.get_day_names("wide", locale=lang)  # 0 = Monday, as in datetime.weekday()
    parts: list[str] = []
    for run in _runs(chosen):
        if len(run) >= 3:
            parts.append(tr(lang, "schedule.days.range", first=names[run[0]], last=names[run[-1]]))
        else:
            parts.extend(names[day] for day in run)
    return babel_lists.format_list(parts, locale=lang)
