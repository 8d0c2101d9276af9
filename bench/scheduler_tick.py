"""One scheduler tick with 1, 100, 10,000 and 100,000 server schedules, of which 10 are due.

Each size has its own SQLite file (the bot's schema, filled by one executemany) and its own
DailyPoster reading from it; all posters share the one running bot and the emulator. The due servers
are real emulator servers, so a tick does the full production work for each: claim the day, send the
post, open its thread, confirm, advance next_run_at. The other schedules are due weeks later.

Timed: `await poster.tick()`, i.e. `DiscussionStore.due_schedules` (the partial index `schedules_due`) plus
the per-due work, until every due server's post is confirmed. Before each repetition the clock moves
one day and the due rows' next_run_at is set back into the past (untimed). Sizes alternate in a
rotating order within each repetition; `ms` is the median per size. `query_ms` times the due query
alone, to show it stays flat.
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    bench_clock,
    emulator,
    insert_schedules,
    median,
    progress,
    real_bot,
    rounded,
    schedule_row,
    settle,
)
from bot.discussion.pool import PromptPool
from bot.discussion.poster import DUE_BATCH, DailyPoster
from bot.storage import Storage
from tests.backends import open_db

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo")
FAR = 60 * 86400  # filler schedules are next due two months after the benchmark's clock


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (1, 100, 10_000, 100_000)
    due: int = 10
    repetitions: int = 15


@dataclass
class Size:
    count: int
    storage: Storage
    poster: DailyPoster
    due_ids: list[int]


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    clock = bench_clock()
    rng = random.Random(7)
    async with emulator(clock) as emu:
        due_guilds: dict[int, list[tuple[int, int]]] = {}
        for n in config.sizes:
            pairs = []
            for i in range(min(config.due, n)):
                guild = emu.add_guild(f"Band {n}-{i}")
                pairs.append((guild.id, emu.add_text_channel(guild, "discussion").id))
            due_guilds[n] = pairs
        async with real_bot(emu, tmp / "bot.db", clock) as running:
            bot = running.bot
            sizes: list[Size] = []
            try:
                for n in config.sizes:
                    started = time.perf_counter()
                    storage = await open_db(tmp / f"schedules-{n}.db")
                    now = clock()
                    base = int(now.timestamp())
                    rows = [schedule_row(g, c, base + FAR, now) for g, c in due_guilds[n]]
                    rows += [
                        schedule_row(
                            10**18 + i, 2 * 10**18 + i, base + FAR + rng.randrange(86400), now, rng.choice(ZONES)
                        )
                        for i in range(n - len(rows))
                    ]
                    await insert_schedules(storage, rows)
                    # the poster reads this size's schedules; everything else is the bot's
                    pool = PromptPool(bot.content, storage.moderation, storage.discussion)
                    poster = DailyPoster(bot, pool, storage.discussion, tick_seconds=3600.0)
                    sizes.append(Size(n, storage, poster, [g for g, _ in due_guilds[n]]))
                    progress(f"scheduler_tick: {n:,} schedules inserted in {time.perf_counter() - started:.1f} s")
                return await _measure(config, sizes, clock)
            finally:
                for size in sizes:
                    await size.storage.close()


async def _measure(config: Config, sizes: list[Size], clock: Any) -> dict[str, Any]:
    tick_ms: dict[int, list[float]] = {s.count: [] for s in sizes}
    query_ms: dict[int, list[float]] = {s.count: [] for s in sizes}
    ratios: list[float] = []
    posted = 0
    for rep in range(-1, config.repetitions):  # rep -1 warms up every size, not counted
        clock.advance(days=1)
        now_ts = int(clock().timestamp())
        shift = rep % len(sizes)
        this: dict[int, float] = {}
        for size in sizes[shift:] + sizes[:shift]:
            async with size.storage.transaction() as conn:
                await conn.executemany(
                    "UPDATE schedules SET next_run_at = ? WHERE guild_id = ?", [(now_ts - 30, g) for g in size.due_ids]
                )
            settle()
            started = time.perf_counter()
            due = await size.storage.discussion.due_schedules(now_ts, DUE_BATCH)
            query = time.perf_counter() - started
            assert len(due) == len(size.due_ids)
            started = time.perf_counter()
            outcomes = await size.poster.tick()
            elapsed = time.perf_counter() - started
            statuses = [o.status for o in outcomes]
            assert statuses == ["posted"] * len(size.due_ids), statuses
            if rep >= 0:
                posted += len(outcomes)
                this[size.count] = elapsed * 1000
                tick_ms[size.count].append(elapsed * 1000)
                query_ms[size.count].append(query * 1000)
        if rep >= 0 and 100 in this and 100_000 in this:
            ratios.append(this[100_000] / this[100])
        if rep >= 0:
            progress(
                f"scheduler_tick rep {rep + 1}/{config.repetitions}: "
                + ", ".join(f"{n:,}: {ms:.1f} ms" for n, ms in this.items())
            )
    last = sizes[-1].storage
    explain = "EXPLAIN QUERY PLAN " if last.dialect == "sqlite" else "EXPLAIN "
    plan = await last.read(
        explain + "SELECT * FROM schedules WHERE paused = 0 AND next_run_at <= ? ORDER BY next_run_at LIMIT ?",
        (0, DUE_BATCH),
    )
    result: dict[str, Any] = {
        "due_per_tick": config.due,
        "repetitions": config.repetitions,
        "ms": {str(n): rounded(median(v), 2) for n, v in tick_ms.items()},
        "query_ms": {str(n): rounded(median(v), 3) for n, v in query_ms.items()},
        "posts_confirmed": posted,
        "backend": last.dialect,
        "query_plan": "; ".join(str(row["detail"] if last.dialect == "sqlite" else row[0]) for row in plan),
    }
    if ratios:
        result["ratio_100000_vs_100"] = rounded(median(ratios), 3)
    return result
