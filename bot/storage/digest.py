"""The weekly digest: its per-server setting, its exactly-once claims and the week's best replies (SPEC §11).

Every statement is scoped to one server. The replies are chosen when the digest is sent, so a reply edited
since it was highlighted is quoted as it is now, and a reply deleted, or by a member who opted out or was
forgotten, is never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage.database import Row
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso

DigestStatus = Literal["claimed", "sent"]
BEST_PER_PROMPT = 3


@dataclass(frozen=True, slots=True)
class DigestSetting:
    guild_id: int
    weekday: int  # 0 = Monday
    local_time: str  # HH:MM in the daily schedule's zone
    enabled: bool
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class DigestPost:
    guild_id: int
    digest_date: date
    channel_id: int
    status: DigestStatus
    parts_sent: int
    message_id: int | None
    claimed_at: datetime


@dataclass(frozen=True, slots=True)
class DigestReply:
    """One of a prompt's best replies of the week, content decrypted."""

    post_date: date
    prompt_id: str
    message_id: int
    channel_id: int
    author_name: str
    content: str
    highlighted: bool
    reactions: int


@dataclass(frozen=True, slots=True)
class WeekFigures:
    posts: list[tuple[date, str]]  # (day, prompt id) of each daily post sent in the week
    replies: int
    members: int


# The candidates of one week: live replies of the week's sent posts by members who may be counted, with
# their highlight and reaction count; ranked per post (highlights first, then reactions, then the earliest).
# The week's posts' replies through replies_guild_day (server, post date, thread), so the cost follows the
# week's replies, not the server's history.
DIGEST_REPLIES_SQL = (
    "SELECT * FROM (SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.thread_id "
    "ORDER BY c.highlighted DESC, c.reactions DESC, c.message_id) AS place FROM ("
    "SELECT p.post_date, p.prompt_id, r.thread_id, r.message_id, r.channel_id, r.author_name, r.content, "
    "r.content_enc, CASE WHEN h.message_id IS NULL THEN 0 ELSE 1 END AS highlighted, "
    "(SELECT COUNT(*) FROM reply_reactions AS x WHERE x.guild_id = r.guild_id AND x.message_id = r.message_id) "
    "AS reactions FROM daily_posts AS p "
    "JOIN replies AS r ON r.guild_id = p.guild_id AND r.post_date = p.post_date AND r.thread_id = p.message_id "
    "LEFT JOIN reply_highlights AS h ON h.guild_id = r.guild_id AND h.message_id = r.message_id "
    "WHERE p.guild_id = ? AND p.post_date >= ? AND p.post_date <= ? AND p.status = 'sent' "
    "AND r.deleted_at IS NULL AND r.content IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM optouts AS o WHERE o.guild_id = r.guild_id AND o.user_id = r.author_id) "
    "AND NOT EXISTS (SELECT 1 FROM forgotten_members AS f WHERE f.guild_id = r.guild_id "
    "AND f.user_id = r.author_id AND f.before_id >= r.message_id)"
    ") AS c) AS ranked WHERE place <= ? ORDER BY post_date, place"
)

WEEK_FIGURES_SQL = (
    "SELECT COUNT(r.message_id) AS replies, COUNT(DISTINCT r.author_id) AS members FROM daily_posts AS p "
    "JOIN replies AS r ON r.guild_id = p.guild_id AND r.post_date = p.post_date AND r.thread_id = p.message_id "
    "WHERE p.guild_id = ? AND p.post_date >= ? AND p.post_date <= ? AND p.status = 'sent' "
    "AND r.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM optouts AS o WHERE o.guild_id = r.guild_id AND o.user_id = r.author_id)"
)


def _setting(row: Row) -> DigestSetting:
    return DigestSetting(
        guild_id=row["guild_id"],
        weekday=row["weekday"],
        local_time=row["local_time"],
        enabled=bool(row["enabled"]),
        updated_at=from_iso(row["updated_at"]),
    )


def _digest_post(row: Row) -> DigestPost:
    return DigestPost(
        guild_id=row["guild_id"],
        digest_date=date.fromisoformat(row["digest_date"]),
        channel_id=row["channel_id"],
        status=row["status"],
        parts_sent=row["parts_sent"],
        message_id=row["message_id"],
        claimed_at=from_iso(row["claimed_at"]),
    )


