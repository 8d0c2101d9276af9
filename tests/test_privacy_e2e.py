"""/privacy end to end, the daily purge, and encryption at rest (SPEC §5, §8).

The real bot on a real SQLite file against the emulator; the clock is injected and the purge loop is
woken by the test instead of waiting a day.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

from bot.config import decode_data_key
from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from bot.services import Services
from tests.conftest import World
from tests.discussion_helpers import QUIET, has, logged, posted, schedule, services
from tests.harness import FakeClock, Running, eventually, run_bot

DATA_KEY = "q5b7lK8gq8bXq9qvYH2HnM3r0c5nUeP0Zb1kYw0l7nA="


async def ask(emu: DiscordEmulator, world: World, user: Any, command: str, locale: str = "en-US") -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, user, f"privacy {command}", locale=locale)
    message = await handle.message()
    assert message.ephemeral, f"/privacy {command} answered in public"
    return message


def privacy_services(running: Running) -> Services:
    return running.bot.services


async def test_status_optout_optin_and_forget(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        for text in ("one", "two"):
            await emu.send_user_message(thread, world.member, text)
        other = await emu.send_user_message(thread, world.moderator, "the moderator's answer")
        await logged(running, world.guild.id, has(other))

        status = await ask(emu, world, world.member, "status")
        assert "Your logged replies to the daily discussion: 2." in status.content
        assert "Logging: on" in status.content and "kept for 365 days, then deleted" in status.content
        assert "moderators" in status.content and "stored unencrypted" in status.content
        assert "DATA_KEY" not in status.content and "operator" not in status.content

        optout = await ask(emu, world, world.member, "optout")
        assert "no longer stored" in optout.content and "(2 entries)" in optout.content
        ignored = await emu.send_user_message(thread, world.member, "not to be logged")
        marker = await emu.send_user_message(thread, world.moderator, "marker")
        rows = await logged(running, world.guild.id, has(marker))
        assert [r.content for r in rows] == ["the moderator's answer", "marker"]
        assert all(r.message_id != ignored.id for r in rows)
        status = await ask(emu, world, world.member, "status")
        assert ": 0." in status.content and "you opted out" in status.content
        again = await ask(emu, world, world.member, "optout")
        assert "already opted out" in again.content

        optin = await ask(emu, world, world.member, "optin")
        assert "stored again" in optin.content
        back = await emu.send_user_message(thread, world.member, "logged again")
        await logged(running, world.guild.id, has(back))
        assert "Logging: on" in (await ask(emu, world, world.member, "status")).content

        forget = await ask(emu, world, world.member, "forget")
        assert "(1 entry)" in forget.content and "stored again" in forget.content
        assert await running.storage.privacy.member_summary(world.guild.id, world.member.id) == (0, False)
        assert [r.author_id for r in await logged(running, world.guild.id)] == [world.moderator.id] * 2
    assert not [m for m in emu.messages_in(world.channel) if m.author_id == emu.bot.id and "privacy" in m.content]


async def test_forget_leaves_no_row_about_the_member_in_any_table(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        last = None
        for i in range(5):
            last = await emu.send_user_message(thread, world.member, f"answer {i}")
        await emu.edit_user_message(thread, last, "answer 4, edited")  # type: ignore[arg-type]
        await logged(running, world.guild.id, lambda rows: len(rows) == 5 and rows[-1].edited_at)
        await ask(emu, world, world.member, "forget")
    # Only the documented marker that stops the bot from logging their earlier messages again.
    assert naming(db, world.member.id) == {"forgotten_members.user_id": 1}


def naming(db: Path, user_id: int) -> dict[str, int]:
    """Every column that can name a member, in every table: how many rows point at them."""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        leftovers = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]  # names from the schema itself
            for column in columns:
                if column in {"author_id", "user_id", "created_by", "moderator_id"}:
                    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = ?"
                    count = conn.execute(sql, (user_id,)).fetchone()[0]
                    if count:
                        leftovers[f"{table}.{column}"] = count
    finally:
        conn.close()
    return leftovers


async def test_optout_drops_replies_still_queued_in_memory(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        _, logger = services(running)
        logger.flush_seconds = 60.0  # the reply waits in memory
        await emu.send_user_message(thread, world.member, "queued, never written")
        await eventually(lambda: logger.pending == 1)
        await ask(emu, world, world.member, "optout")
        assert logger.pending == 0
        await logger.flush()
        assert await running.storage.replies.count_replies(world.guild.id) == 0  # an anonymous tombstone at most
        assert b"queued, never written" not in b"".join(
            p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db")
        )


async def test_privacy_replies_in_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        status = await ask(emu, world, world.member, "status", locale="de")
        assert "Deine gespeicherten Antworten" in status.content and "365 Tage lang aufbewahrt" in status.content
        optout = await ask(emu, world, world.member, "optout", locale="de")
        assert "nicht mehr gespeichert" in optout.content
        optin = await ask(emu, world, world.member, "optin", locale="de")
        assert "wieder gespeichert" in optin.content
        forget = await ask(emu, world, world.member, "forget", locale="de")
        assert "gelöscht" in forget.content


async def test_daily_purge_applies_retention_and_removes_departed_servers(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    leaving = emu.add_guild("Nassau Band")
    leaving_channel = emu.add_text_channel(leaving, "practice")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        purger = privacy_services(running).purger
        assert purger.running and purger.runs >= 1  # started in cog_load, ran once at start
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, "kept for a year")
        await logged(running, world.guild.id, has(reply))
        await emu.invoke(leaving, leaving_channel, emu.add_member(leaving, "m"), "film fact")
        await eventually(lambda: running.storage.guilds.get_guild(leaving.id))

        purger.interval = 0.05  # from now on the loop runs every 50 ms
        purger.wake()
        runs = purger.runs
        await eventually(lambda: purger.runs > runs + 2)
        assert await running.storage.replies.count_replies(world.guild.id) == 1  # not expired yet

        emu.remove_guild(leaving)
        await eventually(lambda: _removed(running, leaving.id))
        clock.advance(days=29)
        runs = purger.runs
        await eventually(lambda: purger.runs > runs + 1)
        assert await running.storage.guilds.get_guild(leaving.id) is not None  # still inside the grace period
        clock.advance(days=2)
        await eventually(lambda: _gone(running, leaving.id))

        clock.set(datetime(2027, 11, 22, 7, 0, tzinfo=UTC))  # a year and a day later
        await eventually(lambda: _count_is(running, world.guild.id, 0))
    assert not purger.running  # cancelled in cog_unload


async def _removed(running: Running, guild_id: int) -> bool:
    record = await running.storage.guilds.get_guild(guild_id)
    return record is not None and record.removed_at is not None


async def _gone(running: Running, guild_id: int) -> bool:
    return await running.storage.guilds.get_guild(guild_id) is None


async def _count_is(running: Running, guild_id: int, expected: int) -> bool:
    return await running.storage.replies.count_replies(guild_id, include_deleted=True) == expected


async def test_no_reply_text_in_the_database_files_with_a_data_key(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    secret = "Were you rushing or were you dragging? zq-canary-7731"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET, data_key=DATA_KEY) as running:
        thread = await posted(emu, world, running, clock)
        first = await emu.send_user_message(thread, world.member, secret)
        await emu.edit_user_message(thread, first, secret + " (edited)")
        last = await emu.send_user_message(thread, world.moderator, "second canary zq-canary-9902")
        await logged(running, world.guild.id, lambda rows: has(last)(rows) and rows[0].edited_at)
        assert await running.storage.replies.get_reply_content(world.guild.id, first.id) == secret + " (edited)"
        status = await ask(emu, world, world.member, "status")
        assert "stored encrypted" in status.content
        # While the bot runs, the newest pages live in the -wal file: read both, raw.
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db"))
        assert len(raw) > 0 and Path(f"{db}-wal").exists()
        for canary in (b"zq-canary-7731", b"zq-canary-9902", "zq-canary".encode("utf-16-le")):
            assert canary not in raw
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("bot.db"))
    assert b"zq-canary" not in raw
    key = decode_data_key(DATA_KEY)
    assert key not in raw  # the key itself is never stored


async def test_forgotten_replies_are_not_fetched_again_by_the_backfill_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    """The member's messages are still in Discord's thread history; a restart must not log them again."""
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        await emu.send_user_message(thread, world.moderator, "the moderator, first")
        for text in ("mine, to forget", "mine too"):
            last = await emu.send_user_message(thread, world.member, text)
        await logged(running, world.guild.id, has(last))
        assert "(2 entries)" in (await ask(emu, world, world.member, "forget")).content
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        _, logger = services(running)
        marker = await emu.send_user_message(thread, world.moderator, "after the restart")
        await logged(running, world.guild.id, has(marker))
        await eventually(lambda: "Backfill read 1 posts' threads" in caplog.text)
        await eventually(lambda: logger.pending == 0)
        rows = await logged(running, world.guild.id)
        assert [r.content for r in rows] == ["the moderator, first", "after the restart"]
        assert await running.storage.privacy.member_summary(world.guild.id, world.member.id) == (0, False)


async def test_forgotten_replies_stay_forgotten_when_retention_is_shorter_than_the_backfill_window(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    """Retention purges everything (the forget included), then a restart reads the thread again."""
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        await emu.send_user_message(thread, world.moderator, "the moderator's, past retention")
        mine = [await emu.send_user_message(thread, world.member, text) for text in ("to forget", "me too")]
        await logged(running, world.guild.id, has(mine[-1]))
        assert "(2 entries)" in (await ask(emu, world, world.member, "forget")).content
        await running.storage.privacy.set_retention(world.guild.id, 1, clock())
        # Two days after the replies were written: past the 1-day retention, well inside the backfill window.
        clock.set(discord.utils.snowflake_time(mine[-1].id) + timedelta(days=2))
        privacy_services(running).purger.wake()
        await eventually(lambda: _count_is(running, world.guild.id, 0))
    caplog.clear()
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        _, logger = services(running)
        await eventually(lambda: "Backfill read" in caplog.text)
        await eventually(lambda: logger.pending == 0)
        rows = await running.storage.read("SELECT author_id FROM replies WHERE guild_id = ?", (world.guild.id,))
        # Neither the forgotten replies nor the moderator's, which the purge deleted, were stored again.
        assert rows == []
        assert await running.storage.privacy.member_summary(world.guild.id, world.member.id) == (0, False)


async def test_a_moderators_forget_leaves_their_changes_to_a_former_moderator(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await schedule(emu, world)
        for command, options in (
            ("prompts add", {"text": "Is our own prompt good?"}),
            ("replies retention", {"days": 30}),
        ):
            await (await emu.invoke(world.guild, world.channel, world.moderator, command, options)).message()
        await ask(emu, world, world.moderator, "forget")
        colleague = emu.add_member(world.guild, "another conductor", roles=[world.mod_role])
        shown = await (await emu.invoke(world.guild, world.channel, colleague, "schedule show")).message()
    assert naming(db, world.moderator.id) == {"forgotten_members.user_id": 1}
    fields = {f["name"]: f["value"] for f in shown.embeds[0]["fields"]}
    lines = fields["Latest changes"].splitlines()
    assert len(lines) == 3 and all("A former moderator " in line for line in lines)
    assert str(world.moderator.id) not in fields["Latest changes"]


async def test_a_server_that_removed_the_bot_while_it_was_offline_is_marked_removed_at_ready(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    leaving, outage = emu.add_guild("Nassau Band"), emu.add_guild("Studio Band")
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        for guild in (world.guild, leaving, outage):
            await eventually(lambda guild=guild: running.storage.guilds.get_guild(guild.id))
    emu.remove_guild(leaving)  # while the bot is offline: it never sees a GUILD_DELETE
    emu.set_guild_unavailable(outage)  # and a Discord outage hides another server during the restart
    clock.advance(hours=1)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        unavailable = running.bot.get_guild(outage.id)
        assert unavailable is not None and unavailable.unavailable
        await eventually(lambda: _removed(running, leaving.id))
        assert not await _removed(running, outage.id) and not await _removed(running, world.guild.id)
        purger = privacy_services(running).purger
        clock.advance(days=31)
        purger.wake()
        await eventually(lambda: _gone(running, leaving.id))
        assert await running.storage.guilds.get_guild(outage.id) is not None
        assert await running.storage.guilds.get_guild(world.guild.id) is not None


async def test_a_data_key_set_later_encrypts_what_was_stored_and_a_damaged_reply_is_named_in_the_export(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:  # no DATA_KEY yet
        thread = await posted(emu, world, running, clock)
        replies = [await emu.send_user_message(thread, world.member, f"zq-canary-{n}") for n in range(3)]
        await logged(running, world.guild.id, has(replies[-1]))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET, data_key=DATA_KEY) as running:
        assert "stored encrypted" in (await ask(emu, world, world.member, "status")).content
        stored = await running.storage.read("SELECT content, content_enc FROM replies WHERE content IS NOT NULL")
        assert len(stored) == 3 and all(
            row["content_enc"] == 1 and b"zq-canary" not in row["content"] for row in stored
        )
        async with running.storage.transaction() as conn:  # one reply damaged on disk
            await conn.execute(
                "UPDATE replies SET content = substr(content, 1, length(content) - 1) WHERE message_id = ?",
                (replies[1].id,),
            )
        handle = await emu.invoke(world.guild, world.channel, world.moderator, "replies export", {"format": "jsonl"})
        answer = await handle.message()
    assert "2 replies as JSONL" in answer.content
    assert "1 reply could not be decrypted" in answer.content and str(replies[1].id) in answer.content
    exported = [json.loads(line) for line in answer["_files"][0].data.decode("utf-8").splitlines()]
    assert [row["content"] for row in exported] == ["zq-canary-0", "zq-canary-2"]
