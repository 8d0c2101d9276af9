"""Watch parties end to end: the real bot, the emulator, the test's clock, a real database (both backends).

The daily discussion runs at 09:00 Europe/Berlin; the party is on Saturday 28 November at 20:00 in Berlin
(19:00 UTC). Whiplash runs 106 minutes, and the pack has 7 prompts: one every 106/7 ≈ 15.1 minutes of film.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, EmulatorError, StoredMessage
from bot.emulator import permissions as P
from bot.i18n import tr
from bot.storage.watchparty import WatchPartyStore
from tests.backends import Backend, open_db
from tests.conftest import World
from tests.discussion_helpers import QUIET, schedule
from tests.harness import FakeClock, eventually, run_bot

STARTS = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)  # 20:00 in Berlin
WHEN = "2026-11-28 20:00"
FILM = timedelta(minutes=106)
PROMPTS = 7
STEP = FILM / PROMPTS


async def command(
    emu: DiscordEmulator, world: World, name: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> str:
    """Run a /watchparty subcommand as the moderator (or `user`); the ephemeral answer's text."""
    user = kwargs.pop("user", world.moderator)
    handle = await emu.invoke(world.guild, world.channel, user, f"watchparty {name}", options or {}, **kwargs)
    answer = await handle.message()
    assert answer.ephemeral
    return answer.content


def mine(emu: DiscordEmulator, channel: Any) -> list[StoredMessage]:
    return [m for m in emu.messages_in(channel) if m.author_id == emu.bot.id]


def announcements(emu: DiscordEmulator, world: World) -> list[StoredMessage]:
    return [m for m in mine(emu, world.channel) if m.embeds and m.embeds[0].get("title", "").startswith("🍿")]


def interested_field(message: StoredMessage) -> str:
    fields = {field["name"]: field["value"] for field in message.embeds[0]["fields"]}
    return str(fields["Interested"])


def prompts_in(emu: DiscordEmulator, thread: Any) -> list[StoredMessage]:
    return [m for m in mine(emu, thread) if m.content.startswith("🎬 **Part")]


def labels(messages: list[StoredMessage]) -> list[str]:
    return [m.content.split("\n", 1)[0] for m in messages]


def part(n: int) -> str:
    return f"🎬 **Part {n} of {PROMPTS}**"


async def pause_and_resume(
    emu: DiscordEmulator, world: World, clock: FakeClock, thread: Any, *, then: timedelta
) -> None:
    """Pause the party at its third prompt for two hours, resume it, and let `then` of film time pass: the fourth
    prompt comes, and the third one's button goes."""
    assert await command(emu, world, "pause") == "The watch party is paused. Use /watchparty resume to go on."
    clock.advance(hours=2)
    await eventually(lambda: any("paused" in m.content for m in mine(emu, thread)))
    assert len(prompts_in(emu, thread)) == 3
    assert await command(emu, world, "resume") == "The watch party goes on where it stopped."
    clock.advance(seconds=then.total_seconds())
    await eventually(lambda: len(prompts_in(emu, thread)) == 4)
    await eventually(lambda: not prompts_in(emu, thread)[2].components)


async def party_world(emu: DiscordEmulator, world: World) -> Any:
    """The bot may create events; a voice channel to watch in; the daily discussion set up (and paused, so
    the week's daily posts stay out of the way)."""
    emu.give_bot_role(world.guild, "Events", P.CREATE_EVENTS)
    voice = emu.add_voice_channel(world.guild, "Cinema")
    await schedule(emu, world)
    handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule pause", {})
    await handle.message()
    return voice


