"""Excerpt choice and formatting, search-query building and the FTS5 index on real SQLite files."""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.content import ContentPack
from bot.errors import BadInput
from bot.reviews import (
    CUSTOM_ID_LIMIT,
    EXCERPT_NAV_PREFIX,
    MAX_QUERY_TOKENS,
    PAGE_SIZE,
    build_match_query,
    ensure_search_index,
    excerpt_embed,
    excerpt_key,
    excerpt_themes,
    find_excerpt,
    index_rows,
    matching_excerpts,
    neighbours,
    pack_digest,
    resolve_review,
    resolve_theme,
    review_choices,
    review_list_embed,
    search_embed,
    search_excerpts,
    search_page_id,
    theme_choices,
    tokenize_query,
)
from bot.storage import Storage, load_migrations

FTS_SYNTAX = ['"', "*", "^", ":", "(", ")", "-", "+", "NEAR", "AND", "OR", "NOT", "{", "}", "'", "NEAR(", "\x00"]


# -- choosing and formatting excerpts --------------------------------------------------------------------


def test_resolve_review_by_id_or_title_and_a_clear_sentence_otherwise(content: ContentPack) -> None:
    review = content.reviews[0]
    assert resolve_review(content, None, "en") is None
    assert resolve_review(content, review.id.upper(), "en") == review
    assert resolve_review(content, f"  {review.title.lower()} ", "en") == review
    with pytest.raises(BadInput) as caught:
        resolve_review(content, "the-godfather", "en")
    assert "the-godfather" in caught.value.message
    assert all(r.id in caught.value.message for r in content.reviews)


def test_resolve_theme_and_combinations_without_a_passage(content: ContentPack) -> None:
    assert resolve_theme(content, "Leadership", "en") == "leadership"
    with pytest.raises(BadInput, match="tempo"):
        resolve_theme(content, "tempo", "en")
    german = content.review("hbg-flash-kritik")
    assert "leadership" not in excerpt_themes(content, german.id)
    with pytest.raises(BadInput) as caught:
        matching_excerpts(content, german, "leadership", "de")
    assert "leadership" in caught.value.message and "obsession" in caught.value.message
    chosen = matching_excerpts(content, german, "obsession", "en")
    assert chosen and all(e.review_id == german.id and "obsession" in e.themes for e in chosen)
    assert matching_excerpts(content, None, None, "en") == content.excerpts


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_excerpt_embed_is_exact_attributed_and_within_limits(content: ContentPack, lang: str) -> None:
    for excerpt in content.excerpts:
        embed = excerpt_embed(content, excerpt, lang)
        description = embed.description or ""
        assert len(description) <= 4096 and len(embed) <= 6000 and len(embed.title or "") <= 256
        assert all(len(field.value or "") <= 1024 for field in embed.fields)
        tagged = f"||{excerpt.text}||" if excerpt.spoiler else excerpt.text
        assert description.endswith(tagged), excerpt.id  # character for character
        if excerpt.heading:
            assert description.startswith(f"**{excerpt.heading}**")
        assert excerpt.attribution.credit in (embed.fields[0].value or "")


def test_the_wikipedia_paragraph_is_attributed_to_wikipedia(content: ContentPack) -> None:
    first = content.excerpts_for("self-driven-ambition")[0]
    value = excerpt_embed(content, first, "en").fields[0].value or ""
    assert "Wikipedia" in value and "en.wikipedia.org" in value
    second = content.excerpts_for("self-driven-ambition")[1]
    assert "Wikipedia" not in (excerpt_embed(content, second, "en").fields[0].value or "")


def test_neighbours_and_restart_proof_keys(content: ContentPack) -> None:
    for review in content.reviews:
        excerpts = content.excerpts_for(review.id)
        assert neighbours(content, excerpts[0])[0] is None
        assert neighbours(content, excerpts[-1])[1] is None
        for before, after in itertools.pairwise(excerpts):
            assert neighbours(content, before)[1] == after and neighbours(content, after)[0] == before
    for excerpt in content.excerpts:
        key = excerpt_key(excerpt.id)
        assert find_excerpt(content, key) == excerpt
        assert len(f"{EXCERPT_NAV_PREFIX}:next:{key}") <= CUSTOM_ID_LIMIT
    long_id = "x" * 150
    assert len(excerpt_key(long_id)) <= 21 and excerpt_key(long_id) == excerpt_key(long_id)
    assert find_excerpt(content, "no-such-excerpt") is None


