"""Excerpt splitting (property tests) and reassembly with forced splits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Chunk, build_excerpts, find_paragraphs, load_content, reassemble, split_paragraph

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"

WORDS = st.sampled_from(["jazz", "tempo", "drum", "Fletcher", "Andrew", "band", "rushing", "dragging", "caravan"])
TERMINATORS = st.sampled_from([".", "!", "?", "…", ".”", "?”"])


def _rebuild(chunks: list[Chunk]) -> str:
    return "".join(chunk.text + chunk.joiner for chunk in chunks)


@st.composite
def sentences(draw: st.DrawFn, max_length: int) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=8))
    sentence = " ".join(words).capitalize() + draw(TERMINATORS)
    return sentence[:max_length] if len(sentence) <= max_length else words[0][: max_length - 1] + "."


@given(text=st.text(), limit=st.integers(min_value=1, max_value=40))
def test_chunks_fit_and_rebuild_any_text(text: str, limit: int) -> None:
    chunks = split_paragraph(text, limit)
    assert _rebuild(chunks) == text
    for chunk in chunks:
        assert len(chunk.text) <= limit
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.joiner.strip() == ""
    if text:
        assert all(chunk.text for chunk in chunks)
    assert chunks[-1].end + len(chunks[-1].joiner) == len(text)


@given(text=st.text(max_size=60), limit=st.integers(min_value=60, max_value=100))
def test_short_text_is_one_chunk(text: str, limit: int) -> None:
    assert split_paragraph(text, limit) == [Chunk(text, 0, len(text), "")]


@settings(max_examples=200)
@given(data=st.data(), limit=st.integers(min_value=20, max_value=120))
def test_splits_at_sentence_boundaries_when_possible(data: st.DataObject, limit: int) -> None:
    parts = data.draw(st.lists(sentences(limit), min_size=1, max_size=12))
    separators = data.draw(st.lists(st.sampled_from([" ", "  ", " \t "]), min_size=len(parts), max_size=len(parts)))
    text = "".join(part + sep for part, sep in zip(parts, separators, strict=True)).rstrip()
    chunks = split_paragraph(text, limit)
    assert _rebuild(chunks) == text
    boundaries = set()
    position = 0
    for part, sep in zip(parts, separators, strict=True):
        boundaries.add(position)
        position += len(part) + len(sep)
    for chunk in chunks:
        assert len(chunk.text) <= limit
        assert chunk.start in boundaries, (chunk, text)
        assert chunk.text.rstrip("”").endswith((".", "!", "?", "…"))


@given(words=st.lists(WORDS, min_size=1, max_size=30), limit=st.integers(min_value=8, max_value=40))
def test_without_sentence_ends_splits_between_words(words: list[str], limit: int) -> None:
    text = " ".join(words)
    chunks = split_paragraph(text, limit)
    assert _rebuild(chunks) == text
    for chunk in chunks:
        assert len(chunk.text) <= limit
        assert all(word in words for word in chunk.text.split())  # no word was cut
        assert not chunk.text.startswith(" ") and not chunk.text.endswith(" ")
        assert chunk.joiner in ("", " ")


def test_hard_cut_only_inside_an_over_long_word() -> None:
    text = "short " + "x" * 25 + " end"
    chunks = split_paragraph(text, 10)
    assert [chunk.text for chunk in chunks] == ["short", "xxxxxxxxxx", "xxxxxxxxxx", "xxxxx end"]
    assert [chunk.joiner for chunk in chunks] == [" ", "", "", ""]


def test_initials_and_abbreviations_do_not_end_sentences() -> None:
    assert split_paragraph("Ein Satz. Und J. K. Simmons spielt.", 20)[0].text == "Ein Satz."
    assert split_paragraph("Kurz. Dauer ca. 107 Minuten.", 16)[0].text == "Kurz."
    assert split_paragraph("Er kam. Dann Mr. Kramer.", 16)[0].text == "Er kam."


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_paragraph("text", 0)


def test_find_paragraphs_skips_whitespace_lines() -> None:
    text = "Title\n\n  Body one.  \n\u00a0\nBody two."
    assert [text[start:end] for start, end in find_paragraphs(text)] == ["Title", "Body one.", "Body two."]


@pytest.mark.parametrize("limit", [40, 80, 200])
def test_forced_splits_still_reassemble_exactly(limit: int) -> None:
    pack = load_content(REPO_CONTENT)
    for review in pack.reviews:
        excerpts = build_excerpts(review, limit)
        assert len(excerpts) > len(pack.excerpts_for(review.id))
        assert reassemble(review, excerpts) == review.text
        assert [excerpt.position for excerpt in excerpts] == list(range(1, len(excerpts) + 1))
        for excerpt in excerpts:
            assert len(excerpt.text) <= limit
            assert review.text[excerpt.start : excerpt.end] == excerpt.text
            assert 1 <= excerpt.part <= excerpt.parts
        split = [excerpt for excerpt in excerpts if excerpt.parts > 1]
        assert split and all(excerpt.heading == review.blocks[excerpt.paragraph - 1].heading for excerpt in split)


def test_reassemble_rejects_missing_or_foreign_excerpts() -> None:
    pack = load_content(REPO_CONTENT)
    review = pack.review("brutal-symphony")
    excerpts = pack.excerpts_for(review.id)
    with pytest.raises(ValueError, match="no excerpt for paragraph"):
        reassemble(review, excerpts[1:])
    with pytest.raises(ValueError, match="belongs to review"):
        reassemble(review, (*excerpts, pack.excerpts_for("hbg-flash-kritik")[0]))
