"""Streak computation time at 10,000 and 100,000 logged replies (issue 14: at most 3× apart).

Data, per size: one server with 365 daily posts and `replies` replies from `replies / 50` members, each
answering 50 posts in a few runs (so a server with ten times the replies has ten times the members, as
a growing server does). Setup inserts the rows through the
storage's own connection in bulk (on SQLite or PostgreSQL alike) and is never timed.

Timed, through the storage and the pure streak function the commands use:
- `me`: `StreakStore.member_figures` (one member's replies and streak: /discussion me), for a different member
  each time;
- `leaderboard`: `StreakStore.leaderboard` plus `ranked`, with `opted_in` members on it.
The sizes alternate within each repetition, so both are measured under the same load; the figure is p99.
Python's automatic garbage collection is held off while sampling (and run between every 10 samples): a
collection walks the whole process, whatever the query, and would land on whichever size happened to be
running (first run: p99 36 ms at 100,000 against 3 ms at 10,000, with equal medians of 0.8 ms).
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import analyze, explain_prefix, insert_rows, percentile, plan_text, progress, settle
from bot.discussion.streaks import ranked
from bot.emulator import time_snowflake
from bot.storage import Storage
from bot.timeutil import to_iso
from tests.backends import open_db

GUILD = 1_000_000
POSTS = 365
PER_MEMBER = 50


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (10_000, 100_000)
    samples: int = 300  # per size and query
    opted_in: int = 20


async def populate(storage: Storage, replies: int, today: datetime) -> list[int]:
    """Posts and replies, inserted in bulk; returns the members' ids."""
    rng = random.Random(replies)
    members = [10**17 + n for n in range(max(replies // PER_MEMBER, 1))]
    post_ids = []
    rows_posts = []
    for n in range(POSTS):
        day = today - timedelta(days=POSTS - n)
        message_id = time_snowflake(day.replace(hour=9)) + n
        post_ids.append((day, message_id))
        stamp = to_iso(day.replace(hour=9))
        rows_posts.append(
            (GUILD, day.date().isoformat(), n + 1, "p", 1, f"n{n}", "sent", message_id, message_id, stamp, stamp, 1)
        )
    rows_replies = []
    content = storage.blob("x")
    for member in members:
        start = rng.randrange(0, POSTS - PER_MEMBER)
        answered = sorted(rng.sample(range(start, POSTS), PER_MEMBER))
        for index in answered:
            day, post_id = post_ids[index]
            reply_id = post_id + 1 + len(rows_replies)
            rows_replies.append(
                (
                    reply_id,
                    GUILD,
                    day.date().isoformat(),
                    "p",
                    post_id,
                    post_id,
                    member,
                    f"m{member}",
                    to_iso(day),
                    content,
                )
            )
            if len(rows_replies) >= replies:
                break
        if len(rows_replies) >= replies:
            break
    await insert_rows(
        storage,
        "INSERT INTO daily_posts (guild_id, post_date, number, prompt_id, channel_id, nonce, status, message_id, "
        "thread_id, claimed_at, posted_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows_posts,
    )
    await insert_rows(
        storage,
        "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
        "author_name, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows_replies,
    )
    await analyze(storage)
    return members


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    stores: dict[int, tuple[Storage, list[int]]] = {}
    try:
        for size in config.sizes:
            storage = await open_db(tmp / f"streaks-{size}.db")  # an SQLite file, or see bench.common.postgres_backend
            stores[size] = (storage, [])
            members = await populate(storage, size, now)
            for member in members[: config.opted_in]:
                await storage.streaks.set_on_leaderboard(GUILD, member, True, now)
            stores[size] = (storage, members)
            progress(f"streaks: {size:,} replies from {len(members):,} members on {POSTS} posts")
        me: dict[int, list[float]] = {size: [] for size in config.sizes}
        board: dict[int, list[float]] = {size: [] for size in config.sizes}
        checks: dict[int, int] = {}
        gc.disable()
        try:
            await _sample(config, stores, me, board, checks)
        finally:
            gc.enable()
        last = stores[config.sizes[-1]][0]
        plan = await last.read(
            explain_prefix(last) + "SELECT post_date, MIN(message_id) AS first_id, COUNT(*) AS n FROM replies "
            "WHERE guild_id = ? AND author_id = ? AND deleted_at IS NULL GROUP BY post_date",
            (GUILD, 1),
        )
    finally:
        for storage, _ in stores.values():
            await storage.close()
    small, large = config.sizes[0], config.sizes[-1]
    me_p99 = {str(size): round(percentile(me[size], 99), 3) for size in config.sizes}
    board_p99 = {str(size): round(percentile(board[size], 99), 3) for size in config.sizes}
    return {
        "posts": POSTS,
        "samples": config.samples,
        "opted_in": config.opted_in,
        "leaderboard_rows": checks,
        "me_p99_ms": me_p99,
        "leaderboard_p99_ms": board_p99,
        "me_p50_ms": {str(size): round(percentile(me[size], 50), 3) for size in config.sizes},
        "leaderboard_p50_ms": {str(size): round(percentile(board[size], 50), 3) for size in config.sizes},
        "me_ratio": round(me_p99[str(large)] / me_p99[str(small)], 2),
        "leaderboard_ratio": round(board_p99[str(large)] / board_p99[str(small)], 2),
        "backend": last.dialect,
        "me_query_plan": plan_text(last, plan),
    }


async def _sample(
    config: Config,
    stores: dict[int, tuple[Storage, list[int]]],
    me: dict[int, list[float]],
    board: dict[int, list[float]],
    checks: dict[int, int],
) -> None:
    """Time both queries at every size, alternating the order of the sizes."""
    for sample in range(config.samples):
        if sample % 10 == 0:
            settle()
        order = list(config.sizes) if sample % 2 == 0 else list(reversed(config.sizes))
        for size in order:
            storage, members = stores[size]
            began = time.perf_counter()
            figures = await storage.streaks.member_figures(GUILD, members[sample % len(members)])
            me[size].append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            checks[size] = len(ranked(await storage.streaks.leaderboard(GUILD)))
            board[size].append((time.perf_counter() - began) * 1000)
            assert figures.replies > 0
