"""Sharding end to end (issue 13): the real AutoShardedBot against the emulator, which routes each server's
events to the shard that owns it. One process running both shards serves every server once; a process
running shard 0 of 2 posts, backfills and logs only for shard 0's servers.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.pacing import DEFAULT_RATE
from bot.sharding import shard_of
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, services, tick
from tests.harness import TOKEN, FakeClock, ShardedTestBot, eventually, run_bot
from tests.test_cli import CLI, clean_env

SERVERS = 10


def spread(emu: DiscordEmulator, world: World, clock: FakeClock) -> list[tuple[Any, Any]]:
    """The world's server and 9 more, a millisecond apart so that their ids fall on both shards of 2."""
    servers = [(world.guild, world.channel)]
    for n in range(SERVERS - 1):
        clock.advance(milliseconds=1)
        guild = emu.add_guild(f"Studio Band {n}")
        servers.append((guild, emu.add_text_channel(guild, "practice")))
    assert {shard_of(guild.id, 2) for guild, _ in servers} == {0, 1}
    return servers


def sharded(emu: DiscordEmulator, **shards: Any) -> dict[str, Any]:
    """Bot options for `run_bot`: the AutoShardedBot, with Discord's identify pacing switched on."""
    emu.identify_window = 5.0
    emu.max_concurrency = 2  # shards 0 and 1 have a bucket each, so both identify at once (as on Discord)
    return {"bot_class": ShardedTestBot, "bot_options": {**QUIET, **shards}}


async def test_one_process_running_both_shards_posts_and_logs_every_server_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    servers = spread(emu, world, clock)
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, **sharded(emu, shard_count=2)) as running:
        assert sorted(s.shard for s in emu.gateway.sessions.values()) == [(0, 2), (1, 2)]
        assert len(running.bot.guilds) == SERVERS and running.bot.shard_scope().complete
        poster, _ = services(running)
        assert poster.requests_per_second == DEFAULT_RATE  # every shard here: the whole global limit
        for guild, channel in servers:
            await schedule(emu, world, guild=guild, channel=channel)
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))  # 09:00:30 in Berlin
        await tick(running)
        await tick(running)
        assert [len(bot_posts(emu, channel)) for _, channel in servers] == [1] * SERVERS
        for guild, channel in servers:
            thread = emu.get_channel(bot_posts(emu, channel)[0].id)
            await emu.send_user_message(thread, emu.add_member(guild, f"fan-{guild.id}"), "Were you rushing?")
        _, logger = services(running)

        async def every_reply_logged() -> bool:
            await logger.flush()
            return [await running.storage.replies.count_replies(g.id) for g, _ in servers] == [1] * SERVERS

        await eventually(every_reply_logged)
        threads = {g.id: bot_posts(emu, channel)[0].id for g, channel in servers}
        assert all(logger.first_live(thread) is not None for thread in threads.values())

        # Shard 1 alone starts a new session: only its servers' threads start afresh for the backfill.
        emu.identify_window = 0.0  # the test bot skips discord.py's 5 s pause before identifying again
        emu.gateway.invalidate(False, shard=1)
        await emu.wait_until(lambda: emu.identify_count == 3, 10, "shard 1 to identify again")

        def shard_1_afresh() -> bool:
            return all(logger.first_live(t) is None for g, t in threads.items() if shard_of(g, 2) == 1)

        await eventually(shard_1_afresh)
        assert all(logger.first_live(t) is not None for g, t in threads.items() if shard_of(g, 2) == 0)
    assert emu.gateway.identify_refused == []


