"""Privacy storage against real SQLite files: forget, opt-out, retention and departed servers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.storage import ReplyRecord, Storage
from bot.timeutil import to_iso

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def reply(mid: int, guild: int, author: int, created: datetime) -> ReplyRecord:
    return ReplyRecord(mid, guild, date(2026, 1, 1), "p", 9, 9, author, "name", created, None, f"text {mid}")


async def test_forget_deletes_only_that_member_in_that_server(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.apply_reply_ops([reply(1, 1, 50, NOW), reply(2, 1, 51, NOW), reply(3, 2, 50, NOW)])
        await storage.set_optout(1, 50, True, NOW)
        assert await storage.forget_member(1, 50, NOW) == 1
        assert await storage.count_replies(1) == 1 and await storage.count_replies(2) == 1
        assert await storage.is_opted_out(1, 50)  # the flag is the one thing kept
        assert await storage.member_summary(1, 50) == (0, True)


async def test_forget_stamps_the_tombstones_with_the_bots_clock_not_the_databases(tmp_path: Path) -> None:
    """A moment far from the real date: only the clock passed in can have written it."""
    forgotten_at = datetime(2003, 2, 1, 14, 0, 0, 250000, tzinfo=UTC)
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.apply_reply_ops([reply(1, 1, 50, forgotten_at - timedelta(days=1))])
        await storage.forget_member(1, 50, forgotten_at)
        rows = await storage.read("SELECT deleted_at FROM replies WHERE message_id = 1")
    assert [row["deleted_at"] for row in rows] == [to_iso(forgotten_at)]


async def test_optout_round_trip(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        assert await storage.set_optout(1, 7, True, NOW)
        assert not await storage.set_optout(1, 7, True, NOW)
        assert await storage.set_optout(1, 7, False, NOW)
        assert not await storage.is_opted_out(1, 7)


async def test_retention_purges_per_server(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.guilds_seen([1, 2], NOW)
        async with storage.transaction() as conn:
            await conn.execute("UPDATE guilds SET retention_days = 30 WHERE guild_id = 2")
        old, recent = NOW - timedelta(days=40), NOW - timedelta(days=10)
        ancient = NOW - timedelta(days=400)
        await storage.apply_reply_ops(
            [reply(1, 1, 5, ancient), reply(2, 1, 5, old), reply(3, 2, 5, old), reply(4, 2, 5, recent)]
        )
        assert await storage.purge_expired_replies(NOW) == 2
        assert await storage.count_replies(1) == 1 and await storage.count_replies(2) == 1


async def test_departed_server_data_goes_after_the_grace_period(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.guilds_seen([1, 2], NOW - timedelta(days=60))
        await storage.apply_reply_ops([reply(1, 1, 5, NOW), reply(2, 2, 5, NOW)])
        await storage.guild_removed(1, NOW - timedelta(days=31))
        await storage.guild_removed(2, NOW - timedelta(days=5))
        assert await storage.purge_departed_guilds(NOW, timedelta(days=30)) == [1]
        assert await storage.count_replies(1, include_deleted=True) == 0
        assert await storage.get_guild(1) is None
        assert await storage.count_replies(2) == 1
