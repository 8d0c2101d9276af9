"""Background tasks that are never fire-and-forget: a reference is kept and failures are logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from bot.timeutil import Alarm, Clock

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskGroup:
    """Keeps strong references to spawned tasks, logs their exceptions, cancels them on close."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, T], *, name: str | None = None) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("Background task %s of %s failed", task.get_name(), self.name, exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def join(self) -> None:
        """Wait for every task to finish on its own."""
        tasks = list(self._tasks)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel every task and wait for them to finish."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class AlarmLoop:
    """A service that works when something falls due and then sleeps on the bot's clock until the next moment.

    Subclasses set `task_name`, `failure` (the log line's start) and `retry_after`, and implement `step()`:
    do what is due now and return when to look again. `wake()` ends the sleep early (a change made elsewhere);
    a failing step is logged and tried again after `retry_after`. The sleep is an `Alarm` on the bot's clock, so
    a test's clock moves it too. The loop starts once the bot is ready.
    """

    task_name: ClassVar[str]
    failure: ClassVar[str]
    retry_after: ClassVar[timedelta]

    def __init__(self, bot: commands.Bot, clock: Clock) -> None:
        self._ready = bot.wait_until_ready
        self._clock = clock
        self._alarm = Alarm(clock)
        self._tasks = TaskGroup(self.task_name)

    def start(self) -> None:
        self._tasks.spawn(self._loop(), name=f"{self.task_name}-loop")

    async def stop(self) -> None:
        await self._tasks.close()

    def wake(self) -> None:
        """Look again now: something the loop waits for has changed."""
        self._alarm.wake()

    async def step(self) -> datetime:
        """Do what is due now; return the moment to look again."""
        raise NotImplementedError

    async def _loop(self) -> None:
        await self._ready()
        while True:
            try:
                wake_at = await self.step()
            except Exception:
                logging.getLogger(type(self).__module__).exception(
                    "%s; trying again in %.0f s", self.failure, self.retry_after.total_seconds()
                )
                wake_at = self._clock() + self.retry_after
            await self._alarm.sleep_until(wake_at)
