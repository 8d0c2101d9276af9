"""Spacing requests under Discord's global rate limit.

discord.py waits out a 429, but gives up on a request after five of them; a thousand servers due in
the same minute would run into that. The poster therefore reserves a slot per request, so its
requests leave at most `rate` a second (Discord documents 50 a second per bot; the default stays
under it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

DEFAULT_RATE = 45.0  # requests a second, under Discord's documented global limit of 50


class Pacer:
    """Each `wait()` returns at the caller's reserved slot: slots are 1/rate apart, `burst` may be immediate."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.interval = 1.0 / rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")

    def reserve(self) -> float:
        """Take the next slot; returns how long the caller must wait for it."""
        now = self._clock()
        slot = max(self._next, now - (self.burst - 1) * self.interval)
        self._next = slot + self.interval
        return max(0.0, slot - now)

    async def wait(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)
