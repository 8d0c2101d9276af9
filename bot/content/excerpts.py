"""Paragraph structure of review texts, excerpt splitting and exact reassembly.

Pure functions only: no files, no Discord. A review file is a sequence of lines; every line with
visible text is a paragraph, and everything between paragraphs (newlines, blank lines, lines of
only whitespace such as a lone no-break space) is kept verbatim as a separator, so the structured
form can always be turned back into the exact original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from bot.content.models import EXCERPT_ROLES, Block, Excerpt, ParagraphMeta, Review
from bot.content.types import EXCERPT_LIMIT

__all__ = [
    "ABBREVIATIONS",
    "Chunk",
    "alignment_problems",
    "build_blocks",
    "build_excerpts",
    "find_paragraphs",
    "reassemble",
    "split_paragraph",
]

ABBREVIATIONS: frozenset[str] = frozenset(
    {"Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Jr.", "Sr.", "vs.", "ca.", "bzw.", "vgl.", "Nr.", "z.B.", "u.a.", "d.h."}
)
"""Words ending in a full stop that do not end a sentence."""

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*$")
_INITIAL = re.compile(r"^(?:\w\.)+$")  # "J." or "J.K." - initials, not sentence ends


class Chunk(NamedTuple):
    """One piece of a split paragraph: ``text == paragraph[start:end]``.

    ``joiner`` is the exact text between this chunk and the next ("" after the last one), so
    ``"".join(c.text + c.joiner for c in chunks)`` rebuilds the paragraph.
    """

    text: str
    start: int
    end: int
    joiner: str


def find_paragraphs(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of every paragraph: each line with visible text, stripped."""
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = line_start + (len(line) - len(line.lstrip()))
            spans.append((start, start + len(stripped)))
        line_start += len(line) + 1
    return spans


def _is_sentence_end(text: str, cut: int) -> bool:
    """True if ``text[:cut]`` ends a sentence and ``text[cut]`` is whitespace."""
    if cut >= len(text) or not text[cut].isspace():
        return False
    word_start = cut
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:cut]
    if not _SENTENCE_END.search(word):
        return False
    bare = word.rstrip("\"'”’»)]")
    return bare not in ABBREVIATIONS and not _INITIAL.match(bare)


def _best_cut(text: str, pos: int, limit: int) -> int:
    """Where the chunk starting at ``pos`` should end: sentence end, else word end, else hard cut."""
    last = min(pos + limit, len(text) - 1)
    word_cut = -1
    for cut in range(last, pos, -1):
        if not text[cut].isspace() or text[cut - 1].isspace():
            continue
        if _is_sentence_end(text, cut):
            return cut
        if word_cut < 0:
            word_cut = cut
    return word_cut if word_cut > 0 else pos + limit


def split_paragraph(text: str, limit: int = EXCERPT_LIMIT) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``limit`` characters.

    A text within the limit is one chunk. Otherwise cuts go after the last sentence end that
    fits, else before the last word that fits, and only inside a word when a single word is
    longer than the limit. Whitespace at a cut is kept in the chunk's ``joiner``.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chunks: list[Chunk] = []
    pos = 0
    while len(text) - pos > limit:
        cut = _best_cut(text, pos, limit)
        resume = cut
        while resume < len(text) and text[resume].isspace():
            resume += 1
        chunks.append(Chunk(text[pos:cut], pos, cut, text[cut:resume]))
        pos = resume
    if pos < len(text) or not chunks:
        chunks.append(Chunk(text[pos:], pos, len(text), ""))
    return chunks


def alignment_problems(text: str, metas: Sequence[ParagraphMeta]) -> list[str]:
    """Reasons why the paragraph metadata does not line up with the paragraphs of ``text``."""
    spans = find_paragraphs(text)
    problems: list[str] = []
    if len(spans) != len(metas):
        problems.append(f"the file has {len(spans)} paragraphs but {len(metas)} are described")
    for number, ((start, end), meta) in enumerate(zip(spans, metas, strict=False), start=1):
        if not text[start:end].startswith(meta.starts):
            problems.append(f"paragraph {number} starts with {text[start:end][:40]!r}, expected {meta.starts!r}")
    return problems


def build_blocks(text: str, metas: Sequence[ParagraphMeta]) -> tuple[str, tuple[Block, ...]]:
    """The text before the first paragraph, and every paragraph as a :class:`Block`.

    The metadata must line up (see :func:`alignment_problems`).
    """
    spans = find_paragraphs(text)
    if len(spans) != len(metas):
        raise ValueError("paragraph metadata does not line up with the text")
    leading = text[: spans[0][0]] if spans else text
    blocks: list[Block] = []
    heading: str | None = None
    for number, ((start, end), meta) in enumerate(zip(spans, metas, strict=True), start=1):
        next_start = spans[number][0] if number < len(spans) else len(text)
        paragraph = text[start:end]
        if meta.role == "heading":
            heading = paragraph
        blocks.append(
            Block(
                index=number,
                role=meta.role,
                text=paragraph,
                start=start,
                end=end,
                separator=text[end:next_start],
                heading=heading if meta.role in EXCERPT_ROLES or meta.role == "heading" else None,
                meta=meta,
            )
        )
    return leading, tuple(blocks)


def build_excerpts(review: Review, limit: int = EXCERPT_LIMIT) -> tuple[Excerpt, ...]:
    """Every body and info paragraph of ``review`` as excerpts, long ones split to fit ``limit``."""
    excerpts: list[Excerpt] = []
    for block in review.blocks:
        if block.role not in EXCERPT_ROLES:
            continue
        chunks = split_paragraph(block.text, limit)
        for part, chunk in enumerate(chunks, start=1):
            position = len(excerpts) + 1
            excerpts.append(
                Excerpt(
                    id=f"{review.id}-{position}",
                    review_id=review.id,
                    position=position,
                    paragraph=block.index,
                    part=part,
                    parts=len(chunks),
                    heading=block.heading,
                    text=chunk.text,
                    start=block.start + chunk.start,
                    end=block.start + chunk.end,
                    joiner=chunk.joiner,
                    themes=block.meta.themes,
                    spoiler=review.spoiler or block.meta.spoiler,
                    attribution=block.meta.attribution or review.attribution,
                    role=block.role,
                    language=review.language,
                )
            )
    return tuple(excerpts)


def reassemble(review: Review, excerpts: Iterable[Excerpt]) -> str:
    """Rebuild the full review text from its structure and its excerpts.

    Title, warning and heading lines come from the review's blocks, paragraphs from the
    excerpts (parts joined by their joiners), separators as recorded from the original file.
    """
    parts_by_paragraph: dict[int, list[Excerpt]] = {}
    for excerpt in excerpts:
        if excerpt.review_id != review.id:
            raise ValueError(f"excerpt {excerpt.id!r} belongs to review {excerpt.review_id!r}")
        parts_by_paragraph.setdefault(excerpt.paragraph, []).append(excerpt)
    pieces = [review.leading]
    for block in review.blocks:
        if block.role in EXCERPT_ROLES:
            parts = sorted(parts_by_paragraph.get(block.index, []), key=lambda excerpt: excerpt.part)
            if not parts:
                raise ValueError(f"no excerpt for paragraph {block.index} of review {review.id!r}")
            pieces.extend(part.text + part.joiner for part in parts)
        else:
            pieces.append(block.text)
        pieces.append(block.separator)
    return "".join(pieces)
