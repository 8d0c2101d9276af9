"""The daily post as members see it (SPEC §6, issue 12): one language per server, the question first, a spoiler
warning before the spoiler, a passage in the other language labelled and translated, a useful source, no ISO
date, a thread named by the question and a button to it; /schedule set language; /discussion today's "when".

Each test runs the real bot against the emulator; where a test needs a particular passage it gives the bot a
pack of one prompt (the shipped prompt, with the fields the test needs), so the tests do not depend on which
prompt the rotation picks.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack, Prompt
from bot.discussion.post import daily_post_number, thread_url
from bot.emulator import DiscordEmulator, EmulatorError, permissions
from bot.emulator.commands import find_command
from bot.i18n import _catalog, format_number, tr
from bot.scheduling import thread_name
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, schedule, tick
from tests.harness import FakeClock, run_bot

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
NINE_BERLIN = datetime(2026, 11, 21, 8, 0, 30, tzinfo=UTC)  # 09:00:30 in Berlin, the schedule's time


def first_prompt(content: ContentPack, review: str) -> Prompt:
    return next(prompt for prompt in content.prompts if prompt.review == review)


def one_prompt_pack(content: ContentPack, prompt: Prompt, **update: Any) -> tuple[ContentPack, Prompt]:
    """The shipped pack with a pool of just `prompt` (changed by `update`), so the test knows what is posted."""
    changed = prompt.model_copy(update=update)
    return dataclasses.replace(content, prompts=(changed,)), changed


def unquote(block: str) -> str:
    """The text of a block quote as the post wrote it, without the quote marks and spoiler tags."""
    lines = [line.removeprefix(">").strip() for line in block.split("\n")]
    return "\n".join(line.removeprefix("||").removesuffix("||") for line in lines)


def assert_one_language(
    emu: DiscordEmulator, message: Any, lang: str, prompt: Prompt, passage_lang: str, number: int = 1
) -> dict[str, Any]:
    """Every string of the post and its thread comes from `lang`'s catalog, the prompt's text in `lang`, or the
    exact passage and the project's translation of it; returns the embed's parts for further checks."""
    other = "de" if lang == "en" else "en"
    embed = message.embeds[0]
    thread = emu.get_channel(message.id)  # the thread opened from a message has the message's id
    assert embed["title"] == prompt.text_for(lang)
    footer = tr(lang, "post.footer", number=format_number(lang, number))
    # The question names the thread (cut at a word with "…" only if over Discord's 100 characters).
    assert thread.is_thread and thread.name == thread_name(prompt.text_for(lang), fallback=footer)
    assert embed["footer"]["text"] == footer
    assert daily_post_number(embed["footer"]["text"]) == number
    assert "timestamp" not in embed and not ISO_DATE.search(json.dumps(message.embeds))
    own = {tr(lang, key) for key in _catalog(lang) if key.startswith("post.") and "{" not in _catalog(lang)[key]}
    parts = embed.get("description", "").split("\n\n")
    quoted, labels = [], []
    for part in parts:
        if part.startswith(">"):
            quoted.append(unquote(part))
        elif "\n>" in part:  # a label line over a quote: the translation
            label, _, block = part.partition("\n")
            labels.append(label)
            quoted.append(unquote(block))
        else:
            labels.append(part)
    assert all(label in own for label in labels), labels
    translation = prompt.passage_translation.get(lang) if passage_lang != lang else None  # type: ignore[call-overload]
    assert quoted == [prompt.passage, *([translation] if translation else [])]
    assert [field["name"] for field in embed["fields"]] == [tr(lang, "post.source_name")]
    source = embed["fields"][0]["value"]
    assert "unknown" not in source.lower() and "unbekannt" not in source.lower()
    others = {
        _catalog(other)[key]
        for key in _catalog(other)
        if key.startswith(("post.", "discussion."))
        and "{" not in _catalog(other)[key]
        and _catalog(other)[key] != _catalog(lang).get(key)
    }
    shown = json.dumps([embed["title"], labels, source, embed["footer"], thread.name], ensure_ascii=False)
    assert not [text for text in others if text in shown], "a string of the other language"
    buttons = [c for row in message.get("components") or [] for c in row["components"]]
    url = thread_url(thread.guild_id, thread.id)
    assert [(b["type"], b["style"], b["label"], b["url"]) for b in buttons] == [(2, 5, tr(lang, "post.to_thread"), url)]
    return {"labels": labels, "parts": parts, "source": source}


def german_world(emu: DiscordEmulator) -> World:
    """A server whose preferred locale (Server Settings → Community) is German, with a German moderator."""
    guild = emu.add_guild("Schaffer-Konservatorium", locale="de")
    role = emu.add_role(guild, "Dirigenten", permissions=permissions.MANAGE_GUILD)
    moderator = emu.add_member(guild, "fletcher", roles=[role])
    return World(guild, emu.add_text_channel(guild, "tagesfrage"), emu.add_member(guild, "andrew"), moderator, role)


async def post_once(
    emu: DiscordEmulator, world: World, pack: ContentPack, tmp_path: Path, clock: FakeClock, **options: Any
) -> Any:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", pack, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, **options)
        clock.set(NINE_BERLIN)
        await tick(running)
        stored = await running.storage.discussion.get_schedule(world.guild.id)
    posts = bot_posts(emu, world.channel)
    assert len(posts) == 1
    return posts[0], stored


# ---- one language per server ------------------------------------------------------------------------------


async def test_an_english_server_gets_a_german_passage_labelled_and_translated_all_in_english(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, prompt = one_prompt_pack(
        content,
        first_prompt(content, "hbg-flash-kritik"),
        spoiler=True,
        passage_translation={"en": "Our English rendering of the German passage."},
    )
    message, stored = await post_once(emu, world, pack, tmp_path, clock)
    assert stored.language == "en"  # the server's preferred locale (en-US)
    seen = assert_one_language(emu, message, "en", prompt, "de")
    # Top to bottom: the spoiler warning, the label, the passage, the translation marked as ours.
    assert seen["labels"] == [
        tr("en", "post.spoiler_warning"),
        "*From the German review:*",
        "*Our translation:*",
    ]
    parts = seen["parts"]
    assert parts[0].startswith("⚠️") and parts[2].startswith("> ||")  # warned before the hidden passage
    assert parts[3].startswith("*Our translation:*\n> ||")  # the translation is a spoiler too
    assert message.embeds[0]["title"] == prompt.text and "||" not in message.embeds[0]["title"]  # question visible
    assert "||" not in seen["source"]  # the source stays visible
    review = content.review("hbg-flash-kritik")
    assert (
        review.title in seen["source"] and "hbg-flash.de" in seen["source"] and review.attribution.url in seen["source"]
    )
    assert "a review on hbg-flash.de" in seen["source"]


async def test_a_german_server_gets_an_english_passage_labelled_and_translated_all_in_german(
    emu: DiscordEmulator, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    world = german_world(emu)
    base = first_prompt(content, "brutal-symphony")
    pack, prompt = one_prompt_pack(content, base, passage_translation={"de": "Unsere deutsche Fassung der Passage."})
    message, stored = await post_once(emu, world, pack, tmp_path, clock)
    assert stored.language == "de"  # default: the server's preferred locale
    seen = assert_one_language(emu, message, "de", prompt, "en")
    assert seen["labels"][-2:] == ["*Aus dem englischen Essay:*", "*Unsere Übersetzung:*"]
    assert message.embeds[0]["title"] == prompt.text_de
    assert "ein Essay" in seen["source"] and "Author unknown" not in seen["source"]


async def test_no_translation_shipped_shows_the_label_and_nothing_more(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, prompt = one_prompt_pack(
        content, first_prompt(content, "hbg-flash-kritik"), spoiler=False, passage_translation={}
    )
    message, _ = await post_once(emu, world, pack, tmp_path, clock)
    seen = assert_one_language(emu, message, "en", prompt, "de")
    assert seen["labels"] == ["*From the German review:*"]
    assert "||" not in message.embeds[0]["description"]


async def test_a_passage_in_the_servers_language_gets_no_label(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    pack, prompt = one_prompt_pack(content, first_prompt(content, "brutal-symphony"), passage_translation={"de": "x"})
    message, _ = await post_once(emu, world, pack, tmp_path, clock)
    seen = assert_one_language(emu, message, "en", prompt, "en")
    assert seen["labels"] == [tr("en", "post.spoiler_warning")]  # the passage is a spoiler: warned, not labelled
    assert "“Whiplash: A Brutal Symphony of Perfection" in seen["source"] and ", an essay" in seen["source"]


async def test_a_german_server_posts_every_day_of_a_round_in_german_with_the_shipped_pool(
    emu: DiscordEmulator, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """No mixed-language post, whichever shipped prompt comes: eight days in a German server."""
    world = german_world(emu)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        for day in range(8):
            clock.set(datetime(2026, 11, 21 + day, 8, 0, 30, tzinfo=UTC))
            await tick(running)
        posts = await running.storage.discussion.recent_posts(world.guild.id, 10)
    by_message = {post.message_id: post for post in posts}
    messages = bot_posts(emu, world.channel)
    assert len(messages) == 8
    for message in messages:
        stored = by_message[message.id]
        prompt = content.prompt(stored.prompt_id)
        assert_one_language(emu, message, "de", prompt, content.review(prompt.review).language, stored.number)


# ---- /schedule set language --------------------------------------------------------------------------------


async def test_schedule_set_language_is_stored_kept_and_used_for_the_post(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        reply = await schedule(emu, world, language="de")
        assert "Deutsch" in reply  # the moderator's answer (in their own language) names the posts' language
        assert (await running.storage.discussion.get_schedule(world.guild.id)).language == "de"  # type: ignore[union-attr]
        await schedule(emu, world, time="09:00")  # a change without the option keeps the language
        assert (await running.storage.discussion.get_schedule(world.guild.id)).language == "de"  # type: ignore[union-attr]
        clock.set(NINE_BERLIN)
        await tick(running)
        stored = await running.storage.discussion.get_post(world.guild.id, date(2026, 11, 21))
    message = bot_posts(emu, world.channel)[0]
    prompt = content.prompt(stored.prompt_id)  # type: ignore[union-attr]
    assert_one_language(emu, message, "de", prompt, content.review(prompt.review).language)


async def test_schedule_set_offers_only_english_and_deutsch(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        command = find_command(emu, world.guild, "schedule set")
        option = next(o for o in command.leaf["options"] if o["name"] == "language")
        assert [(c["name"], c["value"]) for c in option["choices"]] == [("English", "en"), ("Deutsch", "de")]
        assert option["description_localizations"]["de"].startswith("Die Sprache")
        with pytest.raises(EmulatorError, match="not one of the choices"):
            await emu.invoke(
                world.guild,
                world.channel,
                world.moderator,
                "schedule set",
                {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", "language": "fr"},
            )
        assert await running.storage.discussion.get_schedule(world.guild.id) is None


# ---- reports in the server's language ----------------------------------------------------------------------


async def test_a_failure_is_reported_in_the_servers_language_and_shown_in_the_moderators(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    log_channel = emu.add_text_channel(world.guild, "mod-log")
    emu.set_overwrite(world.channel, emu.bot_member(world.guild), deny=permissions.SEND_MESSAGES)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET):
        await schedule(emu, world, log_channel=log_channel, language="de")
        clock.set(NINE_BERLIN)
        running_tick = await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")
        await running_tick.message()
        shown = await (await emu.invoke(world.guild, world.channel, world.moderator, "schedule show")).message()
    reports = emu.messages_in(log_channel)
    assert len(reports) == 1
    report = reports[0].content
    assert "wurde nicht gepostet" in report and "fehlt die Berechtigung" in report and "21. November 2026" in report
    assert not ISO_DATE.search(report)
    assert "missing permission" in json.dumps(shown.embeds)  # the English moderator reads it in English


# ---- /discussion today -------------------------------------------------------------------------------------


async def test_discussion_today_says_when_the_question_comes_then_links_its_thread(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 6, 0, tzinfo=UTC))  # 07:00 in Berlin, two hours before the post
    at = int(datetime(2026, 11, 21, 8, 0, tzinfo=UTC).timestamp())
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world)
        before = await (await emu.invoke(world.guild, world.channel, world.member, "discussion today")).message()
        german = await (
            await emu.invoke(world.guild, world.channel, world.member, "discussion today", locale="de")
        ).message()
        clock.set(NINE_BERLIN)
        await tick(running)
        after = await (await emu.invoke(world.guild, world.channel, world.member, "discussion today")).message()
    assert before.content == f"Today's question comes <t:{at}:R>, at <t:{at}:t>."
    assert german.content == f"Die Frage des Tages kommt <t:{at}:R>, um <t:{at}:t>."
    post = bot_posts(emu, world.channel)[0]
    link = thread_url(world.guild.id, post.id)
    assert f"<#{post.id}>" in after.embeds[0]["description"]  # the thread, named as Discord names it
    assert after.embeds[0]["title"] == post.embeds[0]["title"]
    buttons = [c for row in after["components"] for c in row["components"]]
    assert [(b["style"], b["url"]) for b in buttons] == [(5, link)]


async def test_discussion_today_on_a_day_without_a_post_names_the_next_one(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))  # Saturday, after 09:00; the schedule runs mon-fri
    monday = int(datetime(2026, 11, 23, 8, 0, tzinfo=UTC).timestamp())
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET):
        await schedule(emu, world, days="mon-fri")
        answer = await (await emu.invoke(world.guild, world.channel, world.member, "discussion today")).message()
    assert answer.content == f"There is no question today; the next one comes <t:{monday}:R>, on <t:{monday}:F>."
