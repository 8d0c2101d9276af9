"""Reply logging throughput: MESSAGE_CREATE frames through discord.py's own gateway parser into the real bot.

Path: each frame is a JSON string handed to `bot.ws.received_message()`, the coroutine discord.py's
websocket loop calls for every frame it reads. So JSON decoding, the MESSAGE_CREATE parser, the
message cache, event dispatch and every on_message listener run exactly as in production; only the
socket read is skipped (the emulator's loopback socket is slower than the parser and would hide it).

Three modes alternate within one run, in a rotating order, N messages per repetition:
- bare: the real bot with the DiscussionEvents cog (the reply logger) removed;
- logging: the same bot with a fresh DiscussionEvents cog (ReplyLogger: batched writes);
- naive: the bare bot plus NaiveReplyLogger (INSERT + COMMIT per message, serialized);
A repetition ends when every message has been handled and, for the loggers, written: the timer stops
after `ReplyLogger.flush()` (the last batch committed) or after the naive handler's last commit.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bench.common import (
    Tally,
    bench_clock,
    emulator,
    median,
    progress,
    real_bot,
    rounded,
    schedule_for,
    settle,
)
from bench.naive import NaiveReplyLogger
from bot.discussion.logger import ReplyLogger
from bot.discussion.pool import PromptPool
from bot.discussion.poster import DailyPoster
from bot.emulator import DiscordEmulator
from bot.storage import Storage
from cogs.discussion._events import DiscussionEvents

MODES = ("bare", "logging", "naive")


@dataclass(frozen=True)
class Config:
    messages: int = 4000  # per repetition and mode
    naive_messages: int = 2000  # the naive handler is slow; fewer messages keep the run short
    repetitions: int = 7
    authors: int = 25


class Probe(commands.Cog):
    """Counts handled messages; present in every mode, so it costs every mode the same."""

    def __init__(self) -> None:
        self.seen = Tally()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        self.seen.add()


def build_frames(emu: DiscordEmulator, thread: Any, authors: list[Any], count: int, seq: int) -> tuple[list[str], int]:
    """`count` gateway frames (op 0 MESSAGE_CREATE) for messages in `thread`, serialized ahead of time."""
    templates = []
    for author in authors:
        msg = emu.build_message(channel=thread, author=author.user, body={"content": "x"})
        templates.append({k: v for k, v in emu.gateway_message(msg).items() if not k.startswith("_")})
    frames = []
    for i in range(count):
        payload = dict(templates[i % len(templates)])
        payload["id"] = str(emu.new_id())
        payload["content"] = f"Reply {i}: were you rushing or were you dragging? Not quite my tempo."
        seq += 1
        frames.append(json.dumps({"op": 0, "t": "MESSAGE_CREATE", "s": seq, "d": payload}))
    return frames, seq


async def feed(bot: commands.Bot, probe: Probe, frames: list[str]) -> None:
    """Hand every frame to discord.py's websocket handler, yielding to the loop after each like the socket does."""
    ws = bot.ws
    target = probe.seen.value + len(frames)
    for frame in frames:
        await ws.received_message(frame)
        await asyncio.sleep(0)
    await probe.seen.reach(target)


def id_range(frames: list[str]) -> tuple[int, int]:
    first = json.loads(frames[0])["d"]["id"]
    last = json.loads(frames[-1])["d"]["id"]
    return int(first), int(last)


async def stored_between(storage: Storage, low: int, high: int) -> int:
    row = await storage.read_one("SELECT COUNT(*) FROM replies WHERE message_id BETWEEN ? AND ?", (low, high))
    return int(row[0]) if row else 0


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    import tempfile

    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


