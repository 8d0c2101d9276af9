"""Queries about the servers the bot is in."""

from __future__ import annotations

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


class GuildQueries(Database):
    async def guilds_seen(self, guild_ids: list[int], now: datetime) -> None:
        """Record that the bot is in these servers (again), in one transaction; clears pending removals."""
        stamp = to_iso(now)
        async with self.transaction() as conn:
            await conn.executemany(
                "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL",
                [(guild_id, stamp) for guild_id in guild_ids],
            )

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
