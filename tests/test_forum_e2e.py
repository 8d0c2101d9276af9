"""Forum mode end to end (issue 15, SPEC §11): the real bot, the emulator's forum, a week on the test's clock.

Each day's prompt is a forum post titled with the question, its first message the daily post's embed, tagged
with the film, "Spoilers" when the passage is one and up to three theme families; tags are created once (never
beyond Discord's 20 a forum, never touching the server's own) and reused; replies in a post are logged as in a
thread; the weekly digest is a forum post too; a crash between creating a post and recording it never posts
twice; a forum the bot may not post in is refused in one sentence, and nothing is stored.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.lists import format_list

from bot.content import ContentPack, Prompt
from bot.content.forum import families_of
from bot.discussion.digest import footer as digest_footer
from bot.discussion.post import daily_post_number
from bot.emulator import Channel, DiscordEmulator, StoredMessage
from bot.emulator import permissions as P
from bot.i18n import tr
from bot.scheduling import thread_name
from tests.conftest import World
from tests.discussion_helpers import QUIET, has, logged, schedule, tick
from tests.harness import FakeClock, eventually, run_bot
from tests.test_highlights_e2e import highlight

# Every test here runs on SQLite and on PostgreSQL (tests/backends.py): run_bot follows the backend.
pytestmark = pytest.mark.usefixtures("backend")

SATURDAY = date(2026, 11, 21)  # the schedule posts at 09:00 Berlin (08:00 UTC); the digest on Sunday 18:00


def nine_berlin(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 0, 30, tzinfo=UTC)


def add_forum(emu: DiscordEmulator, world: World, *, tags: tuple[str, ...] = (), manage: bool = True) -> Channel:
    forum = emu.add_forum_channel(world.guild, "daily-questions", tags=tags)
    if manage:
        emu.give_bot_role(world.guild, "Forum keeper", P.MANAGE_CHANNELS)
    return forum


def forum_posts(emu: DiscordEmulator, forum: Channel) -> list[tuple[Channel, StoredMessage]]:
    """The bot's daily posts in a forum: each thread with its first message (the thread's id) if numbered."""
    found = []
    for thread in emu.threads:
        if thread.parent_id != forum.id or thread.owner_id != emu.bot.id:
            continue
        first = emu.get_message(thread.id)
        if first is not None and first.embeds and daily_post_number(first.embeds[0].get("footer", {}).get("text")):
            found.append((thread, first))
    return found


def tag_names(forum: Channel, thread: Channel) -> list[str]:
    names = {int(tag["id"]): tag["name"] for tag in forum.available_tags}
    return [names[tag] for tag in thread.applied_tags]


def expected_tags(content: ContentPack, prompt: Any, lang: str = "en") -> list[str]:
    themes = [family.name_for(lang) for family in families_of(prompt.themes, content.theme_families)]
    spoiler = [tr(lang, "forum.tag.spoilers")] if prompt.spoiler and prompt.passage else []
    return [content.film.title.value, *spoiler, *themes]


async def test_a_forum_week_posts_once_a_day_tagged_logs_replies_and_posts_the_digest_in_the_forum(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    forum = add_forum(emu, world)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    replies: list[StoredMessage] = []
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        saved = await schedule(emu, world, channel=forum)
        assert tr("en", "forum.saved") in saved
        handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule digest", {"enabled": True})
        await handle.message()
        for offset in range(7):
            day = SATURDAY + timedelta(days=offset)
            clock.set(nine_berlin(day))
            await tick(running)
            await tick(running)  # a second tick the same day changes nothing
            thread = emu.get_channel(forum_posts(emu, forum)[-1][0].id)
            replies.append(await emu.send_user_message(thread, world.member, f"Day {offset + 1}: not quite my tempo."))
            if offset == 0:  # a moderator highlights the first reply, in the post, with the context menu
                await logged(running, world.guild.id, until=has(replies[0]))
                await highlight(emu, world, world.moderator, replies[0])
            if day.weekday() == 6:  # Sunday: the digest at 18:00 Berlin, after the day's reply is logged
                await logged(running, world.guild.id, until=has(replies[-1]))
                clock.set(datetime(day.year, day.month, day.day, 17, 0, 30, tzinfo=UTC))
                await tick(running)
        rows = await logged(running, world.guild.id, until=has(replies[-1]))
        me = await emu.invoke(world.guild, world.channel, world.member, "discussion me")
        figures = {field["name"]: field["value"] for field in (await me.message()).embeds[0]["fields"]}
        posts = [
            await running.storage.discussion.get_post(world.guild.id, SATURDAY + timedelta(days=i)) for i in range(7)
        ]
    made = forum_posts(emu, forum)
    assert len(made) == 7  # one a day, exactly once
    assert emu.messages_in(forum) == []  # nothing but posts in a forum
    for number, ((thread, first), post) in enumerate(zip(made, posts, strict=True), start=1):
        assert post is not None and post.status == "sent" and post.message_id == thread.id == post.thread_id
        prompt = content.prompt(post.prompt_id)
        assert thread.name == thread_name(prompt.text_for("en"), fallback="")
        assert first.embeds[0]["title"] == prompt.text_for("en")
        assert daily_post_number(first.embeds[0]["footer"]["text"]) == number
        assert "components" not in first or not first["components"]  # no thread button: the post is the thread
        names = tag_names(forum, thread)
        assert names == expected_tags(content, prompt) and len(names) <= 5
        assert names[0] == "Whiplash" and (tr("en", "forum.tag.spoilers") in names) == prompt.spoiler
    # Tags created once and reused: each name once on the forum, every one of them used, ids never changed.
    names = [tag["name"] for tag in forum.available_tags]
    assert len(names) == len(set(names)) <= 20
    assert set(names) == {name for thread, _ in made for name in tag_names(forum, thread)}
    film_ids = {thread.applied_tags[0] for thread, _ in made}
    assert len(film_ids) == 1
    edits = emu.requests_matching("PATCH", rf"/channels/{forum.id}$")
    added = [len(r.json["available_tags"]) for r in edits]
    assert added == sorted(set(added)) and added[-1] == len(names)  # each edit only ever added tags
    # Replies in the posts are logged like replies in a thread.
    assert sorted(row.message_id for row in rows) == sorted(reply.id for reply in replies)
    assert {row.thread_id for row in rows} == {thread.id for thread, _ in made}
    # The week's digest is a forum post of its own, quoting the week's replies.
    digest_threads = [t for t in emu.threads if t.parent_id == forum.id and t.name.startswith("Weekly digest")]
    assert [t.name for t in digest_threads] == [digest_footer("en", date(2026, 11, 22), 0)]
    digest_text = str(emu.get_message(digest_threads[0].id).embeds)
    assert "Day 1: not quite my tempo." in digest_text and "Day 2: not quite my tempo." in digest_text
    assert "⭐" in digest_text  # the highlight made in the post
    # Streaks count the answers in the posts as they count answers in threads.
    assert figures["Current streak"] == figures["Best streak"] == "7 days in a row"


def spoiler_prompt(content: ContentPack) -> Prompt:
    """A shipped spoiler prompt whose themes fall into three families (so it wants five tags)."""
    return next(p for p in content.prompts if p.spoiler and len(families_of(p.themes, content.theme_families)) == 3)


async def test_a_forum_with_18_tags_of_its_own_gets_the_film_and_spoiler_tags_and_keeps_its_own(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    own = tuple(f"Club tag {i}" for i in range(18))
    forum = add_forum(emu, world, tags=own)
    before = [dict(tag) for tag in forum.available_tags]
    prompt = spoiler_prompt(content)
    pack = dataclasses.replace(content, prompts=(prompt,))
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        for offset in range(2):
            clock.set(nine_berlin(SATURDAY + timedelta(days=offset)))
            await tick(running)
    made = forum_posts(emu, forum)
    assert len(made) == 2
    assert forum.available_tags[:18] == before  # the server's own tags, untouched
    assert [tag["name"] for tag in forum.available_tags[18:]] == ["Whiplash", "Spoilers"]
    for thread, _ in made:
        assert tag_names(forum, thread) == ["Whiplash", "Spoilers"]  # no room left for theme tags
    assert len(emu.requests_matching("PATCH", rf"/channels/{forum.id}$")) == 1  # a full forum is not asked again


async def test_a_restart_between_creating_the_post_and_recording_it_posts_no_second_post(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.storage import DiscussionStore

    forum = add_forum(emu, world)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)

        async def crash(*args: object, **kwargs: object) -> None:
            raise RuntimeError("power cut between the forum post and its confirmation")

        monkeypatch.setattr(DiscussionStore, "mark_sent", crash)
        clock.set(datetime(2026, 11, 21, 8, 5, tzinfo=UTC))
        await tick(running)
        monkeypatch.undo()
        post = await running.storage.discussion.get_post(world.guild.id, SATURDAY)
        assert post is not None and post.status == "claimed"
    assert len(forum_posts(emu, forum)) == 1
    clock.set(datetime(2026, 11, 21, 8, 20, tzinfo=UTC))  # the restart, well after the crash
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await tick(running)
        await tick(running)
        post = await running.storage.discussion.get_post(world.guild.id, SATURDAY)
    made = forum_posts(emu, forum)
    assert len(made) == 1
    assert post is not None and post.status == "sent" and post.message_id == made[0][0].id == post.thread_id


async def test_a_forum_that_requires_a_tag_and_has_no_room_for_ours_gets_a_tag_anyone_may_use(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Discord refuses an untagged post in a forum that requires a tag (40067): with all 20 places taken by the
    server's own tags, none of them the film's, the post carries the first tag a member without Manage Threads
    may apply, not the moderators' one before it."""
    own = ("Staff picks", *(f"Topic {n}" for n in range(1, 20)))
    forum = emu.add_forum_channel(
        world.guild, "daily-questions", tags=own, moderated=("Staff picks",), require_tag=True
    )
    emu.give_bot_role(world.guild, "Forum keeper", P.MANAGE_CHANNELS)
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        clock.set(nine_berlin(SATURDAY))
        assert [outcome.status for outcome in await tick(running)] == ["posted"]
    ((thread, _first),) = forum_posts(emu, forum)
    assert tag_names(forum, thread) == ["Topic 1"]
    assert [tag["name"] for tag in forum.available_tags] == list(own), "the server's own tags are left as they are"


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_a_forum_the_bot_cannot_post_in_is_refused_in_one_sentence_and_nothing_is_stored(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, locale: str
) -> None:
    forum = add_forum(emu, world, manage=False)
    emu.set_overwrite(forum, world.guild.everyone, deny=P.SEND_MESSAGES)
    lang = "de" if locale == "de" else "en"
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        handle = await emu.invoke(
            world.guild,
            world.channel,
            world.moderator,
            "schedule set",
            {"channel": forum, "time": "09:00", "timezone": "Europe/Berlin"},
            locale=locale,
        )
        answer = await handle.message()
        stored = await running.storage.discussion.get_schedule(world.guild.id)
    missing = format_list(
        [tr(lang, "permission.forum.send_messages"), tr(lang, "permission.forum.manage_channels")], locale=lang
    )
    assert answer.ephemeral
    assert answer.content == tr(lang, "forum.refused", channel=f"<#{forum.id}>", permissions=missing)
    assert stored is None
    assert emu.threads == [] and forum.available_tags == []


