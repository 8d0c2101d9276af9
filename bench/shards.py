"""Two shard processes against one, on one PostgreSQL: the scheduler tick and reply logging (issue 16 §5).

Three real processes of the bot (`python -m bench.shards_child`, each `ShardedWhiplashBot` with every cog on
one throwaway PostgreSQL database, connected to the emulator here): `two` is shards 0 and 1 of 2 in a process
each, `one` is both shards in one process. All three stay connected for the whole run; only the variant being
measured is asked to work, the others idle (they still receive the gateway events of the posts made).

Each repetition measures both variants, in a rotating order:
- tick: `due` servers, half on each shard, are made due (their `next_run_at` set into the past; each server
  is due only once in the run, so every tick posts afresh on the real clock); the variant's processes are
  told to tick at once. Each times its own `poster.tick()`; the variant's time is the slowest process's.
  The emulator holds the bot to Discord's global limit (50 requests a second, one bot however many
  processes), and each tick starts after the previous one's requests left its one-second window;
  `tick_global_429s` counts the refusals per variant;
- logging: `messages` replies to the daily posts of `log_servers` servers (half on each shard), as gateway
  frames handed to each process's own shard websocket handler (as bench/reply_logging.py does), then the
  reply logger's flush. Each process gets its own shards' frames and times its own part; the variant's rate
  is all messages / the slowest process's time. The rows are counted back from the database (`lost`).
The figures are medians over the repetitions; `*_ratio` is two processes / one, per repetition, median.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import emulator, insert_schedules, median, progress, rounded, schedule_row
from bench.reply_logging import build_frames
from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.sharding import shard_of
from bot.storage import open_storage
from tests import backends
from tests.harness import TOKEN

REPO = Path(__file__).resolve().parent.parent
VARIANTS = ("two", "one")
PROCESSES = {"two": ("0", "1"), "one": ("0,1",)}
SHARDS = 2
WAIT = 180.0  # the bound of every wait on a child
GLOBAL_WINDOW = 1.1  # the emulator's global rate limit counts requests over the last second


@dataclass(frozen=True)
class Config:
    due: int = 10  # servers due per tick, half on each shard
    repetitions: int = 7
    log_servers: int = 10  # servers whose threads get the replies, half on each shard
    messages: int = 4000  # replies per repetition and variant
    authors: int = 5  # members per logging server


@dataclass
class Server:
    guild: Any
    channel: Any
    members: list[Any]

    @property
    def shard(self) -> int:
        return shard_of(self.guild.id, SHARDS)


class Child:
    """One bot process; `ask` sends a command line and reads the answer line."""

    def __init__(self, process: asyncio.subprocess.Process, shard_ids: str, log: Path) -> None:
        self.process = process
        self.shard_ids = shard_ids
        self.process_log = log

    @classmethod
    async def start(cls, emu: DiscordEmulator, url: str, shard_ids: str, tmp: Path) -> Child:
        log = tmp / f"child-{shard_ids}.log"  # its warnings; the tail is quoted if it fails
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.shards_child", "--url", url, "--api", emu.api_base,
            "--gateway", emu.gateway_url, "--token", TOKEN, "--shard-count", str(SHARDS),
            "--shard-ids", shard_ids, "--unused-db", str(tmp / "unused.db"),
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=log.open("ab"),
        )  # fmt: skip
        child = cls(process, shard_ids, log)
        await child.read()  # {"ready": true, ...}
        return child

    async def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), WAIT)
        if not line:
            code = await self.process.wait()
            log = self.process_log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"shard process {self.shard_ids} exited with {code}: {log}")
        result: dict[str, Any] = json.loads(line)
        return result

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        return await self.read()

    async def quit(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                assert self.process.stdin is not None
                self.process.stdin.write(b'{"op": "quit"}\n')
                await self.process.stdin.drain()
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    """Needs the PostgreSQL backend (`python -m bench` starts one for a `*_postgresql` benchmark)."""
    config = config or Config()
    server = backends.current().server
    if server is None:
        raise FileNotFoundError("shards_postgresql runs on PostgreSQL only (python -m bench starts one)")
    url = await backends.create_database(server)
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        async with emulator(utc_now) as emu:
            emu.identify_window = 0.0  # the processes start one after the other anyway; no 5 s pauses
            emu.global_rate_limit = 50  # Discord's: one bot, however many processes, 50 requests a second
            return await _run(config, emu, url, Path(tmp))


async def _run(config: Config, emu: DiscordEmulator, url: str, tmp: Path) -> dict[str, Any]:
    ticks_needed = config.due * (config.repetitions + 1) * len(VARIANTS)  # +1: the warm-up repetition
    log_servers = await add_servers(emu, config.log_servers, config.authors)
    tick_servers = await add_servers(emu, ticks_needed, 1)
    now = utc_now()
    later = int((now + timedelta(days=30)).timestamp())
    rows = [_schedule(s, int(now.timestamp()) - 60) for s in log_servers] + [_schedule(s, later) for s in tick_servers]
    async with await open_storage(url) as storage:
        await insert_schedules(storage, rows)
    children: dict[str, list[Child]] = {}
    db = await asyncpg.connect(url)
    try:
        async with _started(children, emu, url, tmp, db, log_servers):
            return await _measure(config, emu, db, children, log_servers, tick_servers, tmp)
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def _started(
    children: dict[str, list[Child]], emu: DiscordEmulator, url: str, tmp: Path, db: Any, log_servers: list[Server]
) -> AsyncIterator[None]:
    """The one-process variant first: it posts the logging servers' daily posts (due at its READY); the two
    shard processes start after, so their reply loggers load those posts as a restarted process would."""
    try:
        children["one"] = [await Child.start(emu, url, PROCESSES["one"][0], tmp)]
        await children["one"][0].ask({"op": "tick"})  # the READY tick may already have posted them: once either way
        posted = await db.fetchval("SELECT count(*) FROM daily_posts WHERE status = 'sent'")
        if posted != len(log_servers):
            raise RuntimeError(f"{posted} of {len(log_servers)} logging servers got their daily post")
        children["two"] = [await Child.start(emu, url, shard_ids, tmp) for shard_ids in PROCESSES["two"]]
        progress(f"shards_postgresql: 3 processes ready, {len(emu.guilds)} servers")
        yield
    finally:
        await asyncio.gather(*(child.quit() for group in children.values() for child in group))


async def _measure(
    config: Config,
    emu: DiscordEmulator,
    db: Any,
    children: dict[str, list[Child]],
    log_servers: list[Server],
    tick_servers: list[Server],
    tmp: Path,
) -> dict[str, Any]:
    threads = {s.guild.id: _thread(emu, s) for s in log_servers}
    queue = {shard: [s for s in tick_servers if s.shard == shard] for shard in range(SHARDS)}
    tick_s: dict[str, list[float]] = {v: [] for v in VARIANTS}
    rates: dict[str, list[float]] = {v: [] for v in VARIANTS}
    tick_ratios: list[float] = []
    log_ratios: list[float] = []
    posted = {v: 0 for v in VARIANTS}
    global_429s = {v: 0 for v in VARIANTS}
    sent = {v: 0 for v in VARIANTS}
    stored = {v: 0 for v in VARIANTS}
    seq = 2_000_000
    for rep in range(-1, config.repetitions):  # rep -1: a warm-up of both variants, not counted
        order = VARIANTS[rep % 2 :] + VARIANTS[: rep % 2]
        this_tick: dict[str, float] = {}
        this_rate: dict[str, float] = {}
        for variant in order:
            due = [queue[shard].pop() for shard in range(SHARDS) for _ in range(config.due // SHARDS)]
            await asyncio.sleep(GLOBAL_WINDOW)  # the previous tick's requests leave the emulator's window first
            first_request = len(emu.requests)
            seconds, made = await _tick(db, children[variant], due)
            limited = sum(1 for r in emu.requests[first_request:] if r.status == 429)
            count = config.messages if rep >= 0 else max(20, config.messages // 10)
            pairs, seq = _frames(emu, log_servers, threads, count, seq)
            log_seconds = await _log(children[variant], pairs, tmp)
            if rep < 0:
                continue
            this_tick[variant] = seconds
            this_rate[variant] = count / log_seconds
            tick_s[variant].append(seconds)
            rates[variant].append(this_rate[variant])
            posted[variant] += made
            global_429s[variant] += limited
            sent[variant] += count
            stored[variant] += await _stored(db, pairs)
        if rep >= 0:
            tick_ratios.append(this_tick["two"] / this_tick["one"])
            log_ratios.append(this_rate["two"] / this_rate["one"])
            progress(
                f"shards_postgresql rep {rep + 1}/{config.repetitions}: tick two {this_tick['two']:.3f} s, "
                f"one {this_tick['one']:.3f} s; logging two {this_rate['two']:,.0f}/s, one {this_rate['one']:,.0f}/s"
            )
    return {
        "processes": {"two": "shards 0 and 1 of 2, a process each", "one": "shards 0-1 of 2 in one process"},
        "due_per_tick": config.due,
        "messages_per_repetition": config.messages,
        "log_servers": config.log_servers,
        "repetitions": config.repetitions,
        "tick_s": {v: rounded(median(tick_s[v]), 3) for v in VARIANTS},
        "tick_ratio": rounded(median(tick_ratios), 3),
        "logging_msgs_per_s": {v: rounded(median(rates[v]), 0) for v in VARIANTS},
        "logging_ratio": rounded(median(log_ratios), 3),
        "posts_confirmed": posted,  # of due_per_tick x repetitions per variant
        "posts_not_confirmed": {v: config.due * config.repetitions - posted[v] for v in VARIANTS},
        "posted_once": await _posted_once(emu, db),
        "sent": sent,
        "stored": stored,
        "lost": sum(sent.values()) - sum(stored.values()),
        "tick_global_429s": global_429s,
    }


async def add_servers(emu: DiscordEmulator, count: int, members: int) -> list[Server]:
    """`count` servers, half on each shard of 2 (a server's shard is its id's millisecond, mod 2)."""
    servers: list[Server] = []
    per_shard = dict.fromkeys(range(SHARDS), 0)
    n = len(emu.guilds)
    while len(servers) < count:
        n += 1
        guild = emu.add_guild(f"Studio Band {n}")
        shard = shard_of(guild.id, SHARDS)
        if per_shard[shard] >= count // SHARDS + count % SHARDS * (shard == 0):
            emu.remove_guild(guild)  # no bot is connected yet: nobody hears of it
        else:
            per_shard[shard] += 1
            channel = emu.add_text_channel(guild, "practice")
            servers.append(Server(guild, channel, [emu.add_member(guild, f"drummer-{i}") for i in range(members)]))
        await asyncio.sleep(0.001)  # the next id, a millisecond on, may fall on the other shard
    return servers


def _schedule(server: Server, next_run_at: int) -> tuple[Any, ...]:
    """Every day at 00:00 UTC: on the real clock, each server's day is due at any hour once made due."""
    row = schedule_row(server.guild.id, server.channel.id, next_run_at, utc_now())
    return (*row[:2], "00:00", *row[3:])