class DigestStore(Store):
    # ---- the setting -----------------------------------------------------------------------

    async def get_digest_setting(self, guild_id: int) -> DigestSetting | None:
        row = await self.read_one("SELECT * FROM digest_settings WHERE guild_id = ?", (guild_id,))
        return _setting(row) if row else None

    async def save_digest_setting(self, setting: DigestSetting) -> None:
        """Create or replace the server's digest setting."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO digest_settings (guild_id, weekday, local_time, enabled, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET weekday = excluded.weekday, "
                "local_time = excluded.local_time, enabled = excluded.enabled, updated_at = excluded.updated_at",
                (
                    setting.guild_id,
                    setting.weekday,
                    setting.local_time,
                    int(setting.enabled),
                    to_iso(setting.updated_at),
                ),
            )

    async def enabled_digests(self, shards: ShardScope = ALL_SHARDS) -> list[DigestSetting]:
        """Every enabled digest of the servers of `shards` (few: one row per server that turned it on)."""
        rows = await self.read(
            "SELECT * FROM digest_settings WHERE enabled = 1 "
            "AND ? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%' ORDER BY guild_id",
            (shards.sql_ids(), shards.count),
        )
        return [_setting(row) for row in rows]

    async def digest_zones(self, shards: ShardScope = ALL_SHARDS) -> list[tuple[DigestSetting, str]]:
        """Every enabled digest of an unpaused schedule of `shards`, with the schedule's zone, in one query
        (the poster asks after every tick when the next digest falls due)."""
        rows = await self.read(
            "SELECT d.*, s.timezone AS zone FROM digest_settings AS d JOIN schedules AS s ON s.guild_id = d.guild_id "
            "WHERE d.enabled = 1 AND s.paused = 0 "
            "AND ? LIKE '%,' || CAST(((d.guild_id >> 22) % ?) AS TEXT) || ',%' ORDER BY d.guild_id",
            (shards.sql_ids(), shards.count),
        )
        return [(_setting(row), str(row["zone"])) for row in rows]

    # ---- claims ----------------------------------------------------------------------------

    async def get_digest_post(self, guild_id: int, digest_date: date) -> DigestPost | None:
        row = await self.read_one(
            "SELECT * FROM digest_posts WHERE guild_id = ? AND digest_date = ?", (guild_id, digest_date.isoformat())
        )
        return _digest_post(row) if row else None

    async def claim_digest(self, guild_id: int, digest_date: date, channel_id: int, now: datetime) -> DigestPost:
        """Claim the week's digest before anything is sent; an existing claim is returned as is."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO digest_posts (guild_id, digest_date, channel_id, status, claimed_at) "
                "VALUES (?, ?, ?, 'claimed', ?) ON CONFLICT (guild_id, digest_date) DO NOTHING",
                (guild_id, digest_date.isoformat(), channel_id, to_iso(now)),
            )
        post = await self.get_digest_post(guild_id, digest_date)
        assert post is not None, "a claim cannot disappear"
        return post

    async def digest_part_sent(self, guild_id: int, digest_date: date, part: int, message_id: int) -> None:
        """Part `part` (0-based) is in the channel: the next recovery starts after it."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE digest_posts SET parts_sent = ?, message_id = COALESCE(message_id, ?) "
                "WHERE guild_id = ? AND digest_date = ? AND parts_sent <= ?",
                (part + 1, message_id, guild_id, digest_date.isoformat(), part),
            )

    async def digest_done(self, guild_id: int, digest_date: date, now: datetime) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE digest_posts SET status = 'sent', posted_at = ? WHERE guild_id = ? AND digest_date = ?",
                (to_iso(now), guild_id, digest_date.isoformat()),
            )

    # ---- the week's content ----------------------------------------------------------------

    async def digest_replies(self, guild_id: int, first: date, last: date) -> list[DigestReply]:
        """Up to three best replies of each daily post sent from `first` to `last` (local days), best first."""
        rows = await self.read(DIGEST_REPLIES_SQL, (guild_id, first.isoformat(), last.isoformat(), BEST_PER_PROMPT))
        return [
            DigestReply(
                post_date=date.fromisoformat(row["post_date"]),
                prompt_id=row["prompt_id"],
                message_id=row["message_id"],
                channel_id=row["channel_id"],
                author_name=row["author_name"] or "",
                content=self.cipher.open(row["content"], bool(row["content_enc"]), row["message_id"]) or "",
                highlighted=bool(row["highlighted"]),
                reactions=int(row["reactions"]),
            )
            for row in rows
        ]

    async def week_figures(self, guild_id: int, first: date, last: date) -> WeekFigures:
        """The week's daily posts and its live replies and members (opted-out members not counted)."""
        posts = await self.read(
            "SELECT post_date, prompt_id FROM daily_posts WHERE guild_id = ? AND post_date >= ? AND post_date <= ? "
            "AND status = 'sent' ORDER BY post_date",
            (guild_id, first.isoformat(), last.isoformat()),
        )
        row = await self.read_one(WEEK_FIGURES_SQL, (guild_id, first.isoformat(), last.isoformat()))
        return WeekFigures(
            posts=[(date.fromisoformat(p["post_date"]), p["prompt_id"]) for p in posts],
            replies=int(row["replies"]) if row else 0,
            members=int(row["members"]) if row else 0,
        )


# The digest's setting and its weekly claims are the server's: they go with it. No column names a member.
DELETION = Deletion(
    feature="digest",
    guild=(
        "DELETE FROM digest_settings WHERE guild_id = ?",
        "DELETE FROM digest_posts WHERE guild_id = ?",
    ),
)
