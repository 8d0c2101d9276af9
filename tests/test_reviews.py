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
    review_match_score,
    search_embed,
    search_excerpts,
    search_page_id,
    theme_choices,
    theme_name,
    tokenize_query,
)
from bot.stopwords import is_stop_word
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
    assert caught.value.message.startswith("No review is called “the-godfather”.")
    assert all(r.title in caught.value.message for r in content.reviews)
    assert not any(r.id in caught.value.message for r in content.reviews), "ids are not for members"
    with pytest.raises(BadInput) as german:
        resolve_review(content, "der pate", "de")
    assert german.value.message.startswith("Eine Kritik namens „der pate“ gibt es nicht.")


@pytest.mark.parametrize(
    ("typed", "review_id"),
    [
        ("Brutal Symphony", "brutal-symphony"),  # part of the title (issue 12)
        ("brutal symphony", "brutal-symphony"),
        ("symphony of perfection", "brutal-symphony"),
        ("brutl symphny", "brutal-symphony"),  # typos
        ("Whiplash – Filmkritik", "hbg-flash-kritik"),
        ("filmkritik", "hbg-flash-kritik"),
        ("kritk", "hbg-flash-kritik"),
        ("self driven ambition", "self-driven-ambition"),
        ("Self-Driven", "self-driven-ambition"),
    ],
)
def test_resolve_review_by_part_of_its_title_or_a_near_miss(content: ContentPack, typed: str, review_id: str) -> None:
    chosen = resolve_review(content, typed, "en")
    assert chosen is not None and chosen.id == review_id
    assert review_match_score(chosen, typed) >= max(
        review_match_score(other, typed) for other in content.reviews if other.id != review_id
    )


def test_a_word_every_title_shares_asks_which_review_and_nonsense_matches_none(content: ContentPack) -> None:
    with pytest.raises(BadInput) as caught:
        resolve_review(content, "Whiplash", "en")
    assert caught.value.message.startswith("“Whiplash” fits several reviews:")
    assert all(review.title in caught.value.message for review in content.reviews)
    for nonsense in ("zzzz", "the godfather", "drums"):
        assert max(review_match_score(review, nonsense) for review in content.reviews) < 0.75


def test_resolve_theme_and_combinations_without_a_passage(content: ContentPack) -> None:
    assert resolve_theme(content, "Leadership", "en") == "leadership"
    with pytest.raises(BadInput, match="tempo"):
        resolve_theme(content, "tempo", "en")
    german = content.review("hbg-flash-kritik")
    assert "leadership" not in excerpt_themes(content, german.id)
    with pytest.raises(BadInput) as caught:
        matching_excerpts(content, german, "leadership", "de")
    assert caught.value.message.startswith("Kein Abschnitt von „Whiplash – Filmkritik“ hat das Thema „Führung“.")
    assert "Besessenheit" in caught.value.message and "obsession" not in caught.value.message
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
        source = embed.fields[0].value or ""
        review = content.review(excerpt.review_id)
        if excerpt.attribution != review.attribution:  # a quoted work keeps its own credit (Wikipedia)
            assert excerpt.attribution.credit in source
        else:  # the review as a source: its title, never what the pack does not know
            assert review.title.split(" — ")[0] in source and "unknown" not in source.lower()


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
        assert f"{len(content.excerpts_for(review.id))} passages" in (field.value or "")
        assert ("English" if review.language == "en" else "German") in (field.value or "")
    german = review_list_embed(content, "de")
    assert "Deutsch" in "".join(field.value or "" for field in german.fields)


