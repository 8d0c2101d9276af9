"""The naive baseline for reply logging: INSERT + COMMIT for each message, on its own aiosqlite connection.

Handlers are serialized (one lock, awaited per message), so every message really is its own transaction.
Without the lock the numbers only look good: concurrent on_message tasks share SQLite's implicit
transaction, and one task's commit() silently commits the other tasks' INSERTs (see the emulator notes).
The connection uses the bot's own pragmas (WAL, synchronous=NORMAL) and the bot's schema, so the only
difference from the real logger is the batching.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import discord
from discord.ext import commands

from bench.common import Tally
from bot.storage import Storage
from bot.timeutil import to_iso

_INSERT = (
    "INSERT OR IGNORE INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
    "author_name, created_at, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class NaiveReplyLogger(commands.Cog):
    """Logs every message in the given threads the simplest way: one INSERT and one COMMIT per message."""

    def __init__(self, conn: aiosqlite.Connection, threads: dict[int, tuple[int, str, str]]) -> None:
        self.conn = conn
        self.threads = threads  # thread id -> (guild id, post date, prompt id)
        self.lock = asyncio.Lock()
        self.stored = Tally()

    @classmethod
    async def open(cls, path: Path, threads: dict[int, tuple[int, str, str]]) -> NaiveReplyLogger:
        schema = await Storage.open(path)  # the bot's schema and indexes, so inserts cost the same
        await schema.close()
        conn = await aiosqlite.connect(str(path))
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        return cls(conn, threads)

    async def close(self) -> None:
        await self.conn.close()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is None:
            return
        ref = self.threads.get(message.channel.id)
        if ref is None:
            return
        guild_id, post_date, prompt_id = ref
        async with self.lock:
            await self.conn.execute(
                _INSERT,
                (
                    message.id,
                    guild_id,
                    post_date,
                    prompt_id,
                    message.channel.id,
                    message.channel.id,
                    message.author.id,
                    message.author.display_name,
                    to_iso(message.created_at),
                    message.content,
                ),
            )
            await self.conn.commit()
            self.stored.add()

    async def count(self, low: int, high: int) -> int:
        async with self.conn.execute(
            "SELECT COUNT(*) FROM replies WHERE message_id BETWEEN ? AND ?", (low, high)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0
