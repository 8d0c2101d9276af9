"""/review list, excerpt and search end to end: the real bot, a real SQLite file and the Discord emulator."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from tests.conftest import World
from tests.harness import run_bot


async def run(emu: DiscordEmulator, world: World, command: str, locale: str = "en-US", **options: Any) -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, world.member, command, options or None, locale=locale)
    return await handle.message()


async def click(emu: DiscordEmulator, world: World, message: StoredMessage, custom_id: str) -> StoredMessage:
    return await (await emu.click(message, custom_id, world.member)).message()


def buttons(message: StoredMessage) -> dict[str, dict[str, Any]]:
    """Buttons by label."""
    return {b["label"]: b for row in message.components for b in row["components"]}


def shown_excerpt(content: ContentPack, message: StoredMessage) -> str:
    """The id of the excerpt a message shows, read from its 'Next' button (the restart-proof custom_id)."""
    custom_id = message.components[0]["components"][1]["custom_id"]
    return str(custom_id.rsplit(":", 1)[1])


async def test_review_list_in_english_and_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        english = (await run(emu, world, "review list")).embeds[0]
        german = (await run(emu, world, "review list", locale="de")).embeds[0]
    assert [field["name"] for field in english["fields"]] == [review.title for review in content.reviews]
    for field, review in zip(english["fields"], content.reviews, strict=True):
        assert f"{len(content.excerpts_for(review.id))} excerpts" in field["value"]
        assert review.id in field["value"]
    assert "German" in english["fields"][2]["value"] and "Deutsch" in german["fields"][2]["value"]
    assert german["title"] == "Kritiken im Inhaltspaket"


async def test_excerpt_is_exact_attributed_and_its_buttons_survive_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    wiki, second, third = content.excerpts_for("self-driven-ambition")[:3]
    async with run_bot(emu, tmp_path / "bot.db", content):
        message = await run(emu, world, "review excerpt", review="self-driven-ambition", theme="premise")
        embed = message.embeds[0]
        assert embed["description"] == wiki.text  # character for character, no spoiler: it is not one
        assert "Wikipedia" in embed["fields"][0]["value"]
        assert buttons(message)["Previous"]["disabled"] and not buttons(message)["Next"]["disabled"]
        message = await click(emu, world, message, buttons(message)["Next"]["custom_id"])
        assert message.embeds[0]["description"] == second.text
        assert "Wikipedia" not in message.embeds[0]["fields"][0]["value"]
    async with run_bot(emu, tmp_path / "bot.db", content):  # a new process: the old message's buttons still work
        message = await click(emu, world, message, buttons(message)["Next"]["custom_id"])
        assert message.embeds[0]["description"] == third.text
        assert shown_excerpt(content, message) == third.id
        message = await click(emu, world, message, buttons(message)["Previous"]["custom_id"])
        assert message.embeds[0]["description"] == second.text
        assert message.embeds[0]["footer"]["text"] == f"Passage {second.position} of 7"


async def test_spoiler_passages_are_tagged_and_headings_shown(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        message = await run(emu, world, "review excerpt", review="brutal-symphony", theme="leadership")
        excerpt = content.excerpt(shown_excerpt(content, message))
        assert excerpt.spoiler and "leadership" in excerpt.themes
        description = message.embeds[0]["description"]
        assert description.endswith(f"||{excerpt.text}||")
        if excerpt.heading:
            assert description.startswith(f"**{excerpt.heading}**")
        last = content.excerpts_for("brutal-symphony")[-1]
        while shown_excerpt(content, message) != last.id:
            message = await click(emu, world, message, buttons(message)["Next"]["custom_id"])
        assert buttons(message)["Next"]["disabled"]
        assert message.embeds[0]["description"] == f"**{last.heading}**\n\n||{last.text}||"


async def test_excerpt_autocomplete_and_bad_options(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        reviews = await emu.autocomplete(world.guild, world.channel, world.member, "review excerpt", "review", "")
        assert {choice["value"] for choice in reviews} == {review.id for review in content.reviews}
        themes = await emu.autocomplete(
            world.guild, world.channel, world.member, "review excerpt", "theme", "", {"review": "hbg-flash-kritik"}
        )
        german_themes = {theme for e in content.excerpts_for("hbg-flash-kritik") for theme in e.themes}
        assert {choice["value"] for choice in themes} == german_themes
        many = await emu.autocomplete(world.guild, world.channel, world.member, "review excerpt", "theme", "")
        assert len(many) == 25
        lead = await emu.autocomplete(world.guild, world.channel, world.member, "review excerpt", "theme", "lead")
        assert [choice["value"] for choice in lead] == ["leadership"]
        answers = [
            await run(emu, world, "review excerpt", review="the-godfather"),
            await run(emu, world, "review excerpt", theme="tempo"),
            await run(emu, world, "review excerpt", review="hbg-flash-kritik", theme="leadership"),
            await run(emu, world, "review excerpt", locale="de", review="hbg-flash-kritik", theme="leadership"),
        ]
    assert all(answer.ephemeral and not answer.embeds for answer in answers)
    assert "the-godfather" in answers[0].content and content.review("brutal-symphony").title in answers[0].content
    assert "brutal-symphony" not in answers[0].content  # titles, never ids
    assert "tempo" in answers[1].content
    assert "Leadership" in answers[2].content and "Obsession" in answers[2].content
    assert "“Whiplash – Filmkritik”" in answers[2].content
    assert "Kein Abschnitt" in answers[3].content


@pytest.mark.parametrize(
    ("locale", "typed", "answer"), [("en-US", "Brutal Symphony", "Passage"), ("de", "brutl symphny", "Abschnitt")]
)
async def test_excerpt_by_part_of_the_title_or_a_near_miss_with_titles_in_autocomplete(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, locale: str, typed: str, answer: str
) -> None:
    review = content.review("brutal-symphony")
    async with run_bot(emu, tmp_path / "bot.db", content):
        message = await run(emu, world, "review excerpt", locale=locale, review=typed)
        choices = await emu.autocomplete(
            world.guild, world.channel, world.member, "review excerpt", "review", typed[:6], locale=locale
        )
        nothing = await run(emu, world, "review excerpt", locale=locale, review="The Godfather")
    assert not message.ephemeral and message.embeds[0]["title"] == review.title
    assert content.excerpt(shown_excerpt(content, message)).review_id == review.id
    assert message.embeds[0]["footer"]["text"].startswith(answer)
    assert [choice["value"] for choice in choices] == [review.id]
    language_name = "English" if locale == "en-US" else "Englisch"
    assert choices[0]["name"] == f"{review.title} · {language_name}"
    assert nothing.ephemeral and review.title in nothing.content and review.id not in nothing.content
    assert nothing.content.startswith("No review is called" if locale == "en-US" else "Eine Kritik namens")


async def test_search_ignores_and_or_and_counts_in_words(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        english = await run(emu, world, "review search", query="leadership and growth or tempo")
        german = await run(emu, world, "review search", locale="de", query="Fletcher und der Schlagzeuger")
    for message in (english, german):
        description = message.embeds[0]["description"]
        assert "**" in description
        for stop in ("and", "or", "und", "der"):
            assert f"**{stop}**" not in description.lower()
    assert english.embeds[0]["title"] == "Search: leadership growth tempo"
    assert re.search(r"\d passages? found$", english.embeds[0]["footer"]["text"])
    assert re.search(r"\d Abschnitte? gefunden$", german.embeds[0]["footer"]["text"])


async def test_search_an_english_word_marks_hits_and_pages_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        message = await run(emu, world, "review search", query="growth")
        embed = message.embeds[0]
        description = embed["description"]
        assert "**growth**" in description.lower()
        assert re.findall(r"^\*\*(\d+)\. ", description, re.MULTILINE) == ["1", "2", "3", "4", "5"]
        assert "Page 1 of" in embed["footer"]["text"]
        next_id = buttons(message)["Next"]["custom_id"]
        assert next_id == "review:search:2:growth"
    async with run_bot(emu, tmp_path / "bot.db", content):
        second = await click(emu, world, message, next_id)
        assert "Page 2 of" in second.embeds[0]["footer"]["text"]
        assert second.embeds[0]["description"] != description
        assert re.findall(r"^\*\*(\d+)\. ", second.embeds[0]["description"], re.MULTILINE) == ["6"]


async def test_traumer_finds_traeumer_after_the_pack_changed(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    # ("für" itself is a stop word now, so the folding is shown on a word worth searching for)
    async with run_bot(emu, tmp_path / "bot.db", content):
        nothing = await run(emu, world, "review search", query="traumer")
        assert nothing.ephemeral and "traumer" in nothing.content
    target = content.excerpts_for("hbg-flash-kritik")[0]
    changed_text = target.text + " Ein Film für Träumer, die Musik lieben."
    excerpts = tuple(e.model_copy(update={"text": changed_text}) if e.id == target.id else e for e in content.excerpts)
    changed = dataclasses.replace(content, excerpts=excerpts)
    async with run_bot(emu, tmp_path / "bot.db", changed):  # the index is rebuilt because the pack changed
        found = await run(emu, world, "review search", query="traumer")
        german = await run(emu, world, "review search", query="TRAUMER", locale="de")
    assert "**Träumer**" in found.embeds[0]["description"]
    assert "**für**" not in found.embeds[0]["description"]
    assert german.embeds[0]["footer"]["text"] == "Seite 1 von 1 · 1 Abschnitt gefunden"


_RANDOM_ALPHABET = "abcdefghijklmnopqrstuvwxyzäöüß\"*^:()-+{}[]|\\/.,;!?'`~<>@#&%$ \n\t\u200b漢字😀"


@pytest.mark.parametrize(
    "query",
    ["", "   ", "***", '"unclosed', "NEAR(", "a OR", "OR", "-", "fletcher*", "(leadership", "NOT"]
    + ["".join(random.Random(seed).choices(_RANDOM_ALPHABET, k=500)) for seed in (1, 2)],
)
async def test_awkward_queries_get_a_sentence_or_results_never_an_error(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, query: str
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        answer = await run(emu, world, "review search", query=query)
    if answer.embeds:
        assert not answer.ephemeral and "Page 1 of" in answer.embeds[0]["footer"]["text"]
    else:
        assert answer.ephemeral
        assert answer.content.startswith(("Type at least one word", "No passage contains")), answer.content
    assert "Something went wrong" not in answer.content


async def test_search_sentences_in_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        empty = await run(emu, world, "review search", locale="de", query="***")
        nothing = await run(emu, world, "review search", locale="de", query="xylophonquartett")
    assert empty.content.startswith("Gib mindestens ein Wort")
    assert nothing.content.startswith("Kein Abschnitt enthält")