async def _tick(db: Any, processes: list[Child], due: list[Server]) -> tuple[float, int]:
    """Make `due` due, have every process of the variant tick at once; the slowest's time, the posts made."""
    past = int(utc_now().timestamp()) - 60
    await db.execute(
        "UPDATE schedules SET next_run_at = $1 WHERE guild_id = ANY($2::bigint[])", past, [s.guild.id for s in due]
    )
    answers = await asyncio.gather(*(child.ask({"op": "tick"}) for child in processes))
    made = sum(a["posted"] for a in answers)
    if made != len(due):  # e.g. "retrying": refused by the global limit beyond discord.py's retries
        progress(f"shards_postgresql: a tick posted {made} of {len(due)} due servers: {answers}")
    return max(a["seconds"] for a in answers), made


async def _log(processes: list[Child], pairs: list[tuple[int, str]], tmp: Path) -> float:
    """Each process its own shards' frames, all at once; the slowest's time (the rows are counted after)."""
    asks = []
    for child in processes:
        mine = {int(part) for part in child.shard_ids.split(",")}
        path = tmp / f"frames-{child.shard_ids}.json"
        path.write_text(json.dumps([pair for pair in pairs if pair[0] in mine]))
        asks.append(child.ask({"op": "log", "file": str(path)}))
    answers = await asyncio.gather(*asks)
    return float(max(a["seconds"] for a in answers))


