"""Stance polls (SPEC §11): the polls sent with daily posts, members' votes while they run, the final tally.

What is kept per member: only while a poll runs, which answer a member picked (from the vote events), so a
repeated event counts once and `/privacy forget` or `/privacy optout` removes it. Once the poll has ended, the
final tally (Discord's own counts per answer) is stored and those per-member rows are deleted: what stays is
aggregate counts, nobody's vote.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage.database import Row
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import to_iso

DELETION = Deletion(
    "stance polls",
    member=("DELETE FROM stance_votes WHERE guild_id = ? AND user_id = ?",),
    guild=(
        "DELETE FROM stance_votes WHERE guild_id = ?",
        "DELETE FROM stance_polls WHERE guild_id = ?",
    ),
)


@dataclass(frozen=True, slots=True)
class StancePoll:
    """One poll sent with a daily post, as posted, with its final tally once it has ended."""

    guild_id: int
    message_id: int
    channel_id: int
    post_date: date
    prompt_id: str
    language: str
    question: str
    answers: tuple[str, ...]
    expires_at: datetime
    final_counts: tuple[int, ...] | None = None
    total_votes: int | None = None
    finalized_at: datetime | None = None

    @property
    def finalized(self) -> bool:
        return self.final_counts is not None


def _poll(row: Row) -> StancePoll:
    counts = row["final_counts"]
    finalized = row["finalized_at"]
    return StancePoll(
        guild_id=int(row["guild_id"]),
        message_id=int(row["message_id"]),
        channel_id=int(row["channel_id"]),
        post_date=date.fromisoformat(row["post_date"]),
        prompt_id=row["prompt_id"],
        language=row["language"],
        question=row["question"],
        answers=tuple(json.loads(row["answers"])),
        expires_at=datetime.fromtimestamp(int(row["expires_at"]), UTC),
        final_counts=tuple(int(n) for n in json.loads(counts)) if counts is not None else None,
        total_votes=row["total_votes"],
        finalized_at=datetime.fromisoformat(finalized) if finalized else None,
    )


class PollStore(Store):
    """The queries of stance polls; every one is scoped to its server but the restart look-up (`due`)."""

    async def record_poll(self, poll: StancePoll) -> None:
        """Remember a poll just sent with a daily post (a second call for the same message changes nothing)."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO stance_polls (guild_id, message_id, channel_id, post_date, prompt_id, language, "
                "question, answers, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, message_id) DO NOTHING",
                (
                    poll.guild_id,
                    poll.message_id,
                    poll.channel_id,
                    poll.post_date.isoformat(),
                    poll.prompt_id,
                    poll.language,
                    poll.question,
                    json.dumps(list(poll.answers), ensure_ascii=False),
                    int(poll.expires_at.timestamp()),
                ),
            )

    async def get(self, guild_id: int, message_id: int) -> StancePoll | None:
        row = await self.read_one(
            "SELECT * FROM stance_polls WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
        )
        return _poll(row) if row else None

    async def add_vote(self, guild_id: int, message_id: int, answer_id: int, user_id: int) -> bool:
        """Store a member's vote on an open poll of ours; False when it was there already or the poll is not ours
        or has ended."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO stance_votes (guild_id, message_id, answer_id, user_id) "
                "SELECT guild_id, message_id, ?, ? FROM stance_polls "
                "WHERE guild_id = ? AND message_id = ? AND finalized_at IS NULL "
                "ON CONFLICT (guild_id, message_id, answer_id, user_id) DO NOTHING",
                (answer_id, user_id, guild_id, message_id),
            )
            return cursor.rowcount > 0

    async def remove_vote(self, guild_id: int, message_id: int, answer_id: int, user_id: int) -> bool:
        """Forget a vote a member took back; False when there was none."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM stance_votes WHERE guild_id = ? AND message_id = ? AND answer_id = ? AND user_id = ?",
                (guild_id, message_id, answer_id, user_id),
            )
            return cursor.rowcount > 0

    async def live_counts(self, guild_id: int, message_id: int) -> dict[int, int]:
        """Votes per answer id (1-based) of a running poll, from the stored vote events."""
        rows = await self.read(
            "SELECT answer_id, COUNT(*) AS votes FROM stance_votes WHERE guild_id = ? AND message_id = ? "
            "GROUP BY answer_id",
            (guild_id, message_id),
        )
        return {int(row["answer_id"]): int(row["votes"]) for row in rows}

    async def finalize(self, guild_id: int, message_id: int, counts: Sequence[int], now: datetime) -> bool:
        """Store a poll's final tally once; True only for the call that stored it. The per-member votes go."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE stance_polls SET final_counts = ?, total_votes = ?, finalized_at = ? "
                "WHERE guild_id = ? AND message_id = ? AND finalized_at IS NULL",
                (json.dumps([int(n) for n in counts]), sum(counts), to_iso(now), guild_id, message_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute("DELETE FROM stance_votes WHERE guild_id = ? AND message_id = ?", (guild_id, message_id))
        return True

    async def due(self, now: datetime, limit: int = 100, shards: ShardScope = ALL_SHARDS) -> list[StancePoll]:
        """Polls past their end whose tally is not stored yet (e.g. they ended while the bot was down), of the
        servers of `shards` only: another process reads its own servers' polls."""
        rows = await self.read(
            "SELECT * FROM stance_polls WHERE finalized_at IS NULL AND expires_at <= ? "
            "AND ? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%' ORDER BY expires_at LIMIT ?",
            (int(now.timestamp()), shards.sql_ids(), shards.count, limit),
        )
        return [_poll(row) for row in rows]

    async def next_expiry(self) -> datetime | None:
        """When the next open poll ends, or None when none is open."""
        row = await self.read_one("SELECT MIN(expires_at) FROM stance_polls WHERE finalized_at IS NULL")
        if row is None or row[0] is None:
            return None
        return datetime.fromtimestamp(int(row[0]), UTC)

    async def for_prompt(self, guild_id: int, prompt_id: str) -> list[StancePoll]:
        """Every poll of one prompt in the server, oldest first (its results over its uses)."""
        rows = await self.read(
            "SELECT * FROM stance_polls WHERE guild_id = ? AND prompt_id = ? ORDER BY post_date",
            (guild_id, prompt_id),
        )
        return [_poll(row) for row in rows]

    async def between(self, guild_id: int, first: date, last: date) -> list[StancePoll]:
        """The server's polls of daily posts from `first` to `last` (local dates, inclusive), oldest first."""
        rows = await self.read(
            "SELECT * FROM stance_polls WHERE guild_id = ? AND post_date >= ? AND post_date <= ? ORDER BY post_date",
            (guild_id, first.isoformat(), last.isoformat()),
        )
        return [_poll(row) for row in rows]
