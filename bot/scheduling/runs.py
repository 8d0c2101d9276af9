"""Run times across daylight-saving changes, and the exactly-once decision with its nonce."""

from __future__ import annotations

import base64
import hashlib
import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling._common import _require_aware, _require_days
from bot.scheduling.parsing import format_days

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


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The instant local date ``day`` ends in ``tz``: the first instant of the next local date, in UTC.

    Midnight inside a daylight-saving gap (a few zones move their clocks at midnight) ends the day at the
    end of the gap, the first instant whose local date is the next day.
    """
    return scheduled_instant(day + timedelta(days=1), time(0, 0), tz)


def run_after_change(now: datetime, at: time, tz: ZoneInfo, days: frozenset[int], *, today_claimed: bool) -> datetime:
    """The first run of a schedule a moderator just changed, as an aware UTC datetime.

    A change never skips a day still due: if today (in ``tz``) is a scheduled day and its post has not been
    claimed, today's post goes out at today's run if that is still ahead, else at once (``now``). Otherwise
    the first run is :func:`next_run`. A new schedule starts at :func:`next_run` instead (no post at once).
    """
    moment = _require_aware(now, "now")
    chosen = _require_days(days)
    if not today_claimed:
        today = _run_on(local_date(moment, tz), at, tz, chosen)
        if today is not None and today <= moment:
            return moment
    return next_run(moment, at, tz, chosen)


def wait_for_previous_day(now: datetime, previous: date, previous_tz: ZoneInfo) -> datetime | None:
    """When the server's next day may be claimed, given its latest post; None if at once.

    ``previous`` is the local date of the server's latest post in the zone it went out in, ``previous_tz``.
    After a zone change that day may not have ended yet there (the zone moved east): a post before
    :func:`day_end` of that day would give it a second post, so the next day waits until then. A caller
    whose own local day ends before that instant (a day shortened by a daylight-saving change) lies wholly
    inside the previous post's day and is not posted.
    """
    ends = day_end(previous, previous_tz)
    return ends if _require_aware(now, "now") < ends else None


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
