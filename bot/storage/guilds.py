"""Queries about the servers the bot is in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso


@dataclass(frozen=True, slots=True)
class GuildRecord:
    guild_id: int
    joined_at: datetime
    removed_at: datetime | None
    retention_days: int


# A server the bot is in: stored once, and a pending removal cleared (it added the bot back).
_SEEN = "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL"


class GuildStore(Store):
    async def guilds_seen(self, guild_ids: list[int], now: datetime) -> None:
        """Record that the bot is in these servers (again), in one transaction; clears pending removals."""
        stamp = to_iso(now)
        async with self.transaction() as conn:
            await conn.executemany(
                _SEEN,
                [(guild_id, stamp) for guild_id in sorted(guild_ids)],  # key order: no deadlock between processes
            )

    async def guilds_ready(
        self, present: Sequence[int], now: datetime, *, shard_count: int = 1, shard_ids: Sequence[int] = (0,)
    ) -> list[int]:
        """READY: record the servers it lists and mark removed those of these shards it no longer lists.

        READY lists every server the bot is in, those unavailable in an outage included, so a server
        missing from it removed the bot while it was offline. Only the servers of `shard_ids` are judged:
        another process's shards list theirs. Returns the ids newly marked removed. One transaction.
        """
        stamp = to_iso(now)
        async with self.transaction() as conn:
            await conn.executemany(
                _SEEN,
                [(guild_id, stamp) for guild_id in sorted(present)],  # key order: no deadlock between processes
            )
            # Which of these shards' servers READY left out is worked out here, not with a dialect's JSON or
            # array functions: the query stays one text for SQLite and PostgreSQL.
            async with conn.execute(
                "SELECT guild_id FROM guilds WHERE removed_at IS NULL ORDER BY guild_id",
            ) as cursor:
                known = [int(row[0]) for row in await cursor.fetchall()]
            mine, listed = set(shard_ids), set(present)
            gone = [g for g in known if (g >> 22) % shard_count in mine and g not in listed]
            await conn.executemany(
                "UPDATE guilds SET removed_at = ? WHERE guild_id = ?", [(stamp, guild_id) for guild_id in gone]
            )
        return gone

    async def guild_removed(self, guild_id: int, now: datetime) -> None:
        """Mark the server as having removed the bot; its data goes after the grace period."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE guilds SET removed_at = ? WHERE guild_id = ? AND removed_at IS NULL",
                (to_iso(now), guild_id),
            )

    async def get_guild(self, guild_id: int) -> GuildRecord | None:
        row = await self.read_one(
            "SELECT guild_id, joined_at, removed_at, retention_days FROM guilds WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            return None
        return GuildRecord(
            guild_id=row["guild_id"],
            joined_at=from_iso(row["joined_at"]),
            removed_at=from_iso(row["removed_at"]) if row["removed_at"] else None,
            retention_days=row["retention_days"],
        )


# The server's own row; privacy runs it last, after every feature's rows of the server.
DELETION = Deletion(feature="guilds", guild=("DELETE FROM guilds WHERE guild_id = ?",))