async def test_a_watch_party_from_scheduling_to_the_after_film_thread_across_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path, backend: Backend
) -> None:
    assert len(content.watchparty) == PROMPTS
    ellis = emu.add_member(world.guild, "ellis")
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        voice = await party_world(emu, world)

        # Scheduling: a voice event for the film, its end set by the runtime, and the announcement.
        answer = await command(emu, world, "schedule", {"when": WHEN, "channel": voice})
        assert answer.startswith("The watch party is scheduled for <t:") and world.channel.mention in answer
        (event,) = emu.events_in(world.guild)
        assert event.name == "Watch party: Whiplash" and event.entity_type == 2 and event.channel_id == voice.id
        assert event.scheduled_start_time == STARTS and event.scheduled_end_time == STARTS + FILM
        assert event.description == content.film.synopsis.text("en")
        (announced,) = announcements(emu, world)
        assert interested_field(announced) == "0 members" and announced.pings["users"] == []

        # RSVPs: the count on the announcement follows members marking and taking back their interest.
        emu.mark_interested(event, world.member)
        emu.mark_interested(event, ellis)
        await eventually(lambda: interested_field(announcements(emu, world)[0]) == "2 members")
        emu.remove_interest(event, ellis)
        await eventually(lambda: interested_field(announcements(emu, world)[0]) == "1 member")

        # The reminder, 15 minutes before: it notifies exactly the interested member, once.
        clock.set(STARTS - timedelta(minutes=15))
        reminder = await eventually(lambda: [m for m in mine(emu, world.channel) if m.content.startswith("⏰")])
        assert reminder[0].pings == {"everyone": False, "roles": [], "users": [world.member.id]}
        assert f"<#{voice.id}>" in reminder[0].content

        # Showtime: the thread opens on the announcement, the first prompt comes at once.
        clock.set(STARTS)
        started = await command(emu, world, "start")
        thread = emu.get_channel(announced.id)
        assert thread.mention in started and thread.name == "Watch party: Whiplash"
        await eventually(lambda: labels(prompts_in(emu, thread)) == [part(1)])
        first = prompts_in(emu, thread)[0]
        assert first.content.count("||") == 4, "the sequence and the question are behind spoiler bars"
        assert emu.get_event(event).status == 2, "the event is active"

        # Paced: the second prompt when a seventh of the film has run. Its answer is lost on the way back
        # (Discord made the message, the bot hears 403): the claim stays open, and the bot's next look finds
        # the message in the thread instead of sending it again, even after the nonce's few minutes.
        lost = emu.fail("POST", rf"/channels/{thread.id}/messages$", 403, lose_response=True)
        clock.advance(seconds=STEP.total_seconds() + 1)
        await eventually(lambda: lost.hits == 1 and len(prompts_in(emu, thread)) == 2)
        clock.advance(minutes=3)

        async def confirmed() -> bool:
            posts = await running.storage.watchparty.posts(world.guild.id, event.id, "prompt")
            return [p.status for p in posts] == ["sent", "sent"]

        await eventually(confirmed)
        assert labels(prompts_in(emu, thread)) == [part(1), part(2)]

        # A member cannot move the party on; a moderator can, early.
        second = prompts_in(emu, thread)[1]
        button = f"watchparty:next:{event.id}:1"
        refused = await (await emu.click(second, button, world.member)).message()
        assert refused.ephemeral and refused.content == "Only moderators can move the watch party on."
        advanced = await (await emu.click(second, button, world.moderator)).message()
        assert advanced.content == "The next question is posted."
        assert labels(prompts_in(emu, thread)) == [part(1), part(2), part(3)]
        # Only the latest prompt keeps the button: the one under the second is gone once the third is up.
        await eventually(lambda: not emu.get_message(second.id).components)
        with pytest.raises(EmulatorError, match="no component"):
            await emu.click(second, button, world.moderator)

        # Pause freezes the film: hours pass and nothing comes; resume goes on with the time that was left.
        # Film time was one step, three minutes and a second at the pause; the fourth prompt is due at three steps.
        await pause_and_resume(emu, world, clock, thread, then=2 * STEP - timedelta(minutes=3))

    # The bot is down for a step of the film, and a crash had claimed the fifth prompt without sending it.
    clock.advance(seconds=STEP.total_seconds())
    async with await open_db(db) as storage:
        await storage.watchparty.claim(world.guild.id, event.id, "prompt", 4, clock())

    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await eventually(lambda: len(prompts_in(emu, thread)) == 5)
        assert labels(prompts_in(emu, thread)) == [part(n) for n in range(1, 6)], "none repeated, none lost"

        # To the end: the last prompts, then the after-film thread.
        clock.advance(minutes=60)
        closing = await eventually(lambda: [m for m in mine(emu, world.channel) if m.content.startswith("🎞️")])
        after = await eventually(lambda: next((t for t in emu.threads if t.id == closing[0].id), None))
        assert after.name == "After the film: Whiplash"
        assert "**Whiplash** is over" in closing[0].content and not closing[0].pinged_anyone
        await eventually(lambda: any(after.mention in m.content for m in mine(emu, thread)))
        assert labels(prompts_in(emu, thread)) == [part(n) for n in range(1, PROMPTS + 1)]
        await eventually(lambda: not any(m.components for m in prompts_in(emu, thread)))
        # The announcement no longer invites anyone: it points to the after-film discussion instead.
        await eventually(lambda: after.mention in (announcements(emu, world)[0].embeds[0].get("description") or ""))
        assert not announcements(emu, world)[0].components
        party = await running_party(storage_path=db, guild_id=world.guild.id, event_id=event.id)
        assert party.status == "ended"
        await eventually(lambda: emu.get_event(event).status == 3)

    assert len([m for m in mine(emu, world.channel) if m.content.startswith("⏰")]) == 1, "reminded once"
    assert len([m for m in mine(emu, world.channel) if m.content.startswith("🎞️")]) == 1


