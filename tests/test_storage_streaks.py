"""Streak reads and the leaderboard opt-in against real SQLite files: scoped to the server, only sent posts,
no deleted replies, nobody opted out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.discussion.streaks import PostedDay, Streak
from bot.storage import ReplyRecord, Storage
from bot.timeutil import to_iso
from tests.backends import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): open_db follows the backend.
pytestmark = pytest.mark.usefixtures("backend")
DAYS = [date(2026, 11, d) for d in (1, 2, 3, 4)]


def reply(mid: int, guild: int, author: int, day: date, name: str = "andrew") -> ReplyRecord:
    return ReplyRecord(mid, guild, day, "p", 9, 9, author, name, NOW, None, f"text {mid}")


async def posts(storage: Storage) -> None:
    rows = [
        (1, DAYS[0], 1, "sent", 100),
        (1, DAYS[1], 2, "sent", 200),
        (1, DAYS[2], 3, "failed", None),  # no post went out: not in the sequence
        (1, DAYS[3], 4, "sent", 400),
        (2, DAYS[0], 1, "sent", 150),
    ]
    async with storage.transaction() as conn:
        await conn.executemany(
            "INSERT INTO daily_posts (guild_id, post_date, number, prompt_id, channel_id, nonce, status, message_id, "
            "thread_id, claimed_at, posted_at) VALUES (?, ?, ?, 'p', 9, 'n', ?, ?, ?, ?, ?)",
            [(g, d.isoformat(), n, s, m, m, to_iso(NOW), to_iso(NOW) if m else None) for g, d, n, s, m in rows],
        )


async def test_member_figures_count_sent_posts_of_that_server_only(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await posts(storage)
        assert await storage.streaks.posted_days(1) == [
            PostedDay(DAYS[0], 100),
            PostedDay(DAYS[1], 200),
            PostedDay(DAYS[3], 400),
        ]
        await storage.replies.apply_reply_ops(
            [
                reply(110, 1, 50, DAYS[0]),
                reply(120, 1, 50, DAYS[0]),
                reply(210, 1, 50, DAYS[1]),
                reply(350, 1, 50, DAYS[1]),  # written on the failed day: still Day 2's window
                reply(410, 1, 50, DAYS[3]),
                reply(160, 2, 50, DAYS[0]),  # another server
                reply(115, 1, 51, DAYS[0], "ellis"),
            ]
        )
        await storage.replies.tombstone_replies(
            [reply(116, 1, 51, DAYS[1], "ellis")], NOW
        )  # deleted: counts for nothing
        mine = await storage.streaks.member_figures(1, 50)
        assert (mine.replies, mine.streak) == (5, Streak(3, 3))
        assert (await storage.streaks.member_figures(2, 50)).replies == 1
        theirs = await storage.streaks.member_figures(1, 51)
        assert (theirs.replies, theirs.streak) == (1, Streak(0, 1))


async def test_the_leaderboard_holds_only_opted_in_members_never_opted_out_ones(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await posts(storage)
        await storage.replies.apply_reply_ops(
            [reply(110, 1, 50, DAYS[0]), reply(111, 1, 51, DAYS[0], "ellis"), reply(112, 1, 52, DAYS[0], "ryan")]
        )
        await storage.replies.apply_reply_ops([reply(210, 1, 50, DAYS[1], "Andrew N.")])  # the newest name is shown
        assert await storage.streaks.leaderboard(1) == []
        assert await storage.streaks.set_on_leaderboard(1, 50, True, NOW)
        assert await storage.streaks.set_on_leaderboard(1, 51, True, NOW)
        assert await storage.streaks.set_on_leaderboard(2, 52, True, NOW)  # in another server
        board = {m.user_id: (m.name, m.replies) for m in await storage.streaks.leaderboard(1)}
        assert board == {50: ("Andrew N.", 2), 51: ("ellis", 1)}
        await storage.privacy.set_optout(1, 52, True, NOW)
        assert not await storage.streaks.set_on_leaderboard(1, 52, True, NOW)  # opted out: never on it
        await storage.privacy.set_optout(1, 51, True, NOW)  # the row stays until forget runs, but it is never shown
        assert [m.user_id for m in await storage.streaks.leaderboard(1)] == [50]
        await storage.privacy.forget_member(1, 50, before_id=1000)
        assert not await storage.streaks.on_leaderboard(1, 50)
        await storage.privacy.delete_guild_data(2)
        assert not await storage.streaks.on_leaderboard(2, 52)
