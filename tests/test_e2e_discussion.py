"""The daily discussion end to end: exactly one post per server and local day, and every reply logged.

The clock is injected (FakeClock) and the scheduler is ticked by the test, so no test sleeps through
real minutes. Each bot is the real bot on a real SQLite file, talking to the loopback emulator.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.discussion.poster import failure_text
from bot.emulator import DiscordEmulator, permissions
from cogs.discussion._events import BACKFILL_DAYS
from tests.backends import open_db
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, days_of, has, logged, posted, schedule, services, tick
from tests.harness import FakeClock, eventually, run_bot

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): run_bot follows the backend.
pytestmark = pytest.mark.usefixtures("backend")

# ---- posting ------------------------------------------------------------------------------------


async def test_posts_at_local_time_in_two_zones(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    other = emu.add_guild("Studio Band NYC")
    other_channel = emu.add_text_channel(other, "practice")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))  # 08:00 in Berlin, 02:00 in New York
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        reply = await schedule(emu, world)
        assert "09:00" in reply and "Europe/Berlin" in reply
        await schedule(emu, world, guild=other, channel=other_channel, timezone="America/New_York")
        await tick(running)
        assert bot_posts(emu, world.channel) == [] and bot_posts(emu, other_channel) == []

        clock.set(datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC))  # 09:00:30 in Berlin
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1 and bot_posts(emu, other_channel) == []

        clock.set(datetime(2026, 11, 21, 14, 0, 5, tzinfo=UTC))  # 09:00:05 in New York
        await tick(running)
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1 and len(bot_posts(emu, other_channel)) == 1

        post = bot_posts(emu, world.channel)[0]
        embed = post.embeds[0]
        prompt_id = (await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))).prompt_id  # type: ignore[union-attr]
        prompt = content.prompt(prompt_id)
        assert embed["title"] == prompt.text  # the question first
        assert embed["footer"]["text"] == "Question of the day no. 1"
        review = content.review(prompt.review)
        assert any(review.title in field["value"] for field in embed["fields"])
        if prompt.spoiler:
            assert "||" in embed["description"]
        thread = emu.get_channel(post.id)  # the thread id equals the post's id
        assert thread.is_thread and thread.name == prompt.text and len(thread.name) <= 100
        assert post["_pings"] == {"everyone": False, "roles": [], "users": []}


async def test_dst_gap_posts_at_the_first_valid_minute(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    # 2027-03-28: Berlin skips from 02:00 to 03:00, so 02:30 does not exist; it posts at 03:00 CEST (01:00 UTC).
    clock.set(datetime(2027, 3, 27, 12, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="02:30")
        clock.set(datetime(2027, 3, 28, 0, 59, tzinfo=UTC))
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        clock.set(datetime(2027, 3, 28, 1, 0, tzinfo=UTC))
        await tick(running)
        posts = bot_posts(emu, world.channel)
        assert await days_of(running, world.guild.id, posts) == ["2027-03-28"]


async def test_ambiguous_time_posts_once_at_the_first_occurrence(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    # 2026-10-25: Berlin's 02:30 happens twice; the first is 00:30 UTC, the second 01:30 UTC.
    clock.set(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, time="02:30")
        clock.set(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        await tick(running)
        clock.set(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1


async def test_days_filter_skips_unscheduled_days(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # a Friday
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, days="mon-fri")
        clock.set(datetime(2026, 11, 21, 8, 30, tzinfo=UTC))  # Saturday 09:30 in Berlin
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        clock.set(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))  # Monday
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1


async def test_rotation_does_not_repeat_and_numbers_run_on(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 1, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        for day in range(1, 9):
            clock.set(datetime(2026, 11, day, 8, 15, tzinfo=UTC))
            await tick(running)
        posts = [await running.storage.discussion.get_post(world.guild.id, date(2026, 11, day)) for day in range(1, 9)]
    assert [p.number for p in posts if p] == list(range(1, 9))
    prompt_ids = [p.prompt_id for p in posts if p]
    assert len(set(prompt_ids)) == 8
    assert len(bot_posts(emu, world.channel)) == 8


# ---- exactly once ---------------------------------------------------------------------------------


async def test_down_at_the_scheduled_time_posts_late_once_the_same_day(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await schedule(emu, world)
    clock.set(datetime(2026, 11, 21, 15, 0, tzinfo=UTC))  # back at 16:00 Berlin, same day
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await tick(running)
        await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1
    clock.set(datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # missed all of the 22nd; now the 23rd, 00:30
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await tick(running)
        assert len(bot_posts(emu, world.channel)) == 1  # never yesterday's prompt today
        assert await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 22)) is None


async def test_restart_after_the_post_does_not_post_again(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        clock.set(datetime(2026, 11, 21, 8, 1, tzinfo=UTC))
        await tick(running)
    for minute in (2, 30):
        clock.set(datetime(2026, 11, 21, 8, minute, tzinfo=UTC))
        async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
            await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1
    assert len(emu.threads) == 1


async def test_crash_after_discord_accepted_the_post_adopts_it(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Claim made, message sent, confirmation never stored: the restart finds the post instead of resending."""
    from bot.storage import DiscussionStore

    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)

        async def crash(*args: object, **kwargs: object) -> None:
            raise RuntimeError("power cut between send and confirmation")

        monkeypatch.setattr(DiscussionStore, "mark_sent", crash)
        clock.set(datetime(2026, 11, 21, 8, 5, tzinfo=UTC))
        await tick(running)
        monkeypatch.undo()
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
        assert post is not None and post.status == "claimed"
    assert len(bot_posts(emu, world.channel)) == 1
    clock.set(datetime(2026, 11, 21, 8, 20, tzinfo=UTC))  # well after the crash
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await tick(running)
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    posts = bot_posts(emu, world.channel)
    assert len(posts) == 1
    assert post is not None and post.status == "sent" and post.message_id == posts[0].id
    assert post.thread_id == posts[0].id