def test_autocomplete_choices_fit_discord(content: ContentPack) -> None:
    assert {value for _, value in review_choices(content, "", "en")} == {r.id for r in content.reviews}
    assert [value for _, value in review_choices(content, "kritik", "en")] == ["hbg-flash-kritik"]
    for lang, language_name in (("en", "English"), ("de", "Englisch")):
        names = [name for name, _ in review_choices(content, "", lang)]
        assert all(len(name) <= 100 for name in names)
        assert names[0].startswith("Whiplash: A Brutal Symphony") and names[0].endswith(f" · {language_name}")
        assert not any(review.id in name for name in names for review in content.reviews)
    assert [value for _, value in review_choices(content, "brutl", "en")] == ["brutal-symphony"]  # a near miss
    assert [value for _, value in review_choices(content, "symphony", "de")] == ["brutal-symphony"]
    assert review_choices(content, "godfather", "en") == []
    everything = theme_choices(content, "", None, "en")
    assert len(everything) == 25 < len(excerpt_themes(content))
    for current in ("", "e", "le", "self"):
        for name, value in theme_choices(content, current, None, "en"):
            assert 1 <= len(name) <= 100 and current in value
    first = theme_choices(content, "pe", None, "en")
    assert first[0][1].startswith("pe")  # prefix matches first
    german = {value for _, value in theme_choices(content, "", "hbg-flash-kritik", "de")}
    assert german == set(excerpt_themes(content, "hbg-flash-kritik"))
    assert theme_choices(content, "", "unknown-review", "en") == theme_choices(content, "", None, "en")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_theme_has_a_name_in_both_languages_and_no_slug_shows(content: ContentPack, lang: str) -> None:
    for theme in excerpt_themes(content):
        name = theme_name(theme, lang)
        assert name[0].isupper() and "-" not in name.replace("Self-", "").replace("Burn-out", ""), name
        assert resolve_theme(content, name, "en") == theme  # a member may type the name in either language
    assert theme_choices(content, "führ", None, "de") == [("Führung", "leadership")]
    assert theme_choices(content, "self", None, "en")[0] == ("Self-destruction", "self-destruction")
    with pytest.raises(BadInput) as caught:
        resolve_theme(content, "tempo", lang)
    assert ("Selbstwert" if lang == "de" else "Self-worth") in caught.value.message
    assert "self-worth" not in caught.value.message


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
        assert await ensure_search_index(storage.content_state, content)
        assert not await ensure_search_index(storage.content_state, content)
        assert await storage.content_state.excerpt_index_hash() == pack_digest(content)
    first = content.excerpts[0]
    changed = dataclasses.replace(
        content, excerpts=(first.model_copy(update={"text": "Ein Lied für die Trommel."}), *content.excerpts[1:])
    )
    assert pack_digest(changed) != pack_digest(content)
    async with await Storage.open(tmp_path / "bot.db") as storage:  # a restart with a changed pack
        assert await ensure_search_index(storage.content_state, changed)
        assert await storage.content_state.count_excerpt_matches(build_match_query(["fur"]) or "") == 1
        hits = await storage.content_state.search_excerpts(build_match_query(["fur"]) or "", limit=5)
        assert [hit.excerpt_id for hit in hits] == [first.id]
        assert "**für**" in hits[0].snippet
        total = await storage.read_one("SELECT count(*) FROM excerpt_search")
        assert total is not None and total[0] == len(content.excerpts)


