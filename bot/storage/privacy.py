"""Per-member data: opt-out, forget-me, retention and removal of a departed server's data (SPEC §8).

Every statement is scoped to one server. Each feature declares its own part of a member's deletion and of a
departed server's (`DELETION` in its storage module, see bot/storage/ownership.py); `FEATURES` below collects
them, and `forget_member` / `delete_guild_data` run them all in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage import (
    content_state,
    digest,
    discussion,
    guilds,
    highlights,
    moderation,
    polls,
    replies,
    streaks,
    watchparty,
)
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import to_iso

DEFAULT_RETENTION_DAYS = 365  # the guilds table's default (migration 0001)


def retention_cutoff(now: datetime, days: int) -> str:
    """`days` before `now`, as text in the form SQLite's strftime('%Y-%m-%dT%H:%M:%fZ') gives (milliseconds).

    Stored times are compared with it as text; it keeps the exact form the purge always compared with.
    """
    moment = (now - timedelta(days=days)).astimezone(UTC)
    moment = moment.replace(microsecond=0) + timedelta(milliseconds=round(moment.microsecond / 1000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# The retention purge of one server: its replies up to a post date, older than the cutoff (purge_post_date_bound).
PURGE_REPLIES_SQL = "DELETE FROM replies WHERE guild_id = ? AND post_date <= ? AND created_at < ?"


def purge_post_date_bound(now: datetime, days: int) -> str:
    """The latest post date whose replies can be older than `retention_cutoff(now, days)`, as stored text.

    A reply is written after its daily post, and a post dated D goes out no earlier than D 00:00 in its server's
    time zone (UTC-12 to UTC+14), so no earlier than 10:00 UTC the day before D. A reply older than the cutoff
    therefore belongs to a post dated at most one day after the cutoff's date; one more day of margin. The purge
    reads only those replies through replies_guild_day (migration 0015) and checks each one's created_at.
    """
    return ((now - timedelta(days=days)).astimezone(UTC).date() + timedelta(days=2)).isoformat()


class PrivacyStore(Store):
    async def set_optout(self, guild_id: int, user_id: int, opted_out: bool, now: datetime) -> bool:
        """Opt a member out (or back in); returns whether anything changed."""
        async with self.transaction() as conn:
            if opted_out:
                cursor = await conn.execute(
                    "INSERT INTO optouts (guild_id, user_id, opted_out_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, user_id) DO NOTHING",
                    (guild_id, user_id, to_iso(now)),
                )
            else:
                cursor = await conn.execute(
                    "DELETE FROM optouts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
                )
            return cursor.rowcount > 0

    async def set_retention(self, guild_id: int, days: int, now: datetime) -> int:
        """Set the server's reply retention (1 to 3650 days); returns the previous value."""
        async with self.transaction() as conn:
            async with conn.execute("SELECT retention_days FROM guilds WHERE guild_id = ?", (guild_id,)) as cursor:
                row = await cursor.fetchone()
            await conn.execute(
                "INSERT INTO guilds (guild_id, joined_at, retention_days) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET retention_days = excluded.retention_days",
                (guild_id, to_iso(now), days),
            )
        return int(row[0]) if row else DEFAULT_RETENTION_DAYS

    async def forget_member(self, guild_id: int, user_id: int, before_id: int) -> int:
        """Delete everything stored about the member in the server, at once; returns the records affected.

        `before_id` is the id of the member's request (a Discord id, so it encodes when they asked): every
        message of theirs up to it, and up to the newest one stored, stays forgotten for good. That marker
        (server, member, message id; no text) is what stops the backfill from reading their messages from
        Discord's thread history again after a restart, whatever the retention purge removed meanwhile.
        The opt-out flag is kept: it is what honours the member's wish not to be logged again. Records a
        moderator made stay, with their id replaced by 0 ("a former moderator").
        """
        affected = 0
        async with self.transaction() as conn:
            await conn.execute(
                # WHERE 1 = 1: without a WHERE, SQLite reads the ON of ON CONFLICT as a join condition.
                "INSERT INTO forgotten_members (guild_id, user_id, before_id) SELECT ?, ?, "
                "CASE WHEN newest > ? THEN newest ELSE ? END FROM (SELECT COALESCE(MAX(message_id), 0) AS newest "
                "FROM replies WHERE guild_id = ? AND author_id = ?) AS stored WHERE 1 = 1 "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET before_id = CASE WHEN "
                "forgotten_members.before_id > excluded.before_id THEN forgotten_members.before_id "
                "ELSE excluded.before_id END",
                (guild_id, user_id, before_id, before_id, guild_id, user_id),
            )
            for statement in MEMBER_DELETES:
                cursor = await conn.execute(statement, (guild_id, user_id))
                affected += cursor.rowcount
        return affected

    async def member_summary(self, guild_id: int, user_id: int) -> tuple[int, bool]:
        """How many replies are stored for the member, and whether they opted out."""
        row = await self.read_one(
            "SELECT COUNT(*) FROM replies WHERE guild_id = ? AND author_id = ? AND deleted_at IS NULL",
            (guild_id, user_id),
        )
        opted = await self.read_one("SELECT 1 FROM optouts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
        return (int(row[0]) if row else 0), opted is not None

    async def purge_expired_replies(self, now: datetime, shards: ShardScope = ALL_SHARDS) -> int:
        """Delete replies older than their server's retention, for good; returns how many went.

        Each server's cutoff is kept (`purged_before`, never lowered): the reply INSERT refuses anything
        older, so a backfill reading a thread older than the retention cannot store its replies again.
        The cutoffs are computed here from the bot's clock (portable SQL, no date functions), one server at a
        time in guild id order, in one transaction.
        Only the servers of `shards` (each process purges its own).
        """
        async with self.transaction() as conn:
            async with conn.execute("SELECT guild_id, retention_days FROM guilds ORDER BY guild_id") as cursor:
                every = [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
            servers = [(guild_id, days) for guild_id, days in every if shards.owns(guild_id)]
            removed = 0
            for guild_id, days in servers:
                cutoff = retention_cutoff(now, days)
                await conn.execute(
                    "UPDATE guilds SET purged_before = CASE WHEN COALESCE(purged_before, '') > ? "
                    "THEN purged_before ELSE ? END WHERE guild_id = ?",
                    (cutoff, cutoff, guild_id),
                )
                cursor = await conn.execute(PURGE_REPLIES_SQL, (guild_id, purge_post_date_bound(now, days), cutoff))
                removed += max(cursor.rowcount, 0)
                for statement in _ORPHANS:  # highlights and reactions of the purged replies go with them
                    await conn.execute(statement, (guild_id,))
            return removed

    async def purge_departed_guilds(
        self, now: datetime, grace: timedelta, shards: ShardScope = ALL_SHARDS
    ) -> list[int]:
        """Delete all data of servers of `shards` that removed the bot more than `grace` ago; returns their ids."""
        cutoff = to_iso(now - grace)
        rows = await self.read(
            "SELECT guild_id FROM guilds WHERE removed_at IS NOT NULL AND removed_at < ? "
            "AND ? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%'",
            (cutoff, shards.sql_ids(), shards.count),
        )
        gone = [int(row["guild_id"]) for row in rows]
        for guild_id in gone:
            await self.delete_guild_data(guild_id)
        return gone

    async def delete_guild_data(self, guild_id: int) -> None:
        """Every row of one server, in one transaction."""
        async with self.transaction() as conn:
            for statement in GUILD_DELETES:
                await conn.execute(statement, (guild_id,))


# Highlights and reaction rows whose reply is gone (purged by retention): each server's rows only match its own.
_ORPHANS = (  # one server's highlights and reactions whose reply is gone
    "DELETE FROM reply_highlights WHERE guild_id = ? AND NOT EXISTS (SELECT 1 FROM replies AS r "
    "WHERE r.guild_id = reply_highlights.guild_id AND r.message_id = reply_highlights.message_id)",
    "DELETE FROM reply_reactions WHERE guild_id = ? AND NOT EXISTS (SELECT 1 FROM replies AS r "
    "WHERE r.guild_id = reply_reactions.guild_id AND r.message_id = reply_reactions.message_id)",
)

FORMER_MODERATOR = 0
"""The moderator id of records whose moderator used /privacy forget."""


# The opt-out flag and the forget marker name the member and stay: they are what keeps them unlogged.
DELETION = Deletion(
    feature="privacy",
    guild=(
        "DELETE FROM optouts WHERE guild_id = ?",
        "DELETE FROM forgotten_members WHERE guild_id = ?",
    ),
    kept=(
        ("optouts", "user_id", "the opt-out honours the member's wish not to be logged again"),
        ("forgotten_members", "user_id", "the marker stops the backfill from reading their messages again"),
    ),
)

FEATURES: tuple[Deletion, ...] = (
    replies.DELETION,
    highlights.DELETION,
    moderation.DELETION,
    polls.DELETION,
    discussion.DELETION,
    content_state.DELETION,
    streaks.DELETION,
    digest.DELETION,
    watchparty.DELETION,
    DELETION,
    guilds.DELETION,  # last: the server's own row goes after everything that belongs to it
)
"""Every feature's part of a deletion. A feature that stores member or server data adds its `DELETION` here."""

MEMBER_DELETES = tuple(statement for feature in FEATURES for statement in feature.member)
"""Run with (guild_id, user_id) by `forget_member`, in this order, in one transaction."""

GUILD_DELETES = tuple(statement for feature in FEATURES for statement in feature.guild)
"""Run with (guild_id,) by `delete_guild_data`, in this order, in one transaction."""
