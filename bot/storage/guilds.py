"""Queries about the servers the bot is in."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso

if TYPE_CHECKING:
    from bot.storage.database import Connection


@dataclass(frozen=True, slots=True)
class GuildRecord:
    guild_id: int
    joined_at: datetime
    removed_at: datetime | None
    retention_days: int


# A server the bot is in: stored once, and a pending removal cleared (it added the bot back).
_SEEN = "INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?) ON CONFLICT (guild_id) DO UPDATE SET removed_at = NULL"


# READY's writes go in pages of this many servers: what the bot holds for them (parameters, rows read back)
# stays a page's worth however many servers it is in. All at once (two lists of tuples, a set and every
# stored row fetched) it was 240 bytes a server: a 2.4 MB peak at 10,000 servers, in a process that then
# keeps its high-water mark. 500 a page: 20 statements of each kind for 10,000 servers.
PAGE = 500

# The next page of servers not marked removed, in key order after the last one seen.
_LIVE_PAGE = "SELECT guild_id FROM guilds WHERE removed_at IS NULL AND guild_id > ? ORDER BY guild_id LIMIT ?"


class GuildStore(Store):
    async def guilds_seen(self, guild_ids: Iterable[int], now: datetime) -> None:
        """Record that the bot is in these servers (again), in one transaction; clears pending removals."""
        stamp = to_iso(now)
        async with self.transaction() as conn:
            await _record_seen(conn, sorted(guild_ids), stamp)

    async def guilds_ready(
        self, present: Iterable[int], now: datetime, *, shard_count: int = 1, shard_ids: Sequence[int] = (0,)
    ) -> list[int]:
        """READY: record the servers it lists and mark removed those of these shards it no longer lists.

        READY lists every server the bot is in, those unavailable in an outage included, so a server
        missing from it removed the bot while it was offline. Only the servers of `shard_ids` are judged:
        another process's shards list theirs. Returns the ids newly marked removed. One transaction, in
        pages of PAGE servers: beyond the sorted ids, memory does not grow with the number of servers.
        """
        stamp = to_iso(now)
        listed = sorted(present)  # key order: no deadlock between processes, and the order the walk below needs
        mine = frozenset(shard_ids)
        gone: list[int] = []
        async with self.transaction() as conn:
            await _record_seen(conn, listed, stamp)
            # Which of these shards' servers READY left out is worked out here, not with a dialect's JSON or
            # array functions: the query stays one text for SQLite and PostgreSQL. The stored servers are
            # read a page at a time in key order, each looked up in the sorted list.
            after = -1
            while True:
                async with conn.execute(_LIVE_PAGE, (after, PAGE)) as cursor:
                    page = [int(row[0]) for row in await cursor.fetchall()]
                if not page:
                    break
                after = page[-1]
                dropped = [g for g in page if (g >> 22) % shard_count in mine and not _contains(listed, g)]
                if dropped:
                    await conn.executemany(
                        "UPDATE guilds SET removed_at = ? WHERE guild_id = ?", [(stamp, g) for g in dropped]
                    )
                    gone.extend(dropped)
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


async def _record_seen(conn: Connection, guild_ids: Sequence[int], stamp: str) -> None:
    """`_SEEN` for each server, PAGE at a time, in the order given (callers sort: key order across processes)."""
    for start in range(0, len(guild_ids), PAGE):
        await conn.executemany(_SEEN, [(guild_id, stamp) for guild_id in guild_ids[start : start + PAGE]])


def _contains(ordered: Sequence[int], value: int) -> bool:
    """Whether a sorted sequence holds `value` (binary search)."""
    index = bisect_left(ordered, value)
    return index < len(ordered) and ordered[index] == value