async def test_a_next_question_button_left_behind_goes_after_a_restart_and_the_latest_one_at_a_stop(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        voice = await party_world(emu, world)
        await command(emu, world, "schedule", {"when": WHEN, "channel": voice})
        (announced,) = announcements(emu, world)
        clock.set(STARTS)
        await command(emu, world, "start")
        thread = emu.get_channel(announced.id)
        (first,) = await eventually(lambda: prompts_in(emu, thread))
        # The second prompt comes, but taking the button off the first is refused (as if the bot had died then).
        refused = emu.fail("PATCH", rf"/channels/{thread.id}/messages/{first.id}$", 403)
        clock.advance(seconds=STEP.total_seconds() + 1)
        await eventually(lambda: len(prompts_in(emu, thread)) == 2 and refused.hits == 1)
        assert emu.get_message(first.id).components, "left behind"

    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await eventually(lambda: not emu.get_message(first.id).components)
        second = prompts_in(emu, thread)[1]
        assert emu.get_message(second.id).components, "the latest prompt keeps its button while the party runs"
        await command(emu, world, "stop")
        await eventually(lambda: not emu.get_message(second.id).components)
    assert labels(prompts_in(emu, thread)) == [part(1), part(2)]


async def running_party(*, storage_path: Path, guild_id: int, event_id: int) -> Any:
    async with await open_db(storage_path) as storage:
        return await storage.watchparty.get(guild_id, event_id)


@pytest.mark.sqlite_only
async def test_bad_input_gets_one_sentence_and_stores_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path
) -> None:
    text = world.channel
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        store = running.storage.watchparty
        first = await command(emu, world, "schedule", {"when": WHEN, "location": "Studio B"})
        assert first == tr("en", "watchparty.no_schedule")
        voice = await party_world(emu, world)

        refusals = {
            "tomorrow at eight": tr("en", "watchparty.bad_when"),
            "2026-11-31 20:00": tr("en", "watchparty.bad_when"),
            "2026-11-20 20:00": "That time has already passed in Europe/Berlin; choose a time in the future.",
            "2027-12-01 20:00": tr("en", "watchparty.too_far"),
        }
        for when, sentence in refusals.items():
            assert await command(emu, world, "schedule", {"when": when, "location": "Studio B"}) == sentence
        both = {"when": WHEN, "channel": voice, "location": "Studio B"}
        assert await command(emu, world, "schedule", both) == tr("en", "watchparty.both_places")
        assert await command(emu, world, "schedule", {"when": WHEN}) == tr("en", "watchparty.no_place")
        german = await command(emu, world, "schedule", {"when": "2026-11-20 20:00", "channel": voice}, locale="de")
        assert german == "Diese Zeit ist in Europe/Berlin schon vorbei; wähle eine Zeit in der Zukunft."
        with pytest.raises(EmulatorError, match="channel_types"):  # the picker offers voice and stage channels only
            await emu.invoke(world.guild, text, world.moderator, "watchparty schedule", {"when": WHEN, "channel": text})
        stage = emu.add_voice_channel(world.guild, "Stage", stage=True)
        on_stage = await command(emu, world, "schedule", {"when": WHEN, "channel": stage})
        assert on_stage == tr("en", "watchparty.missing_stage_permission")
        assert await command(emu, world, "start") == tr("en", "watchparty.none")
        assert emu.events_in(world.guild) == [] and await store.latest(world.guild.id) is None

        # A member is refused before anything happens (default permissions aside, the bot checks itself).
        handle = await emu.invoke(
            world.guild, text, world.member, "watchparty schedule", {"when": WHEN}, bypass_default_permissions=True
        )
        assert (await handle.message()).content == tr("en", "error.not_moderator")

        # One party at a time: a second while one is scheduled, and while one runs.
        assert (await command(emu, world, "schedule", {"when": WHEN, "location": "Studio B"})).startswith(
            "The watch party is scheduled"
        )
        second = await command(emu, world, "schedule", {"when": "2026-11-29 20:00", "channel": voice})
        assert second.startswith("A watch party is already scheduled for <t:")
        early = await command(emu, world, "start")
        assert early.startswith("The watch party starts <t:") and early.endswith("at most half an hour before.")
        clock.set(STARTS)
        await command(emu, world, "start")
        again = await command(emu, world, "schedule", {"when": "2026-11-29 20:00", "channel": voice})
        assert again == tr("en", "watchparty.already_running")
        assert len(emu.events_in(world.guild)) == 1
        assert await command(emu, world, "stop") == tr("en", "watchparty.stopped")
        stopped = [m for m in emu.messages_in(world.channel) if m.author_id == emu.bot.id and m.embeds]
        assert stopped[-1].embeds[0]["description"] == tr("en", "watchparty.stopped_note")
        assert await command(emu, world, "pause") == tr("en", "watchparty.none")

        # A scheduled party called off: its event is cancelled, its announcement says so.
        await command(emu, world, "schedule", {"when": "2026-11-29 20:00", "location": "Studio B"})
        assert await command(emu, world, "stop") == tr("en", "watchparty.cancelled")
        called_off = [m for m in emu.messages_in(world.channel) if m.author_id == emu.bot.id and m.embeds][-1]
        await eventually(
            lambda: emu.get_message(called_off.id).embeds[0]["description"] == "⏹️ This watch party has been called off."
        )
        assert emu.events_in(world.guild)[-1].status == 4


