"""Privacy storage against real databases (SQLite files and PostgreSQL): forget, opt-out, retention and
departed servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands

from bot.client import WhiplashBot
from bot.config import Settings
from bot.sharding import shard_of
from bot.storage import ReplyRecord
from bot.storage.guilds import PAGE
from bot.storage.moderation import PromptFields
from bot.timeutil import to_iso
from tests.backends import open_db

pytestmark = pytest.mark.usefixtures("backend")

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def reply(mid: int, guild: int, author: int, created: datetime) -> ReplyRecord:
    """A reply written `created`, to that day's post (a reply is never older than its post)."""
    return ReplyRecord(mid, guild, created.date(), "p", 9, 9, author, "name", created, None, f"text {mid}")


async def test_forget_deletes_only_that_member_in_that_server(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(1, 1, 50, NOW), reply(2, 1, 51, NOW), reply(3, 2, 50, NOW)])
        await storage.privacy.set_optout(1, 50, True, NOW)
        assert await storage.privacy.forget_member(1, 50, before_id=100) == 1
        assert await storage.replies.count_replies(1) == 1 and await storage.replies.count_replies(2) == 1
        assert await storage.discussion.is_opted_out(1, 50)  # the flag is the one thing kept
        assert await storage.privacy.member_summary(1, 50) == (0, True)


async def test_tombstones_of_queued_replies_carry_the_bots_clock_not_the_databases(tmp_path: Path) -> None:
    """A moment far from the real date: only the clock passed in can have written it."""
    forgotten_at = datetime(2003, 2, 1, 14, 0, 0, 250000, tzinfo=UTC)
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.tombstone_replies([reply(1, 1, 50, forgotten_at - timedelta(days=1))], forgotten_at)
        rows = await storage.read("SELECT deleted_at FROM replies WHERE message_id = 1")
    assert [row["deleted_at"] for row in rows] == [to_iso(forgotten_at)]


async def test_optout_round_trip(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        assert await storage.privacy.set_optout(1, 7, True, NOW)
        assert not await storage.privacy.set_optout(1, 7, True, NOW)
        assert await storage.privacy.set_optout(1, 7, False, NOW)
        assert not await storage.discussion.is_opted_out(1, 7)


async def test_retention_purges_per_server(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
        async with storage.transaction() as conn:
            await conn.execute("UPDATE guilds SET retention_days = 30 WHERE guild_id = 2")
        old, recent = NOW - timedelta(days=40), NOW - timedelta(days=10)
        ancient = NOW - timedelta(days=400)
        await storage.replies.apply_reply_ops(
            [reply(1, 1, 5, ancient), reply(2, 1, 5, old), reply(3, 2, 5, old), reply(4, 2, 5, recent)]
        )
        assert await storage.privacy.purge_expired_replies(NOW) == 2
        assert await storage.replies.count_replies(1) == 1 and await storage.replies.count_replies(2) == 1


async def test_departed_server_data_goes_after_the_grace_period(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1, 2], NOW - timedelta(days=60))
        await storage.replies.apply_reply_ops([reply(1, 1, 5, NOW), reply(2, 2, 5, NOW)])
        await storage.guilds.guild_removed(1, NOW - timedelta(days=31))
        await storage.guilds.guild_removed(2, NOW - timedelta(days=5))
        assert await storage.privacy.purge_departed_guilds(NOW, timedelta(days=30)) == [1]
        assert await storage.replies.count_replies(1, include_deleted=True) == 0
        assert await storage.guilds.get_guild(1) is None
        assert await storage.replies.count_replies(2) == 1


async def test_forgotten_messages_are_never_written_again(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
        before = [reply(10, 1, 50, NOW), reply(11, 1, 50, NOW), reply(12, 1, 51, NOW)]
        await storage.replies.apply_reply_ops(before)
        assert await storage.privacy.forget_member(1, 50, before_id=11) == 2
        # The backfill reads the thread again, and an edit of a forgotten reply arrives late.
        late = [reply(5, 1, 50, NOW), reply(11, 1, 50, NOW)._replace(upsert=True)]
        await storage.replies.apply_reply_ops(before + late)
        stored = {(row["message_id"], row["author_id"]) for row in await storage.read("SELECT * FROM replies")}
        assert stored == {(12, 51)}
        # What the member writes after asking is logged again, and another server is not concerned.
        await storage.replies.apply_reply_ops([reply(13, 1, 50, NOW), reply(9, 2, 50, NOW)])
        assert await storage.privacy.member_summary(1, 50) == (1, False)
        assert await storage.privacy.member_summary(2, 50) == (1, False)


async def test_forget_keeps_the_marker_at_the_newest_stored_message(tmp_path: Path) -> None:
    """A request id older than a stored message (a skewed clock) still covers every stored message."""
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(40, 1, 50, NOW)])
        await storage.privacy.forget_member(1, 50, before_id=30)
        await storage.privacy.forget_member(1, 50, before_id=20)  # a second forget never lowers the mark
        await storage.replies.apply_reply_ops([reply(35, 1, 50, NOW), reply(40, 1, 50, NOW)])
        assert await storage.replies.count_replies(1, include_deleted=True) == 0
        rows = await storage.read("SELECT guild_id, user_id, before_id FROM forgotten_members")
        assert [tuple(row) for row in rows] == [(1, 50, 40)]
        await storage.privacy.delete_guild_data(1)
        assert await storage.read("SELECT * FROM forgotten_members") == []


