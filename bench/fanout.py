"""1,000 servers due in the same minute against an emulator enforcing a global limit of N requests a second.

The emulator holds 1,000 servers, each with a discussion channel; the real bot (READY with all of them)
gets 1,000 schedules due now, written straight into its database. Timed: one `poster.tick()` of the
bot's own DailyPoster, from the due query until every server's post and thread are confirmed. The
emulator answers requests beyond N per second (sliding one-second window, bot routes) with a global
429, as Discord does; discord.py then waits out `retry_after` for every request.

N defaults to Discord's documented global limit of 50 a second; the poster paces itself at 45 a second
(bot/pacing.py), so the best it can do is 50/45 = 1.11 times the floor.

floor_seconds = requests needed / N, with 3 requests needed per server (the post, its thread, and the edit
that adds the button to the thread, whose address exists only once the thread does): the
time the limit alone imposes if the bot spent it perfectly. ratio_vs_floor = seconds / floor_seconds.

`fanout_postgresql` (python -m bench) is the same with the bot's database in a throwaway PostgreSQL; `backend`
says which one a result is from.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import bench_clock, emulator, insert_schedules, progress, real_bot, rounded, schedule_row

# POST /channels/{id}/messages, POST /channels/{id}/messages/{id}/threads, PATCH /channels/{id}/messages/{id}
REQUESTS_PER_SERVER = 3


@dataclass(frozen=True)
class Config:
    servers: int = 1000
    rate_limit_per_s: int = 50  # Discord's documented global limit per bot


class _Captured(logging.Handler):
    """Keeps the poster's warnings and errors (one per failed server) out of the progress output."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured(name: str) -> Iterator[_Captured]:
    logger = logging.getLogger(name)
    handler = _Captured()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    clock = bench_clock()
    async with emulator(clock) as emu:
        channels = {}
        for i in range(config.servers):
            guild = emu.add_guild(f"Studio Band {i}")
            channels[guild.id] = emu.add_text_channel(guild, "discussion")
        started = time.perf_counter()
        async with real_bot(emu, tmp / "bot.db", clock) as running:
            progress(f"fanout: bot READY with {config.servers:,} servers in {time.perf_counter() - started:.1f} s")
            bot = running.bot
            now = clock()
            due_at = int(now.timestamp()) - 30
            await insert_schedules(running.storage, [schedule_row(g, c.id, due_at, now) for g, c in channels.items()])
            poster = bot.services.poster
            first_request = len(emu.requests)
            emu.global_rate_limit = config.rate_limit_per_s
            with captured("bot.discussion.poster") as log, captured("discord.http"):
                started = time.perf_counter()
                outcomes = await poster.tick()
                seconds = time.perf_counter() - started
            emu.global_rate_limit = None
            requests = emu.requests[first_request:]
            statuses = Counter(o.status for o in outcomes)
            per_channel = [
                sum(1 for m in emu.messages_in(ch) if int(m["author"]["id"]) == emu.bot.id) for ch in channels.values()
            ]
            threads = {t.parent_id for t in emu.threads}
            backend = running.storage.dialect
    ok = [r for r in requests if r.status < 400]
    limited = [r for r in requests if r.status == 429]
    floor = REQUESTS_PER_SERVER * config.servers / config.rate_limit_per_s
    posted_once = (
        statuses == Counter({"posted": config.servers})
        and all(n == 1 for n in per_channel)
        and threads == {c.id for c in channels.values()}
    )
    progress(f"fanout: {config.servers:,} servers in {seconds:.1f} s, floor {floor:.1f} s, {len(limited)} 429s")
    return {
        "backend": backend,
        "servers": config.servers,
        "rate_limit_per_s": config.rate_limit_per_s,
        "seconds": rounded(seconds, 2),
        "floor_seconds": rounded(floor, 2),
        "ratio_vs_floor": rounded(seconds / floor, 3),
        "posted_once": posted_once,
        "requests_ok": len(ok),
        "requests_per_server": rounded(len(ok) / config.servers, 2),
        "global_429s": len(limited),
        "other_errors": len(requests) - len(ok) - len(limited),
        "outcomes": dict(statuses),
        "failure_reasons": dict(Counter(o.reason for o in outcomes if o.status != "posted")),
        "threads_missing": config.servers - len(threads),
        "poster_log_warnings": len(log.records),
    }
