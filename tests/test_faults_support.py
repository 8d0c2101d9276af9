"""Helpers shared by the fault tests (no tests here): bursts of replies, and counting what was lost or doubled."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.emulator import DiscordEmulator, StoredMessage
from tests.discussion_helpers import services
from tests.harness import Running, eventually


@dataclass(frozen=True)
class Tally:
    sent: int
    stored: int
    lost: int
    doubled: int
    foreign: int  # stored rows that were never sent (must be 0 as well)

    def __str__(self) -> str:
        return f"sent={self.sent} stored={self.stored} lost={self.lost} doubled={self.doubled} foreign={self.foreign}"


def tally(sent: Sequence[StoredMessage], stored: Sequence[tuple[int, str]]) -> Tally:
    """Compare what members sent with the (message_id, content) rows the bot stored."""
    expected = {m.id: m.content for m in sent}
    by_content = Counter(content for _, content in stored)
    ids = Counter(mid for mid, _ in stored)
    lost = sum(1 for mid, text in expected.items() if mid not in ids or by_content[text] == 0)
    doubled = sum(n - 1 for n in ids.values() if n > 1) + sum(n - 1 for n in by_content.values() if n > 1)
    foreign = sum(1 for mid, _ in stored if mid not in expected)
    return Tally(len(sent), len(stored), lost, doubled, foreign)


def stored_rows(db: Path, guild_id: int) -> list[tuple[int, str]]:
    """Every live reply of a server, read straight from the file (another process may be writing)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = conn.execute(
            "SELECT message_id, content FROM replies WHERE guild_id = ? AND deleted_at IS NULL", (guild_id,)
        ).fetchall()
    finally:
        conn.close()
    return [(int(mid), content.decode() if isinstance(content, bytes) else str(content)) for mid, content in rows]


def count_rows(db: Path, guild_id: int) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute("SELECT COUNT(*) FROM replies WHERE guild_id = ?", (guild_id,)).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


async def burst(
    emu: DiscordEmulator,
    thread: Any,
    authors: Sequence[Any],
    count: int,
    prefix: str,
    *,
    faults: dict[int, Callable[[], Awaitable[Any]]] | None = None,
) -> list[StoredMessage]:
    """Members post `count` replies in turn; `faults[i]` runs just before reply i is sent."""
    sent: list[StoredMessage] = []
    for i in range(count):
        if faults and i in faults:
            await faults[i]()
        sent.append(await emu.send_user_message(thread, authors[i % len(authors)], f"{prefix} #{i}"))
        if i % 200 == 199:
            await asyncio.sleep(0)  # let the bot's own tasks run between bursts of frames
    return sent


async def backfills_done(running: Running) -> None:
    """Wait until every backfill the bot started has finished (and flushed what it queued).

    Gateway events are handled in order, so once the last reply sent is stored every earlier frame (RESUME
    replays included) has been handled; what remains is a backfill still reading a thread's history.
    """
    await eventually(running.bot.is_ready)
    await asyncio.sleep(0)  # on_ready's listener, which spawns the backfill, runs in the loop turn after READY
    events: Any = running.bot.get_cog("DiscussionEvents")
    await events._tasks.join()


async def settled(running: Running, guild_id: int, expected: int) -> list[tuple[int, str]]:
    """The stored replies once `expected` of them are there (or the timeout says how many were missing)."""
    _, logger = services(running)

    async def rows() -> list[tuple[int, str]] | None:
        await logger.flush()
        found = [(r.message_id, r.content) async for r in running.storage.replies.export_rows(guild_id)]
        return found if len(found) >= expected else None

    try:
        await eventually(rows, timeout=20)
    except AssertionError:
        found = [(r.message_id, r.content) async for r in running.storage.replies.export_rows(guild_id)]
        raise AssertionError(f"only {len(found)} of {expected} replies were stored") from None
    await backfills_done(running)  # the one thing that could still store a reply twice, late
    await logger.flush()
    return [(r.message_id, r.content) async for r in running.storage.replies.export_rows(guild_id)]
