"""/schedule show as a moderator reads it (issue 12): changes as sentences, days in words, posts as links
with their question, in the moderator's language, with no raw records, ISO dates or bare URLs."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, permissions
from tests.conftest import World
from tests.discussion_helpers import QUIET, schedule, tick
from tests.harness import FakeClock, Running, run_bot

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
URL = re.compile(r"https?://\S+")


async def _history(emu: DiscordEmulator, world: World, running: Running, clock: FakeClock) -> Any:
    """A few weeks of a server: set up, one post, a move to 08:00 on weekdays with a ping, a pause and a resume."""
    clock.set(datetime(2026, 11, 20, 7, 0, tzinfo=UTC))  # a Friday
    await schedule(emu, world)
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=UTC))
    await tick(running)
    await schedule(emu, world, time="08:00", days="mon-fri", ping_role=world.mod_role)
    for command in ("schedule pause", "schedule resume"):
        await (await emu.invoke(world.guild, world.channel, world.moderator, command)).message()
    post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 20))
    assert post is not None and post.status == "sent"
    return post


async def _show(emu: DiscordEmulator, world: World, locale: str) -> tuple[dict[str, str], str]:
    message = await (
        await emu.invoke(world.guild, world.channel, world.moderator, "schedule show", locale=locale)
    ).message()
    assert message.ephemeral
    embed = message.embeds[0]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    return fields, json.dumps(message.embeds, ensure_ascii=False) + message.content


def _assert_no_debug_output(text: str) -> None:
    assert "channel_id" not in text and "days=" not in text and "_id" not in text and "→" not in text
    assert not ISO_DATE.search(text), text
    bare = [url for url in URL.findall(text) if not url.startswith("https://discord.com/channels/")]
    assert bare == [], bare
    for match in URL.finditer(text):  # every link is the target of a markdown link, never shown bare
        assert text[match.start() - 2 : match.start()] == "](", text[match.start() - 40 : match.end()]


async def test_schedule_show_reads_as_sentences_in_english(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        post = await _history(emu, world, running, clock)
        fields, text = await _show(emu, world, "en-US")
    question = content.prompt(post.prompt_id).text_for("en")
    who = f"<@{world.moderator.id}>"
    changes = fields["Latest changes"].splitlines()
    assert changes[0].endswith(f"· {who} resumed the daily posts.")
    assert changes[1].endswith(f"· {who} paused the daily posts.")
    assert changes[2].endswith(
        f"· {who} moved the daily post to 08:00 (Europe/Berlin), changed the days to Monday to Friday, "
        f"and had each post ping <@&{world.mod_role.id}>."
    )
    assert changes[3].endswith(
        f"· {who} set up the daily post in <#{world.channel.id}> at 09:00 (Europe/Berlin), every day."
    )
    assert all(re.match(r"<t:\d+:R> · ", line) for line in changes)
    link = f"https://discord.com/channels/{world.guild.id}/{world.channel.id}/{post.message_id}"
    assert fields["Recent posts"] == f"November 20, 2026: [{question}]({link})"
    assert "Monday to Friday" in text and "08:00 (Europe/Berlin)" in text
    _assert_no_debug_output(text)


async def test_schedule_show_reads_as_german_sentences_for_a_german_moderator(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        post = await _history(emu, world, running, clock)
        fields, text = await _show(emu, world, "de")
    question = content.prompt(post.prompt_id).text_for("de")
    who = f"<@{world.moderator.id}>"
    changes = fields["Letzte Änderungen"].splitlines()
    assert changes[0].endswith(f"· {who} hat die täglichen Beiträge wieder gestartet.")
    assert changes[1].endswith(f"· {who} hat die täglichen Beiträge pausiert.")
    assert changes[2].endswith(
        f"· {who} hat den täglichen Beitrag auf 08:00 Uhr (Europe/Berlin) verlegt, die Tage auf Montag bis Freitag "
        f"geändert und den Ping auf <@&{world.mod_role.id}> gesetzt."
    )
    assert changes[3].endswith(
        f"· {who} hat den täglichen Beitrag eingerichtet: in <#{world.channel.id}> um 09:00 Uhr (Europe/Berlin), "
        "jeden Tag."
    )
    assert f"20. November 2026: [{question}](" in fields["Letzte Beiträge"]
    assert "Beiträge in" in text and "Montag bis Freitag" in text
    for english in ("daily", "moved", "paused", "every day", "Monday"):
        assert english not in text, english
    _assert_no_debug_output(text)


async def test_a_failed_post_says_why_in_words_and_names_its_question(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    log_channel = emu.add_text_channel(world.guild, "mod-log")
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, log_channel=log_channel)
        emu.delete_channel(world.channel)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        assert (await tick(running))[0].status == "failed"
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
        assert post is not None
        message = await (await emu.invoke(world.guild, log_channel, world.moderator, "schedule show")).message()
    recent = {field["name"]: field["value"] for field in message.embeds[0]["fields"]}["Recent posts"]
    question = content.prompt(post.prompt_id).text_for("en")
    assert recent.startswith(f"⚠️ November 21, 2026: “{question}” was not posted: ")
    assert not ISO_DATE.search(recent)


async def test_a_german_moderator_gets_input_errors_in_german_and_nothing_is_stored(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content) as running:
        answers = []
        for options in ({"time": "9am"}, {"days": "someday"}, {"timezone": "Mars/Olympus"}):
            values = {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", **options}
            handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule set", values, locale="de")
            answers.append(await handle.message())
        assert await running.storage.discussion.get_schedule(world.guild.id) is None
    assert all(answer.ephemeral for answer in answers)
    assert answers[0].content == (
        "„9am“ ist eine Uhrzeit im 12-Stunden-Format: Gib sie als HH:MM im 24-Stunden-Format an, zum Beispiel 09:00."
    )
    assert answers[1].content.startswith("„someday“ ist kein Wochentag: Gib die Tage auf Englisch an")
    assert answers[2].content.startswith("„Mars/Olympus“ ist kein IANA-Zeitzonenname")


async def test_check_names_missing_permissions_as_discord_does_in_the_moderators_language(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    emu.set_overwrite(
        world.channel, emu.bot_member(world.guild), deny=permissions.SEND_MESSAGES | permissions.ATTACH_FILES
    )
    async with run_bot(emu, tmp_path / "bot.db", content):
        await schedule(emu, world)
        answers = {
            locale: await (
                await emu.invoke(world.guild, world.channel, world.moderator, "schedule check", locale=locale)
            ).message()
            for locale in ("en-US", "de")
        }
    assert answers["en-US"].content == (
        "The bot lacks these permissions in the channel: Send Messages, Embed Links, and Attach Files."
    )
    assert answers["de"].content == (
        "Dem Bot fehlen in diesem Kanal diese Berechtigungen: „Nachrichten senden“, „Links einbetten“ "
        "und „Dateien anhängen“."
    )


async def test_post_now_links_the_question_instead_of_a_bare_url(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        posted = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")).message()
        again = await (
            await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now", locale="de")
        ).message()
        post = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    assert post is not None
    link = f"https://discord.com/channels/{world.guild.id}/{world.channel.id}/{post.message_id}"
    english, german = (content.prompt(post.prompt_id).text_for(lang) for lang in ("en", "de"))
    assert posted.content == f"Posted today's prompt: [{english}]({link})"
    assert again.content == (
        f"Die heutige Frage ist schon gepostet, also wurde nichts Neues gepostet: [{german}]({link})"
    )
