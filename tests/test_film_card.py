"""The /film info card, its link buttons and source pages, and the checks on the synopsis and the film's links."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cards import (
    card_sources,
    distinct_sources,
    film_card,
    film_links,
    source_link,
    source_pages,
    sources_embed,
    web_label,
)
from bot.content import ContentPack, check_content
from bot.facts import link_target

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target


def edit_film(pack_dir: Path, change: Callable[[dict[str, Any]], None]) -> list[str]:
    """Change the copy's film record and return check_content's problem lines."""
    path = pack_dir / "film.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["film"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [str(problem) for problem in check_content(pack_dir)]


# -- the card ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_card_is_clean_complete_and_within_limits(content: ContentPack, lang: str) -> None:
    film = content.film
    embed = film_card(film, lang)
    text = " ".join([embed.title or "", embed.description or ""] + [f"{f.name} {f.value}" for f in embed.fields])
    assert not re.search(r"\[\d+\]", text), "no citation marks on the card"
    assert "http" not in text and "reviews/" not in text
    assert embed.title == "Whiplash (2014)"
    assert (embed.description or "").startswith(film.synopsis.text(lang))
    fields = {field.name: field.value or "" for field in embed.fields}
    names = (
        ["Director", "Writer", "Runtime", "Main cast", "Music", "Awards", "Box office"]
        if lang == "en"
        else ["Regie", "Drehbuch", "Laufzeit", "Hauptbesetzung", "Musik", "Auszeichnungen", "Einspielergebnis"]
    )
    assert list(fields) == names
    assert fields[names[2]] == ("106 minutes" if lang == "en" else "106 Minuten")
    assert all(member.actor in fields[names[3]] for member in film.main_cast(4))
    assert "Hank Levy" in fields[names[4]] and "Justin Hurwitz" in fields[names[4]]
    assert len(embed) <= 6000 and all(len(value) <= 1024 for value in fields.values())


def test_genres_and_country_in_the_members_language(content: ContentPack) -> None:
    english = film_card(content.film, "en").description or ""
    german = film_card(content.film, "de").description or ""
    assert english.endswith("*Psychological drama · Music drama · United States*")
    assert german.endswith("*Psychodrama · Musikdrama · USA*")


def test_link_buttons_go_to_the_films_pages(content: ContentPack) -> None:
    assert [(link.label, link.url) for link in film_links(content.film)] == [
        ("Wikipedia", "https://en.wikipedia.org/wiki/Whiplash_(2014_film)"),
        ("IMDb", "https://www.imdb.com/title/tt2582802/"),
        ("Letterboxd", "https://letterboxd.com/film/whiplash-2014/"),
    ]


# -- the source pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [3800, 600, 200])
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_source_is_listed_as_a_link_and_none_is_cut_off(content: ContentPack, lang: str, limit: int) -> None:
    pages = source_pages(content, lang, limit)
    # a page holds at most `limit` characters, unless one line alone is longer (then it stands alone, uncut)
    assert all(len(page) <= limit or len(page.splitlines()) <= 2 for page in pages)
    listed = set(LINK.findall("\n".join(pages)))
    for source in distinct_sources(content.film):
        if source.startswith("http"):
            assert link_target(source) in listed, source
        else:
            review = content.review(source.removeprefix("reviews/").removesuffix(".txt"))
            assert review.title in "\n".join(pages)
    assert not any(page.rstrip().endswith("…") for page in pages)
    if limit == 200:
        assert len(pages) > 5 and any("(continued)" in p or "(Fortsetzung)" in p for p in pages)


def test_sources_cover_every_part_of_the_card(content: ContentPack) -> None:
    film = content.film
    parts = dict(card_sources(film))
    assert set(film.synopsis.sources) <= set(parts["film.sources.synopsis"])
    assert set(film.links.sources) <= set(parts["film.sources.links"])
    for entry in film.awards.entries:
        assert set(entry.sources) <= set(parts["film.awards"])
    assert len(distinct_sources(film)) > 24  # the old card cut its list at 11 of 24


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_review_source_is_named_by_its_title_never_its_file(content: ContentPack, lang: str) -> None:
    review = content.review("hbg-flash-kritik")
    line = source_link("reviews/hbg-flash-kritik.txt", content, lang)
    assert review.title in line and "hbg-flash-kritik" not in line.split("](")[0]
    assert line.startswith("[Review “" if lang == "en" else "[Kritik „")


def test_web_labels_say_the_site_and_the_page() -> None:
    assert web_label("https://en.wikipedia.org/wiki/Whiplash_(2014_film)") == "en.wikipedia.org · Whiplash (2014 film)"
    assert (
        web_label("https://www.theguardian.com/film/2015/jun/19/whiplash-japan-oscar-box-office")
        == "theguardian.com · whiplash japan oscar box office"
    )
    assert web_label("http://afi.com/members/catalog/whiplash.aspx") == "afi.com · whiplash"
    assert web_label("https://filmdienst.de/film/fd/42916") == "filmdienst.de"
    assert len(web_label("https://example.org/" + "a-" * 80)) <= 70


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sources_embed_pages_and_counts_in_words(content: ContentPack, lang: str) -> None:
    count = len(distinct_sources(content.film))
    embed, page, pages = sources_embed(content, lang, 99)
    assert page == pages and len(embed.description or "") <= 4096 and len(embed) <= 6000
    footer = embed.footer.text or ""
    assert footer.endswith(f"{count} sources" if lang == "en" else f"{count} Quellen")
    if pages > 1:
        assert footer.startswith(f"Page {pages} of {pages}" if lang == "en" else f"Seite {pages} von {pages}")


# -- validation of the synopsis and the links ----------------------------------------------------------


def test_synopsis_in_both_languages_without_the_ending(content: ContentPack) -> None:
    synopsis = content.film.synopsis
    assert synopsis.en and synopsis.de and synopsis.en != synopsis.de
    spoilers = [fact for fact in content.facts if fact.spoiler]
    for fact_text in (fact.text_en for fact in spoilers):
        assert fact_text not in synopsis.en


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda film: film["synopsis"].update(en=film["synopsis"]["en"] + " In the finale he plays Caravan."),
            "film.yaml: film: synopsis.en must not tell the ending (mentions 'finale')",
        ),
        (
            lambda film: film["synopsis"].update(de=("Andrew trommelt. " * 50).strip()),
            "film.yaml: film: synopsis.de is 849 characters long; at most 600 fit above the card's facts",
        ),
        (
            lambda film: film["synopsis"].update(en="andrew drums"),
            "film.yaml: film: synopsis.en must be whole sentences: a capital first letter and a full stop at the end",
        ),
        (lambda film: film["synopsis"].pop("de"), "film.yaml: film: synopsis.de is missing"),
        (lambda film: film.pop("synopsis"), "film.yaml: film: synopsis is missing"),
    ],
)
def test_a_broken_synopsis_is_named(pack_dir: Path, change: Callable[[dict[str, Any]], None], problem: str) -> None:
    problems = edit_film(pack_dir, change)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda film: film["links"].update(imdb="2582802"), "links.imdb"),
        (lambda film: film["links"].update(letterboxd="film/whiplash-2014/"), "links.letterboxd"),
        (
            lambda film: film["links"].update(wikipedia_en="https://en.wikipedia.org/wiki/Whiplash"),
            "links.wikipedia_en",
        ),
        (lambda film: film["links"].update(imdb="tt0000001"), "is not the film's imdb_id tt2582802"),
        (lambda film: film["links"].update(wikipedia_en="Whiplash_(2013_film)"), "is not among the title's sources"),
        (lambda film: film.update(genre_de=["Psychodrama"]), "genre_de must name the same genres"),
        (lambda film: film["links"].pop("sources"), "links.sources is missing"),
    ],
)
def test_broken_film_links_are_named(pack_dir: Path, change: Callable[[dict[str, Any]], None], needle: str) -> None:
    problems = edit_film(pack_dir, change)
    assert len(problems) == 1 and problems[0].startswith("film.yaml: film:") and needle in problems[0], problems
