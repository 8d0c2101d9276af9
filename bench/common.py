"""Shared pieces of the benchmarks: the emulator, the real bot, clocks, statistics and schedule rows."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import statistics
import sys
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from bot.content import ContentPack, default_content_dir, load_content
from bot.emulator import DiscordEmulator
from bot.gctuning import tune_gc
from bot.storage import Schedule, Storage
from bot.timeutil import Clock, to_iso
from tests import backends
from tests.harness import TOKEN, FakeClock, Running, run_bot
from tests.postgres import PostgresServer, running_server

QUIET_BOT = {"scheduler_tick_seconds": 3600.0}  # the poster's own loop ticks once at READY, then sleeps
EVERY_DAY = 127  # the days bitmask with all seven days set


def progress(message: str) -> None:
    """Progress goes to stderr; stdout carries only the final JSON object."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@cache
def content_pack() -> ContentPack:
    return load_content(default_content_dir())


@contextlib.asynccontextmanager
async def emulator(clock: Clock) -> AsyncIterator[DiscordEmulator]:
    """An emulator on `clock`: the bot's clock (`bench_clock()`), or `utc_now` for bots run as subprocesses."""
    emu = DiscordEmulator(token=TOKEN, clock=clock)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@contextlib.asynccontextmanager
async def real_bot(
    emu: DiscordEmulator, db_path: Path, clock: FakeClock, *, sync: bool = False
) -> AsyncIterator[Running]:
    """The real WhiplashBot (every cog) on a real database (SQLite file, or see `postgres_backend`), READY.

    The process's garbage collector is tuned before the bot starts, as `whiplash-bot run` does (bot/gctuning.py).
    """
    tune_gc()
    async with run_bot(emu, db_path, content_pack(), clock=clock, sync=sync, bot_options=dict(QUIET_BOT)) as running:
        yield running


@contextlib.contextmanager
def postgres_backend() -> Iterator[None]:
    """Inside: the bot's databases (`real_bot`, `open_db`) are in a throwaway PostgreSQL on loopback.

    The same server the tests start (tests/postgres.py), for the length of one benchmark. Raises
    FileNotFoundError when PostgreSQL is not installed.
    """
    with postgres_server() as server, on_postgres(server):
        yield


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL with the migrated template, for `on_postgres` blocks (FileNotFoundError: none)."""
    with running_server() as server:
        backends.prepare_template(server)
        yield server


@contextlib.contextmanager
def on_postgres(server: PostgresServer) -> Iterator[None]:
    """Inside: the bot's databases are in `server`; outside, SQLite files again (a run can do both)."""
    backends.use(backends.Backend("postgresql", server))
    try:
        yield
    finally:
        backends.use(None)


def bench_clock(moment: datetime | None = None) -> FakeClock:
    return FakeClock(moment or datetime(2026, 11, 21, 9, 0, 30, tzinfo=UTC))


def schedule_row(
    guild_id: int, channel_id: int, next_run_at: int, now: datetime, timezone: str = "UTC"
) -> tuple[Any, ...]:
    """A `schedules` row in column order (guild_id … updated_at), posting every day at 09:00."""
    return (guild_id, channel_id, "09:00", timezone, EVERY_DAY, None, None, None, 0, next_run_at, to_iso(now))


INSERT_SCHEDULE = (
    "INSERT INTO schedules (guild_id, channel_id, local_time, timezone, days, ping_role_id, "
    "moderator_role_id, log_channel_id, paused, next_run_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def insert_schedules(storage: Storage, rows: Iterable[tuple[Any, ...]]) -> None:
    """Bulk insert through the bot's own connection, in one transaction (setup, never timed)."""
    async with storage.transaction() as conn:
        await conn.executemany(INSERT_SCHEDULE, list(rows))


async def insert_rows(storage: Storage, sql: str, rows: Sequence[tuple[Any, ...]], chunk: int = 5_000) -> None:
    """Bulk insert through the bot's own connection on either backend, in chunks (setup, never timed).

    One transaction per chunk keeps PostgreSQL's executemany batches and SQLite's write lock short.
    """
    for start in range(0, len(rows), chunk):
        async with storage.transaction() as conn:
            await conn.executemany(sql, rows[start : start + chunk])


async def analyze(storage: Storage) -> None:
    """On PostgreSQL, the planner statistics autovacuum would gather after a bulk load (SQLite: nothing).

    SQLite's figures were always taken without ANALYZE; PostgreSQL's planner, without statistics on freshly
    loaded tables, guesses row counts and can pick a plan no running server would keep.
    """
    if storage.dialect == "postgresql":
        async with storage.transaction() as conn:
            await conn.execute("ANALYZE")


def explain_prefix(storage: Storage) -> str:
    """SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN."""
    return "EXPLAIN QUERY PLAN " if storage.dialect == "sqlite" else "EXPLAIN "


def plan_text(storage: Storage, rows: Sequence[Any]) -> str:
    """A query plan as one line: SQLite's `detail` column, PostgreSQL's `QUERY PLAN` lines."""
    return "; ".join(str(row["detail"] if storage.dialect == "sqlite" else row[0]).strip() for row in rows)


def schedule_for(guild_id: int, channel_id: int, next_run_at: int, now: datetime) -> Schedule:
    return Schedule(guild_id, channel_id, "09:00", "UTC", EVERY_DAY, None, None, None, False, next_run_at, now)


class Tally:
    """A counter that can be awaited until it reaches a number (no polling)."""

    def __init__(self) -> None:
        self.value = 0
        self._target = 0
        self._reached = asyncio.Event()

    def add(self, n: int = 1) -> None:
        self.value += n
        if self.value >= self._target:
            self._reached.set()

    async def reach(self, target: int) -> None:
        self._target = target
        if self.value >= target:
            return
        self._reached.clear()
        await self._reached.wait()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def settle() -> None:
    """Between repetitions: collect garbage so one repetition's leftovers don't bill the next."""
    gc.collect()


def rounded(value: float, digits: int = 1) -> float:
    return round(value, digits)


@dataclass(frozen=True)
class Machine:
    nproc: int
    cpu: str
    python: str
    date: str

    def as_dict(self) -> dict[str, Any]:
        return {"nproc": self.nproc, "cpu": self.cpu, "python": self.python, "date": self.date}


def machine() -> Machine:
    import os
    import platform

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return Machine(
        nproc=len(os.sched_getaffinity(0)),
        cpu=cpu,
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
