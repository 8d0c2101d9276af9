"""Pure scheduling logic for the daily discussion post (SPEC §5 `/schedule`, §6).

Nothing here talks to Discord or the database. The functions fall into five groups:

* Parsing and formatting moderator input: :func:`parse_time`, :func:`parse_days`, :func:`format_days`,
  :func:`resolve_timezone` and :func:`search_timezones` (for option autocomplete). Bad input raises
  :class:`ScheduleInputError`, whose message is one sentence saying what was wrong and what is accepted.
* Run times across daylight-saving changes: :func:`scheduled_instant`, :func:`next_run`, :func:`local_date`.
  A local time that does not exist on a day (spring-forward gap) runs at the first valid minute after it;
  an ambiguous local time (fall-back) runs once, at its first occurrence.
* The exactly-once decision: :func:`is_due` and :func:`daily_nonce`.
* Rotation: :func:`choose_prompt`.
* Presentation: :func:`thread_name`.

All instants going in must be timezone-aware; all instants coming out are aware UTC datetimes. Weekdays are
integers with 0 = Monday … 6 = Sunday, as :meth:`datetime.date.weekday` returns them.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ALL_DAYS",
    "WEEKDAYS",
    "WEEKENDS",
    "ScheduleInputError",
    "choose_prompt",
    "daily_nonce",
    "format_days",
    "is_due",
    "local_date",
    "next_run",
    "parse_days",
    "parse_time",
    "resolve_timezone",
    "scheduled_instant",
    "search_timezones",
    "thread_name",
]

ALL_DAYS: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))
WEEKENDS: frozenset[int] = frozenset({5, 6})

_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ABBREVIATIONS = tuple(name[:3] for name in _DAY_NAMES)


class ScheduleInputError(ValueError):
    """Moderator input that cannot be accepted; ``str(error)`` is one sentence fit to show the user."""


def _quote(text: str, limit: int = 40) -> str:
    """The user's text, whitespace collapsed and shortened, in typographic quotes for an error sentence."""
    shown = " ".join(text.split())
    if len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return f"“{shown}”"


def _require_aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, not a naive one")
    return moment.astimezone(UTC)


def _require_days(days: Iterable[int]) -> frozenset[int]:
    result = frozenset(days)
    if not result:
        raise ValueError("a schedule needs at least one day")
    if not result <= ALL_DAYS:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(result - ALL_DAYS)}")
    return result


# --------------------------------------------------------------------------------------------------------
# Time of day
# --------------------------------------------------------------------------------------------------------

_TIME_HINT = "use HH:MM on a 24-hour clock, such as"
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
        raise ScheduleInputError(f"The time is empty: {_TIME_HINT} 09:30.")
    match = _HH_MM.fullmatch(stripped)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
        raise ScheduleInputError(
            f"{_quote(text)} is not a time: use HH:MM on a 24-hour clock from 00:00 to 23:59, such as 09:30."
        )
    match = _WITH_SECONDS.fullmatch(stripped)
    if match is not None:
        example = _example(int(match[1]), int(match[2]))
        raise ScheduleInputError(f"{_quote(text)} has seconds, which are not accepted: {_TIME_HINT} {example}.")
    match = _TWELVE_HOUR.fullmatch(stripped)
    if match is not None:
        hour, minute = int(match[1]), int(match[2] or 0)
        if 1 <= hour <= 12 and minute <= 59:
            hour = hour % 12 + (12 if match[3].lower() == "p" else 0)
            example = _example(hour, minute)
        else:
            example = "21:30"
        raise ScheduleInputError(f"{_quote(text)} is a 12-hour time: {_TIME_HINT} {example}.")
    match = _OTHER_SEPARATOR.fullmatch(stripped)
    if match is not None:
        example = _example(int(match[1]), int(match[2]))
        raise ScheduleInputError(f"{_quote(text)} is not a time: {_TIME_HINT} {example}.")
    raise ScheduleInputError(f"{_quote(text)} is not a time: {_TIME_HINT} 09:30.")


def _example(hour: int, minute: int) -> str:
    """The HH:MM spelling of a recognisable time, or a generic example if it is out of range."""
    if hour <= 23 and minute <= 59:
        return f"{hour:02d}:{minute:02d}"
    return "09:30"


