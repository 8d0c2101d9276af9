"""Highlights and reaction counts end to end through the emulator (issue 14 §1 and §4, SPEC §11).

A moderator highlights a reply with the "Highlight reply" message context menu: the bot puts its ⭐ on it
(nothing else appears in the channel, nobody is pinged) and the export says `highlighted`. Members' reactions
are counted from the gateway's reaction events (add, remove, remove-all, remove-emoji), duplicates change
nothing, the bot's own ⭐ is not counted, the backfill catches up with reactions made while the bot was down,
and /privacy forget removes a member from all of it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.discussion.highlights import STAR
from bot.emulator import DiscordEmulator, EmulatorError, StoredMessage
from bot.i18n import tr
from cogs.highlights import MENU_NAME
from tests.conftest import World
from tests.discussion_helpers import QUIET, has, logged, posted
from tests.harness import FakeClock, Running, eventually, run_bot
from tests.test_privacy_e2e import ask


async def highlight(
    emu: DiscordEmulator, world: World, user: Any, message: Any, locale: str = "en-US", *, bypass: bool = False
) -> StoredMessage:
    handle = await emu.invoke_message_command(
        world.guild, world.channel, user, MENU_NAME, message, locale, bypass_default_permissions=bypass
    )
    answer = await handle.message()
    assert answer.ephemeral, "the highlight was answered in public"
    return answer


async def counts(running: Running, guild_id: int) -> dict[int, tuple[bool, int]]:
    """message id -> (highlighted, reaction_count), as the export has them."""
    return {
        row.message_id: (row.highlighted, row.reaction_count)
        async for row in running.storage.replies.export_rows(guild_id)
    }


async def wait_count(running: Running, guild_id: int, message_id: int, expected: int) -> None:
    async def reached() -> bool:
        return (await running.storage.highlights.reaction_count(guild_id, message_id)) == expected

    await eventually(reached)


async def settled(emu: DiscordEmulator, running: Running, thread: Any, world: World) -> None:
    """Every reaction event sent so far was handled: events are handled in order, so a marker reply's reaction
    being counted means the ones before it were too."""
    marker = await emu.send_user_message(thread, world.moderator, "marker")
    await logged(running, world.guild.id, has(marker))
    await emu.add_user_reaction(thread, marker, world.member, "🔖")
    await wait_count(running, world.guild.id, marker.id, 1)


async def test_a_moderator_highlights_a_reply_the_bot_stars_it_and_the_export_says_so(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Not quite my tempo.")
        other = await emu.send_user_message(thread, world.member, "Were you rushing or dragging?")
        await logged(running, world.guild.id, has(other))
        before = len(emu.messages_in(thread))

        answer = await highlight(emu, world, world.moderator, reply)
        assert answer.content == tr("en", "highlight.done")
        assert emu.reaction_users(reply, STAR) == [emu.bot.id]
        assert len(emu.messages_in(thread)) == before  # nothing posted in the thread, so nobody pinged
        assert await counts(running, world.guild.id) == {reply.id: (True, 0), other.id: (False, 0)}

        again = await highlight(emu, world, world.moderator, reply, "de")
        assert again.content == tr("de", "highlight.already")
        assert emu.reaction_users(reply, STAR) == [emu.bot.id]

        handle = await emu.invoke(world.guild, world.channel, world.moderator, "replies export", {"format": "csv"})
        exported = await handle.message()
        data = exported["_files"][0].data
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        assert [(r["content"], r["highlighted"], r["reaction_count"]) for r in rows] == [
            ("Not quite my tempo.", "true", "0"),
            ("Were you rushing or dragging?", "false", "0"),
        ]


async def test_the_bots_own_star_is_not_counted_and_members_reactions_are(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Caravan")
        await logged(running, world.guild.id, has(reply))
        await highlight(emu, world, world.moderator, reply)
        await emu.add_user_reaction(thread, reply, world.moderator, STAR)
        await emu.add_user_reaction(thread, reply, world.member, "🥁")
        await emu.add_user_reaction(thread, reply, world.moderator, "🥁")
        await wait_count(running, world.guild.id, reply.id, 3)
        await settled(emu, running, thread, world)
        assert await running.storage.highlights.reaction_count(world.guild.id, reply.id) == 3  # the bot's ⭐ is not one


async def test_reactions_are_counted_through_remove_remove_emoji_remove_all_and_duplicates(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    third = emu.add_member(world.guild, "ryan")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Whiplash")
        await logged(running, world.guild.id, has(reply))
        gid = world.guild.id

        add = await emu.add_user_reaction(thread, reply, world.moderator, "👏")
        await emu.add_user_reaction(thread, reply, third, "👏")
        await emu.add_user_reaction(thread, reply, third, "🔥")
        await wait_count(running, gid, reply.id, 3)

        await emu.dispatch("MESSAGE_REACTION_ADD", add)  # the same event delivered twice
        removed = await emu.remove_user_reaction(thread, reply, third, "🔥")
        await wait_count(running, gid, reply.id, 2)
        await emu.dispatch("MESSAGE_REACTION_REMOVE", removed)  # a removal delivered twice
        await settled(emu, running, thread, world)
        assert await running.storage.highlights.reaction_count(gid, reply.id) == 2

        await emu.add_user_reaction(thread, reply, third, "🔥")
        await wait_count(running, gid, reply.id, 3)
        await emu.remove_reaction_emoji(thread, reply, "👏")
        await wait_count(running, gid, reply.id, 1)
        await emu.remove_all_reactions(thread, reply)
        await wait_count(running, gid, reply.id, 0)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []  # duplicates are no errors


async def test_reactions_on_messages_that_are_not_logged_replies_store_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        chatter = await emu.send_user_message(world.channel, world.member, "off topic, not a reply")
        await emu.add_user_reaction(world.channel, chatter, world.moderator, "👍")
        post = emu.get_message(thread.id)
        assert post is not None
        await emu.add_user_reaction(world.channel, post, world.member, "👍")  # the daily post itself
        await settled(emu, running, thread, world)
        rows = await running.storage.read("SELECT message_id FROM reply_reactions")
        assert {r["message_id"] for r in rows} == {m.id for m in emu.messages_in(thread) if m.content == "marker"}


async def test_refusals_are_one_sentence_in_the_moderators_language_and_store_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    elsewhere = emu.add_guild("Nassau Band")
    elsewhere_channel = emu.add_text_channel(elsewhere, "lounge")
    stranger = emu.add_member(elsewhere, "nicole")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Good job.")
        chatter = await emu.send_user_message(world.channel, world.member, "not a reply")
        foreign = await emu.send_user_message(elsewhere_channel, stranger, "from another server")
        await logged(running, world.guild.id, has(reply))
        post = emu.get_message(thread.id)
        assert post is not None

        for locale, lang in (("en-US", "en"), ("de", "de")):
            answer = await highlight(emu, world, world.moderator, chatter, locale)
            assert answer.content == tr(lang, "highlight.not_reply")
            answer = await highlight(emu, world, world.moderator, post, locale)
            assert answer.content == tr(lang, "highlight.bot_message")
            answer = await highlight(emu, world, world.moderator, foreign, locale)
            assert answer.content == tr(lang, "highlight.not_reply")

        with pytest.raises(EmulatorError, match="would not show"):
            await emu.invoke_message_command(world.guild, world.channel, world.member, MENU_NAME, reply)
        refused = await highlight(emu, world, world.member, reply, bypass=True)
        assert refused.content == tr("en", "error.not_moderator")

        assert await running.storage.read("SELECT * FROM reply_highlights") == []
        assert not emu.reaction_users(reply, STAR) and not emu.reaction_users(chatter, STAR)
        assert not emu.reaction_users(post, STAR) and not emu.reaction_users(foreign, STAR)


async def test_the_backfill_reads_reactions_made_while_the_bot_was_down(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    third = emu.add_member(world.guild, "ryan")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        kept = await emu.send_user_message(thread, world.member, "counted live, then cleared while away")
        await logged(running, world.guild.id, has(kept))
        await emu.add_user_reaction(thread, kept, world.moderator, "👏")
        await highlight(emu, world, world.moderator, kept)
        await wait_count(running, world.guild.id, kept.id, 1)
    # While the bot is down: a new reply with reactions, and the live reaction taken back.
    late = await emu.send_user_message(thread, third, "written while the bot was away")
    await emu.add_user_reaction(thread, late, world.member, "🥁")
    await emu.add_user_reaction(thread, late, world.moderator, "🥁")
    await emu.add_user_reaction(thread, late, world.member, "🎺")
    await emu.remove_user_reaction(thread, kept, world.moderator, "👏")
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await eventually(lambda: "Backfill updated the reaction counts of 2 replies" in caplog.text)
        assert await counts(running, world.guild.id) == {kept.id: (True, 0), late.id: (False, 3)}
        caplog.clear()
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:  # a second backfill
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        assert await counts(running, world.guild.id) == {kept.id: (True, 0), late.id: (False, 3)}
        assert "Backfill updated the reaction counts" not in caplog.text  # nothing to ask Discord again


async def test_forget_removes_the_members_highlights_and_reactions(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    third = emu.add_member(world.guild, "ryan")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        mine = await emu.send_user_message(thread, world.member, "mine, highlighted")
        theirs = await emu.send_user_message(thread, third, "theirs")
        await logged(running, world.guild.id, has(theirs))
        await highlight(emu, world, world.moderator, mine)
        await emu.add_user_reaction(thread, mine, third, "👏")  # a reaction on the member's reply
        await emu.add_user_reaction(thread, theirs, world.member, "👏")  # the member's own reaction
        await emu.add_user_reaction(thread, theirs, world.moderator, "👏")
        await wait_count(running, world.guild.id, theirs.id, 2)
        await wait_count(running, world.guild.id, mine.id, 1)
        assert await running.storage.highlights.count_highlights(world.guild.id, world.member.id) == 1
        status = (await ask(emu, world, world.member, "status")).content
        assert tr("en", "privacy.status.highlights", count=1) in status
        assert tr("en", "privacy.status.reactions", count=1) in status
        status = (await ask(emu, world, world.member, "status", "de")).content
        assert tr("de", "privacy.status.highlights", count=1) in status

        await ask(emu, world, world.member, "forget")
        status = (await ask(emu, world, world.member, "status")).content
        assert tr("en", "privacy.status.highlights", count=0) in status
        assert tr("en", "privacy.status.reactions", count=0) in status
        assert await running.storage.highlights.count_highlights(world.guild.id, world.member.id) == 0
        assert await counts(running, world.guild.id) == {theirs.id: (False, 1)}
        assert await running.storage.read("SELECT * FROM reply_highlights") == []
        gone = await running.storage.read(
            "SELECT * FROM reply_reactions WHERE user_id = ? OR author_id = ?", (world.member.id, world.member.id)
        )
        assert gone == []

        # Reacting again to an older reply after forget is not stored: forget is for good.
        await emu.remove_user_reaction(thread, theirs, world.member, "👏")
        await emu.add_user_reaction(thread, theirs, world.member, "🔥")
        await settled(emu, running, thread, world)
        assert await running.storage.highlights.reaction_count(world.guild.id, theirs.id) == 1


async def test_jsonl_export_has_the_new_keys_last(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Double time swing")
        await logged(running, world.guild.id, has(reply))
        await emu.add_user_reaction(thread, reply, world.moderator, "👏")
        await wait_count(running, world.guild.id, reply.id, 1)
        await highlight(emu, world, world.moderator, reply)
        handle = await emu.invoke(world.guild, world.channel, world.moderator, "replies export", {"format": "jsonl"})
        exported = await handle.message()
        line = json.loads(exported["_files"][0].data.decode("utf-8").splitlines()[0])
        assert list(line)[-2:] == ["highlighted", "reaction_count"]
        assert line["highlighted"] is True and line["reaction_count"] == 1


async def test_a_reply_in_an_archived_thread_is_highlighted_and_the_missing_star_explained(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "Rushing or dragging?")
        await logged(running, world.guild.id, has(reply))
        emu.archive_thread(thread)
        answer = await highlight(emu, world, world.moderator, reply, "de")
        assert answer.content == tr("de", "highlight.done_archived")
        assert await counts(running, world.guild.id) == {reply.id: (True, 0)}
        assert emu.reaction_users(reply, STAR) == []
        with pytest.raises(EmulatorError, match="archived"):
            await emu.add_user_reaction(thread, reply, world.moderator, "👏")
