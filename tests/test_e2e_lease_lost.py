"""Issue 13: a `whiplash-bot run` process that loses its PostgreSQL shard lease stops, with one line.

The lease is a set of session-level advisory locks on one connection (bot.storage.postgres.ShardLease): when
that session ends (PostgreSQL restarted, `pg_terminate_backend`, a network cut), the server frees the locks
and another process may take the shards. A process that went on running them would do their work twice. Here
a real process on a throwaway PostgreSQL and the emulator has its lease's session terminated: it must exit
non-zero (so systemd restarts it) with one line naming the shards and the cause, no traceback; a second
process then takes the shards, posts nothing twice and logs every reply once, also those sent while nobody
ran the shards. Real waits, bounded and on observable events (the process's exit, rows, emulator state).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.storage.postgres import SHARD_LOCK
from tests.backends import create_database
from tests.harness import TOKEN, eventually
from tests.postgres import PostgresServer, running_server
from tests.test_cli import clean_env
from tests.test_e2e_two_processes import WAIT, Bot, _posts, _thread, add_servers, schedule_all


@pytest.mark.parametrize("clock", [utc_now])  # the subprocess bots run on the machine's clock: so must Discord
async def test_a_process_that_loses_its_lease_stops_with_one_line_and_the_next_one_doubles_nothing(
    emu: DiscordEmulator, tmp_path: Path, pg_server: PostgresServer
) -> None:
    servers = await add_servers(emu)
    url = await create_database(pg_server)
    await schedule_all(url, servers)
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=url,
        DATABASE_PATH=str(tmp_path / "unused.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        SHARD_COUNT="2",
        SHARD_IDS="0-1",
        LOG_LEVEL="INFO",
    )
    first, second = Bot(tmp_path, "first", env), Bot(tmp_path, "second", env)
    db = await asyncpg.connect(url)
    try:
        await first.start()
        await _lose_the_lease_then_take_over(emu, db, servers, first, second, pg_server.port)
    finally:
        for bot in (first, second):
            if bot.running:
                await bot.kill()
        await db.close()


async def _lose_the_lease_then_take_over(
    emu: DiscordEmulator,
    db: asyncpg.Connection,
    servers: list[tuple[Any, Any, Any]],
    first: Bot,
    second: Bot,
    port: int,
) -> None:
    def every_thread() -> bool:
        return all(_posts(emu, channel) and _thread(emu, channel) is not None for _, channel, _ in servers)

    await emu.wait_until(every_thread, WAIT, "every server's daily post and its thread")
    sent: list[int] = []

    async def reply(words: str) -> None:
        for _, channel, member in servers:
            sent.append((await emu.send_user_message(_thread(emu, channel), member, words)).id)

    async def logged() -> list[int]:
        return [r["message_id"] for r in await db.fetch("SELECT message_id FROM replies ORDER BY message_id")]

    # 1. The lease's session ends under the running process, with replies just sent (some still queued).
    await reply("four hundred")
    holders = await db.fetch(
        "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND granted", SHARD_LOCK
    )
    assert len(holders) == 1, holders  # one session holds both shards
    assert await db.fetchval("SELECT pg_terminate_backend($1)", holders[0]["pid"])

    # 2. It stops by itself, non-zero (systemd's Restart=on-failure brings it back), with one line, no traceback.
    assert first.process is not None
    code = await asyncio.wait_for(first.process.wait(), WAIT)
    text = first.text()
    errors = [line for line in text.splitlines() if "ERROR" in line]
    assert code == 1 and "Traceback" not in text, text
    assert len(errors) == 1, text
    assert (
        f"Lost the PostgreSQL lease on shards 0-1 of 2 (the connection to 127.0.0.1:{port} closed): stopping so "
        "that no other process runs them twice; restart this process to take them back"
    ) in errors[0]
    assert set(await logged()) <= set(sent)  # what it wrote on the way out, nothing else

    # 3. Replies while nobody runs the shards; then the next process takes the lease and catches up.
    await reply("were you rushing or were you dragging")
    sessions_before = len(emu.gateway.sessions)
    await second.start()
    await emu.wait_until(lambda: len(emu.gateway.sessions) > sessions_before, WAIT, "the second process to identify")

    async def everything_logged() -> bool:
        return set(await logged()) == set(sent)

    await eventually(everything_logged, timeout=WAIT)
    assert sorted(await logged()) == sorted(sent)  # every reply once, including any the first left queued

    # 4. The day's post went out exactly once per server, through the loss and the takeover.
    assert all(len(_posts(emu, channel)) == 1 for _, channel, _ in servers)
    assert await db.fetchval("SELECT count(*) FROM daily_posts") == len(servers)
    assert second.running and await second.stop() == 0
    assert "ERROR" not in second.text() and "Traceback" not in second.text(), second.text()


@pytest.mark.usefixtures("pg_server")  # for its skip (or CI's failure) where PostgreSQL is not installed
@pytest.mark.parametrize("clock", [utc_now])
async def test_a_postgresql_restart_stops_the_process_that_held_the_lease(emu: DiscordEmulator, tmp_path: Path) -> None:
    """A restart ends every session, the lease's and the pool's: the process stops, saying why once."""
    with running_server() as own:  # its own server: restarting the session's would disturb other tests
        url = await create_database(own, template="template0")  # the bot migrates it
        servers = await add_servers(emu)
        await schedule_all(url, servers)
        env = clean_env(
            DISCORD_TOKEN=TOKEN,
            DATABASE_URL=url,
            DATABASE_PATH=str(tmp_path / "unused.db"),
            DISCORD_API_BASE=emu.api_base,
            DISCORD_GATEWAY_URL=emu.gateway_url,
            LOG_LEVEL="INFO",
        )
        bot = Bot(tmp_path, "restarted", env)
        try:
            await bot.start()
            await emu.wait_until(
                lambda: all(_posts(emu, c) and _thread(emu, c) is not None for _, c, _ in servers), WAIT, "every thread"
            )
            for _, channel, member in servers:  # replies on their way while the server goes down
                await emu.send_user_message(_thread(emu, channel), member, "not quite my tempo")
            # A restart begins with the fast shutdown: every session ended with "terminating connection due
            # to administrator command" (the start after it changes nothing for this process).
            stop = ("pg_ctl", "-D", str(own.root / "data"), "-m", "fast", "-w", "stop")
            restarted = await asyncio.to_thread(own._run, *stop)
            assert restarted.returncode == 0, restarted.stderr
            assert bot.process is not None
            code = await asyncio.wait_for(bot.process.wait(), WAIT)
        finally:
            if bot.running:
                await bot.kill()
    text = bot.text()
    lost = [line for line in text.splitlines() if "Lost the PostgreSQL lease" in line]
    assert code == 1, text
    assert len(lost) == 1 and "on every shard (the connection to 127.0.0.1:" in lost[0], text
    # asyncpg's pool, failing to reconnect while the server is down, says why in one line, not a traceback.
    assert "_maintain_min_size" not in text
    # Not asserted: the work the outage interrupts reports it too. The reply logger's last flush says how many
    # changes it could not write (the restart's backfill reads them back, as the first test shows), and a daily
    # post whose write was cut off may be logged as "failed unexpectedly", with its traceback (the poster's).
