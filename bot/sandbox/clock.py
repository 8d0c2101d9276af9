"""The sandbox's clock: real time plus an offset that the page can jump forward.

The bot and the emulator share one instance, so a jump moves Discord's timestamps and snowflakes, the
scheduler's "now" and the purge's "now" together.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.timeutil import Clock, utcnow


class SandboxClock:
    """A callable clock (like `bot.timeutil.utcnow`) that only ever moves forward."""

    def __init__(self, base: Clock = utcnow) -> None:
        self._base = base
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._base() + self._offset

    @property
    def offset(self) -> timedelta:
        """How far the sandbox is ahead of real time."""
        return self._offset

    def jump(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (a negative delta is refused: snowflakes must not go back)."""
        if delta < timedelta(0):
            raise ValueError("the sandbox clock only moves forward")
        self._offset += delta
        return self()

    def jump_to(self, moment: datetime) -> datetime:
        """Move forward to `moment` (no-op if it is already past)."""
        now = self()
        if moment > now:
            self._offset += moment - now
        return self()
