"""Bot-side latency of slash commands on a server with 100,000 logged replies and 1,000 daily prompts.

Data: one server with 1,000 daily posts (one prompt a day, the last 1,000 days) and 100 replies to
each from 500 members: 100,000 rows in `replies`, written by executemany before the bot starts.

Timed, per invocation: from the moment discord.py's INTERACTION_CREATE parser receives the decoded
event (a wrapper around `bot._connection.parsers["INTERACTION_CREATE"]`) to the moment the
interaction callback request arrives at the emulator (`RecordedRequest.time`, the same monotonic
clock). For a command that defers (/discussion stats), the callback is the deferral; the time until
its follow-up (the answer the user waits for) is reported as `complete_*`. Invocations run one at a
time (each waits for its final message), commands alternate, and a few warm-up runs are discarded.
A command that is not registered is reported as {"missing": true}.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import bench_clock, content_pack, emulator, percentile, progress, real_bot, rounded, schedule_for
from bot.emulator import DiscordEmulator, time_snowflake
from bot.storage import Storage
from bot.storage.replies import DAY_FIGURES_SQL
from bot.timeutil import to_iso

SEARCH_WORDS = (
    "tempo",
    "Fletcher",
    "ambition",
    "drummer",
    "rushing",
    "jazz",
    "blood",
    "teacher",
    "Caravan",
    "practice",
)


@dataclass(frozen=True)
class Command:
    label: str
    path: str
    options: Callable[[int], dict[str, Any]]


COMMANDS = (
    Command("/review search", "review search", lambda i: {"query": SEARCH_WORDS[i % len(SEARCH_WORDS)]}),
    Command("/film fact", "film fact", lambda i: {}),
    Command("/discussion stats", "discussion stats", lambda i: {}),
)


@dataclass(frozen=True)
class Config:
    posts: int = 1000
    replies_per_post: int = 100
    authors: int = 500
    invocations: int = 100  # per command
    warmup: int = 3  # extra discarded runs, for commands that answer within a second
    budget_seconds: float = 25.0  # a slower command stops sampling after this much time (at least one sample)


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


def populate(path: Path, guild_id: int, channel_id: int, today: datetime, config: Config) -> int:
    """Daily posts and replies, straight into the file (setup, never timed); returns the reply count."""
    prompts = [p.id for p in content_pack().prompts]
    posts, replies = [], []
    reply_id = time_snowflake(today - timedelta(days=config.posts + 1))
    for n in range(config.posts):
        day = today - timedelta(days=config.posts - 1 - n)
        message_id = time_snowflake(day.replace(hour=9, minute=0, second=0)) + n
        prompt = prompts[n % len(prompts)]
        stamp = to_iso(day.replace(hour=9))
        post_date = day.date().isoformat()
        posts.append(
            (guild_id, post_date, n + 1, prompt, channel_id, f"n{n}", "sent", message_id, message_id, stamp, stamp, 1)
        )
        for r in range(config.replies_per_post):
            reply_id += 1
            author = 10**17 + (n * 7 + r * 13) % config.authors
            created = to_iso(day.replace(hour=10) + timedelta(seconds=r * 30))
            text = f"Reply {r} to day {n + 1}: not quite my tempo."
            name = f"player{author}"
            replies.append((reply_id, guild_id, post_date, prompt, message_id, message_id, author, name, created, text))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO daily_posts (guild_id, post_date, number, prompt_id, channel_id, nonce, status, message_id, "
            "thread_id, claimed_at, posted_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            posts,
        )
        conn.executemany(
            "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
            "author_name, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            replies,
        )
    conn.close()
    return len(replies)


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    clock = bench_clock(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    db = tmp / "bot.db"
    async with emulator(clock) as emu:
        guild = emu.add_guild("Shaffer Conservatory")
        channel = emu.add_text_channel(guild, "studio-band")
        member = emu.add_member(guild, "andrew")
        storage = await Storage.open(db)
        await storage.discussion.save_schedule(
            schedule_for(guild.id, channel.id, int(clock().timestamp()) + 86400, clock())
        )
        await storage.close()
        started = time.perf_counter()
        logged = populate(db, guild.id, channel.id, clock(), config)
        progress(
            f"command_latency: {logged:,} replies on {config.posts:,} posts in {time.perf_counter() - started:.1f} s"
        )
        async with real_bot(emu, db, clock, sync=True) as running:
            received: dict[int, float] = {}
            state: Any = running.bot._connection
            parse = state.parsers["INTERACTION_CREATE"]

            def timed_parse(data: Any) -> None:
                received[int(data["id"])] = time.monotonic()
                parse(data)

            state.parsers["INTERACTION_CREATE"] = timed_parse
            results = await _measure(config, emu, guild, channel, member, received)
            plan = await running.storage.read("EXPLAIN QUERY PLAN " + DAY_FIGURES_SQL, (guild.id, "2026-01-01"))
    results["stats_join_plan"] = "; ".join(str(row["detail"]) for row in plan)
    results["replies_logged"] = logged
    results["daily_prompts"] = config.posts
    results["invocations_per_command"] = config.invocations
    return results


async def _measure(
    config: Config, emu: DiscordEmulator, guild: Any, channel: Any, member: Any, received: dict[int, float]
) -> dict[str, Any]:
    available: list[Command] = []
    results: dict[str, Any] = {}
    first_run: dict[str, float] = {}
    for command in COMMANDS:  # the first run of each command is a warm-up and a check that it exists
        started = time.perf_counter()
        try:
            handle = await emu.invoke(guild, channel, member, command.path, command.options(0))
        except Exception as exc:  # the emulator refuses commands the bot did not register
            progress(f"command_latency: {command.label} unavailable: {exc}")
            results[command.label] = {"missing": True, "reason": str(exc)[:200]}
            continue
        await handle.message(timeout=300)
        first_run[command.label] = time.perf_counter() - started
        available.append(command)
    callback: dict[str, list[float]] = {c.label: [] for c in available}
    complete: dict[str, list[float]] = {c.label: [] for c in available}
    spent = {c.label: 0.0 for c in available}
    warmups = {c.label: config.warmup if first_run[c.label] < 1.0 else 0 for c in available}

    def wanted(command: Command) -> bool:
        taken = len(callback[command.label])
        over = spent[command.label] > config.budget_seconds and taken >= 1
        return taken < config.invocations and not over

    i = 0
    while any(wanted(c) for c in available):
        i += 1
        shift = i % len(available)
        for command in available[shift:] + available[:shift]:
            if not wanted(command):
                continue
            started = time.perf_counter()
            handle = await emu.invoke(guild, channel, member, command.path, command.options(i))
            await handle.message(timeout=300)
            spent[command.label] += time.perf_counter() - started
            if warmups[command.label] > 0:
                warmups[command.label] -= 1
                continue
            iid, token = handle.id, handle.token
            answered = emu.requests_matching("POST", rf"^/interactions/{iid}/")[0].time
            followups = emu.requests_matching("POST", rf"^/webhooks/\d+/{token}")
            done = followups[0].time if followups else answered
            callback[command.label].append((answered - received[iid]) * 1000)
            complete[command.label].append((done - received[iid]) * 1000)
        if i % 25 == 0:
            progress(f"command_latency: round {i}, samples " + ", ".join(f"{k} {len(v)}" for k, v in callback.items()))
    for command in available:
        samples, finished = callback[command.label], complete[command.label]
        entry: dict[str, Any] = {
            "p50_ms": rounded(percentile(samples, 50), 2),
            "p99_ms": rounded(percentile(samples, 99), 2),
            "samples": len(samples),
        }
        if finished != samples:
            entry["complete_p50_ms"] = rounded(percentile(finished, 50), 2)
            entry["complete_p99_ms"] = rounded(percentile(finished, 99), 2)
        results[command.label] = entry
    return results
