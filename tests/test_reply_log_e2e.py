"""The reply log end to end under faults (issue 10 §2, §4, §6): forget with replies still queued, no text
left in the database files after forget, and a backfill that survives a bad message and catches up with
edits and deletes made while the bot was down."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, permissions
from tests.conftest import World
from tests.discussion_helpers import QUIET, has, logged, posted, services
from tests.harness import FakeClock, eventually, run_bot
from tests.test_privacy_e2e import ask


def raw_files(db: Path) -> bytes:
    """The database file, its -wal and -shm, byte for byte."""
    return b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))


async def test_a_reply_still_queued_when_its_author_runs_forget_is_not_logged_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        _, logger = services(running)
        logger.flush_seconds = 60.0  # the reply waits in memory
        await emu.send_user_message(thread, world.member, "queued, then forgotten")
        await eventually(lambda: logger.pending == 1)
        await ask(emu, world, world.member, "forget")
        assert logger.pending == 0
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        _, logger = services(running)
        marker = await emu.send_user_message(thread, world.moderator, "after the restart")
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id, has(marker))
        assert [r.content for r in rows] == ["after the restart"]
        assert await running.storage.privacy.member_summary(world.guild.id, world.member.id) == (0, False)
    assert b"queued, then forgotten" not in raw_files(db)


async def test_after_forget_the_text_is_in_neither_the_database_file_nor_its_wal(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """No DATA_KEY: replies are stored as plain text, so the raw bytes would show any copy left behind."""
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        kept = await emu.send_user_message(thread, world.moderator, "zq-kept-4410")
        mine = await emu.send_user_message(thread, world.member, "zq-forget-me-8812")
        await logged(running, world.guild.id, lambda rows: {r.message_id for r in rows} >= {kept.id, mine.id})
        assert b"zq-forget-me-8812" in raw_files(db)  # the check below can see plain text
        await ask(emu, world, world.member, "forget")
        raw = raw_files(db)  # while the bot runs
        assert b"zq-forget-me-8812" not in raw
        assert b"zq-kept-4410" in raw
    assert b"zq-forget-me-8812" not in raw_files(db)


async def test_backfill_catches_up_with_edits_and_deletes_made_while_the_bot_was_down(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        edited = await emu.send_user_message(thread, world.member, "first words")
        deleted = await emu.send_user_message(thread, world.member, "regretted")
        kept = await emu.send_user_message(thread, world.moderator, "unchanged")
        newest = await emu.send_user_message(thread, world.member, "deleted too, the newest")
        await logged(running, world.guild.id, has(newest))
    # While the bot is down:
    await emu.edit_user_message(thread, edited, "second thoughts")
    await emu.delete_message(thread, deleted)
    await emu.delete_message(thread, newest)
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id, lambda rows: len(rows) == 2)
        assert {r.message_id: r.content for r in rows} == {edited.id: "second thoughts", kept.id: "unchanged"}
        assert next(r for r in rows if r.message_id == edited.id).edited_at != ""
        assert await running.storage.replies.count_replies(world.guild.id, include_deleted=True) == 4  # two tombstones


async def test_backfill_skips_a_message_discord_py_cannot_read_and_reads_the_rest(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        first = await emu.send_user_message(thread, world.member, "before the outage")
        await logged(running, world.guild.id, has(first))
    before_bad = await emu.send_user_message(thread, world.member, "before the bad one")
    bad = await emu.send_user_message(thread, world.member, "unreadable")
    bad["thread"] = None  # as another Discord-compatible server sent it; discord.py's Message() raises on it
    after_bad = await emu.send_user_message(thread, world.moderator, "after the bad one")
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id, has(after_bad))
        assert [r.message_id for r in rows] == [first.id, before_bad.id, after_bad.id]
    skipped = [r for r in caplog.records if str(bad.id) in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].levelno == logging.WARNING


async def test_a_second_backfill_changes_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    """Catching up is idempotent: a restart with nothing new queues no change at all."""
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "said once")
        await logged(running, world.guild.id, has(reply))
        await emu.edit_user_message(thread, reply, "said once, edited")
        await logged(running, world.guild.id, lambda rows: rows[0].content == "said once, edited")
    caplog.clear()
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        _, logger = services(running)
        await eventually(lambda: "Backfill read 1 posts' threads and queued 0 replies" in caplog.text)
        assert logger.written == 0 and logger.pending == 0
        rows = await logged(running, world.guild.id)
        assert [r.content for r in rows] == ["said once, edited"]


async def test_a_reply_queued_at_optout_is_not_logged_after_optin_and_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        _, logger = services(running)
        logger.flush_seconds = 60.0  # the reply waits in memory
        await emu.send_user_message(thread, world.member, "queued at the opt-out")
        await eventually(lambda: logger.pending == 1)
        await ask(emu, world, world.member, "optout")
        await ask(emu, world, world.member, "optin")
        assert logger.pending == 0
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        marker = await emu.send_user_message(thread, world.member, "after the opt-in")
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id, has(marker))
        assert [r.content for r in rows] == ["after the opt-in"]


async def test_backfill_without_read_message_history_marks_nothing_deleted(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    """Discord answers an empty history, not an error, when the bot lacks Read Message History."""
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "still there")
        await logged(running, world.guild.id, has(reply))
    emu.set_overwrite(world.channel, emu.bot_member(world.guild), deny=permissions.READ_MESSAGE_HISTORY)
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id)
        assert [r.content for r in rows] == ["still there"]
