"""Storage faults: the database locked by another connection, and a database that cannot be written.

A lock is held by a second sqlite3 connection (BEGIN EXCLUSIVE), as another process would. A read-only
file is simulated with `PRAGMA query_only` on the bot's own connections (the tests run as root, which
ignores file modes), a full disk with `PRAGMA max_page_count`; SQLite reports both exactly as it does for
the real thing (SQLITE_READONLY, SQLITE_FULL).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.conftest import World
from tests.discussion_helpers import QUIET, posted, services
from tests.harness import FakeClock, eventually, pragma_on_every_writer, run_bot
from tests.test_faults_support import burst, settled, tally

LOCK_SECONDS = 2.0


async def answered(emu: DiscordEmulator, world: World, user: Any, command: str, **options: Any) -> str:
    """The command's answer, which must come within Discord's 3 s (the emulator records a violation if not)."""
    handle = await emu.invoke(world.guild, world.channel, user, command, options or None)
    message = await handle.message(timeout=8)
    return message.content + str(message.embeds)


async def test_database_locked_by_another_connection_for_2_s(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        loop = asyncio.get_running_loop()
        locker = sqlite3.connect(db, timeout=0, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        locked_at = loop.time()
        try:
            sent = await burst(emu, thread, [world.member, world.moderator], 300, "during the lock")
            film = await answered(emu, world, world.member, "film info")
            assert "Whiplash" in film
            await eventually(lambda: services(running)[1].pending > 0)  # replies are waiting for the lock
            await asyncio.sleep(max(0.0, LOCK_SECONDS - (loop.time() - locked_at)))
        finally:
            locker.execute("COMMIT")
            locker.close()
        held = loop.time() - locked_at
        status = await answered(emu, world, world.member, "privacy status")
        result = tally(sent, await settled(running, world.guild.id, len(sent)))
    print(f"database locked {held:.1f} s: {result}")
    assert held >= LOCK_SECONDS
    assert "Your logged replies" in status
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result


@pytest.mark.parametrize(
    ("fault", "undo", "reason"),
    [
        ("PRAGMA query_only = 1", "PRAGMA query_only = 0", "attempt to write a readonly database"),
        ("full", "PRAGMA max_page_count = 1073741823", "database or disk is full"),
    ],
    ids=["read-only", "disk-full"],
)
async def test_unwritable_database_logs_a_clear_error_and_read_only_commands_keep_working(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    caplog: Any,
    fault: str,
    undo: str,
    reason: str,
) -> None:
    caplog.set_level(logging.INFO)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        before = await burst(emu, thread, [world.member], 5, "before the fault")
        await settled(running, world.guild.id, 5)
        storage = running.storage
        if fault == "full":
            row = await storage.read_one("PRAGMA page_count")
            assert row is not None
            await pragma_on_every_writer(storage, f"PRAGMA max_page_count = {int(row[0])}")
        else:
            await pragma_on_every_writer(storage, fault)
        during = await burst(emu, thread, [world.member, world.moderator], 400, "while unwritable")

        def clear_error() -> bool:
            return any(r.levelno >= logging.ERROR and reason in r.getMessage() for r in caplog.records)

        await eventually(clear_error, timeout=5)
        # Commands that need no writes keep answering, within Discord's deadline:
        assert "Whiplash" in await answered(emu, world, world.member, "film info")
        assert "Answer in the thread" in await answered(emu, world, world.member, "discussion today")
        assert "Your logged replies to the daily discussion: 5." in await answered(
            emu, world, world.member, "privacy status"
        )
        assert "5 replies" in await answered(emu, world, world.member, "discussion stats", days=7)
        if fault != "full":  # a full disk may still fit a one-row write in a free page; a read-only file never
            # A command that must write says something went wrong instead of pretending it worked:
            refused = await answered(emu, world, world.member, "privacy optout")
            assert "went wrong" in refused
        assert services(running)[1].pending >= len(during)  # nothing dropped: kept in memory, retried

        await pragma_on_every_writer(storage, undo)  # the operator frees space / fixes the file mode
        result = tally(before + during, await settled(running, world.guild.id, 5 + len(during)))
    print(f"{reason}: {result}")
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and reason in r.getMessage()]
    assert any("database" in e and ("writable" in e or "space" in e) for e in errors), errors