async def test_search_ranks_pages_and_marks_hits(content: ContentPack, tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await ensure_search_index(storage.content_state, content)
        result = await search_excerpts(storage.content_state, "Fletcher", 1, "en")
        expected = [e.id for e in content.excerpts if "fletcher" in words_of(f"{e.heading or ''} {e.text}")]
        assert result.total == len(expected) and result.pages == -(-len(expected) // PAGE_SIZE)
        assert 0 < len(result.hits) <= PAGE_SIZE
        ranks = [hit.rank for hit in result.hits]
        assert ranks == sorted(ranks)
        everything = [
            h.excerpt_id
            for p in range(1, result.pages + 1)
            for h in (await search_excerpts(storage.content_state, "fletcher", p, "en")).hits
        ]
        assert sorted(everything) == sorted(expected)
        embed = search_embed(content, result, "en")
        assert len(embed) <= 6000 and "**Fletcher**" in (embed.description or "")
        for hit in result.hits:
            assert content.excerpt(hit.excerpt_id).spoiler == (
                f"||{' '.join(hit.snippet.split())}||" in (embed.description or "")
            )
        with pytest.raises(BadInput, match="at least one word"):
            await search_excerpts(storage.content_state, "***", 1, "en")
        with pytest.raises(BadInput, match="No passage contains"):
            await search_excerpts(storage.content_state, "xylophonequartett", 1, "en")
        some = await search_excerpts(storage.content_state, "tempo xylophonequartett", 1, "en")
        assert some.any_word and some.total > 0
        page = await search_excerpts(storage.content_state, "fletcher", 99, "en")
        assert page.page == page.pages  # past the end: the last page
        spoilers = await search_excerpts(storage.content_state, "perfection", 1, "de")
        text = search_embed(content, spoilers, "de").description or ""
        assert "||" in text and "Seite" in (search_embed(content, spoilers, "de").footer.text or "")


def test_pick_is_from_the_candidates(content: ContentPack) -> None:
    from bot.reviews import pick_excerpt

    candidates = content.excerpts_with_theme("leadership")
    rng = random.Random(5)
    assert all(pick_excerpt(candidates, rng) in candidates for _ in range(20))


# -- stop words ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["and", "AND", "or", "the", "of", "und", "oder", "für", "FUR", "über", "der", "das"])
def test_common_english_and_german_words_are_stop_words(word: str) -> None:
    assert is_stop_word(word)


@pytest.mark.parametrize("word", ["tempo", "fletcher", "drummer", "die", "war", "will", "man", "not-a-word", "jazz"])
def test_words_with_meaning_in_either_language_are_kept(word: str) -> None:
    assert not is_stop_word(word)  # "die" and "war" mean something in English, "will" and "man" in German


async def test_search_ignores_stop_words_for_matching_and_marking(content: ContentPack, tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await ensure_search_index(storage.content_state, content)
        plain = await search_excerpts(storage.content_state, "leadership growth", 1, "en")
        with_and = await search_excerpts(storage.content_state, "leadership and growth", 1, "en")
        assert with_and.tokens == ("leadership", "growth") and with_and.total == plain.total
        assert [h.excerpt_id for h in with_and.hits] == [h.excerpt_id for h in plain.hits]
        german = await search_excerpts(storage.content_state, "Fletcher oder und der Schlagzeuger", 1, "de")
        assert german.tokens == ("fletcher", "schlagzeuger")
        for result in (with_and, german):
            text = search_embed(content, result, "en").description or ""
            marked = {word.casefold() for word in re.findall(r"\*\*([^*\n]+?)\*\*", text) if " " not in word}
            assert marked and not any(is_stop_word(word) for word in marked), marked
        with pytest.raises(BadInput) as only_stop_words:
            await search_excerpts(storage.content_state, "and or the", 1, "en")
        assert only_stop_words.value.message.startswith("Type at least one word that says more")
        with pytest.raises(BadInput, match="mehr sagt als"):
            await search_excerpts(storage.content_state, "und oder", 1, "de")


@pytest.mark.parametrize(
    ("lang", "one", "many"),
    [("en", "1 passage found", "passages found"), ("de", "1 Abschnitt gefunden", "Abschnitte gefunden")],
)
async def test_search_footer_counts_passages_in_words(
    content: ContentPack, tmp_path: Path, lang: str, one: str, many: str
) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await ensure_search_index(storage.content_state, content)
        counts = {}
        for word in (
            "tempo",
            "fletcher",
            "perfection",
            "schlagzeug",
            "nacht",
            "blut",
            "caravan",
            "rushing",
            "dragging",
        ):
            try:
                result = await search_excerpts(storage.content_state, word, 1, lang)
            except BadInput:
                continue
            counts[result.total] = search_embed(content, result, lang).footer.text or ""
        assert 1 in counts, f"no single-hit word among the samples: {sorted(counts)}"
        assert counts[1].endswith(one)
        assert any(total > 1 and footer.endswith(f"{total} {many}") for total, footer in counts.items())
