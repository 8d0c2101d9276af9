"""Stance polls end to end (issue 15 §2): the real bot against the emulator, on both storage backends.

A daily post whose prompt has a stance carries a native poll in the server's language for the schedule's
`poll_hours`; members vote; the poll ends (also while the bot is down) and its result is recorded exactly once;
`/discussion stats`, `/prompts show` and the weekly digest show it; a prompt without a stance gets no poll.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack, Prompt
from bot.emulator import DiscordEmulator, StoredMessage, permissions
from bot.i18n import tr, tr_count
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, tick
from tests.harness import FakeClock, Running, eventually, run_bot

pytestmark = pytest.mark.usefixtures("backend")

BEFORE = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
NINE_BERLIN = datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC)  # Saturday 09:00:30 in Berlin, the schedule's time
SUNDAY = 6
DIGEST_DUE = datetime(2026, 11, 22, 17, 0, 5, tzinfo=UTC)  # Sunday 18:00:05 in Berlin
STANCE_PROMPT = "q000-06-break-the-spirit"


def pack_of(content: ContentPack, prompt_id: str = STANCE_PROMPT, **update: Any) -> tuple[ContentPack, Prompt]:
    """The shipped pack with a pool of one prompt, so the test knows what is posted."""
    prompt = next(p for p in content.prompts if p.id == prompt_id).model_copy(update=update)
    return dataclasses.replace(content, prompts=(prompt,)), prompt


async def post_today(emu: DiscordEmulator, world: World, running: Running, clock: FakeClock, **options: Any) -> Any:
    await schedule(emu, world, **options)
    clock.set(NINE_BERLIN)
    await tick(running)
    posts = bot_posts(emu, world.channel)
    assert len(posts) == 1
    return posts[0]


async def command(
    emu: DiscordEmulator, world: World, user: Any, name: str, locale: str = "en-US", **options: Any
) -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, user, name, options or None, locale=locale)
    return await handle.message()


def embed_text(message: StoredMessage) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
    return "\n".join(parts)


async def test_a_daily_post_with_a_stance_carries_the_poll_for_the_servers_hours_in_its_language(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, prompt = pack_of(content)
    assert prompt.stance is not None
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        saved = await command(emu, world, world.moderator, "schedule set", channel=world.channel, time="09:00",
                              timezone="Europe/Berlin", language="de", poll_hours=36)  # fmt: skip
        assert "1 day and 12 hours" in saved.content
        clock.set(NINE_BERLIN)
        await tick(running)
        post = bot_posts(emu, world.channel)[0]
        poll = post["poll"]
        assert poll["question"]["text"] == prompt.stance.question_de
        assert [a["poll_media"]["text"] for a in poll["answers"]] == [a.text_de for a in prompt.stance.answers]
        created = datetime.fromisoformat(post["timestamp"])
        assert datetime.fromisoformat(poll["expiry"]) == created + timedelta(hours=36)
        assert post.embeds[0]["title"] == prompt.text_de  # the post itself is unchanged: question first
        stored = await running.storage.polls.get(world.guild.id, post.id)
        assert stored is not None and stored.language == "de" and not stored.finalized
        assert stored.expires_at == created + timedelta(hours=36)
        # A later /schedule set without poll_hours keeps them, as it keeps the language; /schedule show says so.
        await schedule(emu, world, time="10:00")
        kept = await running.storage.discussion.get_schedule(world.guild.id)
        assert kept is not None and kept.poll_hours == 36 and kept.language == "de"
        shown = await command(emu, world, world.moderator, "schedule show")
        assert "Stance polls run for 1 day and 12 hours." in embed_text(shown)


async def test_a_prompt_without_a_stance_gets_no_poll(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, _ = pack_of(content, stance=None)
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        post = await post_today(emu, world, running, clock)
        assert "poll" not in post
        assert await running.storage.polls.between(world.guild.id, NINE_BERLIN.date(), NINE_BERLIN.date()) == []


async def test_without_send_polls_the_question_is_posted_without_its_poll(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, _ = pack_of(content)
    emu.set_overwrite(world.channel, world.guild.id, deny=permissions.SEND_POLLS)  # @everyone, the bot included
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        post = await post_today(emu, world, running, clock)
        assert "poll" not in post and post.embeds[0]["title"]
        assert await running.storage.polls.get(world.guild.id, post.id) is None


async def test_in_forum_mode_the_poll_is_the_posts_second_message_and_its_result_is_recorded(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Discord takes no poll in a forum post's first message: the poll follows it, once, in the post."""
    from tests.test_forum_e2e import add_forum, forum_posts

    pack, prompt = pack_of(content)
    assert prompt.stance is not None
    forum = add_forum(emu, world)
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, channel=forum, poll_hours=2)
        clock.set(NINE_BERLIN)
        await tick(running)
        await tick(running)
        [(thread, first)] = forum_posts(emu, forum)
        assert "poll" not in first
        polls = [m for m in emu.messages_in(thread) if "poll" in m]
        assert len(polls) == 1 and polls[0]["poll"]["question"]["text"] == prompt.stance.question
        await emu.vote_poll(thread, polls[0], world.member, 3)
        clock.set(NINE_BERLIN + timedelta(hours=2))

        async def final() -> Any:
            poll = await running.storage.polls.get(world.guild.id, polls[0].id)
            return poll if poll is not None and poll.finalized else None

        recorded = await eventually(final)
        assert recorded.final_counts == (0, 0, 1) and recorded.channel_id == thread.id