@pytest.mark.parametrize("locale", ["en-US", "de"])
async def test_schedule_check_names_what_a_forum_lacks(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, locale: str
) -> None:
    forum = add_forum(emu, world)
    lang = "de" if locale == "de" else "en"
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        check = await emu.invoke(world.guild, world.channel, world.moderator, "schedule check", locale=locale)
        assert (await check.message()).content == tr(lang, "forum.all_permissions", channel=f"<#{forum.id}>")
        keeper = next(role for role in world.guild.roles.values() if role.name == "Forum keeper")
        emu.update_role(keeper, permissions=0)  # Manage Channels taken away: the tags cannot be made
        bot_forum = running.bot.get_channel(forum.id)
        assert bot_forum is not None
        await eventually(lambda: not bot_forum.permissions_for(bot_forum.guild.me).manage_channels)
        check = await emu.invoke(world.guild, world.channel, world.moderator, "schedule check", locale=locale)
        text = (await check.message()).content
    assert text == tr(
        lang, "forum.missing", channel=f"<#{forum.id}>", permissions=tr(lang, "permission.forum.manage_channels")
    )


async def test_post_now_in_a_forum_links_the_post_and_never_posts_a_day_twice(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    forum = add_forum(emu, world)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        answers = []
        for _ in range(2):
            handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")
            answers.append((await handle.message()).content)
        await tick(running)
    [(thread, _)] = forum_posts(emu, forum)
    link = f"https://discord.com/channels/{world.guild.id}/{thread.id}/{thread.id}"  # the post's message is in it
    assert answers[0].startswith("Posted today's prompt") and link in answers[0]
    assert answers[1].startswith("Today's prompt is already posted") and link in answers[1]


async def test_replies_written_while_the_bot_was_away_are_backfilled_from_the_post(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    forum = add_forum(emu, world)
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        clock.set(nine_berlin(SATURDAY))
        await tick(running)
    [(thread, _)] = forum_posts(emu, forum)
    away = [await emu.send_user_message(thread, world.member, f"Written while the bot was down, {i}.") for i in (1, 2)]
    clock.advance(minutes=10)
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        rows = await logged(running, world.guild.id, until=has(away[-1]))
    assert sorted(row.message_id for row in rows) == [m.id for m in away]
    assert {row.thread_id for row in rows} == {thread.id}
    # The backfill reads the post, never the forum itself (a forum has no messages of its own).
    assert not emu.requests_matching("GET", rf"/channels/{forum.id}/messages")


async def test_a_lost_answer_that_discord_py_repeats_leaves_one_forum_post(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """A forum post takes no nonce, and discord.py sends a request again after a 500: Discord made the post,
    the answer was lost, the repeat makes a second one. The bot keeps the first and deletes the copy."""
    forum = add_forum(emu, world)
    emu.give_bot_role(world.guild, "Thread keeper", P.MANAGE_THREADS)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        emu.fail("POST", rf"/channels/{forum.id}/threads$", 500, times=1).lose_response = True
        clock.set(nine_berlin(SATURDAY))
        await tick(running)
        await tick(running)
        post = await running.storage.discussion.get_post(world.guild.id, SATURDAY)
    made = forum_posts(emu, forum)
    assert all(rule.hits for rule in emu.faults)
    assert len(emu.requests_matching("POST", rf"/channels/{forum.id}/threads$")) == 2  # the repeat made a copy
    assert len(made) == 1  # and the copy is gone
    assert post is not None and post.status == "sent" and post.message_id == made[0][0].id


async def test_replies_in_a_post_count_in_stats_go_into_the_export_and_follow_the_privacy_commands(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Issue 15 §1: stats, export and privacy work for a forum post's replies as for a thread's."""
    forum = add_forum(emu, world)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum)
        clock.set(nine_berlin(SATURDAY))
        await tick(running)
        [(thread, _)] = forum_posts(emu, forum)
        post = emu.get_channel(thread.id)
        for text in ("one", "two"):
            await emu.send_user_message(post, world.member, text)
        regretted = await emu.send_user_message(post, world.member, "regretted")
        three = await emu.send_user_message(post, world.moderator, "three")
        await logged(running, world.guild.id, has(three))
        await emu.delete_message(post, regretted)
        await logged(running, world.guild.id, until=lambda rows: regretted.id not in {r.message_id for r in rows})

        async def answer(user: Any, command: str, **options: Any) -> Any:
            handle = await emu.invoke(world.guild, world.channel, user, command, options)
            return await handle.message()

        stats = (await answer(world.member, "discussion stats", days=7)).embeds[0]
        assert stats["description"] == "1 daily question, 3 replies from 2 members."
        exported = await answer(world.moderator, "replies export", format="jsonl")
        rows = [json.loads(line) for line in exported["_files"][0].data.decode("utf-8").splitlines()]
        assert [row["content"] for row in rows] == ["one", "two", "three"]
        assert (await answer(world.member, "privacy optout")).ephemeral
        unlogged = await emu.send_user_message(post, world.member, "not to be logged")
        marker = await emu.send_user_message(post, world.moderator, "marker")
        rows_after = await logged(running, world.guild.id, has(marker))
        assert unlogged.id not in {row.message_id for row in rows_after}
        await answer(world.member, "privacy forget")
        remaining = await logged(running, world.guild.id)
    assert [row.content for row in remaining] == ["three", "marker"]
    assert {row.author_id for row in remaining} == {world.moderator.id}
