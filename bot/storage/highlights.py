"""Highlighted replies and members' reactions on replies (SPEC §11, issue 14 §1).

A reaction is stored as one row per (reply, member, emoji): the same set Discord keeps, so a duplicated
gateway event changes nothing, a removal removes exactly what it names, and /privacy forget can delete a
member's own reactions. A reply's reaction count is its number of rows. Only live (not deleted) logged
replies get rows; reactions of members who opted out, or were forgotten before the reply was written, are
never stored. Every statement is scoped to one server.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum

from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import to_iso


class HighlightResult(Enum):
    """What "Highlight reply" did."""

    HIGHLIGHTED = "highlighted"
    ALREADY = "already"
    NOT_A_REPLY = "not_a_reply"


# The reply a reaction is on, if it is a live logged reply and the reacting member may be counted.
_REACTION_SOURCE = (
    "SELECT r.guild_id, r.message_id, ?, ?, r.author_id FROM replies AS r "
    "WHERE r.guild_id = ? AND r.message_id = ? AND r.deleted_at IS NULL "
    "AND NOT EXISTS (SELECT 1 FROM optouts AS o WHERE o.guild_id = r.guild_id AND o.user_id = ?) "
    "AND NOT EXISTS (SELECT 1 FROM forgotten_members AS f WHERE f.guild_id = r.guild_id AND f.user_id = ? "
    "AND f.before_id >= r.message_id) "
)
_ADD_REACTION = (
    "INSERT INTO reply_reactions (guild_id, message_id, user_id, emoji, author_id) "
    + _REACTION_SOURCE
    + "ON CONFLICT (guild_id, message_id, user_id, emoji) DO NOTHING"
)


class HighlightStore(Store):
    async def highlight_reply(
        self, guild_id: int, message_id: int, moderator_id: int, now: datetime
    ) -> HighlightResult:
        """Mark a live logged reply of the server as highlighted; nothing is stored for anything else."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO reply_highlights (guild_id, message_id, author_id, moderator_id, highlighted_at) "
                "SELECT guild_id, message_id, author_id, ?, ? FROM replies "
                "WHERE guild_id = ? AND message_id = ? AND deleted_at IS NULL "
                "ON CONFLICT (guild_id, message_id) DO NOTHING",
                (moderator_id, to_iso(now), guild_id, message_id),
            )
            if cursor.rowcount > 0:
                return HighlightResult.HIGHLIGHTED
            async with conn.execute(
                "SELECT 1 FROM reply_highlights WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
            ) as found:
                exists = await found.fetchone()
        return HighlightResult.ALREADY if exists is not None else HighlightResult.NOT_A_REPLY

    async def is_live_reply(self, guild_id: int, message_id: int) -> bool:
        """Whether the message is a logged, not deleted reply in the server."""
        row = await self.read_one(
            "SELECT 1 FROM replies WHERE guild_id = ? AND message_id = ? AND deleted_at IS NULL",
            (guild_id, message_id),
        )
        return row is not None

    async def count_highlights(self, guild_id: int, user_id: int) -> int:
        """How many of the member's live replies in the server are highlighted (for /discussion me)."""
        row = await self.read_one(
            "SELECT COUNT(*) FROM reply_highlights AS h JOIN replies AS r "
            "ON r.guild_id = h.guild_id AND r.message_id = h.message_id "
            "WHERE h.guild_id = ? AND h.author_id = ? AND r.deleted_at IS NULL",
            (guild_id, user_id),
        )
        return int(row[0]) if row else 0

    async def add_reaction(self, guild_id: int, message_id: int, user_id: int, emoji: str) -> bool:
        """Count a member's reaction on a reply; returns whether a row was added (False: a duplicate or no reply)."""
        async with self.transaction() as conn:
            cursor = await conn.execute(_ADD_REACTION, (user_id, emoji, guild_id, message_id, user_id, user_id))
            return cursor.rowcount > 0

    async def remove_reaction(self, guild_id: int, message_id: int, user_id: int, emoji: str) -> bool:
        """A member took a reaction back; returns whether a row went."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM reply_reactions WHERE guild_id = ? AND message_id = ? AND user_id = ? AND emoji = ?",
                (guild_id, message_id, user_id, emoji),
            )
            return cursor.rowcount > 0

    async def clear_reactions(self, guild_id: int, message_id: int, emoji: str | None = None) -> int:
        """Every reaction on a reply went (or every one with `emoji`); returns the rows removed."""
        async with self.transaction() as conn:
            if emoji is None:
                cursor = await conn.execute(
                    "DELETE FROM reply_reactions WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
                )
            else:
                cursor = await conn.execute(
                    "DELETE FROM reply_reactions WHERE guild_id = ? AND message_id = ? AND emoji = ?",
                    (guild_id, message_id, emoji),
                )
            return cursor.rowcount

    async def reaction_tallies(self, guild_id: int, post_date: date, thread_id: int) -> dict[int, dict[str, int]]:
        """Stored reactions per reply and emoji, for the replies of one daily post (the backfill compares them)."""
        rows = await self.read(
            # CROSS JOIN: SQLite reads the post's replies (replies_guild_day), then their reactions, rather than
            # every reaction of the server.
            "SELECT x.message_id, x.emoji, COUNT(*) AS n FROM replies AS r CROSS JOIN reply_reactions AS x "
            "WHERE r.guild_id = ? AND r.post_date = ? AND r.thread_id = ? "
            "AND x.guild_id = r.guild_id AND x.message_id = r.message_id GROUP BY x.message_id, x.emoji",
            (guild_id, post_date.isoformat(), thread_id),
        )
        tallies: dict[int, dict[str, int]] = {}
        for r in rows:
            tallies.setdefault(int(r["message_id"]), {})[str(r["emoji"])] = int(r["n"])
        return tallies

    async def replace_reactions(self, guild_id: int, message_id: int, emoji: str, user_ids: Iterable[int]) -> None:
        """Make the stored reactions with `emoji` on a reply exactly `user_ids` (read from Discord by the backfill)."""
        async with self.transaction() as conn:
            await conn.execute(
                "DELETE FROM reply_reactions WHERE guild_id = ? AND message_id = ? AND emoji = ?",
                (guild_id, message_id, emoji),
            )
            await conn.executemany(
                _ADD_REACTION, [(uid, emoji, guild_id, message_id, uid, uid) for uid in set(user_ids)]
            )

    async def reaction_count(self, guild_id: int, message_id: int) -> int:
        """The reply's counted reactions (one per member and emoji)."""
        row = await self.read_one(
            "SELECT COUNT(*) FROM reply_reactions WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
        )
        return int(row[0]) if row else 0

    async def member_reactions_summary(self, guild_id: int, user_id: int) -> tuple[int, int]:
        """(the member's highlighted replies, reactions of theirs counted) in the server, for /privacy status."""
        given = await self.read_one(
            "SELECT COUNT(*) FROM reply_reactions WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return await self.count_highlights(guild_id, user_id), int(given[0]) if given else 0


# Highlights of a member's replies and their reactions go, as do the reactions they gave; a highlight a
# moderator made stays on its reply under id 0 ("a former moderator").
DELETION = Deletion(
    feature="highlights",
    member=(
        "DELETE FROM reply_highlights WHERE guild_id = ? AND author_id = ?",
        "DELETE FROM reply_reactions WHERE guild_id = ? AND author_id = ?",
        "DELETE FROM reply_reactions WHERE guild_id = ? AND user_id = ?",
        "UPDATE reply_highlights SET moderator_id = 0 WHERE guild_id = ? AND moderator_id = ?",
    ),
    guild=(
        "DELETE FROM reply_highlights WHERE guild_id = ?",
        "DELETE FROM reply_reactions WHERE guild_id = ?",
    ),
)
