"""Each process picks only its shards' servers from the shared database (issue 13): the due query, the purge.

These are the queries a PostgreSQL backend must answer the same way (see README, Deployment).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.privacy import RetentionPurger
from bot.sharding import ALL_SHARDS, ShardScope, shard_of
from bot.storage import ReplyRecord, Schedule
from tests.backends import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): open_db follows the backend.
pytestmark = pytest.mark.usefixtures("backend")
EVEN, ODD = ShardScope(2, (0,)), ShardScope(2, (1,))
# Two servers on each of 2 shards (ids as Discord makes them: the shard is in the timestamp bits).
GUILDS = [(n << 22) | 7 for n in (1000, 1001, 1002, 1003)]  # shards 0, 1, 0, 1


def reply(mid: int, guild: int, created: datetime) -> ReplyRecord:
    """A reply written `created`, to that day's post (a reply is never older than its post)."""
    return ReplyRecord(mid, guild, created.date(), "p", 9, 9, 5, "name", created, None, f"text {mid}")


def test_the_ids_really_are_on_both_shards() -> None:
    assert [shard_of(g, 2) for g in GUILDS] == [0, 1, 0, 1]


async def test_due_schedules_are_only_this_processs_shards(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        for n, guild in enumerate(GUILDS):
            await storage.discussion.save_schedule(
                Schedule(guild, 10, "09:00", "UTC", 127, None, None, None, False, n, NOW)
            )
        assert [s.guild_id for s in await storage.discussion.due_schedules(100, 10, EVEN)] == [GUILDS[0], GUILDS[2]]
        assert [s.guild_id for s in await storage.discussion.due_schedules(100, 10, ODD)] == [GUILDS[1], GUILDS[3]]
        assert [s.guild_id for s in await storage.discussion.due_schedules(100, 10)] == GUILDS
        # The batch limit counts only this process's servers: the other shard's overdue ones never crowd it out.
        assert [s.guild_id for s in await storage.discussion.due_schedules(100, 1, ODD)] == [GUILDS[1]]
        assert await storage.discussion.due_schedules(
            100, 10, ShardScope.every(2)
        ) == await storage.discussion.due_schedules(100, 10)


async def test_retention_and_departed_purges_touch_only_this_processs_shards(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen(GUILDS, NOW - timedelta(days=400))
        ancient = NOW - timedelta(days=400)
        await storage.replies.apply_reply_ops([reply(n + 1, guild, ancient) for n, guild in enumerate(GUILDS)])
        for guild in (GUILDS[2], GUILDS[3]):
            await storage.guilds.guild_removed(guild, NOW - timedelta(days=31))
        purger = RetentionPurger(storage.privacy, lambda: NOW, shards=lambda: EVEN)
        result = await purger.run_once()
        assert result.replies == 2 and result.guilds == [GUILDS[2]]  # shard 0: GUILDS[0] and [2]
        assert [await storage.replies.count_replies(g) for g in GUILDS[:2]] == [0, 1]
        assert await storage.guilds.get_guild(GUILDS[3]) is not None  # the other process's to delete
        assert await storage.privacy.purge_expired_replies(NOW, ODD) == 2
        assert await storage.privacy.purge_departed_guilds(NOW, timedelta(days=30), ODD) == [GUILDS[3]]


async def test_the_unsharded_purge_still_sees_every_server(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen(GUILDS, NOW)
        await storage.replies.apply_reply_ops(
            [reply(n + 1, g, NOW - timedelta(days=400)) for n, g in enumerate(GUILDS)]
        )
        assert await storage.privacy.purge_expired_replies(NOW, ALL_SHARDS) == 4
