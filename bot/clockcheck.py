"""Clock sanity (SPEC §6): the machine's clock checked against Discord's.

A clock a day fast would post tomorrow's prompt today; one 400 days fast would purge every reply for good.
Every REST response from Discord carries its clock in the HTTP `Date` header; :class:`ClockCheck` compares it
with the bot's injected clock. Beyond `MAX_SKEW` it logs one error and reports disagreement, and the daily
poster and the privacy purge do nothing until it agrees again (which it logs once too).

The check itself is plain logic over (machine time sent, machine time received, Discord's `Date`); the one
piece of glue is :func:`trace_config`, the aiohttp hook discord.py's HTTP session calls for every response.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import aiohttp

from bot.timeutil import Clock

log = logging.getLogger(__name__)

MAX_SKEW = timedelta(minutes=5)  # README: "more than 5 minutes"
MAX_AGE_SECONDS = 60.0  # an older reading is refreshed before a day is claimed or replies are purged
DATE_RESOLUTION = timedelta(seconds=1)  # the Date header has whole seconds, rounded down

Probe = Callable[[], Awaitable[object]]


def skew_of(sent: datetime, received: datetime, discord_date: datetime) -> timedelta:
    """How far the machine clock is ahead of Discord's (negative: behind); zero where one exchange can't tell.

    Discord stamped `discord_date` (whole seconds, rounded down) at some moment the machine clock read between
    `sent` and `received`; only a distance outside that window is skew. A slow response is therefore never
    mistaken for a wrong clock, and neither is a machine (or test) clock moved while a request was in flight.
    """
    sent, received = min(sent, received), max(sent, received)
    latest = discord_date + DATE_RESOLUTION
    if latest < sent:
        return sent - latest
    if discord_date > received:
        return received - discord_date
    return timedelta(0)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP `Date` header (RFC 7231, e.g. "Sat, 21 Nov 2026 07:00:00 GMT") as aware UTC; None if unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000": UTC by RFC 5322
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def describe_duration(span: timedelta) -> str:
    """A skew as the log line says it, to the minute: `1 day`, `400 days`, `2 hours 7 minutes`."""
    minutes = round(abs(span).total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))]
    return " ".join(part for part in parts if not part.startswith("0 ")) or "less than a minute"


class ClockCheck:
    """The machine clock's latest skew against Discord's, and whether days may be claimed and replies purged.

    Built once per bot (see `WhiplashBot`) and handed to the daily poster and the purge. Unknown skew (no
    response from Discord yet) counts as agreement: there is nothing to compare with, and the bot logs in
    (a REST call) before either service runs.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        max_skew: timedelta = MAX_SKEW,
        max_age: float = MAX_AGE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        probe: Probe | None = None,
    ) -> None:
        self.clock = clock
        self.max_skew = max_skew
        self.max_age = max_age
        self.monotonic = monotonic
        self.probe = probe  # one cheap request to Discord; the response is read through `observe`
        self.skew: timedelta | None = None
        self._observed_at: float | None = None  # monotonic: wall clocks may jump, this one does not
        self._observed_wall: datetime | None = None  # the machine clock then
        self._disagreeing = False
        self._probing = asyncio.Lock()

    @property
    def agrees(self) -> bool:
        """False while the latest reading is more than `max_skew` away from Discord's clock."""
        return not self._disagreeing

    def observe(self, sent: datetime, received: datetime, discord_date: datetime) -> None:
        """Take one reading: machine clock at `sent` and `received`, Discord's `Date` in between.

        Logs one error when the clocks start to disagree and one line when they agree again, never more.
        """
        skew = skew_of(sent, received, discord_date)
        self.skew = skew
        self._observed_at = self.monotonic()
        self._observed_wall = max(sent, received)
        disagreeing = abs(skew) > self.max_skew
        if disagreeing and not self._disagreeing:
            log.error(
                "The machine clock is %s %s Discord's (machine %s UTC, Discord %s UTC): no daily post is claimed "
                "and no reply purged until the clocks agree within %s",
                describe_duration(skew),
                "ahead of" if skew > timedelta(0) else "behind",
                self._observed_wall.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                discord_date.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                describe_duration(self.max_skew),
            )
        elif self._disagreeing and not disagreeing:
            log.warning("The machine clock agrees with Discord's again: daily posts and the privacy purge resume")
        self._disagreeing = disagreeing

    def observe_header(self, sent: datetime, received: datetime, date_header: str | None) -> None:
        """:meth:`observe` for a response's raw `Date` header; a missing or unreadable one is ignored."""
        discord_date = parse_http_date(date_header)
        if discord_date is not None:
            self.observe(sent, received, discord_date)

    def _stale(self) -> bool:
        """No reading yet, an old one, or the machine clock jumped since (it moved unlike the monotonic clock)."""
        if self._observed_at is None or self._observed_wall is None:
            return True
        elapsed = self.monotonic() - self._observed_at
        jumped = abs(self.clock() - self._observed_wall - timedelta(seconds=elapsed)) > self.max_skew
        return jumped or elapsed > self.max_age

    async def confirm(self) -> bool:
        """Whether a day may be claimed or replies purged now: the clocks agree by a fresh reading.

        A reading older than `max_age`, one that disagreed, or one the machine clock has jumped away from since
        is refreshed first with `probe`, so a clock that jumped after the last response is caught before it
        claims a day. A probe that fails (Discord down)
        leaves the latest reading as it is.
        """
        if self.probe is not None and (self._stale() or self._disagreeing):
            async with self._probing:
                if self._stale() or self._disagreeing:  # another caller may have just refreshed it
                    try:
                        await self.probe()
                    except Exception as exc:  # the response, if any, was still read by the trace
                        log.debug("Clock probe failed: %r", exc)
        return self.agrees


def trace_config(check: ClockCheck) -> aiohttp.TraceConfig:
    """An aiohttp trace that feeds every response's `Date` header to `check` (pass as discord.py's http_trace)."""

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        context.clock_sent = check.clock()

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        sent = getattr(context, "clock_sent", None)
        if sent is not None:
            check.observe_header(sent, check.clock(), params.response.headers.get("Date"))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    return trace