# --------------------------------------------------------------------------------------------------------
# Days of the week
# --------------------------------------------------------------------------------------------------------

_DAYS_HINT = "use daily, weekdays, weekends, a range such as mon-fri, or a list such as mon,wed,fri"
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
        raise ScheduleInputError(f"The days are empty: {_DAYS_HINT}.")
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
                raise ScheduleInputError(f"{_quote(item)} is not a day: {_DAYS_HINT}.")
            days.add(number)
    if not days:
        raise ScheduleInputError(f"{_quote(text)} names no day: {_DAYS_HINT}.")
    return frozenset(days)


def _parse_range(item: str) -> frozenset[int]:
    parts = item.split("-")
    if len(parts) != 2 or not all(parts):
        raise ScheduleInputError(f"{_quote(item)} is not a day range: {_DAYS_HINT}.")
    start, end = (_day_number(part) for part in parts)
    if start is None or end is None:
        bad = parts[0] if start is None else parts[1]
        raise ScheduleInputError(f"{_quote(bad)} in {_quote(item)} is not a day: {_DAYS_HINT}.")
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
    runs: list[list[int]] = []
    for day in sorted(chosen):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6 and len(runs[0]) + len(runs[-1]) >= 3:
        runs = [*runs[1:-1], runs[-1] + runs[0]]
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{_DAY_ABBREVIATIONS[run[0]]}-{_DAY_ABBREVIATIONS[run[-1]]}")
        else:
            parts.extend(_DAY_ABBREVIATIONS[day] for day in run)
    return ",".join(parts)


# --------------------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------------------

_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
_COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
_AUTOCOMPLETE_LIMIT = 25  # Discord's maximum number of autocomplete choices
_CHOICE_LENGTH = 100  # Discord's maximum length of a choice's name and value


@functools.cache
def _zone_index() -> dict[str, str]:
    """Lower-cased IANA name → the name as tzdata spells it, for every zone this system knows."""
    names = sorted(zoneinfo.available_timezones() - _NOT_ZONES)
    index: dict[str, str] = {}
    for name in names:
        index.setdefault(name.lower(), name)
    return index


@functools.cache
def _suggestable() -> tuple[tuple[str, str, tuple[str, ...], str], ...]:
    """(name, lower-cased name, its words, squashed city) for the zones offered as suggestions.

    Suggestions are the geographic ``Region/City`` names plus ``UTC``; legacy spellings such as
    ``US/Eastern`` or ``Etc/GMT+5`` are still accepted when typed in full, but not offered.
    """
    rows = []
    for lowered, name in sorted(_zone_index().items(), key=lambda item: item[1]):
        if name == "UTC" or name.startswith(_REGIONS):
            words = tuple(word for word in re.split(r"[/_\-]", lowered) if word)
            rows.append((name, lowered, words, _squash(lowered.rsplit("/", 1)[-1])))
    return tuple(rows)


def _normalise_zone_query(text: str) -> str:
    return "_".join(text.split()).lower()


def _squash(text: str) -> str:
    return re.sub(r"[\s/_\-]", "", text)


