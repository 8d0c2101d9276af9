"""Streak inputs and the leaderboard opt-in (SPEC §11): read from daily_posts and replies, one server each.

Portable SQL only (`?` parameters, no SQLite functions): the PostgreSQL backend runs the same statements.
Each read costs one pass over the server's posts and over the replies it asks about (indexed by guild and
author), so a leaderboard grows with the data, not faster.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.discussion.streaks import MemberFigures, PostedDay, member_streak
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import to_iso


@dataclass(slots=True)
class _Member:
    name: str = ""
    replies: int = 0
    first_reply: dict[date, int] = field(default_factory=dict)


class StreakStore(Store):
    async def posted_days(self, guild_id: int) -> list[PostedDay]:
        """The server's successful daily posts in the order they went out (failed and claimed days left out)."""
        rows = await self.read(
            "SELECT post_date, message_id FROM daily_posts "
            "WHERE guild_id = ? AND status = 'sent' AND message_id IS NOT NULL ORDER BY message_id",
            (guild_id,),
        )
        return [PostedDay(date.fromisoformat(row["post_date"]), int(row["message_id"])) for row in rows]

    async def member_figures(self, guild_id: int, user_id: int) -> MemberFigures:
        """One member's replies and streak in the server (deleted replies count for nothing)."""
        rows = await self.read(
            "SELECT post_date, MIN(message_id) AS first_id, COUNT(*) AS n "
            "FROM replies WHERE guild_id = ? AND author_id = ? AND deleted_at IS NULL GROUP BY post_date",
            (guild_id, user_id),
        )
        member = _Member()
        for row in rows:
            _add(member, row["post_date"], row["first_id"], row["n"])
        return _figures(user_id, member, await self.posted_days(guild_id))

    async def leaderboard(self, guild_id: int) -> list[MemberFigures]:
        """Figures of every member who chose to appear and has replies here (never an opted-out one), unranked."""
        rows = await self.read(
            # IN, not a join: the database then reads only the opted-in members' replies, by index.
            "SELECT r.author_id, r.post_date, MIN(r.message_id) AS first_id, COUNT(*) AS n FROM replies AS r "
            "WHERE r.guild_id = ? AND r.author_id IN (SELECT o.user_id FROM leaderboard_optins AS o "
            "WHERE o.guild_id = ? AND NOT EXISTS ("
            "SELECT 1 FROM optouts AS x WHERE x.guild_id = o.guild_id AND x.user_id = o.user_id)) "
            "AND r.deleted_at IS NULL GROUP BY r.author_id, r.post_date",
            (guild_id, guild_id),
        )
        members: dict[int, _Member] = defaultdict(_Member)
        for row in rows:
            _add(members[int(row["author_id"])], row["post_date"], row["first_id"], row["n"])
        for row in await self.read(
            # Each member's name as on their newest reply (the display name they use now, as far as we know).
            "SELECT r.author_id, r.author_name FROM replies AS r WHERE r.message_id IN ("
            "SELECT MAX(m.message_id) FROM replies AS m WHERE m.guild_id = ? AND m.author_id IN ("
            "SELECT o.user_id FROM leaderboard_optins AS o WHERE o.guild_id = ?) AND m.deleted_at IS NULL "
            "GROUP BY m.author_id)",
            (guild_id, guild_id),
        ):
            if int(row["author_id"]) in members:
                members[int(row["author_id"])].name = row["author_name"] or ""
        posts = await self.posted_days(guild_id)
        return [_figures(user_id, member, posts) for user_id, member in members.items()]

    async def on_leaderboard(self, guild_id: int, user_id: int) -> bool:
        """Whether the member chose to appear on the server's leaderboard."""
        row = await self.read_one(
            "SELECT 1 FROM leaderboard_optins WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return row is not None

    async def set_on_leaderboard(self, guild_id: int, user_id: int, shown: bool, now: datetime) -> bool:
        """Put the member on the leaderboard (or take them off); an opted-out member is never put on it.

        Returns whether they are on it afterwards.
        """
        async with self.transaction() as conn:
            if not shown:
                await conn.execute(
                    "DELETE FROM leaderboard_optins WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
                )
                return False
            # One statement, so an /privacy optout committed meanwhile cannot be overtaken.
            cursor = await conn.execute(
                "INSERT INTO leaderboard_optins (guild_id, user_id, opted_in_at) SELECT ?, ?, ? WHERE NOT EXISTS ("
                "SELECT 1 FROM optouts WHERE guild_id = ? AND user_id = ?) "
                "ON CONFLICT (guild_id, user_id) DO NOTHING",
                (guild_id, user_id, to_iso(now), guild_id, user_id),
            )
            if cursor.rowcount > 0:
                return True
            async with conn.execute(
                "SELECT 1 FROM leaderboard_optins WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            ) as check:
                return await check.fetchone() is not None


def _add(member: _Member, post_date: str, first_id: int, count: int) -> None:
    member.first_reply[date.fromisoformat(post_date)] = int(first_id)
    member.replies += int(count)


def _figures(user_id: int, member: _Member, posts: list[PostedDay]) -> MemberFigures:
    return MemberFigures(user_id, member.name, member.replies, member_streak(posts, member.first_reply))


# The leaderboard choice is the member's record: forget and optout delete it, and it goes with the server.
DELETION = Deletion(
    feature="streaks",
    member=("DELETE FROM leaderboard_optins WHERE guild_id = ? AND user_id = ?",),
    guild=("DELETE FROM leaderboard_optins WHERE guild_id = ?",),
)