async def test_a_moderators_forget_leaves_their_changes_under_a_former_moderator(tmp_path: Path) -> None:
    mod, other = 70, 71
    async with await open_db(tmp_path / "bot.db") as storage:
        for guild in (1, 2):
            await storage.moderation.add_server_prompt(guild, PromptFields(text="own"), mod, NOW)
            await storage.moderation.record_audit(
                guild, mod, "privacy.retention", "retention", {"days": 365}, {"days": 30}, NOW
            )
        await storage.moderation.record_audit(1, other, "schedule.pause", "schedule", None, None, NOW)
        suggestion = await storage.moderation.add_suggestion(1, 5, "an idea", NOW, max_pending=3)
        assert suggestion is not None
        await storage.moderation.decide_suggestion(1, suggestion.suggestion_id, False, mod, NOW)

        assert await storage.privacy.forget_member(1, mod, before_id=100) == 5  # 3 audit entries, 1 prompt, 1 decision
        assert [e.moderator_id for e in await storage.moderation.recent_audit(1, 10)] == [0, other, 0, 0]
        assert (await storage.moderation.server_prompt(1, "s-1")).created_by == 0  # type: ignore[union-attr]
        decided = await storage.moderation.get_suggestion(1, suggestion.suggestion_id)
        assert decided is not None and decided.moderator_id == 0 and decided.status == "rejected"
        # The same moderator in another server keeps their records there.
        assert {e.moderator_id for e in await storage.moderation.recent_audit(2, 10)} == {mod}
        assert (await storage.moderation.server_prompt(2, "s-1")).created_by == mod  # type: ignore[union-attr]


async def test_ready_marks_removed_only_the_missing_servers_of_its_own_shards(tmp_path: Path) -> None:
    shard = [n << 22 for n in (4, 6, 5, 7)]  # with 2 shards: shard 0, 0, 1, 1
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen(shard, NOW - timedelta(days=3))
        assert await storage.guilds.guilds_ready([shard[0]], NOW, shard_count=2, shard_ids=[0]) == [shard[1]]
        removed = {g: (await storage.guilds.get_guild(g)).removed_at for g in shard}  # type: ignore[union-attr]
        assert removed == {shard[0]: None, shard[1]: NOW, shard[2]: None, shard[3]: None}
        # Unsharded, READY judges every server; one listed again is no longer pending removal.
        assert await storage.guilds.guilds_ready([shard[1], shard[2]], NOW, shard_count=1, shard_ids=[0]) == [
            shard[0],
            shard[3],
        ]
        assert (await storage.guilds.get_guild(shard[1])).removed_at is None  # type: ignore[union-attr]


async def test_ready_over_several_pages_marks_removed_exactly_the_missing_servers(tmp_path: Path) -> None:
    """READY reads and writes the servers a page at a time: servers at page edges are judged like the rest."""
    servers = [(n << 22) | 3 for n in range(1, 2 * PAGE + 12)]  # more than two pages, on shards 0 and 1 of 2
    missing = {servers[0], servers[PAGE - 1], servers[PAGE], servers[PAGE + 1], servers[-1]}
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen(reversed(servers), NOW - timedelta(days=3))
        listed = [g for g in servers if g not in missing]
        gone = await storage.guilds.guilds_ready(reversed(listed), NOW, shard_count=2, shard_ids=[1])
        assert gone == sorted(g for g in missing if shard_of(g, 2) == 1)
        assert await storage.guilds.guilds_ready(iter(listed), NOW) == sorted(g for g in missing if g not in gone)
        rows = await storage.read("SELECT guild_id FROM guilds WHERE removed_at IS NULL ORDER BY guild_id")
        assert [row[0] for row in rows] == listed


def test_each_process_judges_only_its_own_shards() -> None:
    def bot(cls: Any = WhiplashBot, **options: Any) -> WhiplashBot:
        return cls(settings=Settings(_env_file=None), storage=None, content=None, **options)  # type: ignore[no-any-return]

    class Sharded(WhiplashBot, commands.AutoShardedBot):
        pass

    assert bot().own_shards() == (1, [0])
    assert bot(shard_id=1, shard_count=3).own_shards() == (3, [1])
    assert bot(Sharded, shard_count=4, shard_ids=[3, 2]).own_shards() == (4, [2, 3])
    assert bot(Sharded, shard_count=2).own_shards() == (2, [0, 1])
    assert isinstance(bot(Sharded, shard_count=2), discord.AutoShardedClient)


async def test_a_retention_purge_is_for_good(tmp_path: Path) -> None:
    """The backfill may read replies older than a short retention again: they are not stored again."""
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
        await storage.privacy.set_retention(1, 1, NOW)
        old, recent = NOW - timedelta(days=3), NOW - timedelta(hours=1)
        await storage.replies.apply_reply_ops([reply(1, 1, 5, old), reply(2, 2, 5, old)])
        assert await storage.privacy.purge_expired_replies(NOW) == 1
        await storage.privacy.set_retention(1, 365, NOW)  # a longer retention later does not bring them back
        await storage.replies.apply_reply_ops([reply(1, 1, 5, old), reply(3, 1, 5, recent), reply(4, 2, 5, old)])
        assert await storage.replies.count_replies(
            1, include_deleted=True
        ) == 1 and await storage.replies.get_reply_content(1, 3)
        assert await storage.replies.count_replies(2) == 2  # the other server keeps its own retention (365 days)