def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA time zone name such as ``Europe/Berlin``.

    Matching ignores case and surrounding whitespace, and spaces count as underscores
    (``america/new york`` → ``America/New_York``). Anything that is not an IANA name known to this system
    (abbreviations such as ``CEST``, offsets such as ``+02:00``, bare city names, file paths) raises a
    :class:`ScheduleInputError` that suggests the closest IANA name where there is one.
    """
    query = _normalise_zone_query(name)
    if not query:
        raise ScheduleInputError("The time zone is empty: use an IANA name such as Europe/Berlin.")
    canonical = _zone_index().get(query)
    if canonical is not None:
        try:
            return ZoneInfo(canonical)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    guesses = search_timezones(name, limit=1)
    example = guesses[0] if guesses else "Europe/Berlin"
    raise ScheduleInputError(
        f"{_quote(name)} is not an IANA time zone name: use one such as {example}, picked from the suggestions."
    )


def search_timezones(query: str, limit: int = _AUTOCOMPLETE_LIMIT) -> list[str]:
    """IANA zone names matching what a moderator has typed so far, best first, for Discord autocomplete.

    At most ``min(limit, 25)`` names, each at most 100 characters. Case is ignored and spaces count as
    underscores, so ``berlin`` finds ``Europe/Berlin`` and ``new york`` finds ``America/New_York``. Ranking:
    an exact name or exact city; then names starting with the query; then names with a word (city, region,
    part of a city) starting with it; then names containing it; then cities containing it once spaces,
    underscores and hyphens are ignored (``newyork``, ``portauprince``). Ties sort alphabetically. An empty query
    returns commonly used zones.
    """
    limit = max(0, min(limit, _AUTOCOMPLETE_LIMIT))
    if limit == 0:
        return []
    index = _zone_index()
    q = _normalise_zone_query(query)
    if not q:
        return [name for name in _COMMON_ZONES if name.lower() in index][:limit]
    squashed = _squash(q)
    ranked: list[tuple[int, str]] = []
    exact = index.get(q)
    if exact is not None:
        ranked.append((-1, exact))
    for name, lowered, words, flat in _suggestable():
        if name == exact:
            continue
        if lowered.rsplit("/", 1)[-1] == q:
            rank = 0
        elif lowered.startswith(q):
            rank = 1
        elif any(word.startswith(q) for word in words) or "/" + q in lowered:
            rank = 2
        elif q in lowered:
            rank = 3
        elif squashed and squashed in flat:
            rank = 4
        else:
            continue
        ranked.append((rank, name))
    ranked.sort()
    return [name for _, name in ranked if len(name) <= _CHOICE_LENGTH][:limit]


# --------------------------------------------------------------------------------------------------------
# Run times
# --------------------------------------------------------------------------------------------------------


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar date in ``tz`` at an aware instant."""
    return _require_aware(instant, "instant").astimezone(tz).date()


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall-clock reading in ``tz`` at an aware instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