def test_review_list_embed(content: ContentPack) -> None:
    embed = review_list_embed(content, "en")
    assert len(embed) <= 6000 and len(embed.fields) == len(content.reviews)
    for field, review in zip(embed.fields, content.reviews, strict=True):
        assert field.name == review.title
        assert f"{len(content.excerpts_for(review.id))} excerpts" in (field.value or "")
        assert ("English" if review.language == "en" else "German") in (field.value or "")
    german = review_list_embed(content, "de")
    assert "Deutsch" in "".join(field.value or "" for field in german.fields)


def test_autocomplete_choices_fit_discord(content: ContentPack) -> None:
    assert {value for _, value in review_choices(content, "")} == {r.id for r in content.reviews}
    assert [value for _, value in review_choices(content, "kritik")] == ["hbg-flash-kritik"]
    everything = theme_choices(content, "", None)
    assert len(everything) == 25 < len(excerpt_themes(content))
    for current in ("", "e", "le", "self"):
        for name, value in theme_choices(content, current, None):
            assert 1 <= len(name) <= 100 and current in value
    first = theme_choices(content, "pe", None)
    assert first[0][1].startswith("pe")  # prefix matches first
    german = {value for _, value in theme_choices(content, "", "hbg-flash-kritik")}
    assert german == set(excerpt_themes(content, "hbg-flash-kritik"))
    assert theme_choices(content, "", "unknown-review") == theme_choices(content, "", None)


def words_of(text: str) -> set[str]:
    """Every word of a text as FTS5's unicode61 tokenizer sees it (for ASCII words)."""
    return {word.casefold() for word in re.findall(r"[^\W_]+", text)}


# -- the search query ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fts(content: ContentPack) -> Iterator[sqlite3.Connection]:
    """The real schema (migrations) in a plain SQLite connection, with every excerpt indexed."""
    conn = sqlite3.connect(":memory:")
    for migration in load_migrations():
        conn.executescript(migration.sql)
    conn.executemany(
        "INSERT INTO excerpt_search (excerpt_id, review_id, heading, body) VALUES (?, ?, ?, ?)",
        [(row.excerpt_id, row.review_id, row.heading, row.body) for row in index_rows(content)],
    )
    yield conn
    conn.close()


def test_tokenize_query_keeps_words_only() -> None:
    assert tokenize_query('"unclosed') == ["unclosed"]
    assert tokenize_query("NEAR(") == ["near"]
    assert tokenize_query("a OR") == ["a", "or"]
    assert tokenize_query("***") == []
    assert tokenize_query("") == []
    assert tokenize_query("Für die Hände, FÜR") == ["für", "die", "hände"]
    assert tokenize_query("snake_case col:umn") == ["snake", "case", "col", "umn"]
    assert len(tokenize_query(" ".join(f"w{i}" for i in range(100)))) == MAX_QUERY_TOKENS


def test_build_match_query_quotes_every_word() -> None:
    assert build_match_query([]) is None
    assert build_match_query(["near", "or"]) == '"near" AND "or"'
    assert build_match_query(["a", "b"], any_word=True) == '"a" OR "b"'
    assert build_match_query(['x"y']) == '"x""y"'


_PIECES = st.sampled_from(FTS_SYNTAX) | st.text(max_size=8)
_QUERIES = st.one_of(
    st.text(max_size=200),
    st.lists(_PIECES, max_size=30).map(" ".join),
    st.lists(_PIECES, max_size=30).map("".join),
)


@given(text=_QUERIES)
@example(text="")
@example(text="***")
@example(text='"unclosed')
@example(text="NEAR(")
@example(text="a OR")
@example(text="fu\u0308r")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_no_text_makes_an_fts_syntax_error(fts: sqlite3.Connection, text: str) -> None:
    tokens = tokenize_query(text)
    assert len(tokens) <= MAX_QUERY_TOKENS
    for any_word in (False, True):
        match = build_match_query(tokens, any_word=any_word)
        assert (match is None) == (not tokens)
        if match is not None:
            fts.execute(
                "SELECT excerpt_id, snippet(excerpt_search, 3, '**', '**', '…', 32) FROM excerpt_search "
                "WHERE excerpt_search MATCH ? ORDER BY bm25(excerpt_search) LIMIT 5",
                (match,),
            ).fetchall()