def _frames(
    emu: DiscordEmulator, servers: list[Server], threads: dict[int, Any], count: int, seq: int
) -> tuple[list[tuple[int, str]], int]:
    """`count` reply frames spread evenly over the servers' threads, interleaved, each with its shard."""
    per_server = []
    for s in servers:
        frames, seq = build_frames(emu, threads[s.guild.id], s.members, -(-count // len(servers)), seq)
        per_server.append([(s.shard, frame) for frame in frames])
    interleaved = [pair for group in zip(*per_server, strict=True) for pair in group]
    return interleaved[:count], seq


async def _stored(db: Any, pairs: list[tuple[int, str]]) -> int:
    ids = [int(json.loads(frame)["d"]["id"]) for _, frame in pairs]
    return int(await db.fetchval("SELECT count(*) FROM replies WHERE message_id = ANY($1::bigint[])", ids))


async def _posted_once(emu: DiscordEmulator, db: Any) -> bool:
    """No server's day claimed twice, no channel with two of the bot's posts, every sent day's post there.

    A day still being retried (refused by the global limit) is claimed but not yet sent: not a double.
    """
    rows = await db.fetch("SELECT status, channel_id FROM daily_posts")
    channels = [r["channel_id"] for r in rows]
    if len(set(channels)) != len(channels):
        return False
    counts = {c: len(_bot_posts(emu, emu.channels[c])) for c in channels}
    return all(n <= 1 for n in counts.values()) and all(
        counts[r["channel_id"]] == 1 for r in rows if r["status"] == "sent"
    )


def _bot_posts(emu: DiscordEmulator, channel: Any) -> list[Any]:
    return [m for m in emu.messages_in(channel) if int(m["author"]["id"]) == emu.bot.id and m.embeds]


def _thread(emu: DiscordEmulator, server: Server) -> Any:
    posts = _bot_posts(emu, server.channel)
    if not posts:
        raise RuntimeError(f"no daily post in {server.guild.name}")
    return emu.channels[posts[0].id]