async def test_a_process_running_shard_0_of_2_serves_only_shard_0s_servers(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    servers = spread(emu, world, clock)
    db = tmp_path / "bot.db"
    # Yesterday, when one process ran both shards, every server got its post.
    async with run_bot(emu, db, content, clock=clock, **sharded(emu, shard_count=2)) as running:
        for guild, channel in servers:
            await schedule(emu, world, guild=guild, channel=channel)
        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))
        await tick(running)
    threads = {guild.id: emu.get_channel(bot_posts(emu, channel)[0].id) for guild, channel in servers}
    fans = {guild.id: emu.add_member(guild, f"fan-{guild.id}") for guild, _ in servers}
    for guild, _ in servers:  # replies while no bot runs: the backfill's to find
        await emu.send_user_message(threads[guild.id], fans[guild.id], "Not quite my tempo.")
    mine = [guild for guild, _ in servers if shard_of(guild.id, 2) == 0]
    others = [guild for guild, _ in servers if shard_of(guild.id, 2) == 1]
    left = mine.pop()  # removed the bot while it was offline
    servers = [(guild, channel) for guild, channel in servers if guild is not left]
    emu.remove_guild(left)

    caplog.set_level(logging.INFO, logger="cogs.discussion._events")
    options = sharded(emu, shard_count=2, shard_ids=[0])
    async with run_bot(emu, db, content, clock=clock, **options) as running:
        assert [s.shard for s in emu.gateway.sessions.values() if s.alive] == [(0, 2)]
        assert {g.id for g in running.bot.guilds} == {g.id for g in mine}
        # Discord's global rate limit covers the bot's token in every process: this one spends its half of it.
        poster, _ = services(running)
        assert poster.requests_per_second == DEFAULT_RATE / 2

        # The READY sweep (on_ready, which runs after the bot counts as ready): shard 1's servers are missing
        # from this shard's READY, yet they are not gone; only the server that removed the bot is.
        async def swept() -> bool:
            return (await running.storage.guilds.get_guild(left.id)).removed_at is not None  # type: ignore[union-attr]

        await eventually(swept)
        removed = {g.id: (await running.storage.guilds.get_guild(g.id)).removed_at for g in [*mine, *others, left]}  # type: ignore[union-attr]
        assert removed == {g.id: clock() if g is left else None for g in [*mine, *others, left]}
        await eventually(lambda: "Backfill read" in caplog.text)
        _, logger = services(running)
        await logger.flush()
        assert [await running.storage.replies.count_replies(g.id) for g in mine] == [1] * len(mine)
        assert [await running.storage.replies.count_replies(g.id) for g in others] == [0] * len(others)

        for guild, _ in servers:  # live replies: the other shard's never reach this process
            await emu.send_user_message(threads[guild.id], fans[guild.id], "Were you rushing or dragging?")

        async def live_logged() -> bool:
            await logger.flush()
            return [await running.storage.replies.count_replies(g.id) for g in mine] == [2] * len(mine)

        await eventually(live_logged)
        assert [await running.storage.replies.count_replies(g.id) for g in others] == [0] * len(others)

        clock.set(datetime(2026, 11, 22, 8, 0, 30, tzinfo=UTC))  # the next day
        outcomes = await tick(running)
        assert {o.guild_id for o in outcomes} == {g.id for g in [*mine, left]}  # the left one: its channel is gone
        posts = {guild.id: len(bot_posts(emu, channel)) for guild, channel in servers}
        assert posts == {g.id: 2 if g in mine else 1 for g, _ in servers}


@pytest.mark.parametrize("clock", [utc_now])  # the subprocess bot runs on the machine's clock: so must Discord
@pytest.mark.parametrize(
    ("env", "asks_discord"),
    [({}, True), ({"SHARD_COUNT": "2"}, False), ({"SHARD_COUNT": "2", "SHARD_IDS": "0-1"}, False)],
    ids=["recommended", "count", "count-and-ids"],
)
async def test_whiplash_bot_run_connects_every_shard(
    emu: DiscordEmulator, tmp_path: Path, env: dict[str, str], asks_discord: bool
) -> None:
    """`run` is an AutoShardedBot: Discord's recommended count when SHARD_COUNT is unset, else SHARD_COUNT."""
    emu.recommended_shards = 2
    emu.max_concurrency = 1  # Discord's default: one IDENTIFY per 5 s, which discord.py's pause respects
    emu.identify_window = 5.0
    emu.add_guild("Shaffer Conservatory")
    process_env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(tmp_path / "bot.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="INFO",
        **env,
    )
    process = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=process_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        # discord.py pauses 5 s before each further shard's IDENTIFY: a real, bounded wait.
        await emu.wait_until(lambda: len(emu.gateway.sessions) == 2, 30, "both shards to identify")
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 0 and "Traceback" not in log, log
    assert sorted(s.shard for s in emu.gateway.sessions.values()) == [(0, 2), (1, 2)]
    assert any(r.path.endswith("/gateway/bot") for r in emu.recorder.requests) == asks_discord
    assert emu.gateway.identify_refused == []


@pytest.mark.parametrize("clock", [utc_now])  # the subprocess bot runs on the machine's clock: so must Discord
async def test_too_few_shards_for_the_servers_stops_run_with_one_line_naming_shard_count(
    emu: DiscordEmulator, tmp_path: Path
) -> None:
    """Discord's close 4011 "Sharding required" is the operator's to fix: one line, exit 2, no traceback."""
    emu.max_guilds_per_shard = 1  # Discord's 2,500, scaled down
    emu.add_guild("Shaffer Conservatory")
    emu.add_guild("Studio Band")
    process_env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(tmp_path / "bot.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        SHARD_COUNT="1",
    )
    process = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=process_env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 2 and "Traceback" not in log, log
    errors = [line for line in log.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and "SHARD_COUNT" in errors[0] and "4011" in errors[0], log