@pytest.mark.parametrize(
    "text",
    ["fletcher andrew", "fletcher NOT andrew", "fletcher OR andrew", "andrew -fletcher", "NEAR(fletcher andrew)"],
)
def test_user_syntax_is_searched_as_words_not_operators(
    fts: sqlite3.Connection, content: ContentPack, text: str
) -> None:
    match = build_match_query(tokenize_query(text))
    assert match is not None
    found = {
        row[0] for row in fts.execute("SELECT excerpt_id FROM excerpt_search WHERE excerpt_search MATCH ?", (match,))
    }
    words = set(tokenize_query(text))
    expected = {e.id for e in content.excerpts if words <= words_of(f"{e.heading or ''} {e.text}")}
    assert found == expected


def test_search_page_ids_fit_or_are_left_out() -> None:
    assert search_page_id(2, ["fletcher"]) == "review:search:2:fletcher"
    assert search_page_id(2, ["x" * 40, "y" * 40, "z" * 40]) is None


# -- the index on real SQLite files ----------------------------------------------------------------------


async def test_index_is_built_once_and_rebuilt_when_the_pack_changes(content: ContentPack, tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        assert await ensure_search_index(storage, content)
        assert not await ensure_search_index(storage, content)
        assert await storage.excerpt_index_hash() == pack_digest(content)
    first = content.excerpts[0]
    changed = dataclasses.replace(
        content, excerpts=(first.model_copy(update={"text": "Ein Lied für die Trommel."}), *content.excerpts[1:])
    )
    assert pack_digest(changed) != pack_digest(content)
    async with await Storage.open(tmp_path / "bot.db") as storage:  # a restart with a changed pack
        assert await ensure_search_index(storage, changed)
        assert await storage.count_excerpt_matches(build_match_query(["fur"]) or "") == 1
        hits = await storage.search_excerpts(build_match_query(["fur"]) or "", limit=5)
        assert [hit.excerpt_id for hit in hits] == [first.id]
        assert "**für**" in hits[0].snippet
        total = await storage.read_one("SELECT count(*) FROM excerpt_search")
        assert total is not None and total[0] == len(content.excerpts)


async def test_search_ranks_pages_and_marks_hits(content: ContentPack, tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await ensure_search_index(storage, content)
        result = await search_excerpts(storage, "Fletcher", 1, "en")
        expected = [e.id for e in content.excerpts if "fletcher" in words_of(f"{e.heading or ''} {e.text}")]
        assert result.total == len(expected) and result.pages == -(-len(expected) // PAGE_SIZE)
        assert 0 < len(result.hits) <= PAGE_SIZE
        ranks = [hit.rank for hit in result.hits]
        assert ranks == sorted(ranks)
        everything = [
            h.excerpt_id
            for p in range(1, result.pages + 1)
            for h in (await search_excerpts(storage, "fletcher", p, "en")).hits
        ]
        assert sorted(everything) == sorted(expected)
        embed = search_embed(content, result, "en")
        assert len(embed) <= 6000 and "**Fletcher**" in (embed.description or "")
        for hit in result.hits:
            assert content.excerpt(hit.excerpt_id).spoiler == (
                f"||{' '.join(hit.snippet.split())}||" in (embed.description or "")
            )
        with pytest.raises(BadInput, match="at least one word"):
            await search_excerpts(storage, "***", 1, "en")
        with pytest.raises(BadInput, match="No passage contains"):
            await search_excerpts(storage, "xylophonequartett", 1, "en")
        some = await search_excerpts(storage, "tempo xylophonequartett", 1, "en")
        assert some.any_word and some.total > 0
        page = await search_excerpts(storage, "fletcher", 99, "en")
        assert page.page == page.pages  # past the end: the last page
        spoilers = await search_excerpts(storage, "perfection", 1, "de")
        text = search_embed(content, spoilers, "de").description or ""
        assert "||" in text and "Seite" in (search_embed(content, spoilers, "de").footer.text or "")


def test_pick_is_from_the_candidates(content: ContentPack) -> None:
    from bot.reviews import pick_excerpt

    candidates = content.excerpts_with_theme("leadership")
    rng = random.Random(5)
    assert all(pick_excerpt(candidates, rng) in candidates for _ in range(20))
