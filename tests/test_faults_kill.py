"""kill -9 of `whiplash-bot run` during a burst of 5,000 replies; restart; backfill: every reply exactly once.

The bot runs as a real subprocess (as in tests/test_cli.py) against the emulator, which keeps the messages
while the bot is gone. The daily post is made first by an in-process bot on the same database file, with
the real clock, so the subprocess finds it and logs replies to its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from bot.emulator.snowflake import utc_now
from bot.timeutil import Clock
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule
from tests.harness import TOKEN, eventually, run_bot
from tests.test_cli import CLI, clean_env
from tests.test_faults_support import count_rows, stored_rows, tally

REPLIES = 5000
KILL_AFTER_STORED = 1000  # kill once this many are on disk: mid-burst, with more in flight and in memory


@pytest.fixture
def clock() -> Clock:
    """The bot runs as a subprocess, on the machine's clock; so do the emulator and the in-process bot."""
    return utc_now


async def start_bot(emu: DiscordEmulator, db: Path, log: Path) -> asyncio.subprocess.Process:
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(db),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="INFO",
    )
    with log.open("ab") as sink:
        return await asyncio.create_subprocess_exec(*CLI, "run", cwd=db.parent, env=env, stdout=sink, stderr=sink)


async def wait_for_rows(db: Path, guild_id: int, at_least: int, timeout: float) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        count = await asyncio.to_thread(count_rows, db, guild_id)
        if count >= at_least or loop.time() > deadline:
            return count
        await asyncio.sleep(0.05)


async def send_all(emu: DiscordEmulator, thread: Any, authors: list[Any]) -> None:
    """Members reply as fast as the emulator takes them, whether or not the bot is there to hear it."""
    for i in range(REPLIES):
        # A TimeoutError means the frame could not be flushed to a socket that just died; the message is
        # stored all the same, as Discord keeps what members wrote while a bot is gone.
        with contextlib.suppress(TimeoutError):
            await emu.send_user_message(thread, authors[i % len(authors)], f"kill-9 burst #{i}")
        if i % 100 == 99:
            await asyncio.sleep(0)


async def test_kill_9_mid_burst_then_restart_and_backfill_keeps_every_reply_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    log = tmp_path / "bot.log"
    async with run_bot(emu, db, content, bot_options=QUIET):
        await schedule(emu, world)
        handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")
        await handle.message()
        # With the real clock the scheduler's own tick may be posting the day at the same moment (post-now then
        # answers "already"): wait for the post's thread before this bot stops, or its shutdown cancels it.
        await eventually(
            lambda: bool(bot_posts(emu, world.channel)) and bot_posts(emu, world.channel)[0].id in emu.channels,
            timeout=15,
        )
    post = bot_posts(emu, world.channel)[0]
    thread = emu.get_channel(post.id)
    assert thread.is_thread

    identifies = emu.identify_count
    first = await start_bot(emu, db, log)
    second: asyncio.subprocess.Process | None = None
    try:
        await emu.wait_for_identify(count=identifies + 1, timeout=30)
        sender = asyncio.create_task(send_all(emu, thread, [world.member, world.moderator]))
        stored_at_kill = await wait_for_rows(db, world.guild.id, KILL_AFTER_STORED, timeout=30)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        sent_at_kill = len(emu.messages_in(thread))
        await sender
        assert stored_at_kill < REPLIES and first.returncode == -signal.SIGKILL

        restarted_at = log.stat().st_size
        second = await start_bot(emu, db, log)
        stored = await wait_for_rows(db, world.guild.id, REPLIES, timeout=45)
        assert stored == REPLIES, f"{stored} of {REPLIES} stored after the restart; log: {log.read_text()[-3000:]}"
        # The backfill is what could store a reply twice, late: it logs this line once it has flushed.
        await eventually(lambda: b"Backfill read 1 posts' threads" in log.read_bytes()[restarted_at:], timeout=30)
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), timeout=30)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.kill()
                with contextlib.suppress(ProcessLookupError):
                    await process.wait()

    replies: list[StoredMessage] = [m for m in emu.messages_in(thread) if m.author_id != emu.bot.id]
    assert len(replies) == REPLIES
    result = tally(replies, stored_rows(db, world.guild.id))
    print(
        f"kill -9 after {stored_at_kill} stored / ~{sent_at_kill} sent, restart + backfill: {result}; "
        f"log: {log.stat().st_size} bytes"
    )
    assert second is not None and second.returncode == 0, log.read_text()[-3000:]
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result
    text = log.read_text()
    assert "Backfill read 1 posts' threads" in text and TOKEN not in text
