"""Queries about the servers the bot is in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database
from bot.timeutil import from_iso, to_iso


@dataclass(frozen=True, slots=True)
class GuildRecord:
    guild_id: int
    joined_at: datetime
    removed_at: datetime | None
    retention_days: int


# A server the bot is in: stored once, and a pending removal cleared (it added the bot back).
_SEEN = "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL"


class GuildQueries(Database):
    async def guilds_seen(self, guild_ids: list[int], now: datetime) -> None:
        """Record that the bot is in these servers (again), in one transaction; clears pending removals."""
        stamp = to_iso(now)
        async with self.transaction() as conn:
            await conn.executemany(
                _SEEN,
                [(guild_id, stamp) for guild_id in guild_ids],
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
                [(guild_id, stamp) for guild_id in present],
            )
            async with conn.execute(
                "SELECT guild_id FROM guilds WHERE removed_at IS NULL "
                "AND (guild_id >> 22) % ? IN (SELECT value FROM json_each(?)) "
                "AND guild_id NOT IN (SELECT value FROM json_each(?))",
                (shard_count, json.dumps(list(shard_ids)), json.dumps(list(present))),
            ) as cursor:
                gone = [int(row[0]) for row in await cursor.fetchall()]
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
