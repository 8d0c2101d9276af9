"""Transactions under cancellation, and reads that see only committed data (issue 10 §2).

A cancellation is delivered exactly while a chosen statement runs: SQLite's trace callback fires in
aiosqlite's worker thread just before the statement executes, and it cancels the task from there.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import Storage
from tests.backends import open_db

pytestmark = pytest.mark.usefixtures("backend")

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
GUILD = 1


async def opt_out(storage: Storage, user_id: int) -> None:
    async with storage.transaction() as conn:
        await conn.execute(
            "INSERT INTO optouts (guild_id, user_id, opted_out_at) VALUES (?, ?, ?)", (GUILD, user_id, "2026-11-21")
        )


def committed_optouts(db: Path) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {int(r[0]) for r in conn.execute("SELECT user_id FROM optouts WHERE guild_id = ?", (GUILD,))}
    finally:
        conn.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("statement", ["BEGIN", "INSERT", "COMMIT"])
async def test_a_transaction_cancelled_at_any_await_leaves_the_connection_usable(
    tmp_path: Path, statement: str
) -> None:
    db = tmp_path / "bot.db"
    async with await Storage.open(db) as storage:
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(opt_out(storage, 7))
        fired: list[str] = []

        def cancel_at(sql: str) -> None:
            if sql.startswith(statement) and not fired:
                fired.append(sql)
                loop.call_soon_threadsafe(task.cancel)

        await storage._conn.set_trace_callback(cancel_at)
        with pytest.raises(asyncio.CancelledError):
            await task
        await storage._conn.set_trace_callback(None)
        assert fired, f"no {statement} statement ran"

        await storage.privacy.set_optout(GUILD, 8, True, NOW)  # a later write works
        assert not storage._conn.in_transaction
        assert await storage.discussion.is_opted_out(GUILD, 8)
    stored = committed_optouts(db)
    assert 8 in stored
    if statement != "COMMIT":  # a COMMIT already running completes; anything earlier is rolled back
        assert 7 not in stored


async def test_a_read_during_a_write_never_sees_rows_that_are_rolled_back(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        written = asyncio.Event()
        release = asyncio.Event()

        async def doomed() -> None:
            async with storage.transaction() as conn:
                await conn.execute(
                    "INSERT INTO optouts (guild_id, user_id, opted_out_at) VALUES (?, ?, ?)", (GUILD, 9, "x")
                )
                written.set()
                await release.wait()
                raise RuntimeError("the write fails after all")

        task = asyncio.create_task(doomed())
        await written.wait()
        seen_during = await storage.discussion.is_opted_out(GUILD, 9)
        _, opted_during = await storage.privacy.member_summary(GUILD, 9)
        release.set()
        with pytest.raises(RuntimeError):
            await task
        assert (seen_during, opted_during) == (False, False)
        assert not await storage.discussion.is_opted_out(GUILD, 9)
        await storage.privacy.set_optout(GUILD, 9, True, NOW)
        assert await storage.discussion.is_opted_out(GUILD, 9)  # committed writes are seen at once