def scheduled_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of the run that local date ``day`` has at local time ``at`` in ``tz``.

    * An ordinary local time maps to its one instant.
    * An ambiguous local time (the repeated hour when clocks go back) maps to its first occurrence.
    * A local time that does not exist (skipped when clocks go forward) maps to the first valid whole minute
      after it, i.e. the end of the gap: Europe/Berlin 02:30 on 2026-03-29 → 03:00 CEST (01:00 UTC).

    In the rare zones where a gap crosses midnight the result can fall on the next local date; callers that
    need a run *on* ``day`` (:func:`next_run`, :func:`is_due`) treat such a day as having no run.
    """
    if at.tzinfo is not None:
        raise ValueError("the posting time must be a naive local time; the zone is passed separately")
    local = datetime.combine(day, at)
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _wall(first, tz) == local:
        return first  # exists; fold=0 is the first occurrence when the time is ambiguous
    return _end_of_gap(local, tz)


def _end_of_gap(local: datetime, tz: ZoneInfo) -> datetime:
    """The first instant whose wall clock reads ``local`` or later, rounded up to a whole local minute.

    ``local`` lies in a gap. Read with the offset after the transition it gives an instant before the
    transition, read with the offset before it an instant after, so the transition lies between; a binary
    search over whole seconds finds it (17 steps even for a whole skipped day).
    """
    low, high = sorted(local.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
    if _wall(low, tz) >= local:  # defensive: cannot happen for a real gap
        return low
    # tzdata transitions fall on whole seconds, so search whole POSIX seconds: low fails, high passes
    low_second, high_second = math.floor(low.timestamp()), math.ceil(high.timestamp())
    while high_second - low_second > 1:
        middle = (low_second + high_second) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), tz) >= local:
            high_second = middle
        else:
            low_second = middle
    first = datetime.fromtimestamp(high_second, UTC)
    wall = _wall(first, tz)
    if wall.second or wall.microsecond:
        first += timedelta(minutes=1) - timedelta(seconds=wall.second, microseconds=wall.microsecond)
    return first


def _run_on(day: date, at: time, tz: ZoneInfo, days: frozenset[int]) -> datetime | None:
    """The run of local date ``day``, or None if ``day`` is not scheduled or has no such local time."""
    if day.weekday() not in days:
        return None
    instant = scheduled_instant(day, at, tz)
    if local_date(instant, tz) != day:
        return None
    return instant


def next_run(after: datetime, at: time, tz: ZoneInfo, days: frozenset[int]) -> datetime:
    """The first scheduled run strictly after the aware instant ``after``, as an aware UTC datetime.

    The schedule posts at local time ``at`` in ``tz`` on the local weekdays in ``days`` (0 = Monday), with
    the daylight-saving rules of :func:`scheduled_instant`. Each scheduled local date has exactly one run.
    """
    start = _require_aware(after, "after")
    chosen = _require_days(days)
    day = local_date(start, tz) - timedelta(days=1)  # a day back: local dates may step backwards
    for _ in range(3 * 366):  # in practice at most nine iterations
        instant = _run_on(day, at, tz, chosen)
        if instant is not None and instant > start:
            return instant
        day += timedelta(days=1)
    raise ValueError(f"no run of {format_days(chosen)} at {at:%H:%M} in {tz.key} within three years")


def is_due(
    now: datetime,
    at: time,
    tz: ZoneInfo,
    days: frozenset[int],
    last_posted_local_date: date | None,
) -> date | None:
    """The local date to post for if a post is due at ``now``, else None.

    Due means: today in ``tz`` is a scheduled day, today's run (:func:`scheduled_instant`) is at or before
    ``now``, and nothing has been posted for today or a later local date. A bot that was down at the run
    time therefore posts late, once, on the same local day; a missed day is never posted on the next day,
    and a day already posted is never posted again (also not when the clocks go back across midnight).
    Store the returned date as the new ``last_posted_local_date`` in the same transaction as the post.
    """
    moment = _require_aware(now, "now")
    chosen = _require_days(days)
    today = local_date(moment, tz)
    if last_posted_local_date is not None and last_posted_local_date >= today:
        return None
    instant = _run_on(today, at, tz, chosen)
    if instant is None or instant > moment:
        return None
    return today


# --------------------------------------------------------------------------------------------------------
# Idempotency
# --------------------------------------------------------------------------------------------------------

_NONCE_LENGTH = 25  # Discord's maximum nonce length


def daily_nonce(guild_id: int, local_day: date) -> str:
    """A deterministic message nonce for a server's post of one local day, for ``enforce_nonce``.

    ``"d"`` followed by 24 lower-case base32 characters of SHA-256 over ``guild_id`` and the ISO date:
    25 characters, Discord's limit, and never all digits (Discord would read a digit string as a number).

    Collision argument: the input string ``whiplash-daily:<guild id>:<YYYY-MM-DD>`` is unambiguous, so
    different (server, day) pairs hash different inputs, and 24 base32 characters keep 120 bits of the
    digest. Among n distinct pairs the chance that any two nonces collide is below n² / 2¹²¹, about 4·10⁻¹⁹
    for a million servers posting for a hundred years (n ≈ 3.7·10¹⁰). Discord only compares a nonce with the
    same author's messages of the last few minutes, so the practical risk is smaller still; it is the
    database's record of the posted day, not the nonce, that guarantees once per day across restarts.
    """
    if isinstance(guild_id, bool) or not isinstance(guild_id, int) or guild_id < 0:
        raise ValueError("guild_id must be a non-negative integer snowflake")
    digest = hashlib.sha256(f"whiplash-daily:{guild_id}:{local_day.isoformat()}".encode("ascii")).digest()
    return "d" + base64.b32encode(digest).decode("ascii").lower()[: _NONCE_LENGTH - 1]


# --------------------------------------------------------------------------------------------------------
# Rotation
# --------------------------------------------------------------------------------------------------------


def _stable_rank(seed: int, prompt_id: str) -> bytes:
    """A tie-breaking key that is the same in every process (unlike ``hash()``) and differs per seed."""
    return hashlib.blake2b(f"{seed}\x00{prompt_id}".encode(), digest_size=8).digest()


def choose_prompt(
    pool: Sequence[str],
    queue: Sequence[str],
    last_used: Mapping[str, datetime | int],
    *,
    seed: int = 0,
) -> str | None:
    """The id of the prompt to post next in a server, or None if the pool is empty.

    * ``pool``: ids of the prompts enabled in the server (order and duplicates do not matter).
    * ``queue``: ids moderators queued, in order; the first one still in the pool wins. Queued ids no longer
      in the pool are skipped (the caller may drop them).
    * ``last_used``: when each prompt was last posted in the server, as aware datetimes or as running post
      numbers (one kind for the whole mapping); ids missing from it were never posted here.
    * ``seed``: varies the order between servers (pass the guild id); the same arguments always give the
      same answer, in every process.

    Without a queued prompt, never-posted prompts come first, then the least recently posted, so no prompt
    repeats in a server until every enabled prompt has been posted there. Ties are broken by a stable hash
    of ``seed`` and the id.
    """
    enabled = set(pool)
    if not enabled:
        return None
    for prompt_id in queue:
        if prompt_id in enabled:
            return prompt_id
    recency = _recency(last_used, enabled)

    def order(prompt_id: str) -> tuple[bool, float, bytes, str]:
        used = recency.get(prompt_id)
        return (used is not None, used or 0.0, _stable_rank(seed, prompt_id), prompt_id)

    return min(enabled, key=order)


def _recency(last_used: Mapping[str, datetime | int], enabled: set[str]) -> dict[str, float]:
    """``last_used`` restricted to ``enabled`` as comparable numbers, checking all values are of one kind."""
    values = {prompt_id: last_used[prompt_id] for prompt_id in enabled if prompt_id in last_used}
    kinds = {isinstance(value, datetime) for value in values.values()}
    if len(kinds) > 1:
        raise TypeError("last_used must map every prompt to a datetime, or every prompt to a post number")
    recency: dict[str, float] = {}
    for prompt_id, value in values.items():
        if isinstance(value, datetime):
            recency[prompt_id] = _require_aware(value, "last_used").timestamp()
        else:
            recency[prompt_id] = float(value)
    return recency


# --------------------------------------------------------------------------------------------------------
# Presentation
# --------------------------------------------------------------------------------------------------------

_THREAD_NAME_LIMIT = 100  # Discord's maximum channel/thread name length
_TRAILING = " \t,;:-–—·.…"


def _units(text: str) -> int:
    """Length in UTF-16 code units: never less than the code point count, so safe for either reading."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, budget: int) -> str:
    """The longest prefix of ``text`` within ``budget`` UTF-16 units, not splitting a surrogate pair."""
    out: list[str] = []
    used = 0
    for char in text:
        size = _units(char)
        if used + size > budget:
            break
        out.append(char)
        used += size
    return "".join(out)


