"""The proof of issue 13: two `whiplash-bot run` processes, shards 0 and 1 of 2, on one emulator and one PostgreSQL.

What README's "Deployment" section promises for several machines, shown with real processes on the machine's
clock: every server's daily post goes out exactly once, every member's reply is logged exactly once, and a
`kill -9` of one process in the middle of a burst of replies, then its restart, loses and doubles nothing,
while the other process goes on logging its own servers' replies during the outage. A third process asking
for a shard that is already run exits with one line.

Real waits, all bounded and on observable events: rows in the database, messages and sessions in the emulator.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.sharding import shard_of
from bot.storage import Schedule, open_storage
from bot.storage.postgres import SHARD_LOCK
from tests.backends import create_database
from tests.harness import TOKEN, eventually
from tests.postgres import PostgresServer
from tests.test_cli import CLI, clean_env

SERVERS_PER_SHARD = 11  # 22 servers in all
ZONES = ("UTC", "Europe/Berlin", "Asia/Tokyo", "America/New_York", "Australia/Sydney")
BURST = 3  # replies per server in each half of the burst
WAIT = 45.0  # the bound of every wait; the whole test takes far less when the machine is not busy


def zones_in_daytime(now: datetime) -> list[str]:
    """The zones whose local day does not end within the test (so no server gets a second day's post)."""
    usable = []
    for name in ZONES:
        local = now.astimezone(ZoneInfo(name))
        if local.hour >= 1 and (local.hour, local.minute) < (22, 30):
            usable.append(name)
    assert usable, "no zone in daytime"  # at every instant at least two of ZONES are
    return usable


async def add_servers(emu: DiscordEmulator) -> list[tuple[Any, Any, Any]]:
    """Servers until each shard has SERVERS_PER_SHARD: (guild, channel, member), ids on both shards of 2."""
    servers: list[tuple[Any, Any, Any]] = []
    per_shard = {0: 0, 1: 0}
    n = 0
    while min(per_shard.values()) < SERVERS_PER_SHARD:
        n += 1
        guild = emu.add_guild(f"Studio Band {n}")
        shard = shard_of(guild.id, 2)
        if per_shard[shard] >= SERVERS_PER_SHARD:
            emu.remove_guild(guild)  # no bot is connected yet: nobody hears of it
            await asyncio.sleep(0.001)  # the next id, a millisecond on, falls on the other shard
            continue
        per_shard[shard] += 1
        servers.append((guild, emu.add_text_channel(guild, "practice"), emu.add_member(guild, f"drummer-{n}")))
        await asyncio.sleep(0.001)
    return servers


async def schedule_all(url: str, servers: list[tuple[Any, Any, Any]]) -> None:
    """Each server's schedule, set yesterday for a time a few minutes ago in its zone: due at once, today."""
    now = utc_now()
    zones = zones_in_daytime(now)
    async with await open_storage(url) as storage:
        for i, (guild, channel, _) in enumerate(servers):
            zone = zones[i % len(zones)]
            local = (now - timedelta(minutes=1 + i)).astimezone(ZoneInfo(zone))
            await storage.discussion.save_schedule(
                Schedule(
                    guild.id, channel.id, f"{local:%H:%M}", zone, 127, None, None, None, False,
                    int((now - timedelta(minutes=1)).timestamp()), now - timedelta(days=1),
                )
            )  # fmt: skip


class Bot:
    """One `whiplash-bot run` subprocess; its output goes to a file (a full pipe would stall it)."""

    def __init__(self, tmp_path: Path, name: str, env: dict[str, str]) -> None:
        self.log = tmp_path / f"{name}.log"
        self.env = env
        self.cwd = tmp_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                *CLI, "run", cwd=self.cwd, env=self.env, stdout=out, stderr=asyncio.subprocess.STDOUT
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), WAIT)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode or 0

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.mark.parametrize("clock", [utc_now])  # the subprocess bots run on the machine's clock: so must Discord
async def test_two_processes_post_and_log_exactly_once_through_a_kill_and_restart(
    emu: DiscordEmulator, tmp_path: Path, pg_server: PostgresServer
) -> None:
    # Discord's defaults for a bot this size: one IDENTIFY per 5 s across all its processes. The second
    # process to identify is told to wait (Invalid Session) and tries again after discord.py's 5 s pause.
    emu.max_concurrency = 1
    emu.identify_window = 5.0
    servers = await add_servers(emu)
    url = await create_database(pg_server)
    await schedule_all(url, servers)

    def env(shard_ids: str) -> dict[str, str]:
        return clean_env(
            DISCORD_TOKEN=TOKEN,
            DATABASE_URL=url,
            DATABASE_PATH=str(tmp_path / "unused.db"),
            DISCORD_API_BASE=emu.api_base,
            DISCORD_GATEWAY_URL=emu.gateway_url,
            SHARD_COUNT="2",
            SHARD_IDS=shard_ids,
            LOG_LEVEL="INFO",
        )

    bots = {0: Bot(tmp_path, "shard-0", env("0")), 1: Bot(tmp_path, "shard-1", env("1"))}
    db = await asyncpg.connect(url)
    try:
        for bot in bots.values():
            await bot.start()
        await _test_body(emu, db, servers, bots, tmp_path, env)
        codes = {shard: await bot.stop() for shard, bot in bots.items()}
        for shard, bot in bots.items():
            log = bot.text()
            assert codes[shard] == 0 and "Traceback" not in log, log
    finally:
        for bot in bots.values():
            if bot.running:
                await bot.kill()
        await db.close()
    assert not (tmp_path / "unused.db").exists()


