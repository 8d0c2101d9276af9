"""The weekly digest's query time at 10,000 and 100,000 logged replies (issue 14: at most 3× apart).

Data, per size: one server whose daily posts each drew 100 replies (from 100 members), so ten times the
replies is ten times the history (100 against 1,000 posted days), as a server that keeps going; every
tenth reply is highlighted and every reply has 0 to 4 reactions. Setup inserts the rows
through the storage's own connection in bulk (on SQLite or PostgreSQL alike) and is never timed.

Timed, through the storage the digest uses: `DigestStore.week_figures` plus `DigestStore.digest_replies` for the
last seven days (seven posts, 700 candidate replies, the three best of each post). The sizes alternate
within each repetition, so both are measured under the same load; the figure is p99. Garbage collection is
held off while sampling, as in bench/streaks.py.
"""

from __future__ import annotations

import gc
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import analyze, explain_prefix, insert_rows, percentile, plan_text, progress, settle
from bot.emulator import time_snowflake
from bot.storage import Storage
from bot.storage.digest import DIGEST_REPLIES_SQL
from bot.timeutil import to_iso
from tests.backends import open_db

GUILD = 1_000_000
PER_POST = 100


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...] = (10_000, 100_000)
    samples: int = 300  # per size


async def populate(storage: Storage, replies: int, today: datetime) -> None:
    """Posts, replies, highlights and reactions, inserted in bulk."""
    rng = random.Random(replies)
    posts = max(replies // PER_POST, 7)
    rows_posts, rows_replies, rows_highlights, rows_reactions = [], [], [], []
    content = storage.blob("x " * 80)
    for n in range(posts):
        day = today - timedelta(days=posts - 1 - n)
        post_id = time_snowflake(day.replace(hour=9)) + n
        stamp = to_iso(day.replace(hour=9))
        rows_posts.append(
            (GUILD, day.date().isoformat(), n + 1, "p", 1, f"n{n}", "sent", post_id, post_id, stamp, stamp, 1)
        )
        for k in range(min(PER_POST, replies - len(rows_replies))):
            reply_id = post_id + 1 + k
            author = 10**17 + k
            rows_replies.append(
                (reply_id, GUILD, day.date().isoformat(), "p", post_id, post_id, author, f"m{k}", stamp, content)
            )
            if k % 10 == 0:
                rows_highlights.append((GUILD, reply_id, author, 1, stamp))
            for r in range(rng.randrange(5)):
                rows_reactions.append((GUILD, reply_id, 10**17 + r, "👏", author))
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
    await insert_rows(
        storage,
        "INSERT INTO reply_highlights (guild_id, message_id, author_id, moderator_id, highlighted_at) "
        "VALUES (?, ?, ?, ?, ?)",
        rows_highlights,
    )
    await insert_rows(
        storage,
        "INSERT INTO reply_reactions (guild_id, message_id, user_id, emoji, author_id) VALUES (?, ?, ?, ?, ?)",
        rows_reactions,
    )
    await analyze(storage)


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    now = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    last = now.date()
    first = last - timedelta(days=6)
    stores: dict[int, Storage] = {}
    try:
        for size in config.sizes:
            stores[size] = await open_db(tmp / f"digest-{size}.db")  # an SQLite file, or see postgres_backend
            await populate(stores[size], size, now)
            progress(f"digest: {size:,} replies on {max(size // PER_POST, 7):,} posts")
        timings: dict[int, list[float]] = {size: [] for size in config.sizes}
        chosen: dict[int, int] = {}
        gc.disable()
        try:
            await _sample(config, stores, timings, chosen, first, last)
        finally:
            gc.enable()
        largest = stores[config.sizes[-1]]
        plan = await largest.read(
            explain_prefix(largest) + DIGEST_REPLIES_SQL, (GUILD, first.isoformat(), last.isoformat(), 3)
        )
    finally:
        for storage in stores.values():
            await storage.close()
    small, large = config.sizes[0], config.sizes[-1]
    p99 = {str(size): round(percentile(timings[size], 99), 3) for size in config.sizes}
    return {
        "samples": config.samples,
        "replies_chosen": chosen,
        "digest_p99_ms": p99,
        "digest_p50_ms": {str(size): round(percentile(timings[size], 50), 3) for size in config.sizes},
        "digest_ratio": round(p99[str(large)] / p99[str(small)], 2),
        "backend": largest.dialect,
        "digest_query_plan": plan_text(largest, plan),
    }


async def _sample(
    config: Config,
    stores: dict[int, Storage],
    timings: dict[int, list[float]],
    chosen: dict[int, int],
    first: date,
    last: date,
) -> None:
    """Time the digest's reads at every size, alternating the order of the sizes."""
    for sample in range(config.samples):
        if sample % 10 == 0:
            settle()
        order = list(config.sizes) if sample % 2 == 0 else list(reversed(config.sizes))
        for size in order:
            storage = stores[size]
            began = time.perf_counter()
            figures = await storage.digest.week_figures(GUILD, first, last)
            best = await storage.digest.digest_replies(GUILD, first, last)
            timings[size].append((time.perf_counter() - began) * 1000)
            chosen[size] = len(best)
            assert figures.replies > 0