async def test_crash_after_the_claim_before_the_send_posts_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        # What a crash right after the claim leaves behind: a claimed row, nothing on Discord.
        claimed_at = datetime(2026, 11, 21, 8, 0, 1, tzinfo=UTC)
        await running.storage.discussion.claim_post(
            world.guild.id, date(2026, 11, 21), content.prompts[0].id, world.channel.id, "dabc", claimed_at
        )
    clock.set(datetime(2026, 11, 21, 8, 3, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await tick(running)
        await tick(running)
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    assert len(bot_posts(emu, world.channel)) == 1
    assert post is not None and post.status == "sent" and post.prompt_id == content.prompts[0].id


async def test_double_tick_posts_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        poster, _ = services(running)
        await asyncio.gather(poster.tick(), poster.tick(), poster.tick(), poster.post_now(world.guild.id))
        await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1


async def test_429_and_5xx_on_the_send_still_post_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        emu.fail("POST", rf"/channels/{world.channel.id}/messages$", 429, times=2, retry_after=0.05)
        emu.fail("POST", rf"/channels/{world.channel.id}/messages$", 502, times=1)
        emu.fail("POST", r"/channels/\d+/messages/\d+/threads$", 429, times=1, retry_after=0.05)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        outcomes = await tick(running)
        assert [o.status for o in outcomes] == ["posted"]
        await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1
    assert len(emu.threads) == 1


async def test_5xx_beyond_retries_is_tried_again_later_and_posts_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        # discord.py does not retry a 503: the post fails now and the poster tries again later today.
        emu.fail("POST", rf"/channels/{world.channel.id}/messages$", 503, times=1)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        outcomes = await tick(running)
        assert [o.status for o in outcomes] == ["retrying"]
        clock.set(datetime(2026, 11, 21, 8, 6, tzinfo=UTC))
        outcomes = await tick(running)
        assert [o.status for o in outcomes] == ["posted"]
    assert len(bot_posts(emu, world.channel)) == 1


async def test_403_is_recorded_reported_and_other_servers_still_post(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    other = emu.add_guild("Studio Band NYC")
    other_channel = emu.add_text_channel(other, "practice")
    log_channel = emu.add_text_channel(world.guild, "mod-log")
    emu.set_overwrite(world.channel, emu.bot_member(world.guild), deny=permissions.SEND_MESSAGES)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        reply = await schedule(emu, world, log_channel=log_channel)
        assert "Send Messages" in reply  # /schedule set already warns
        await schedule(emu, world, guild=other, channel=other_channel, timezone="Europe/Berlin")
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        outcomes = {o.guild_id: o for o in await tick(running)}
        assert outcomes[world.guild.id].status == "failed"
        assert outcomes[other.id].status == "posted"
        await tick(running)  # no retry storm: the failed day is not sent again
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
        assert post is not None and post.status == "failed"
        assert "missing permission" in failure_text("en", post.error)
        reports = emu.messages_in(log_channel)
        assert len(reports) == 1 and "missing permission" in reports[0].content
        handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule show")
        shown = await handle.message()
        shown_text = json.dumps(shown.embeds, ensure_ascii=False)
        assert "was not posted: the bot is missing permission to post in <#" in shown_text
        assert "View Channel, Send Messages and Embed Links" in shown_text
        assert "⚠️" not in shown.content  # already reported in the log channel, not again
    sends = emu.requests_matching("POST", rf"/channels/{world.channel.id}/messages$")
    assert len(sends) == 1
    assert len(bot_posts(emu, other_channel)) == 1


async def test_failure_without_log_channel_is_shown_once_on_the_next_moderator_command(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    lounge = emu.add_text_channel(world.guild, "lounge")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        emu.delete_channel(world.channel)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        outcomes = await tick(running)
        assert outcomes[0].status == "failed"
        first = await (await emu.invoke(world.guild, lounge, world.moderator, "schedule show")).message()
        second = await (await emu.invoke(world.guild, lounge, world.moderator, "schedule show")).message()
    assert "⚠️" in first.content and "no longer exists" in first.content
    assert "⚠️" not in second.content


async def test_a_refused_thread_names_the_missing_permission_in_the_moderators_language(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Issue 10 §6: a 403 (code 50013) on the thread says which permission is missing, not "HTTP 403"."""
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        emu.fail("POST", r"/channels/\d+/messages/\d+/threads$", 403, times=1)  # code 50013, Missing Permissions
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        await tick(running)
        german = await (
            await emu.invoke(world.guild, world.channel, world.moderator, "schedule show", locale="de")
        ).message()
        english = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule show")).message()
    assert len(bot_posts(emu, world.channel)) == 1 and not emu.threads
    assert "⚠️" in german.content and "Öffentliche Threads erstellen" in german.content
    assert "50013" not in german.content
    recent = json.dumps(english.embeds, ensure_ascii=False)
    assert "lacks the permission Create Public Threads" in recent and "50013" not in recent


async def test_post_now_counts_as_today_and_says_so_when_already_posted(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, ping_role=world.mod_role)
        first = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")).message()
        assert "Posted today's prompt" in first.content
        second = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")).message()
        assert "already posted" in second.content
        post = bot_posts(emu, world.channel)[0]
        assert str(post.id) in second.content
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        await tick(running)
    posts = bot_posts(emu, world.channel)
    assert len(posts) == 1
    assert posts[0]["_pings"]["roles"] in ([], [world.mod_role.id])  # only ever the configured role
    assert posts[0]["_pings"]["everyone"] is False and posts[0]["_pings"]["users"] == []
    assert [str(r) for r in posts[0]["_allowed_mentions"]["roles"]] == [str(world.mod_role.id)]


async def test_member_is_refused_moderator_commands(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        handle = await emu.invoke(
            world.guild, world.channel, world.member, "schedule post-now", bypass_default_permissions=True
        )
        message = await handle.message()
    assert message.ephemeral and "Only moderators" in message.content


# ---- reply logging --------------------------------------------------------------------------------


async def test_replies_edits_and_deletes_are_logged(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        first = await emu.send_user_message(thread, world.member, "Fletcher is a monster.")
        second = await emu.send_user_message(thread, world.moderator, "Is he, though?")
        post_id = bot_posts(emu, world.channel)[0].id
        direct = await emu.send_user_message(
            world.channel, world.member, "A direct reply", reference_message_id=post_id
        )
        await emu.send_user_message(world.channel, world.member, "Unrelated chatter")
        last = await emu.send_user_message(thread, world.member, "last")
        rows = await logged(running, world.guild.id, has(last))
        await emu.delete_message(thread, last)
        assert [r.content for r in rows] == ["Fletcher is a monster.", "Is he, though?", "A direct reply", "last"]
        assert {r.thread_id for r in rows} == {post_id}
        await emu.edit_user_message(thread, first, "Fletcher is a monster, and a teacher.")
        await emu.delete_message(thread, second)
        await emu.bulk_delete(world.channel, [direct.id])
        rows = await logged(running, world.guild.id, lambda rows: len(rows) == 1 and rows[0].edited_at)
    assert [r.content for r in rows] == ["Fletcher is a monster, and a teacher."]
    assert rows[0].edited_at != ""


async def test_duplicate_message_create_is_stored_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        message = await emu.send_user_message(thread, world.member, "Not quite my tempo.")
        payload = {k: v for k, v in message.items() if not k.startswith("_")}
        await emu.dispatch("MESSAGE_CREATE", payload)
        await emu.dispatch("MESSAGE_CREATE", payload)
        last = await emu.send_user_message(thread, world.member, "last")
        rows = await logged(running, world.guild.id, has(last))
        assert await running.storage.replies.count_replies(world.guild.id, include_deleted=True) == 2
    assert [r.message_id for r in rows] == [message.id, last.id]


async def test_bots_and_system_messages_are_not_logged(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    other_bot = emu.add_user("metronome", bot=True)
    emu.add_member(world.guild, other_bot)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        await emu.send_user_message(thread, other_bot, "beep")
        await emu.send_user_message(thread, world.member, "", type=7)  # a member-join system message
        answer = await emu.send_user_message(thread, world.member, "a real answer")
        rows = await logged(running, world.guild.id, has(answer))
    assert [r.content for r in rows] == ["a real answer"]


async def test_replies_sent_while_the_bot_was_down_are_backfilled(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        before = await emu.send_user_message(thread, world.member, "before the outage")
        await logged(running, world.guild.id, has(before))
    offline = [await emu.send_user_message(thread, world.member, f"while away {i}") for i in range(150)]
    post_id = bot_posts(emu, world.channel)[0].id
    await emu.send_user_message(world.channel, world.moderator, "reply to the post", reference_message_id=post_id)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        _, logger = services(running)

        async def all_there() -> bool:
            await logger.flush()
            return await running.storage.replies.count_replies(world.guild.id) == 152

        await eventually(all_there)
        rows = await logged(running, world.guild.id)
    contents = [r.content for r in rows]
    assert contents.count("before the outage") == 1
    assert all(contents.count(m.content) == 1 for m in offline)
    assert "reply to the post" in contents


async def test_the_backfill_window_is_measured_on_the_clock_the_bot_shares_with_discord(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    """A post's thread is read again for BACKFILL_DAYS after the post, by the one clock of bot and Discord.

    With the emulator on the real clock and the bot on a fake one, which threads counted as recent depended on
    the real date: the backfill tests passed only while the real clock ran ahead of the fake one.
    """
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
    clock.advance(days=BACKFILL_DAYS, minutes=-1)  # down for almost a week
    inside = await emu.send_user_message(thread, world.member, "inside the window")
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await logged(running, world.guild.id, has(inside))
    clock.advance(minutes=2)  # the post is now older than the window
    await emu.send_user_message(thread, world.member, "outside the window")
    caplog.clear()
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await eventually(lambda: "Backfill read 0 posts' threads" in caplog.text)
        rows = await logged(running, world.guild.id)
    assert [r.content for r in rows] == ["inside the window"]


async def test_export_columns_are_exact(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        reply = await emu.send_user_message(thread, world.member, '=cmd|" /C calc"!A0, with "quotes"\nand a newline')
        await logged(running, world.guild.id, has(reply))
        csv_handle = await emu.invoke(world.guild, world.channel, world.moderator, "replies export")
        csv_message = await csv_handle.message()
        jsonl_handle = await emu.invoke(
            world.guild, world.channel, world.moderator, "replies export", {"format": "jsonl"}
        )
        jsonl_message = await jsonl_handle.message()
    columns = [
        "post_date",
        "prompt_id",
        "message_id",
        "thread_id",
        "author_id",
        "author_name",
        "created_at",
        "edited_at",
        "content",
        "highlighted",
        "reaction_count",
    ]
    assert csv_message.ephemeral and jsonl_message.ephemeral
    csv_file = csv_message["_files"][0]
    rows = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8"))))
    assert rows[0] == columns
    assert rows[1][0] == "2026-11-21" and rows[1][5] == "andrew"
    assert rows[1][8].startswith("'=cmd")  # a spreadsheet formula is defused
    assert rows[1][7] == ""  # never edited: an empty cell
    assert rows[1][9:] == ["false", "0"]  # not highlighted, no reactions (SPEC §7, §11)
    record = json.loads(jsonl_message["_files"][0].data.decode("utf-8").splitlines()[0])
    assert list(record) == columns
    assert record["edited_at"] is None  # never edited: null, what JSON readers expect
    assert record["highlighted"] is False and record["reaction_count"] == 0
    assert record["content"].startswith("=cmd") and record["created_at"].endswith("Z")


async def test_today_and_stats(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        nothing = await (await emu.invoke(world.guild, world.channel, world.member, "discussion today")).message()
        assert "no daily discussion" in nothing.content
        thread = await posted(emu, world, running, clock)
        for text in ("one", "two"):
            await emu.send_user_message(thread, world.member, text)
        three = await emu.send_user_message(thread, world.moderator, "three")
        await logged(running, world.guild.id, has(three))
        today = await (await emu.invoke(world.guild, world.channel, world.member, "discussion today")).message()
        assert str(thread.id) in json.dumps(today.embeds)
        stats = await (
            await emu.invoke(world.guild, world.channel, world.member, "discussion stats", {"days": 7})
        ).message()
        german = await (
            await emu.invoke(world.guild, world.channel, world.member, "discussion stats", {"days": 7}, locale="de")
        ).message()
        one_day = await (
            await emu.invoke(world.guild, world.channel, world.member, "discussion stats", {"days": 1}, locale="de")
        ).message()
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    assert post is not None
    prompt = content.prompt(post.prompt_id)
    embed = stats.embeds[0]
    assert embed["title"] == "The discussion over the last 7 days"
    assert embed["description"] == "1 daily question, 3 replies from 2 members."
    assert embed["fields"][0] == {
        "name": f"November 21 · {prompt.text}",
        "value": "3 replies · 2 members",
        "inline": False,
    }
    assert embed["fields"][1]["value"] == "1. andrew: 2 replies\n2. fletcher: 1 reply"
    assert stats["_files"][0].data.startswith(b"\x89PNG") and embed["image"]["url"] == "attachment://replies.png"
    assert prompt.id not in json.dumps(embed), "the question by its text, never its id"
    de = german.embeds[0]
    assert (de["title"], de["description"]) == (
        "Die Diskussion der letzten 7 Tage",
        "1 Tagesfrage, 3 Antworten von 2 Mitgliedern.",
    )
    assert de["fields"][0]["name"] == f"21. November · {prompt.text_for('de')}"
    assert de["fields"][1]["name"] == "Am aktivsten" and "1. andrew: 2 Antworten" in de["fields"][1]["value"]
    assert one_day.embeds[0]["title"] == "Die Diskussion heute"
    assert not one_day["_files"] and "image" not in one_day.embeds[0], "one day: the text says it all, no chart"


# ---- the /schedule commands -----------------------------------------------------------------------


async def test_schedule_input_is_validated_and_nothing_is_stored(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content) as running:
        for options, expected in [
            ({"time": "25:00"}, "is not a time"),
            ({"time": "9pm"}, "12-hour"),
            ({"timezone": "Mars/Olympus_Mons"}, "is not an IANA time zone"),
            ({"days": "someday"}, "daily"),
        ]:
            values = {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", **options}
            handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule set", values)
            message = await handle.message()
            assert message.ephemeral and expected in message.content, message.content
            assert len(message.content.splitlines()) == 1
        assert await running.storage.discussion.get_schedule(world.guild.id) is None


async def test_timezone_autocomplete(emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        choices = await emu.autocomplete(
            world.guild,
            world.channel,
            world.moderator,
            "schedule set",
            focused="timezone",
            value="berl",
            options={"channel": world.channel, "time": "09:00"},
        )
    assert choices and choices[0]["value"] == "Europe/Berlin" and len(choices) <= 25


async def test_pause_and_resume(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        paused = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule pause")).message()
        assert "paused" in paused.content
        clock.set(datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
        await tick(running)
        assert bot_posts(emu, world.channel) == []
        resumed = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule resume")).message()
        assert "back on" in resumed.content
        await tick(running)  # today's time has passed: the next post is tomorrow
        assert bot_posts(emu, world.channel) == []
        clock.set(datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
        await tick(running)
    assert len(bot_posts(emu, world.channel)) == 1


async def test_schedule_check_names_missing_permissions(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        await schedule(emu, world)
        ok = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule check")).message()
        assert "every permission" in ok.content
        emu.set_overwrite(
            world.channel,
            emu.bot_member(world.guild),
            deny=permissions.EMBED_LINKS | permissions.CREATE_PUBLIC_THREADS,
        )
        await emu.flush()
        bad = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule check")).message()
    assert "Embed Links" in bad.content and "Create Public Threads" in bad.content
    assert "Send Messages," in bad.content or "Send Messages." not in bad.content


async def test_the_send_carries_a_day_nonce_with_enforce_nonce(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    from bot.scheduling import daily_nonce

    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        await tick(running)
    send = emu.requests_matching("POST", rf"/channels/{world.channel.id}/messages$")[0]
    assert send.json["nonce"] == daily_nonce(world.guild.id, date(2026, 11, 21))
    assert send.json["enforce_nonce"] is True


async def test_replies_queued_at_shutdown_are_written(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        _, logger = services(running)
        logger.flush_seconds = 60.0  # nothing is flushed by time: only the shutdown can write it
        message = await emu.send_user_message(thread, world.member, "said just before the restart")
        await eventually(lambda: logger.pending == 1)
    async with await open_db(db) as storage:
        assert await storage.replies.get_reply_content(world.guild.id, message.id) == "said just before the restart"


async def test_a_lost_response_is_not_a_second_post(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Discord created the post but the answer got lost (a 502 from a proxy): discord.py sends again with the
    same nonce, and enforce_nonce makes Discord return the first message instead of creating a second."""
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        rule = emu.fail("POST", rf"/channels/{world.channel.id}/messages$", 502, times=1, lose_response=True)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        outcomes = await tick(running)
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    sends = emu.requests_matching("POST", rf"/channels/{world.channel.id}/messages$")
    assert rule.hits == 1 and len(sends) == 2  # the retry really happened
    assert sends[0].json["nonce"] == sends[1].json["nonce"]
    posts = bot_posts(emu, world.channel)
    assert [o.status for o in outcomes] == ["posted"]
    assert len(posts) == 1 and post is not None and post.message_id == posts[0].id


async def test_a_429_that_outlasts_discord_py_retries_is_tried_again_later(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        emu.fail("POST", rf"/channels/{world.channel.id}/messages$", 429, times=5, retry_after=0.01)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        assert [o.status for o in await tick(running)] == ["retrying"]
        clock.set(datetime(2026, 11, 21, 8, 6, tzinfo=UTC))
        assert [o.status for o in await tick(running)] == ["posted"]
    assert len(bot_posts(emu, world.channel)) == 1
