"""Watch parties' storage: the party (its Discord event, film time, status) and every message it claims.

A server has at most one party scheduled, running or paused at a time; the database enforces it (a partial
unique index), so two moderators scheduling at once cannot both succeed. Every unprompted message (the
reminder's parts, each prompt, the closing message) is claimed here before it is sent, as the daily post is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage.database import Row
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso

PartyStatus = Literal["scheduled", "running", "paused", "ended", "stopped"]
PostKind = Literal["reminder", "prompt", "closing"]
ACTIVE = ("scheduled", "running", "paused")


@dataclass(frozen=True, slots=True)
class WatchParty:
    guild_id: int
    event_id: int
    channel_id: int
    voice_channel_id: int | None
    location: str | None
    starts_at: datetime
    ends_at: datetime
    runtime_seconds: int
    prompt_count: int
    language: str
    created_by: int
    created_at: datetime
    status: PartyStatus = "scheduled"
    announcement_id: int | None = None
    interested: int = 0
    thread_id: int | None = None
    elapsed_ms: int = 0
    resumed_at: datetime | None = None

    def film_time(self, now: datetime) -> timedelta:
        """How far into the film the party is: frozen while paused, counting on the clock while running."""
        elapsed = timedelta(milliseconds=self.elapsed_ms)
        if self.status == "running" and self.resumed_at is not None:
            elapsed += max(now - self.resumed_at, timedelta(0))
        return elapsed


@dataclass(frozen=True, slots=True)
class PartyPost:
    kind: PostKind
    position: int
    status: Literal["claimed", "sent"]
    message_id: int | None
    claimed_at: datetime


def _party(row: Row) -> WatchParty:
    return WatchParty(
        guild_id=int(row["guild_id"]),
        event_id=int(row["event_id"]),
        channel_id=int(row["channel_id"]),
        voice_channel_id=int(row["voice_channel_id"]) if row["voice_channel_id"] is not None else None,
        location=row["location"],
        starts_at=from_iso(row["starts_at"]),
        ends_at=from_iso(row["ends_at"]),
        runtime_seconds=int(row["runtime_seconds"]),
        prompt_count=int(row["prompt_count"]),
        language=row["language"],
        created_by=int(row["created_by"]),
        created_at=from_iso(row["created_at"]),
        status=row["status"],
        announcement_id=int(row["announcement_id"]) if row["announcement_id"] is not None else None,
        interested=int(row["interested"]),
        thread_id=int(row["thread_id"]) if row["thread_id"] is not None else None,
        elapsed_ms=int(row["elapsed_ms"]),
        resumed_at=from_iso(row["resumed_at"]) if row["resumed_at"] else None,
    )


def _post(row: Row) -> PartyPost:
    return PartyPost(
        kind=row["kind"],
        position=int(row["position"]),
        status=row["status"],
        message_id=int(row["message_id"]) if row["message_id"] is not None else None,
        claimed_at=from_iso(row["claimed_at"]),
    )


class WatchPartyStore(Store):
    """The queries of watch parties; every one is scoped to its server."""

    __slots__ = ()

    async def create(self, party: WatchParty) -> bool:
        """Store a newly scheduled party; False (nothing stored) when the server already has an active one."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO watch_parties (guild_id, event_id, channel_id, voice_channel_id, location, starts_at, "
                "ends_at, runtime_seconds, prompt_count, language, created_by, created_at, status, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'scheduled', ?) ON CONFLICT DO NOTHING",
                (
                    party.guild_id,
                    party.event_id,
                    party.channel_id,
                    party.voice_channel_id,
                    party.location,
                    to_iso(party.starts_at),
                    to_iso(party.ends_at),
                    party.runtime_seconds,
                    party.prompt_count,
                    party.language,
                    party.created_by,
                    to_iso(party.created_at),
                    to_iso(party.created_at),
                ),
            )
            return bool(cursor.rowcount)

    async def active(self, guild_id: int) -> WatchParty | None:
        """The server's party that is scheduled, running or paused (at most one)."""
        row = await self.read_one(
            "SELECT * FROM watch_parties WHERE guild_id = ? AND status IN ('scheduled', 'running', 'paused')",
            (guild_id,),
        )
        return _party(row) if row else None

    async def get(self, guild_id: int, event_id: int) -> WatchParty | None:
        row = await self.read_one(
            "SELECT * FROM watch_parties WHERE guild_id = ? AND event_id = ?", (guild_id, event_id)
        )
        return _party(row) if row else None

    async def all_active(self, shards: ShardScope = ALL_SHARDS) -> list[WatchParty]:
        """Every active party of the servers of `shards` (few: one per server at most)."""
        rows = await self.read(
            "SELECT * FROM watch_parties WHERE status IN ('scheduled', 'running', 'paused') "
            "AND ? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%' ORDER BY guild_id",
            (shards.sql_ids(), shards.count),
        )
        return [_party(row) for row in rows]

    async def latest(self, guild_id: int) -> WatchParty | None:
        """The server's most recently scheduled party, whatever its status (the sandbox and /watchparty)."""
        row = await self.read_one(
            "SELECT * FROM watch_parties WHERE guild_id = ? ORDER BY created_at DESC, event_id DESC LIMIT 1",
            (guild_id,),
        )
        return _party(row) if row else None

    async def set_announcement(self, guild_id: int, event_id: int, message_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE watch_parties SET announcement_id = ? WHERE guild_id = ? AND event_id = ?",
                (message_id, guild_id, event_id),
            )

    async def set_interested(self, guild_id: int, event_id: int, count: int) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE watch_parties SET interested = ? WHERE guild_id = ? AND event_id = ?",
                (count, guild_id, event_id),
            )

    async def start(self, guild_id: int, event_id: int, thread_id: int, now: datetime) -> bool:
        """Scheduled → running, the film time starting now; False if it was not scheduled any more."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE watch_parties SET status = 'running', thread_id = ?, elapsed_ms = 0, resumed_at = ?, "
                "updated_at = ? WHERE guild_id = ? AND event_id = ? AND status = 'scheduled'",
                (thread_id, to_iso(now), to_iso(now), guild_id, event_id),
            )
            return bool(cursor.rowcount)

    async def pause(self, party: WatchParty, now: datetime) -> bool:
        """Running → paused: the film time so far is kept, and stops counting."""
        elapsed = int(party.film_time(now) / timedelta(milliseconds=1))
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE watch_parties SET status = 'paused', elapsed_ms = ?, resumed_at = NULL, updated_at = ? "
                "WHERE guild_id = ? AND event_id = ? AND status = 'running'",
                (elapsed, to_iso(now), party.guild_id, party.event_id),
            )
            return bool(cursor.rowcount)

    async def resume(self, guild_id: int, event_id: int, now: datetime) -> bool:
        """Paused → running: the film time counts on from where the pause froze it."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE watch_parties SET status = 'running', resumed_at = ?, updated_at = ? "
                "WHERE guild_id = ? AND event_id = ? AND status = 'paused'",
                (to_iso(now), to_iso(now), guild_id, event_id),
            )
            return bool(cursor.rowcount)

    async def finish(self, party: WatchParty, status: Literal["ended", "stopped"], now: datetime) -> bool:
        """An active party ends (the film is over) or is stopped; its film time is kept as it was."""
        elapsed = int(party.film_time(now) / timedelta(milliseconds=1))
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE watch_parties SET status = ?, elapsed_ms = ?, resumed_at = NULL, updated_at = ? "
                "WHERE guild_id = ? AND event_id = ? AND status IN ('scheduled', 'running', 'paused')",
                (status, elapsed, to_iso(now), party.guild_id, party.event_id),
            )
            return bool(cursor.rowcount)

    # ---- claims ----------------------------------------------------------------------------

    async def claim(
        self, guild_id: int, event_id: int, kind: PostKind, position: int, now: datetime
    ) -> tuple[PartyPost, bool]:
        """Claim one message before it is sent; an existing claim is returned as it is, with False (not fresh:
        a crash may have left the message sent but unconfirmed)."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO watch_party_posts (guild_id, event_id, kind, position, status, claimed_at) "
                "VALUES (?, ?, ?, ?, 'claimed', ?) ON CONFLICT (guild_id, event_id, kind, position) DO NOTHING",
                (guild_id, event_id, kind, position, to_iso(now)),
            )
        row = await self.read_one(
            "SELECT * FROM watch_party_posts WHERE guild_id = ? AND event_id = ? AND kind = ? AND position = ?",
            (guild_id, event_id, kind, position),
        )
        assert row is not None, "a claim cannot disappear"
        return _post(row), bool(cursor.rowcount)

    async def sent(self, guild_id: int, event_id: int, kind: PostKind, position: int, message_id: int | None) -> None:
        """The claimed message is in its channel (`message_id` None: skipped, nothing to send)."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE watch_party_posts SET status = 'sent', message_id = ? "
                "WHERE guild_id = ? AND event_id = ? AND kind = ? AND position = ?",
                (message_id, guild_id, event_id, kind, position),
            )

    async def posts(self, guild_id: int, event_id: int, kind: PostKind) -> list[PartyPost]:
        """The party's claims of one kind, in order."""
        rows = await self.read(
            "SELECT * FROM watch_party_posts WHERE guild_id = ? AND event_id = ? AND kind = ? ORDER BY position",
            (guild_id, event_id, kind),
        )
        return [_post(row) for row in rows]


# The party belongs to the server; created_by names the moderator who scheduled it, replaced by 0 when that
# moderator is forgotten (the party itself stays for the server). Interested members are never stored: the
# bot asks Discord for them when it counts them and when it reminds them.
DELETION = Deletion(
    feature="watchparty",
    member=("UPDATE watch_parties SET created_by = 0 WHERE guild_id = ? AND created_by = ?",),
    guild=(
        "DELETE FROM watch_party_posts WHERE guild_id = ?",
        "DELETE FROM watch_parties WHERE guild_id = ?",
    ),
)
