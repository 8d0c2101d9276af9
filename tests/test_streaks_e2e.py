"""Streaks, /discussion me and the leaderboard end to end: the real bot on a real SQLite file, the emulator.

One server posts at 09:00 Europe/Berlin, Monday to Saturday. Across the week of the 2026 autumn clock change
it sees a post, a failed post, a late post, a skipped Sunday (and the clock change), a post, a paused day
and a post: four posts went out, and a member who answered each of them has a streak of four.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage, permissions
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, logged, schedule, services, tick
from tests.harness import FakeClock, Running, run_bot

JOIN, LEAVE = "streaks:board:join", "streaks:board:leave"


async def ask(emu: DiscordEmulator, world: World, user: Any, command: str, locale: str = "en-US") -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, user, command, locale=locale)
    return await handle.message()


def fields(message: StoredMessage) -> dict[str, str]:
    return {field["name"]: field["value"] for field in message.embeds[0]["fields"]}


async def post_at(emu: DiscordEmulator, world: World, running: Running, clock: FakeClock, moment: datetime) -> Any:
    """Tick the poster at `moment`; the thread of the post that went out (None if none did)."""
    before = len(bot_posts(emu, world.channel))
    clock.set(moment)
    await tick(running)
    posts = bot_posts(emu, world.channel)
    return emu.get_channel(posts[-1].id) if len(posts) > before else None


async def reply(emu: DiscordEmulator, running: Running, world: World, thread: Any, user: Any, text: str) -> None:
    message = await emu.send_user_message(thread, user, text)
    await logged(running, world.guild.id, lambda rows: any(r.message_id == message.id for r in rows))


async def the_week(emu: DiscordEmulator, world: World, running: Running, clock: FakeClock) -> Any:
    """Thursday to Wednesday around the clock change; `world.member` answers every post, `ellis` some."""
    ellis = emu.add_member(world.guild, "ellis")
    clock.set(datetime(2026, 10, 21, 12, 0, tzinfo=UTC))
    await schedule(emu, world, days="mon-sat")
    # Thursday 22nd, 09:00 CEST: the first post; both answer.
    thursday = await post_at(emu, world, running, clock, datetime(2026, 10, 22, 7, 0, 5, tzinfo=UTC))
    clock.advance(minutes=30)
    await reply(emu, running, world, thursday, world.member, "Fletcher pushes because he fears mediocrity.")
    # Friday 23rd: the bot may not send in the channel, so the post fails: the day is not in the sequence.
    emu.set_overwrite(world.channel, emu.bot_member(world.guild), deny=permissions.SEND_MESSAGES)
    assert await post_at(emu, world, running, clock, datetime(2026, 10, 23, 7, 0, 5, tzinfo=UTC)) is None
    assert (await running.storage.discussion.get_post(world.guild.id, datetime(2026, 10, 23).date())).status == "failed"  # type: ignore[union-attr]
    emu.clear_overwrite(world.channel, emu.bot_member(world.guild))
    # Saturday 24th: the poster does not run at 09:00 (as when the bot is down) and posts late, at 15:00 CEST,
    # when it next runs; both answer.
    saturday = await post_at(emu, world, running, clock, datetime(2026, 10, 24, 13, 0, tzinfo=UTC))
    assert saturday is not None
    clock.advance(minutes=10)
    await reply(emu, running, world, saturday, world.member, "The ending is a triumph and a trap.")
    await reply(emu, running, world, saturday, ellis, "Nobody should be treated like that.")
    # Sunday 25th: clocks go back an hour, and Sunday is not a posting day. Ellis answers Thursday's post only
    # now, after Saturday's went out: too late to count for Thursday.
    assert await post_at(emu, world, running, clock, datetime(2026, 10, 25, 8, 0, 5, tzinfo=UTC)) is None
    await reply(emu, running, world, thursday, ellis, "Still thinking about Thursday's question.")
    # Monday 26th, 09:00 CET (08:00 UTC now): both answer.
    monday = await post_at(emu, world, running, clock, datetime(2026, 10, 26, 8, 0, 5, tzinfo=UTC))
    clock.advance(hours=2)
    await reply(emu, running, world, monday, world.member, "Practice is not talent.")
    await reply(emu, running, world, monday, ellis, "Talent needs practice though.")
    # Tuesday 27th: paused all day.
    clock.set(datetime(2026, 10, 27, 6, 0, tzinfo=UTC))
    await ask(emu, world, world.moderator, "schedule pause")
    assert await post_at(emu, world, running, clock, datetime(2026, 10, 27, 8, 0, 5, tzinfo=UTC)) is None
    clock.set(datetime(2026, 10, 27, 20, 0, tzinfo=UTC))
    await ask(emu, world, world.moderator, "schedule resume")
    # Wednesday 28th: the member answers a day later, on Thursday, before Thursday's post: it still counts.
    wednesday = await post_at(emu, world, running, clock, datetime(2026, 10, 28, 8, 0, 5, tzinfo=UTC))
    clock.set(datetime(2026, 10, 29, 7, 30, tzinfo=UTC))
    await reply(emu, running, world, wednesday, world.member, "Answered a day late, before the next question.")
    return ellis


async def test_streaks_across_a_failed_post_a_late_post_a_skipped_sunday_the_clock_change_and_a_pause(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        ellis = await the_week(emu, world, running, clock)
        assert len(bot_posts(emu, world.channel)) == 4  # Thu, Sat, Mon, Wed
        mine = await ask(emu, world, world.member, "discussion me")
        assert mine.ephemeral
        assert fields(mine) == {
            "Replies": "4 replies",
            "Current streak": "4 days in a row",
            "Best streak": "4 days in a row",
            "Highlights": "none yet",
        }
        theirs = await ask(emu, world, ellis, "discussion me")
        # Saturday and Monday; the late reply to Thursday counts as a reply, not as an answer. Wednesday's post
        # is still open, so Saturday and Monday make a current streak of two.
        assert fields(theirs)["Replies"] == "3 replies"
        assert fields(theirs)["Current streak"] == "2 days in a row"
        assert fields(theirs)["Best streak"] == "2 days in a row"


async def test_me_in_english_and_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
        await schedule(emu, world)
        thread = await post_at(emu, world, running, clock, datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC))
        await reply(emu, running, world, thread, world.member, "One answer.")
        english = await ask(emu, world, world.member, "discussion me")
        embed = english.embeds[0]
        assert embed["title"] == "Your daily discussion in Shaffer Conservatory"
        assert fields(english)["Replies"] == "1 reply"
        assert fields(english)["Current streak"] == "1 day in a row"
        assert "You do not appear on the leaderboard" in embed["description"]
        german = await ask(emu, world, world.member, "discussion me", locale="de")
        embed = german.embeds[0]
        assert german.ephemeral
        assert embed["title"] == "Deine Tagesdiskussion auf Shaffer Conservatory"
        assert fields(german) == {
            "Antworten": "1 Antwort",
            "Aktuelle Serie": "1 Tag in Folge",
            "Beste Serie": "1 Tag in Folge",
            "Hervorgehoben": "noch keine",
        }
        assert "Du stehst nicht in der Bestenliste" in embed["description"]
        button = german["components"][0]["components"][0]
        assert button["label"] == "In der Bestenliste zeigen" and button["custom_id"] == JOIN


async def test_highlights_come_from_the_counter_the_cog_is_given(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
        await schedule(emu, world)

        async def three(guild_id: int, user_id: int) -> int:
            return 3 if (guild_id, user_id) == (world.guild.id, world.member.id) else 0

        running.bot.get_cog("DiscussionCommands").highlight_count = three  # type: ignore[union-attr]
        assert fields(await ask(emu, world, world.member, "discussion me"))["Highlights"] == (
            "3 of your replies were highlighted"
        )


async def leaderboard(emu: DiscordEmulator, world: World, user: Any, locale: str = "en-US") -> StoredMessage:
    message = await ask(emu, world, user, "discussion leaderboard", locale=locale)
    assert message["_pings"] == {"everyone": False, "roles": [], "users": []}
    return message


async def test_the_leaderboard_lists_only_members_who_opted_in_with_the_button_also_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        ellis = await the_week(emu, world, running, clock)
        board = await leaderboard(emu, world, world.member)
        assert board.embeds[0]["description"].startswith(
            "Nobody has chosen to appear on the leaderboard yet. </discussion me:"
        )
        mine = await ask(emu, world, world.member, "discussion me")
        joined = await (await emu.click(mine, JOIN, world.member)).message()
        assert "You appear on the leaderboard (</discussion leaderboard:" in joined.embeds[0]["description"]
        assert joined["components"][0]["components"][0]["custom_id"] == LEAVE
        theirs = await ask(emu, world, ellis, "discussion me")
        await (await emu.click(theirs, JOIN, ellis)).message()
        board = await leaderboard(emu, world, world.member)
        assert board.embeds[0]["description"] == (
            "1. **andrew**: 4 days in a row · 4 replies · best: 4 days\n"
            "2. **ellis**: 2 days in a row · 3 replies · best: 2 days"
        )
        german = await leaderboard(emu, world, world.member, locale="de")
        assert german.embeds[0]["description"].startswith(
            "1. **andrew**: 4 Tage in Folge · 4 Antworten · Bestwert: 4 Tage"
        )
        assert not german.ephemeral  # the leaderboard is for the channel
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        # The button under the answer from before the restart still works.
        left = await (await emu.click(joined, LEAVE, world.member)).message()
        assert "You do not appear on the leaderboard" in left.embeds[0]["description"]
        board = await leaderboard(emu, world, world.member)
        assert board.embeds[0]["description"] == "1. **ellis**: 2 days in a row · 3 replies · best: 2 days"
        assert not await running.storage.streaks.on_leaderboard(world.guild.id, world.member.id)


async def test_forget_and_optout_take_a_member_off_the_leaderboard_and_optout_keeps_them_off(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        ellis = await the_week(emu, world, running, clock)
        for user in (world.member, ellis):
            await (await emu.click(await ask(emu, world, user, "discussion me"), JOIN, user)).message()
        status = await ask(emu, world, world.member, "privacy status")
        assert "You chose to appear on the leaderboard" in status.content
        german = await ask(emu, world, world.member, "privacy status", locale="de")
        assert "Du hast gewählt, in der Bestenliste zu stehen" in german.content
        await ask(emu, world, world.member, "privacy forget")
        assert not await running.storage.streaks.on_leaderboard(world.guild.id, world.member.id)
        board = await leaderboard(emu, world, world.moderator)
        assert "andrew" not in board.embeds[0]["description"] and "ellis" in board.embeds[0]["description"]
        status = await ask(emu, world, world.member, "privacy status")
        assert "You do not appear on the leaderboard" in status.content

        old = await ask(emu, world, ellis, "discussion me")  # its button says "leave"; ellis opts out first
        await ask(emu, world, ellis, "privacy optout")
        board = await leaderboard(emu, world, world.moderator)
        assert "Nobody has chosen to appear" in board.embeds[0]["description"]
        refused = await ask(emu, world, ellis, "discussion me")
        assert refused.ephemeral and "You opted out of logging" in refused.content
        clicked = await (await emu.click(old, LEAVE, ellis)).message()
        assert "You opted out of logging" in clicked.content
        assert not await running.storage.streaks.on_leaderboard(world.guild.id, ellis.id)
        _, logger = services(running)
        await logger.flush()
        assert await running.storage.streaks.leaderboard(world.guild.id) == []


async def test_a_server_without_a_schedule_gets_one_sentence_and_nothing_is_stored(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        for command in ("discussion leaderboard", "discussion me"):
            english = await ask(emu, world, world.member, command)
            assert english.ephemeral and english.content == (
                "This server has no daily discussion yet: a moderator can start one with /schedule set."
            )
            german = await ask(emu, world, world.member, command, locale="de")
            assert german.ephemeral and "/schedule set" in german.content and "server has" not in german.content
        rows = await running.storage.read("SELECT COUNT(*) AS n FROM leaderboard_optins")
        assert rows[0]["n"] == 0