async def _test_body(
    emu: DiscordEmulator,
    db: asyncpg.Connection,
    servers: list[tuple[Any, Any, Any]],
    bots: dict[int, Bot],
    tmp_path: Path,
    env: Any,
) -> None:
    on_shard = {shard: [s for s in servers if shard_of(s[0].id, 2) == shard] for shard in (0, 1)}

    # 1. Every server's post, exactly once, each with its thread, whichever process runs the server.
    def every_thread() -> bool:
        return all(_posts(emu, channel) and _thread(emu, channel) is not None for _, channel, _ in servers)

    await emu.wait_until(every_thread, WAIT, "every server's daily post and its thread")
    rows = await db.fetch("SELECT guild_id, status, message_id, number FROM daily_posts ORDER BY guild_id")
    assert [(r["guild_id"], r["status"], r["number"]) for r in rows] == sorted((g.id, "sent", 1) for g, _, _ in servers)
    assert {r["message_id"] for r in rows} == {_posts(emu, channel)[0].id for _, channel, _ in servers}
    assert sorted(s.shard for s in emu.gateway.sessions.values() if s.alive) == [(0, 2), (1, 2)]

    # 2. A burst of replies; shard 1's process is killed in the middle of it, with replies still on their way.
    sent: dict[int, list[int]] = {shard: [] for shard in (0, 1)}

    async def burst(part: str) -> None:
        for n in range(BURST):
            for guild, channel, member in servers:
                message = await emu.send_user_message(_thread(emu, channel), member, f"{part} take {n}: not my tempo")
                sent[shard_of(guild.id, 2)].append(message.id)

    async def logged(ids: list[int]) -> set[int]:
        found = await db.fetch("SELECT message_id FROM replies WHERE message_id = ANY($1::bigint[])", ids)
        return {r["message_id"] for r in found}

    await burst("first")
    await bots[1].kill()
    await burst("second")  # shard 1's servers speak while nobody runs shard 1

    # 3. The other process is unaffected: all of shard 0's replies, including those of the outage, are logged.
    async def shard_0_complete() -> bool:
        return await logged(sent[0]) == set(sent[0])

    await eventually(shard_0_complete, timeout=WAIT)
    assert bots[0].running and not bots[1].running
    assert await logged(sent[1]) < set(sent[1])  # the outage's replies of shard 1 are not there yet

    # 4. The restart: PostgreSQL has dropped the killed process's lease, the new one takes it and catches up.
    async def lease_released() -> bool:
        held = await db.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = 1 AND granted",
            SHARD_LOCK,
        )
        return held == 0

    await eventually(lease_released, timeout=WAIT)
    sessions_before = len(emu.gateway.sessions)
    await bots[1].start()
    await emu.wait_until(lambda: len(emu.gateway.sessions) > sessions_before, WAIT, "shard 1 to identify again")

    async def everything_logged() -> bool:
        return await logged(sent[0] + sent[1]) == set(sent[0] + sent[1])

    await eventually(everything_logged, timeout=WAIT)
    rows = await db.fetch("SELECT message_id, guild_id, thread_id, content IS NOT NULL AS kept FROM replies")
    assert sorted(r["message_id"] for r in rows) == sorted(sent[0] + sent[1])  # once each, nothing else
    threads = {guild.id: _thread(emu, channel).id for guild, channel, _ in servers}  # type: ignore[union-attr]
    assert all(r["thread_id"] == threads[r["guild_id"]] and r["kept"] for r in rows)
    assert {r["guild_id"] for r in rows} == {g.id for g, _, _ in on_shard[0] + on_shard[1]}

    # 5. A third process asking for shard 1, which the restarted process holds again, is refused with one line.
    third = Bot(tmp_path, "third", env("1"))
    await third.start()
    assert third.process is not None
    code = await asyncio.wait_for(third.process.wait(), WAIT)
    refused = third.text()
    assert code == 1 and "Traceback" not in refused, refused
    errors = [line for line in refused.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "shard 1 is already run by another process" in errors[0], refused

    # 6. Nothing doubled by the restart: still one post per server, and the restarted process posts nothing.
    assert all(len(_posts(emu, channel)) == 1 for _, channel, _ in servers)
    assert await db.fetchval("SELECT count(*) FROM daily_posts") == len(servers)
    assert bots[0].running and bots[1].running
    assert "ERROR" not in bots[0].text(), bots[0].text()


def _posts(emu: DiscordEmulator, channel: Any) -> list[Any]:
    return [m for m in emu.messages_in(channel) if int(m["author"]["id"]) == emu.bot.id and m.embeds]


def _thread(emu: DiscordEmulator, channel: Any) -> Any:
    posts = _posts(emu, channel)
    return emu.channels.get(posts[0].id) if posts else None
