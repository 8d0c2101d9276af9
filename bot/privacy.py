"""The daily privacy purge (SPEC §8): reply retention per server, and departed servers' data.

One loop per process. It runs once right away (so a bot that was down for days catches up at start),
then every `interval` seconds; `wake()` runs it again at once (tests, and after a retention change).
Every run is idempotent: it deletes what is due by the injected clock, nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.clockcheck import ClockCheck
from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage import PrivacyStore
from bot.tasks import TaskGroup
from bot.timeutil import Clock

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 24 * 60 * 60
DEPARTED_GRACE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class PurgeResult:
    replies: int
    guilds: list[int]


class RetentionPurger:
    def __init__(
        self,
        privacy: PrivacyStore,
        clock: Clock,
        *,
        interval: float = PURGE_INTERVAL_SECONDS,
        grace: timedelta = DEPARTED_GRACE,
        clock_check: ClockCheck | None = None,
        shards: Callable[[], ShardScope] = lambda: ALL_SHARDS,
    ) -> None:
        """`shards` says, at each run, whose servers this process purges (its shards'; see bot/sharding.py)."""
        self.privacy = privacy
        self.clock = clock
        self.clock_check = clock_check  # None: the machine clock is trusted (storage tests)
        self.shards = shards
        self.interval = interval
        self.grace = grace
        self.runs = 0
        self.skipped = 0  # runs left out because the clocks disagreed
        self._wakeup = asyncio.Event()
        self._tasks = TaskGroup("privacy-purge")

    def start(self) -> None:
        self._tasks.spawn(self._loop(), name="privacy-purge-loop")

    async def stop(self) -> None:
        await self._tasks.close()

    @property
    def running(self) -> bool:
        return len(self._tasks) > 0

    def wake(self) -> None:
        """Run the purge now instead of at the end of the current interval."""
        self._wakeup.set()

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                # A locked or full database must not end the loop: the next run catches up.
                log.exception("Privacy purge failed; trying again in %.0f s", self.interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.interval)
            self._wakeup.clear()

    async def run_once(self) -> PurgeResult:
        """Delete replies past their server's retention and the data of servers gone past the grace period.

        Nothing is deleted while the machine clock disagrees with Discord's: a clock 400 days fast would purge
        every reply for good. The next run (the next day, or `wake()`) purges what is due by then.
        """
        if self.clock_check is not None and not await self.clock_check.confirm():
            self.skipped += 1
            return PurgeResult(0, [])
        now, shards = self.clock(), self.shards()
        replies = await self.privacy.purge_expired_replies(now, shards)
        guilds = await self.privacy.purge_departed_guilds(now, self.grace, shards)
        self.runs += 1
        if replies or guilds:
            log.info(
                "Privacy purge: %d replies past retention deleted; data of %d departed servers deleted",
                replies,
                len(guilds),
            )
        return PurgeResult(replies, guilds)
