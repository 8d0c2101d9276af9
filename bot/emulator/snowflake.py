"""Discord snowflakes and timestamps driven by an injectable clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

DISCORD_EPOCH_MS = 1420070400000
"""Milliseconds of 2015-01-01T00:00:00Z, the epoch of Discord snowflakes."""

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The default clock: the real time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def snowflake_time(snowflake: int) -> dt.datetime:
    """The creation time encoded in ``snowflake`` (aware UTC)."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def time_snowflake(when: dt.datetime) -> int:
    """The lowest snowflake for ``when`` (like ``discord.utils.time_snowflake``)."""
    ms = int(when.timestamp() * 1000)
    return (ms - DISCORD_EPOCH_MS) << 22


def iso(when: dt.datetime) -> str:
    """ISO8601 as Discord writes it (``2024-01-01T12:00:00.123000+00:00``)."""
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


class SnowflakeFactory:
    """Produces unique, strictly increasing snowflakes.

    The timestamp part comes from ``clock``; the low 22 bits (worker, process, increment) are used as an
    increment, so several ids in the same millisecond stay unique and ordered. If the clock goes backwards
    (a test clock), ids still increase.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0

    def now(self) -> dt.datetime:
        """The clock's current time, checked to be aware."""
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the emulator clock must return an aware datetime")
        return value.astimezone(dt.UTC)

    def next(self) -> int:
        """A new snowflake for the current clock time."""
        candidate = time_snowflake(self.now())
        if candidate <= self._last:
            candidate = self._last + 1
        self._last = candidate
        return candidate