@pytest.mark.sqlite_only
async def test_without_create_events_the_moderator_is_told_in_one_sentence(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        answer = await command(emu, world, "schedule", {"when": WHEN, "location": "Studio B"}, locale="de")
        assert answer == tr("de", "watchparty.missing_permission")
        assert emu.events_in(world.guild) == [] and await running.storage.watchparty.latest(world.guild.id) is None


def bot_posts(emu: DiscordEmulator, forum: Any) -> list[Any]:
    """The bot's posts in a forum (threads), oldest first."""
    return sorted((t for t in emu.threads if t.parent_id == forum.id and t.owner_id == emu.bot.id), key=lambda t: t.id)


def tag_names(forum: Any, thread: Any) -> list[str]:
    names = {int(tag["id"]): tag["name"] for tag in forum.available_tags}
    return [names[tag] for tag in thread.applied_tags]


async def test_a_watch_party_in_a_forum_from_scheduling_to_the_after_film_post_across_a_restart(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    clock: FakeClock,
    tmp_path: Path,
    backend: Backend,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Forum mode: the announcement is a forum post tagged with the film; the reminder and the prompts go into
    it; the after-film discussion is a post of its own. A post takes no nonce: a lost answer that makes
    discord.py repeat the request leaves one post, not two, and so does a restart between making a post and
    recording it."""
    forum = emu.add_forum_channel(world.guild, "daily-questions", tags=("Off-topic",))
    # Manage Threads: a second copy of a post (see below) is deleted.
    emu.give_bot_role(world.guild, "Forum keeper and host", P.MANAGE_CHANNELS | P.MANAGE_THREADS | P.CREATE_EVENTS)
    voice = emu.add_voice_channel(world.guild, "Cinema")
    db = tmp_path / "bot.db"
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule pause", {})).message()

        # Scheduling: the event, and the announcement as a forum post titled with the party and its time in
        # the server's zone. Discord's answer to the post is lost and discord.py asks again: the copy goes.
        lost = emu.fail("POST", rf"/channels/{forum.id}/threads$", 500, lose_response=True)
        answer = await command(emu, world, "schedule", {"when": WHEN, "channel": voice})
        (event,) = emu.events_in(world.guild)
        assert lost.hits == 1 and len(emu.requests_matching("POST", rf"/channels/{forum.id}/threads$")) == 2
        (post,) = await eventually(lambda: bot_posts(emu, forum) if len(bot_posts(emu, forum)) == 1 else None)
        assert answer.startswith("The watch party is scheduled for <t:") and answer.endswith(f"{post.mention}.")
        assert post.name == "Watch party: Whiplash, Sat, Nov 28 at 8:00\u202fPM"
        assert tag_names(forum, post) == ["Whiplash"], "the film's tag, as forum mode names it"
        assert [tag["name"] for tag in forum.available_tags] == ["Off-topic", "Whiplash"]
        stored = await running.storage.watchparty.get(world.guild.id, event.id)
        assert stored is not None and stored.announcement_id == post.id and stored.channel_id == forum.id
        starter = emu.get_message(post.id)
        assert starter is not None and starter.embeds[0]["title"] == "🍿 Watch party: Whiplash"
        assert interested_field(starter) == "0 members" and starter.components

        # RSVPs: the count on the post's first message follows the event.
        emu.mark_interested(event, world.member)
        await eventually(lambda: interested_field(emu.get_message(post.id)) == "1 member")

        # The reminder goes into the post, once, notifying the interested member.
        clock.set(STARTS - timedelta(minutes=15))
        reminder = await eventually(lambda: [m for m in mine(emu, post) if m.content.startswith("⏰")])
        assert reminder[0].pings == {"everyone": False, "roles": [], "users": [world.member.id]}

        # Showtime: the party is held in the post itself (a post is a thread with its first message's id).
        clock.set(STARTS)
        started = await command(emu, world, "start")
        assert post.mention in started
        await eventually(lambda: labels(prompts_in(emu, post)) == [part(1)])
        clock.advance(seconds=STEP.total_seconds() + 1)
        await eventually(lambda: len(prompts_in(emu, post)) == 2)

        # The moderator's button, pause and resume work as in a text channel.
        second = prompts_in(emu, post)[1]
        advanced = await (await emu.click(second, f"watchparty:next:{event.id}:1", world.moderator)).message()
        assert advanced.content == "The next question is posted."
        await pause_and_resume(emu, world, clock, post, then=2 * STEP)  # film time was a step and a second

    # Down for a step of the film, with the fifth prompt claimed and never sent.
    clock.advance(seconds=STEP.total_seconds())
    async with await open_db(db) as storage:
        await storage.watchparty.claim(world.guild.id, event.id, "prompt", 4, clock())

    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await eventually(lambda: len(prompts_in(emu, post)) == 5)
        assert labels(prompts_in(emu, post)) == [part(n) for n in range(1, 6)], "none repeated, none lost"

        # The end: the after-film discussion is a forum post of its own. The power goes between making it and
        # recording it, and a forum post takes no nonce: the restart must find it, not make a second.
        record = WatchPartyStore.sent

        async def power_cut(store: WatchPartyStore, *args: Any) -> None:
            if args[2] == "closing":
                raise RuntimeError("power cut between the after-film post and its record")
            await record(store, *args)

        monkeypatch.setattr(WatchPartyStore, "sent", power_cut)
        clock.advance(minutes=60)
        after = await eventually(lambda: next((t for t in bot_posts(emu, forum) if t.id != post.id), None))
        await eventually(lambda: len(prompts_in(emu, post)) == PROMPTS)
    monkeypatch.undo()
    async with await open_db(db) as storage:
        (claim,) = await storage.watchparty.posts(world.guild.id, event.id, "closing")
        assert claim.status == "claimed"

    clock.advance(minutes=5)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET):
        await eventually(lambda: any(after.mention in m.content for m in mine(emu, post)))
        made = emu.requests_matching("POST", rf"/channels/{forum.id}/threads$")
        assert len(made) == 3, "the announcement (asked twice) and one after-film post: the restart found it"
        assert after.name == "After the film: Whiplash" and tag_names(forum, after) == ["Whiplash"]
        opening = emu.get_message(after.id)
        assert opening is not None and opening.content.startswith("🎞️ **Whiplash** is over")
        assert not opening.pinged_anyone
        await eventually(lambda: after.mention in (emu.get_message(post.id).embeds[0].get("description") or ""))
        assert not emu.get_message(post.id).components, "the announcement no longer invites anyone"
        party = await running_party(storage_path=db, guild_id=world.guild.id, event_id=event.id)
        assert party.status == "ended"
        await eventually(lambda: emu.get_event(event).status == 3)

    assert [t.id for t in bot_posts(emu, forum)] == [post.id, after.id], "one announcement, one after-film post"
    assert labels(prompts_in(emu, post)) == [part(n) for n in range(1, PROMPTS + 1)], "every prompt exactly once"
    assert not any(m.components for m in prompts_in(emu, post)), "no prompt keeps its button after the film"
    assert len([m for m in mine(emu, post) if m.content.startswith("⏰")]) == 1, "reminded once"
    assert [m for m in mine(emu, forum) if m.content.startswith("⏰")] == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_a_forum_the_bot_cannot_post_in_is_refused_in_one_sentence_and_nothing_is_stored(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path, locale: str
) -> None:
    forum = emu.add_forum_channel(world.guild, "daily-questions")
    emu.give_bot_role(world.guild, "Forum keeper and host", P.MANAGE_CHANNELS | P.CREATE_EVENTS)
    lang = "de" if locale == "de" else "en"
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        emu.set_overwrite(forum, world.guild.everyone, deny=P.SEND_MESSAGES_IN_THREADS)
        bot_forum = running.bot.get_channel(forum.id)
        await eventually(lambda: not bot_forum.permissions_for(bot_forum.guild.me).send_messages_in_threads)
        answer = await command(emu, world, "schedule", {"when": WHEN, "location": "Studio B"}, locale=locale)
        permission = tr(lang, "permission.forum.send_messages_in_threads")
        assert answer == tr(lang, "watchparty.forum_refused", channel=forum.mention, permissions=permission)
        assert "\n" not in answer and answer.count(". ") == 0, "one sentence"
        assert emu.events_in(world.guild) == [] and await running.storage.watchparty.latest(world.guild.id) is None
        assert bot_posts(emu, forum) == []


@pytest.mark.sqlite_only
async def test_a_forum_party_called_off_says_so_in_its_post(
    emu: DiscordEmulator, world: World, content: ContentPack, clock: FakeClock, tmp_path: Path
) -> None:
    forum = emu.add_forum_channel(world.guild, "daily-questions")
    emu.give_bot_role(world.guild, "Forum keeper and host", P.MANAGE_CHANNELS | P.CREATE_EVENTS)
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET):
        await schedule(emu, world, channel=forum, language="de")
        await command(emu, world, "schedule", {"when": WHEN, "location": "Studio B"})
        (post,) = bot_posts(emu, forum)
        assert post.name == "Watchparty: Whiplash, Sa., 28. Nov. um 20:00", "in the server's language (German)"
        assert await command(emu, world, "stop") == tr("en", "watchparty.cancelled")
        await eventually(lambda: emu.get_message(post.id).embeds[0]["description"] == tr("de", "watchparty.called_off"))
        assert not emu.get_message(post.id).components and emu.events_in(world.guild)[-1].status == 4