async def test_votes_and_the_final_tally_are_recorded_once_across_a_restart_and_shown(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """The bot is down when the poll ends: after the restart it reads the ended poll, stores the tally once,
    drops the per-member votes, and shows the result in /discussion stats, /prompts show and the digest."""
    pack, prompt = pack_of(content)
    assert prompt.stance is not None
    db = tmp_path / "bot.db"
    ellis, ryan, quiet = (emu.add_member(world.guild, name) for name in ("ellis", "ryan", "quiet"))
    clock.set(BEFORE)
    async with run_bot(emu, db, pack, clock=clock, bot_options=QUIET) as running:
        post = await post_today(emu, world, running, clock, poll_hours=6)
        await command(emu, world, world.moderator, "schedule digest", weekday=SUNDAY, time="18:00", enabled=True)
        await command(emu, world, quiet, "privacy optout")
        await emu.vote_poll(world.channel, post, world.member, 1)
        await emu.vote_poll(world.channel, post, ellis, 2)
        await emu.unvote_poll(world.channel, post, ellis)
        await emu.vote_poll(world.channel, post, ellis, 3)
        await emu.vote_poll(world.channel, post, ryan, 3)
        await emu.vote_poll(world.channel, post, quiet, 2)  # counted by Discord, never stored per member by us
        store = running.storage.polls

        async def live() -> dict[int, int] | None:
            counts = await store.live_counts(world.guild.id, post.id)
            return counts if counts == {1: 1, 3: 2} else None

        await eventually(live)
        running_stats = await command(emu, world, world.member, "discussion stats")
        assert "Still open: 3 votes so far in 1 poll." in embed_text(running_stats)

    clock.set(NINE_BERLIN + timedelta(hours=7))  # the poll ends while the bot is down
    assert emu.get_message(post.id)["poll"]["results"]["is_finalized"] is True

    async with run_bot(emu, db, pack, clock=clock, bot_options=QUIET) as running:
        store = running.storage.polls

        async def final() -> Any:
            poll = await store.get(world.guild.id, post.id)
            return poll if poll is not None and poll.finalized else None

        recorded = await eventually(final)
        assert recorded.final_counts == (1, 1, 2) and recorded.total_votes == 4
        assert await store.live_counts(world.guild.id, post.id) == {}  # nobody's vote is kept any more
        stats = embed_text(await command(emu, world, world.member, "discussion stats"))
        question = prompt.stance.question
        assert f"Poll: {question}" in stats
        assert f"{prompt.stance.answers[2].text}: 50% (2 votes)" in stats
        assert f"{prompt.stance.answers[0].text}: 25% (1 vote)" in stats
        assert "Final result: 4 votes in 1 poll." in stats
        german = embed_text(await command(emu, world, world.member, "discussion stats", locale="de"))
        assert f"{prompt.stance.answers[2].text_de}: 50\xa0% (2 Stimmen)" in german
        assert "Endergebnis: 4 Stimmen in 1 Umfrage." in german
        shown = embed_text(await command(emu, world, world.moderator, "prompts show", id=prompt.id))
        assert question in shown and "Final result: 4 votes in 1 poll." in shown
        clock.set(DIGEST_DUE)
        await tick(running)
        digest = [
            m
            for m in emu.messages_in(world.channel)
            if m.embeds and m.embeds[-1].get("footer", {}).get("text", "").startswith("Weekly digest")
        ]
        assert len(digest) == 1
        assert f"Poll: {question}" in embed_text(digest[0])
        assert "Final result: 4 votes in 1 poll." in embed_text(digest[0])

    async with run_bot(emu, db, pack, clock=clock, bot_options=QUIET) as running:
        again = await running.storage.polls.get(world.guild.id, post.id)
        await running.bot.services.poll_results.collect_due(clock())
        assert again == await running.storage.polls.get(world.guild.id, post.id)  # recorded once, never again


async def test_the_poll_ending_while_the_bot_runs_is_recorded_from_the_end_event(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, _ = pack_of(content)
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        post = await post_today(emu, world, running, clock, poll_hours=1)
        await emu.vote_poll(world.channel, post, world.member, 2)
        clock.set(NINE_BERLIN + timedelta(hours=1))

        async def final() -> Any:
            poll = await running.storage.polls.get(world.guild.id, post.id)
            return poll if poll is not None and poll.finalized else None

        recorded = await eventually(final)
        assert recorded.final_counts == (0, 1, 0)


async def test_forgetting_a_member_removes_their_vote_on_a_running_poll(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, _ = pack_of(content)
    clock.set(BEFORE)
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        post = await post_today(emu, world, running, clock)
        await emu.vote_poll(world.channel, post, world.member, 1)
        await emu.vote_poll(world.channel, post, world.moderator, 3)
        store = running.storage.polls
        await eventually(lambda: _counts_are(store, world.guild.id, post.id, {1: 1, 3: 1}))
        await command(emu, world, world.member, "privacy forget")
        assert await store.live_counts(world.guild.id, post.id) == {3: 1}


async def _counts_are(store: Any, guild_id: int, message_id: int, expected: dict[int, int]) -> bool:
    return bool(await store.live_counts(guild_id, message_id) == expected)


def test_poll_hours_read_as_words_in_both_languages() -> None:
    from cogs.discussion._schedule import poll_hours_line

    assert poll_hours_line("en", 24) == "Stance polls run for 1 day."
    assert poll_hours_line("en", 1) == "Stance polls run for 1 hour."
    assert poll_hours_line("de", 50) == "Umfragen laufen 2 Tage und 2 Stunden."
    assert tr_count("de", "polls.votes", 1) == "1 Stimme" and tr("en", "polls.stats_title") == "Stance polls"
