"""The weekly digest end to end: the real bot on a real SQLite file, the emulator, a fake clock.

The daily post goes out at 09:00 Europe/Berlin; the digest on Sundays at 18:00 (17:00 UTC in November).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from bot.i18n import tr
from bot.scheduling import ScheduleInputError, parse_time
from tests.backends import Backend
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, has, logged, posted, schedule, services, tick
from tests.harness import FakeClock, Running, eventually, run_bot
from tests.test_highlights_e2e import highlight, wait_count

SUNDAY = 6
DUE = datetime(2026, 11, 22, 17, 0, 5, tzinfo=UTC)  # Sunday 22 November, 18:00:05 in Berlin
LONG = (
    "Fletcher never wanted a drummer, he wanted a myth, and Andrew was willing to bleed to become one. "
    "The final solo is not a triumph of art but the moment the student becomes the teacher's echo, "
    "and the film is honest enough to let that look glorious while it is terrible. Every cut in that "
    "sequence tightens the trap until there is only the beat left and nothing of the boy who loved jazz."
)


def time_error(text: str, lang: str) -> str:
    with pytest.raises(ScheduleInputError) as error:
        parse_time(text)
    return error.value.text(lang)


async def digest(emu: DiscordEmulator, world: World, user: Any, locale: str = "en-US", **options: Any) -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, user, "schedule digest", options, locale=locale)
    answer = await handle.message()
    assert answer.ephemeral
    return answer


def digests(emu: DiscordEmulator, channel: Any) -> list[StoredMessage]:
    """The bot's digest messages in the channel (their last embed's footer names the week)."""
    marks = ("Weekly digest", "Wochenrückblick")
    return [
        m
        for m in emu.messages_in(channel)
        if int(m["author"]["id"]) == emu.bot.id
        and m.embeds
        and m.embeds[-1].get("footer", {}).get("text", "").startswith(marks)
    ]


def text_of(messages: list[StoredMessage]) -> str:
    parts = []
    for message in messages:
        parts.append(message.content or "")
        for embed in message.embeds:
            parts += [embed.get("title", ""), embed.get("description", ""), embed.get("author", {}).get("name", "")]
    return "\n".join(parts)


async def the_week(
    emu: DiscordEmulator, world: World, running: Running, clock: FakeClock, language: str = "en"
) -> dict[str, Any]:
    """Saturday's post with replies: highlighted, reacted to, edited, deleted, by a forgotten member, by one who
    opted out; the digest turned on for Sundays at 18:00."""
    ellis, ryan, tanner, nassar = (emu.add_member(world.guild, name) for name in ("ellis", "ryan", "tanner", "nassar"))
    await schedule(emu, world, language=language)
    clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))  # Saturday 21 November, 09:00 in Berlin
    await tick(running)
    thread = emu.get_channel(bot_posts(emu, world.channel)[0].id)
    plain = await emu.send_user_message(thread, world.member, "Not quite my tempo.")
    liked = await emu.send_user_message(thread, ellis, "It is about what ambition costs, @everyone knows it.")
    starred = await emu.send_user_message(thread, ryan, LONG)
    edited = await emu.send_user_message(thread, tanner, "first version")
    deleted = await emu.send_user_message(thread, nassar, "This reply will be deleted.")
    await logged(running, world.guild.id, has(deleted))
    for who in (world.member, world.moderator):
        await emu.add_user_reaction(thread, liked, who, "👏")
    await wait_count(running, world.guild.id, liked.id, 2)
    await highlight(emu, world, world.moderator, starred)
    await highlight(emu, world, world.moderator, deleted)
    await highlight(emu, world, world.moderator, edited)
    await emu.edit_user_message(thread, edited, f"The edited text, *as it reads now* <@{world.member.id}>.")
    await emu.delete_message(thread, deleted)
    gone = await emu.send_user_message(thread, emu.add_member(world.guild, "forgotten"), "Forget me.")
    quiet = await emu.send_user_message(thread, emu.add_member(world.guild, "quiet"), "Do not log me.")
    await logged(running, world.guild.id, has(quiet))

    async def settled() -> bool:
        rows = [r async for r in running.storage.replies.export_rows(world.guild.id)]
        return all(r.message_id != deleted.id for r in rows) and any("edited" in r.content for r in rows)

    await eventually(settled)
    forgotten = emu.get_user(gone.author_id)
    handle = await emu.invoke(world.guild, world.channel, forgotten, "privacy forget")
    await handle.message()
    handle = await emu.invoke(world.guild, world.channel, emu.get_user(quiet.author_id), "privacy optout")
    await handle.message()
    await digest(emu, world, world.moderator, weekday=SUNDAY, time="18:00", enabled=True)
    return {"thread": thread, "plain": plain, "liked": liked, "starred": starred, "edited": edited}


async def test_the_digest_goes_out_once_at_its_minute_across_a_restart_with_the_best_replies(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    backend: Backend,
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        week = await the_week(emu, world, running, clock)
        clock.set(datetime(2026, 11, 22, 16, 59, tzinfo=UTC))  # a minute early
        await tick(running)
        assert digests(emu, world.channel) == []
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.set(DUE)
        await tick(running)
        await tick(running)
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
        await tick(running)
    posts = digests(emu, world.channel)
    assert len(posts) == 1
    post = posts[0]
    assert post["_pings"] == {"everyone": False, "roles": [], "users": []}
    embeds = post.embeds
    assert embeds[0]["title"] == "This week's discussion"
    # Saturday's post and Sunday's (sent by the 16:59 tick, nobody answered it yet).
    assert embeds[0]["description"].startswith("2 questions, 4 replies from 4 members.")
    assert len(embeds) == 3 and embeds[2]["description"] == tr("en", "digest.no_replies")
    replies = embeds[1]["description"].split("\n\n")
    assert len(replies) == 3
    # Highlights first (in the order written), then the most reactions; the deleted highlight is gone.
    assert replies[0].startswith("> Fletcher never wanted a drummer")
    assert replies[0].split("\n")[-2].endswith("…")  # cut at a word past 300 characters
    quoted = replies[0].split("\n")[0].removeprefix("> ").removesuffix("…")
    assert len(quoted) <= 300 and LONG.startswith(quoted) and LONG[len(quoted)] == " "
    assert "⭐ — **ryan**" in replies[0]
    assert f"/{week['thread'].id}/{week['starred'].id})" in replies[0]
    assert replies[1].startswith("> The edited text, \\*as it reads now\\*")  # quoted as it is now
    assert "**tanner**" in replies[1]
    assert f"<@\u200b{world.member.id}>" in replies[1] and f"<@{world.member.id}>" not in replies[1]
    assert "**ellis**" in replies[2] and "@\u200beveryone" in replies[2]
    shown = text_of(posts)
    for absent in ("deleted", "Forget me", "Do not log me", "first version", "Not quite my tempo"):
        assert absent not in shown
    assert embeds[-1]["footer"]["text"] == "Weekly digest, November 22, 2026"


async def test_an_unconfirmed_digest_is_found_in_the_channel_and_not_sent_again(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await the_week(emu, world, running, clock)
        clock.set(DUE)
        await tick(running)
        assert len(digests(emu, world.channel)) == 1
        # As if the bot died between the send and its confirmation.
        async with running.storage.transaction() as conn:
            await conn.execute("UPDATE digest_posts SET status = 'claimed', parts_sent = 0")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.advance(minutes=1)
        await tick(running)
        post = await running.storage.digest.get_digest_post(world.guild.id, DUE.date())
        assert post is not None and post.status == "sent"
    assert len(digests(emu, world.channel)) == 1


async def test_a_german_server_gets_its_digest_in_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await the_week(emu, world, running, clock, language="de")
        clock.set(DUE)
        await tick(running)
    post = digests(emu, world.channel)[0]
    assert post.embeds[0]["title"] == "Die Diskussion dieser Woche"
    assert post.embeds[0]["description"].startswith("2 Fragen, 4 Antworten von 4 Mitgliedern.")
    assert "Zur Antwort" in post.embeds[1]["description"]
    assert post.embeds[1]["author"]["name"] == "21. November 2026"
    assert post.embeds[-1]["footer"]["text"] == "Wochenrückblick vom 22. November 2026"
    assert "Weekly" not in text_of([post]) and "reply" not in text_of([post])


async def test_the_setting_is_off_by_default_shown_enabled_and_disabled_and_bad_input_stores_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await posted(emu, world, running, clock)
        shown = await digest(emu, world, world.moderator)
        assert shown.content.startswith("The weekly digest is off.")
        assert "every Sunday at 18:00 (Europe/Berlin)" in shown.content
        on = await digest(emu, world, world.moderator, weekday=4, time="19:30", enabled=True)
        assert (
            on.content == f"The weekly digest goes out every Friday at 19:30 (Europe/Berlin) in <#{world.channel.id}>."
        )
        german = await digest(emu, world, world.moderator, locale="de")
        assert german.content.startswith("Der Wochenrückblick erscheint jeden Freitag um 19:30 Uhr")
        bad = await digest(emu, world, world.moderator, time="7pm")
        assert bad.content == time_error("7pm", "en")  # the sentence /schedule set gives
        bad_de = await digest(emu, world, world.moderator, locale="de", time="25:00", enabled=False)
        assert bad_de.content == time_error("25:00", "de")
        setting = await running.storage.digest.get_digest_setting(world.guild.id)
        assert setting is not None and (setting.weekday, setting.local_time, setting.enabled) == (4, "19:30", True)
        off = await digest(emu, world, world.moderator, enabled=False)
        assert off.content.startswith("The weekly digest is off.") and "every Friday at 19:30" in off.content
        clock.set(datetime(2026, 11, 27, 18, 30, 5, tzinfo=UTC))  # Friday 19:30 in Berlin: off, so nothing
        await tick(running)
        assert digests(emu, world.channel) == []
        assert services(running)[0].digest is not None
        assert tr("en", "digest.title")


async def test_a_long_week_goes_out_in_parts_within_discords_limits_and_a_crash_midway_resumes(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    backend: Backend,
) -> None:
    """Seven posts, three long replies each: more than one message holds (the emulator checks every limit)."""
    clock.set(datetime(2026, 11, 15, 12, 0, tzinfo=UTC))
    voices = [emu.add_member(world.guild, name) for name in ("andrew", "nicole", "carl")]
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        await digest(emu, world, world.moderator, weekday=SUNDAY, time="18:00", enabled=True)
        for day in range(16, 23):  # Monday 16 to Sunday 22 November
            clock.set(datetime(2026, 11, day, 8, 0, 5, tzinfo=UTC))
            await tick(running)
            thread = emu.get_channel(bot_posts(emu, world.channel)[-1].id)
            for voice in voices:
                last = await emu.send_user_message(thread, voice, LONG)
            await logged(running, world.guild.id, has(last))
        clock.set(DUE)
        await tick(running)
        parts = digests(emu, world.channel)
        assert len(parts) >= 2
        assert parts[1].embeds[-1]["footer"]["text"] == "Weekly digest, November 22, 2026 (part 2)"
        assert sum(len(p.embeds) for p in parts) == 8  # the figures and seven questions
        # As if the bot died after the first part was confirmed.
        async with running.storage.transaction() as conn:
            await conn.execute("UPDATE digest_posts SET status = 'claimed', parts_sent = 1")
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        clock.advance(minutes=1)
        await tick(running)
        assert (await running.storage.digest.get_digest_post(world.guild.id, DUE.date())).status == "sent"  # type: ignore[union-attr]
    assert len(digests(emu, world.channel)) == len(parts)
