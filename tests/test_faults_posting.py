"""429 storms and 5xx on every route the daily post uses, in several servers: exactly one post each.

The routes: POST /channels/{channel}/messages (the post) and POST /channels/{channel}/messages/{id}/threads
(its thread). Failures include answers lost after Discord did the work (the emulator's `lose_response`),
which is what makes a naive retry post twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, tick
from tests.harness import FakeClock, run_bot

SERVERS = 4
SEND = r"/channels/\d+/messages$"
THREAD = r"/channels/\d+/messages/\d+/threads$"


async def test_429_storms_and_5xx_on_every_daily_post_route_post_exactly_once_per_server(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    channels: list[tuple[Any, Any]] = [(world.guild, world.channel)]
    for i in range(1, SERVERS):
        guild = emu.add_guild(f"Band {i}")
        channels.append((guild, emu.add_text_channel(guild, "practice")))
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        for guild, channel in channels:
            await schedule(emu, world, guild=guild, channel=channel)
        # The storm: per-route and global 429s, plain 5xx, and 5xx/429 answers to requests that did succeed.
        # discord.py itself retries 500/502 after 1 s, 3 s, ... so each is injected once to keep the test quick.
        emu.fail("POST", SEND, 429, times=4, retry_after=0.05)
        emu.fail("POST", SEND, 429, times=1, retry_after=0.05, global_=True)
        emu.fail("POST", SEND, 502, times=1)
        emu.fail("POST", SEND, 500, times=1).lose_response = True
        emu.fail("POST", SEND, 503, times=1)
        emu.fail("POST", THREAD, 429, times=4, retry_after=0.05)
        emu.fail("POST", THREAD, 502, times=1)
        emu.fail("POST", THREAD, 500, times=1).lose_response = True
        emu.fail("POST", THREAD, 503, times=1)
        emu.fail("POST", THREAD, 429, times=1, retry_after=0.05).lose_response = True
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        statuses: list[list[str]] = []
        for _ in range(12):  # ticks 5 minutes apart, the poster's retry delay, within the same local day
            statuses.append(sorted(o.status for o in await tick(running)))
            if all(o == "posted" for o in statuses[-1]) and all(bot_posts(emu, ch) for _, ch in channels):
                break
            clock.advance(minutes=5, seconds=1)
        for _ in range(3):  # and more ticks afterwards change nothing
            clock.advance(minutes=7)
            await tick(running)
        posts = {
            guild.id: await running.storage.discussion.get_post(guild.id, clock.now.date()) for guild, _ in channels
        }
    assert all(rule.hits for rule in emu.faults), [(r.path_regex, r.status, r.hits) for r in emu.faults]
    per_server = {guild.id: len(bot_posts(emu, channel)) for guild, channel in channels}
    print(f"posts per server after the storm: {per_server}; tick outcomes: {statuses}")
    assert per_server == {guild.id: 1 for guild, _ in channels}, per_server
    threads = [t for t in emu.threads if t.parent_id in {channel.id for _, channel in channels}]
    assert sorted(t.parent_id for t in threads) == sorted(channel.id for _, channel in channels)
    for guild, channel in channels:
        post = posts[guild.id]
        message = bot_posts(emu, channel)[0]
        assert post is not None and post.status == "sent" and post.message_id == message.id
        assert post.thread_id == message.id and emu.get_channel(message.id).is_thread