def thread_name(number: int, prompt_text: str, *, label: str = "Day") -> str:
    """The name of the thread opened from a daily post, e.g. ``"Day 12 · Is he satisfied with me?"``.

    Whitespace (including newlines) is collapsed to single spaces and control characters dropped. If the
    name would exceed Discord's 100 characters (counted in UTF-16 units, the stricter reading) the prompt is
    cut at a word boundary and ends with "…"; a single overlong word is cut mid-word. Never empty: an empty
    prompt gives ``"Day 12"``. ``label`` allows a translated word (``"Tag"``).
    """
    label_text = " ".join("".join(c for c in label if c.isprintable()).split()) or "Day"
    prefix = f"{label_text} {number}"
    text = " ".join("".join(c if c.isprintable() else " " for c in prompt_text).split())
    if _units(prefix) >= _THREAD_NAME_LIMIT - 4 or not text:
        return _cut(prefix, _THREAD_NAME_LIMIT)
    prefix += " · "
    budget = _THREAD_NAME_LIMIT - _units(prefix)
    if _units(text) <= budget:
        return prefix + text
    head = _cut(text, budget - 1)  # room for the ellipsis
    next_char = text[len(head)]
    if next_char != " " and " " in head:
        at_word = head[: head.rindex(" ")]
        if _units(at_word) >= budget // 2:  # don't throw away most of the room for one long word
            head = at_word
    head = head.rstrip(_TRAILING) or head
    return prefix + head + "…"
