"""/film info and /film fact end to end: the real bot, a real SQLite file and the Discord emulator."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cards import distinct_sources
from bot.content import ContentPack
from bot.emulator import DiscordEmulator, StoredMessage
from bot.facts import link_target
from tests.conftest import World
from tests.harness import run_bot


def fact_text(message: StoredMessage) -> str:
    """The fact's text as shown (spoiler tags and warning line removed)."""
    description = message.embeds[0]["description"]
    return description.splitlines()[-1].removeprefix("||").removesuffix("||")


def fact_id(content: ContentPack, message: StoredMessage, lang: str = "en") -> str:
    text = fact_text(message)
    matches = [fact.id for fact in content.facts if fact.text(lang) == text]
    assert len(matches) == 1, f"not exactly one fact has the text {text!r}"
    return matches[0]


def button_id(message: StoredMessage) -> str:
    return str(message.components[0]["components"][0]["custom_id"])


async def test_film_info_in_english_and_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        english = await (await emu.invoke(world.guild, world.channel, world.member, "film info")).message()
        german = await (await emu.invoke(world.guild, world.channel, world.member, "film info", locale="de")).message()
    film = content.film
    assert english.embeds[0]["title"] == f"{film.title.value} ({film.year.value})"
    assert english.embeds[0]["description"].startswith(film.synopsis.en)
    assert german.embeds[0]["description"].startswith(film.synopsis.de)
    assert german.embeds[0]["description"].endswith("*Psychodrama · Musikdrama · USA*")
    en_fields = {field["name"]: field["value"] for field in english.embeds[0]["fields"]}
    de_fields = {field["name"]: field["value"] for field in german.embeds[0]["fields"]}
    assert en_fields["Director"] == film.director.value
    assert de_fields["Regie"] == film.director.value
    assert de_fields["Laufzeit"] == f"{film.runtime_minutes.value} Minuten"
    assert "**Paul Reiser** als Jim Neiman, Andrews Vater" in de_fields["Hauptbesetzung"]
    for message, sources_label in ((english, "Sources"), (german, "Quellen")):
        assert not re.search(r"\[\d+\]", str(message.embeds[0])), "no citation marks on the card"
        row = message.components[0]["components"]
        links = [(button["label"], button["url"]) for button in row if button["style"] == 5]
        assert links == [
            ("Wikipedia", "https://en.wikipedia.org/wiki/Whiplash_(2014_film)"),
            ("IMDb", "https://www.imdb.com/title/tt2582802/"),
            ("Letterboxd", "https://letterboxd.com/film/whiplash-2014/"),
        ]
        assert (row[-1]["label"], row[-1]["custom_id"]) == (sources_label, "film:sources:1")


def listed_links(message: StoredMessage) -> set[str]:
    return set(re.findall(r"\]\(([^)\s]+)\)", message.embeds[0]["description"]))


async def test_sources_button_lists_every_source_in_pages_that_turn_after_a_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    web = {link_target(source) for source in distinct_sources(content.film) if source.startswith("http")}
    async with run_bot(emu, tmp_path / "bot.db", content):
        card = await (await emu.invoke(world.guild, world.channel, world.member, "film info", locale="de")).message()
        first = await (await emu.click(card, "film:sources:1", world.member, locale="de")).message()
        assert first.ephemeral and first.embeds[0]["title"] == "Woher die Angaben zu Whiplash stammen"
        assert first.embeds[0]["footer"]["text"] == f"Seite 1 von 2 · {len(distinct_sources(content.film))} Quellen"
        assert "Kritik „Whiplash – Filmkritik“" in first.embeds[0]["description"]
        buttons = {b["label"]: b for b in first.components[0]["components"]}
        assert buttons["Zurück"]["disabled"] and buttons["Weiter"]["custom_id"] == "film:sources:2:turn"
        on_first_page = listed_links(first)  # (the emulator edits the stored message in place)
    async with run_bot(emu, tmp_path / "bot.db", content):  # a new process: the page buttons still work
        second = await (await emu.click(first, "film:sources:2:turn", world.member, locale="de")).message()
    assert second.id == first.id and second.ephemeral  # the same message, turned to its next page
    assert second.embeds[0]["footer"]["text"].startswith("Seite 2 von 2")
    reviews = {link_target(review.attribution.url) for review in content.reviews if review.attribution.url}
    listed = on_first_page | listed_links(second)
    assert web <= listed, "every web source is one click away"
    assert listed <= web | reviews


