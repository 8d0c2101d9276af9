"""Highlight and reaction storage against real SQLite files: scoping, idempotence, privacy (issue 14 §1, §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.discussion.highlights import emoji_key
from bot.storage import HighlightResult, ReplyDelete, ReplyRecord
from tests.backends import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): open_db follows the backend.
pytestmark = pytest.mark.usefixtures("backend")


def reply(mid: int, guild: int, author: int, created: datetime = NOW, thread: int = 9) -> ReplyRecord:
    """A reply written `created`, to that day's post (a reply is never older than its post)."""
    return ReplyRecord(mid, guild, created.date(), "p", thread, thread, author, "name", created, None, f"t{mid}")


async def test_highlight_only_a_live_reply_of_that_server_once(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(1, 1, 50), reply(2, 2, 50), reply(3, 1, 51)])
        await storage.replies.apply_reply_ops([ReplyDelete(1, (3,), NOW)])
        assert await storage.highlights.highlight_reply(1, 1, 7, NOW) is HighlightResult.HIGHLIGHTED
        assert await storage.highlights.highlight_reply(1, 1, 8, NOW) is HighlightResult.ALREADY
        assert await storage.highlights.highlight_reply(1, 2, 7, NOW) is HighlightResult.NOT_A_REPLY  # another server's
        assert await storage.highlights.highlight_reply(1, 3, 7, NOW) is HighlightResult.NOT_A_REPLY  # deleted
        assert await storage.highlights.highlight_reply(1, 99, 7, NOW) is HighlightResult.NOT_A_REPLY  # never logged
        rows = await storage.read("SELECT guild_id, message_id, author_id, moderator_id FROM reply_highlights")
        assert [tuple(r) for r in rows] == [(1, 1, 50, 7)]
        assert (
            await storage.highlights.count_highlights(1, 50) == 1
            and await storage.highlights.count_highlights(2, 50) == 0
        )


async def test_reactions_are_a_set_per_reply_member_and_emoji(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(1, 1, 50), reply(2, 2, 50)])
        assert await storage.highlights.add_reaction(1, 1, 60, "👏")
        assert not await storage.highlights.add_reaction(1, 1, 60, "👏")  # a duplicate event
        assert await storage.highlights.add_reaction(1, 1, 60, "🔥") and await storage.highlights.add_reaction(
            1, 1, 61, "👏"
        )
        assert not await storage.highlights.add_reaction(2, 1, 60, "👏")  # the reply is not in that server
        assert not await storage.highlights.add_reaction(1, 42, 60, "👏")  # not a logged reply
        assert await storage.highlights.reaction_count(1, 1) == 3
        assert await storage.highlights.remove_reaction(
            1, 1, 60, "🔥"
        ) and not await storage.highlights.remove_reaction(1, 1, 60, "🔥")
        assert (
            await storage.highlights.clear_reactions(1, 1, "👏") == 2
            and await storage.highlights.reaction_count(1, 1) == 0
        )
        await storage.highlights.replace_reactions(1, 1, "⭐", [60, 61, 61])
        assert await storage.highlights.reaction_tallies(1, date(2026, 11, 21), 9) == {1: {"⭐": 2}}
        assert await storage.highlights.clear_reactions(1, 1) == 2


async def test_opted_out_and_forgotten_members_reactions_are_not_stored(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(10, 1, 50)])
        await storage.privacy.set_optout(1, 60, True, NOW)
        assert not await storage.highlights.add_reaction(1, 10, 60, "👏")
        await storage.privacy.forget_member(1, 61, before_id=20)
        assert not await storage.highlights.add_reaction(1, 10, 61, "👏")  # a reply written before they asked
        await storage.replies.apply_reply_ops([reply(30, 1, 50)])
        assert await storage.highlights.add_reaction(1, 30, 61, "👏")  # a newer one counts again
        await storage.highlights.replace_reactions(1, 10, "👏", [60, 61, 62])
        assert await storage.highlights.reaction_count(1, 10) == 1


async def test_forget_removes_reactions_given_received_and_highlights(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(1, 1, 50), reply(2, 1, 51)])
        await storage.highlights.highlight_reply(1, 1, 50, NOW)  # 50 highlighted their own reply as a moderator
        await storage.highlights.highlight_reply(1, 2, 50, NOW)
        for mid, user in ((1, 51), (2, 50), (2, 52)):
            await storage.highlights.add_reaction(1, mid, user, "👏")
        assert await storage.highlights.member_reactions_summary(1, 50) == (1, 1)
        await storage.privacy.forget_member(1, 50, before_id=100)
        assert await storage.highlights.member_reactions_summary(1, 50) == (0, 0)
        rows = await storage.read("SELECT message_id, moderator_id FROM reply_highlights")
        assert [tuple(r) for r in rows] == [(2, 0)]  # the moderator is "a former moderator" now
        rows = await storage.read("SELECT message_id, user_id FROM reply_reactions")
        assert [tuple(r) for r in rows] == [(2, 52)]


async def test_retention_purge_and_departed_servers_take_highlights_and_reactions(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
        old = NOW - timedelta(days=400)
        await storage.replies.apply_reply_ops([reply(1, 1, 50, old), reply(2, 1, 50), reply(3, 2, 50)])
        for mid, guild in ((1, 1), (2, 1), (3, 2)):
            await storage.highlights.highlight_reply(guild, mid, 7, NOW)
            await storage.highlights.add_reaction(guild, mid, 60, "👏")
        await storage.privacy.purge_expired_replies(NOW)
        rows = await storage.read(
            "SELECT message_id FROM reply_highlights UNION SELECT message_id FROM reply_reactions"
        )
        assert sorted(r[0] for r in rows) == [2, 3]
        await storage.privacy.delete_guild_data(2)
        assert (
            await storage.highlights.reaction_count(2, 3) == 0 and await storage.highlights.count_highlights(2, 50) == 0
        )
        assert await storage.highlights.reaction_count(1, 2) == 1


def test_emoji_keys_are_the_character_or_the_custom_emojis_id() -> None:
    assert emoji_key(discord.PartialEmoji(name="⭐")) == "⭐"
    assert emoji_key(discord.PartialEmoji(name="snare", id=123456789012345678)) == "123456789012345678"
    assert emoji_key("👏") == "👏"
