"""Reads see every write committed before them (SQLite).

Reads go through one read-only connection. In SQLite a statement that has started and not finished holds its
connection's read transaction open, and every other statement on that connection reads the same, older
snapshot. CI once saw the consequence: the daily poster reloaded a post it had just marked sent, got the row
as it was before (no message yet), and never opened the post's thread, because another read's cursor was still
open on the connection. These tests hold a read open at exactly that moment.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.storage.database import Database


async def _set(db: Database, key: str, value: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


async def _value(db: Database, key: str) -> str | None:
    row = await db.read_one("SELECT value FROM meta WHERE key = ?", (key,))
    return None if row is None else str(row[0])


async def test_a_read_after_a_commit_sees_it_while_another_read_is_between_its_steps(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        for n in range(3):
            await _set(db, f"row-{n}", "x")
        await _set(db, "post", "claimed")
        reader = db._reader
        # Hold the reader's thread so the order of its work is fixed: first `first`'s query, then the gate.
        release_one, release_two = threading.Event(), threading.Event()
        gate_one = asyncio.ensure_future(reader._execute(release_one.wait))
        await asyncio.sleep(0)
        first = asyncio.ensure_future(db.read_one("SELECT value FROM meta WHERE key LIKE 'row-%'"))
        await asyncio.sleep(0)
        gate_two = asyncio.ensure_future(reader._execute(release_two.wait))
        await asyncio.sleep(0)
        release_one.set()
        await gate_one  # `first` has run its query; whatever it does next waits behind the second gate

        await _set(db, "post", "sent")  # committed on the writer, before the next read starts
        second = asyncio.ensure_future(_value(db, "post"))
        await asyncio.sleep(0.05)  # `second` is queued on the reader behind the gate
        release_two.set()
        await gate_two

        assert (await first) is not None
        assert await second == "sent"
    finally:
        await db.close()


async def test_a_read_during_a_long_stream_sees_writes_committed_after_the_stream_began(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.db")
    try:
        for n in range(200):  # more than one chunk of aiosqlite's cursor iteration (64 rows)
            await _set(db, f"row-{n:03}", "x")
        await _set(db, "post", "claimed")
        rows = db.stream("SELECT key FROM meta WHERE key LIKE 'row-%' ORDER BY key")
        first = await anext(rows)  # an export has read one row and is sending it somewhere
        assert first[0] == "row-000"

        await _set(db, "post", "sent")
        assert await _value(db, "post") == "sent"

        rest = [row[0] async for row in rows]
        assert rest == [f"row-{n:03}" for n in range(1, 200)]
    finally:
        await db.close()
