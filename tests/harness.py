"""Runs the real bot (real cogs, real SQLite file) against the loopback Discord emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.client import ShardedWhiplashBot, WhiplashBot
from bot.config import Settings
from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.hooks import point_at
from bot.storage import Storage, open_storage
from bot.timeutil import Clock
from tests import backends

TOKEN = "MTEx.test-token.whiplash"


@dataclass
class FakeClock:
    """An injectable clock: tests move time instead of sleeping through it.

    It starts at a fixed moment, whatever the real date, so that a test reads the same every day; the bot and
    the emulator share one (see `run_bot`), so nothing depends on how far the real clock is from it.
    """

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    _watchers: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)
        self._moved()

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        self._moved()
        return self.now

    def watch(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Tell `callback` whenever the clock moves (a sleeper on this clock, `bot.timeutil.Alarm`, wakes)."""
        self._watchers.append(callback)
        return lambda: self._watchers.remove(callback)

    def _moved(self) -> None:
        for callback in list(self._watchers):
            callback()


@dataclass
class SkewedClock:
    """The emulator's clock plus `offset`: a machine clock that disagrees with Discord's (see `run_bot`).

    Only the clock-sanity tests use it; setting `offset` to zero makes the clocks agree again.
    """

    base: Clock
    offset: timedelta

    def __call__(self) -> datetime:
        return self.base() + self.offset


class TestBot(WhiplashBot):
    """The real bot; only the 5-second pause before a re-IDENTIFY is skipped."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


class ShardedTestBot(TestBot, ShardedWhiplashBot):
    """The bot as `run` starts it (an AutoShardedBot), without the pause before a re-IDENTIFY."""


@dataclass
class Running:
    bot: TestBot
    storage: Storage
    task: asyncio.Task[None]
    skewed: SkewedClock | None = None  # the bot's clock when started with `clock_offset`


def make_settings(emu: DiscordEmulator, db_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "discord_token": TOKEN,
        "database_path": db_path,
        "discord_api_base": emu.api_base,
        "discord_gateway_url": emu.gateway_url,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@contextlib.asynccontextmanager
async def run_bot(
    emu: DiscordEmulator,
    db_path: Path,
    content: ContentPack,
    *,
    clock: Clock | None = None,
    sync: bool = True,
    wait_ready: bool = True,
    token: str = TOKEN,
    bot_options: dict[str, Any] | None = None,
    clock_offset: timedelta | None = None,
    bot_class: type[TestBot] = TestBot,
    **settings: Any,
) -> AsyncIterator[Running]:
    """Start the bot against `emu`, wait for READY (and sync commands globally), stop it cleanly after.

    The bot runs on the emulator's clock, as a real bot and Discord agree on the time: snowflake times and the
    bot's `now` are never from two different clocks. `clock`, if given, must be that same clock.
    The one exception is explicit: `clock_offset` runs the bot on the emulator's clock plus that offset (a
    machine clock that is wrong), as `Running.skewed`, whose offset the test can set back to zero.
    """
    if clock is not None and clock is not emu.clock:
        raise AssertionError("the bot must run on the emulator's clock: create the emulator with clock=...")
    skewed = None if clock_offset is None else SkewedClock(emu.clock, clock_offset)
    config = make_settings(emu, db_path, **settings)
    point_at(config.discord_api_base, config.discord_gateway_url)
    # The test's backend (tests/backends.py): the SQLite file itself, or that path's PostgreSQL database.
    target = await backends.current().target(config.database_path)
    storage = await open_storage(target, data_key=config.data_key_bytes())
    options: dict[str, Any] = {"guild_ready_timeout": 0.05}
    options.update(bot_options or {})
    bot = bot_class(settings=config, storage=storage, content=content, clock=skewed or emu.clock, **options)
    task = asyncio.create_task(bot.start(token), name="bot")
    try:
        if wait_ready:
            await _wait_ready(bot, task)
            if sync:
                await bot.tree.sync()
        yield Running(bot, storage, task, skewed)
    finally:
        await bot.close()
        try:
            await asyncio.wait_for(task, timeout=10)
        finally:
            await storage.close()


async def _wait_ready(bot: WhiplashBot, task: asyncio.Task[None], timeout: float = 10) -> None:
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        ready.cancel()
        task.result()  # raises what stopped the bot
        raise AssertionError("the bot stopped before it was ready")
    if ready not in done:
        ready.cancel()
        raise AssertionError(f"the bot was not ready within {timeout} s")


async def eventually(check: Any, timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll an async or plain callable until it returns something truthy; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s: {getattr(check, '__name__', check)}")
        await asyncio.sleep(interval)


async def pragma_on_every_writer(storage: Storage, sql: str) -> None:
    """Set a per-connection fault pragma (query_only, max_page_count) on each connection that writes: the
    aiosqlite one and the two the reply logger's batches use, on the event loop (Database.write_inline) and in
    the writer thread (Database.write_parallel), as a read-only file or a full disk would affect all three."""
    await storage._conn.execute(sql)
    inline = storage.inline_connection() or storage._open_inline()  # opened now if no batch has been yet
    inline.execute(sql)
    writer = storage.statement_writer()  # likewise
    assert writer is not None
    await writer.execute(sql, ())