@dataclass
class Rig:
    """The running bot, its probe and the handlers each mode installs."""

    bot: commands.Bot
    storage: Storage
    probe: Probe
    naive: NaiveReplyLogger
    pool: PromptPool

    async def one(self, mode: str, frames: list[str]) -> tuple[float, int]:
        """Feed `frames` in `mode`; returns (seconds until handled and written, rows read back after)."""
        bot, storage, naive = self.bot, self.storage, self.naive
        low, high = id_range(frames)
        logger: ReplyLogger | None = None
        if mode == "logging":
            logger = ReplyLogger(storage)
            await bot.add_cog(
                DiscussionEvents(
                    bot,
                    logger,
                    DailyPoster(bot, self.pool, bot.storage.discussion, tick_seconds=3600.0),
                    discussion=bot.storage.discussion,
                )
            )
        elif mode == "naive":
            await bot.add_cog(naive)
        await asyncio.sleep(0.05)  # the cog's start-up work (optouts, a first scheduler tick) ends first
        settle()
        target = naive.stored.value + len(frames)
        started = time.perf_counter()
        await feed(bot, self.probe, frames)
        if logger is not None:
            await logger.flush()
        elif mode == "naive":
            await naive.stored.reach(target)
        elapsed = time.perf_counter() - started
        if logger is not None:
            await bot.remove_cog("DiscussionEvents")
            return elapsed, await stored_between(storage, low, high)
        if mode == "naive":
            await bot.remove_cog(naive.qualified_name)
            return elapsed, await naive.count(low, high)
        return elapsed, 0


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    clock = bench_clock(datetime(2026, 11, 21, 9, 0, 30, tzinfo=UTC))
    async with emulator(clock) as emu:
        guild = emu.add_guild("Shaffer Conservatory")
        channel = emu.add_text_channel(guild, "studio-band")
        authors = [emu.add_member(guild, f"drummer-{i}") for i in range(config.authors)]
        async with real_bot(emu, tmp / "bot.db", clock) as running:
            bot, storage = running.bot, running.storage
            await storage.discussion.save_schedule(
                schedule_for(guild.id, channel.id, int(clock().timestamp()) - 1, clock())
            )
            outcomes = await bot.services.poster.tick()
            assert [o.status for o in outcomes] == ["posted"], outcomes
            post = outcomes[0].post
            assert post is not None and post.thread_id is not None
            thread = emu.get_channel(post.thread_id)
            await emu.flush()
            await asyncio.sleep(0.1)  # THREAD_CREATE reaches the bot's cache

            probe = Probe()
            await bot.add_cog(probe)
            await bot.remove_cog("DiscussionEvents")  # every mode installs its own handler
            naive = await NaiveReplyLogger.open(
                tmp / "naive.db", {post.thread_id: (guild.id, post.post_date.isoformat(), post.prompt_id)}
            )
            try:
                rig = Rig(bot, storage, probe, naive, PromptPool(bot.content, storage.moderation, storage.discussion))
                return await _measure(config, rig, emu, thread, authors)
            finally:
                await naive.close()


async def _measure(config: Config, rig: Rig, emu: DiscordEmulator, thread: Any, authors: list[Any]) -> dict[str, Any]:
    seq = 1_000_000
    rates: dict[str, list[float]] = {mode: [] for mode in MODES}
    ratios_bare: list[float] = []
    speedups: list[float] = []
    sent = {mode: 0 for mode in MODES}
    stored = {mode: 0 for mode in MODES}
    for rep in range(-1, config.repetitions):  # rep -1: one small warm-up pass of every mode, not counted
        order = MODES[rep % len(MODES) :] + MODES[: rep % len(MODES)]
        this: dict[str, float] = {}
        for mode in order:
            count = config.naive_messages if mode == "naive" else config.messages
            if rep < 0:
                count = max(10, count // 10)
            frames, seq = build_frames(emu, thread, authors, count, seq)
            elapsed, written = await rig.one(mode, frames)
            if rep >= 0:
                this[mode] = count / elapsed
                rates[mode].append(this[mode])
                sent[mode] += count
                stored[mode] += written
        if rep >= 0:
            ratios_bare.append(this["logging"] / this["bare"])
            speedups.append(this["logging"] / this["naive"])
            progress(
                f"reply_logging rep {rep + 1}/{config.repetitions}: "
                + ", ".join(f"{m} {this[m]:,.0f}/s" for m in MODES)
            )
    return {
        "path": "parser: frames handed to bot.ws.received_message (discord.py's websocket handler)",
        "messages_per_repetition": config.messages,
        "naive_messages_per_repetition": config.naive_messages,
        "repetitions": config.repetitions,
        "bare_msgs_per_s": rounded(median(rates["bare"]), 0),
        "logging_msgs_per_s": rounded(median(rates["logging"]), 0),
        "ratio_vs_bare": rounded(median(ratios_bare), 3),
        "naive_msgs_per_s": rounded(median(rates["naive"]), 0),
        "speedup_vs_naive": rounded(median(speedups), 2),
        "sent": sent["logging"],
        "stored": stored["logging"],
        "naive_sent": sent["naive"],
        "naive_stored": stored["naive"],
    }