async def test_fact_category_button_no_repeats_and_restart(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    pool = {fact.id for fact in content.facts_by_category("music")}
    seen: list[str] = []
    async with run_bot(emu, tmp_path / "bot.db", content):
        handle = await emu.invoke(world.guild, world.channel, world.member, "film fact", {"category": "music"})
        message = await handle.message()
        assert not message.ephemeral
        assert button_id(message) == "fact:more:music"
        seen.append(fact_id(content, message))
        for _ in range(3):
            message = await (await emu.click(message, button_id(message), world.member)).message()
            seen.append(fact_id(content, message))
        embed = message.embeds[0]
        source = content.fact(seen[-1]).source
        assert embed["fields"][0]["value"].endswith(f"]({link_target(source)})"), "a web source is shown as a link"
        assert f"fact 4 of {len(pool)}" in embed["footer"]["text"]
    # a new process on the same database: the old message's button still works and still avoids repeats
    async with run_bot(emu, tmp_path / "bot.db", content):
        while len(seen) < len(pool):
            message = await (await emu.click(message, "fact:more:music", world.member)).message()
            seen.append(fact_id(content, message))
    assert len(set(seen)) == len(seen), f"a fact repeated before the category was exhausted: {seen}"
    assert set(seen) == pool
    assert all(content.fact(fact).category == "music" for fact in seen)


async def test_fact_without_category_in_german_and_spoilers_tagged(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    trivia = content.facts_by_category("trivia")
    async with run_bot(emu, tmp_path / "bot.db", content):
        handle = await emu.invoke(world.guild, world.channel, world.member, "film fact", locale="de")
        message = await handle.message()
        fact_id(content, message, "de")  # the German text of exactly one fact
        assert message.embeds[0]["fields"][0]["name"] == "Quelle"
        assert button_id(message) == "fact:more:"
        assert message.components[0]["components"][0]["label"] == "Noch ein Fakt"
        assert "(alle Kategorien)" in message.embeds[0]["footer"]["text"]
        spoilers_seen = 0
        message = await (
            await emu.invoke(world.guild, world.channel, world.member, "film fact", {"category": "trivia"})
        ).message()
        for _ in range(len(trivia)):
            shown = content.fact(fact_id(content, message))
            description = message.embeds[0]["description"]
            assert description.endswith(f"||{shown.text_en}||") == shown.spoiler
            spoilers_seen += shown.spoiler
            message = await (await emu.click(message, button_id(message), world.member)).message()
        assert spoilers_seen == sum(fact.spoiler for fact in trivia) > 0


async def test_fact_category_autocomplete_and_unknown_category(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        everything = await emu.autocomplete(world.guild, world.channel, world.member, "film fact", "category", "")
        assert [choice["value"] for choice in everything] == list(content.categories())
        music = await emu.autocomplete(world.guild, world.channel, world.member, "film fact", "category", "mus")
        assert [choice["value"] for choice in music] == ["music"]
        german = await emu.autocomplete(
            world.guild, world.channel, world.member, "film fact", "category", "handl", locale="de"
        )
        assert [choice["value"] for choice in german] == ["story"]
        assert german[0]["name"].startswith("Handlung")
        handle = await emu.invoke(world.guild, world.channel, world.member, "film fact", {"category": "drums"})
        message = await handle.message()
    assert message.ephemeral and not message.embeds
    assert "drums" in message.content and all(category in message.content for category in content.categories())
