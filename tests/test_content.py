"""The shipped content pack: every file loads, counts, exact texts, offsets and reassembly."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.content import (
    EXCERPT_LIMIT,
    FACT_CATEGORIES,
    FACT_TEXT_LIMIT,
    PROMPT_TEXT_LIMIT,
    ContentPack,
    check_content,
    default_content_dir,
    load_content,
    reassemble,
)

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"

# The review files are the seed texts byte for byte; pin them so nobody "fixes" a typo.
REVIEW_SHA256 = {
    "reviews/brutal-symphony.txt": "350011a0ce6378fd99329795555ae59bb7d41492cd5e97c7374f2996cbcc3f2b",
    "reviews/self-driven-ambition.txt": "3367f8c909bcd39c537ca309b0d5173238c71be8b4c560f8a23d7806d4efc6db",
    "reviews/hbg-flash-kritik.txt": "15a61130c89d0e21fb1b2cfb06a3e5eb953260e04b8938233fba7fa7e4fdd7c5",
}


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_content(REPO_CONTENT)


def test_default_content_dir_is_the_repository_pack() -> None:
    assert default_content_dir() == REPO_CONTENT


def test_shipped_pack_has_no_problems() -> None:
    assert check_content(REPO_CONTENT) == []


def test_review_files_are_pinned() -> None:
    shipped = {f"reviews/{path.name}" for path in (REPO_CONTENT / "reviews").iterdir()}
    assert shipped == set(REVIEW_SHA256)
    for name, digest in REVIEW_SHA256.items():
        assert hashlib.sha256((REPO_CONTENT / name).read_bytes()).hexdigest() == digest, name


def test_counts(pack: ContentPack) -> None:
    assert len(pack.facts) >= 50
    assert len(pack.prompts) >= 40
    assert len(pack.reviews) == 3
    assert {review.id: len(pack.excerpts_for(review.id)) for review in pack.reviews} == {
        "brutal-symphony": 12,
        "self-driven-ambition": 7,
        "hbg-flash-kritik": 12,
    }


def test_facts(pack: ContentPack) -> None:
    assert len({fact.id for fact in pack.facts}) == len(pack.facts)
    assert set(pack.categories()) == set(FACT_CATEGORIES)
    for fact in pack.facts:
        assert 0 < len(fact.text_en) <= FACT_TEXT_LIMIT and 0 < len(fact.text_de) <= FACT_TEXT_LIMIT
        assert fact in pack.facts_by_category(fact.category)
    assert sum(len(pack.facts_by_category(category)) for category in pack.categories()) == len(pack.facts)


def test_seed_errors_are_not_facts(pack: ContentPack) -> None:
    levy = pack.fact("title-piece-by-hank-levy")
    assert "Hank Levy" in levy.text_en and "Hurwitz" in levy.text_en
    assert pack.film.runtime_minutes.value == 106
    assert pack.film.music.composer.value == "Justin Hurwitz"
    assert pack.film.music.title_piece.composers == ("Hank Levy",)
    assert pack.film.box_office.worldwide_usd.value == 49_000_000
    for fact in pack.facts:
        assert "Hurwitz" not in fact.text_en or "Whiplash" not in fact.text_en or "not a Hurwitz" in fact.text_en


def test_film_card_fields(pack: ContentPack) -> None:
    film = pack.film
    assert (film.title.value, film.year.value, film.director.value, film.writer.value) == (
        "Whiplash",
        2014,
        "Damien Chazelle",
        "Damien Chazelle",
    )
    assert [member.actor for member in film.main_cast()] == ["Miles Teller", "J. K. Simmons", "Paul Reiser"]
    assert film.awards.summary_en and film.box_office.summary_de


def test_prompts(pack: ContentPack) -> None:
    assert len({prompt.id for prompt in pack.prompts}) == len(pack.prompts)
    for prompt in pack.prompts:
        review = pack.review(prompt.review)
        assert prompt.passage in review.text
        assert len(prompt.text) <= PROMPT_TEXT_LIMIT and len(prompt.text_de) <= PROMPT_TEXT_LIMIT
        if review.spoiler:
            assert prompt.spoiler
        assert pack.prompt(prompt.id) is prompt
    assert {prompt.kind for prompt in pack.prompts} == {"seed-question", "drawn"}


def test_excerpts_are_exact_substrings(pack: ContentPack) -> None:
    for review in pack.reviews:
        excerpts = pack.excerpts_for(review.id)
        assert [excerpt.position for excerpt in excerpts] == list(range(1, len(excerpts) + 1))
        for excerpt in excerpts:
            assert review.text[excerpt.start : excerpt.end] == excerpt.text
            assert 0 < len(excerpt.text) <= EXCERPT_LIMIT
            assert excerpt.id == f"{review.id}-{excerpt.position}"
            assert pack.excerpt(excerpt.id) is excerpt


@pytest.mark.parametrize("review_id", ["brutal-symphony", "self-driven-ambition", "hbg-flash-kritik"])
def test_reassembly_is_byte_identical(pack: ContentPack, review_id: str) -> None:
    review = pack.review(review_id)
    rebuilt = reassemble(review, pack.excerpts_for(review_id))
    assert rebuilt.encode("utf-8") == (REPO_CONTENT / review.file).read_bytes()


def test_review_metadata(pack: ContentPack) -> None:
    symphony = pack.review("brutal-symphony")
    assert symphony.title == (
        "Whiplash: A Brutal Symphony of Perfection — Lessons in Leadership, Growth, and Obsession"
    )
    assert symphony.spoiler and all(excerpt.spoiler for excerpt in pack.excerpts_for(symphony.id))
    assert [block.role for block in symphony.blocks[:2]] == ["title", "spoiler-warning"]
    assert symphony.headings == (
        "Leadership: The Line Between Discipline and Humanity",
        "Professional Relationships and Power Games",
        "The Comeback: When Failure Becomes Freedom",
        "The Core Message: Human Perfection, Not Cruel Perfectionism",
        "Final Thoughts",
    )
    headings = [excerpt.heading for excerpt in pack.excerpts_for(symphony.id)]
    assert headings[:2] == [None, None]
    assert headings[2] == "Leadership: The Line Between Discipline and Humanity"
    assert headings[-1] == "Final Thoughts"
    # The empty line inside "The Comeback" is kept as part of a separator.
    comeback = [block for block in symphony.blocks if block.heading == "The Comeback: When Failure Becomes Freedom"]
    assert comeback[1].separator == "\n\n"

    ambition = pack.review("self-driven-ambition")
    first, second = pack.excerpts_for(ambition.id)[:2]
    assert first.attribution.publication == "Wikipedia" and first.attribution.license == "CC BY-SA 4.0"
    assert "Wikipedia" in first.attribution.credit
    assert second.attribution == ambition.attribution

    kritik = pack.review("hbg-flash-kritik")
    assert kritik.language == "de" and kritik.kind == "review"
    assert [excerpt.role for excerpt in pack.excerpts_for(kritik.id)][-2:] == ["info", "info"]
    assert "\n\u00a0\n" in {block.separator for block in kritik.blocks}


def test_lookups(pack: ContentPack) -> None:
    assert pack.themes() == tuple(sorted(pack.themes()))
    leadership = pack.excerpts_with_theme("leadership")
    assert leadership and all("leadership" in excerpt.themes for excerpt in leadership)
    assert pack.excerpts_for("no-such-review") == ()
    assert pack.prompts_for("hbg-flash-kritik")
    with pytest.raises(KeyError):
        pack.review("no-such-review")
    with pytest.raises(KeyError):
        pack.prompt("no-such-prompt")
