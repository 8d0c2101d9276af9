"""Typed, immutable models for facts, reviews, excerpts and prompts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bot.content.types import (
    EXCERPT_LIMIT,
    FACT_TEXT_LIMIT,
    PROMPT_TEXT_LIMIT,
    STANCE_ANSWER_LIMIT,
    STANCE_MAX_ANSWERS,
    STANCE_MIN_ANSWERS,
    STANCE_QUESTION_LIMIT,
    TITLE_LIMIT,
    ContentModel,
    FactCategory,
    Language,
    NonEmptyStr,
    Slug,
    SourceRef,
    Theme,
)

__all__ = [
    "EXCERPT_ROLES",
    "Attribution",
    "Block",
    "Excerpt",
    "Fact",
    "ParagraphMeta",
    "ParagraphRole",
    "Prompt",
    "PromptKind",
    "Review",
    "ReviewEntry",
    "ReviewKind",
    "Stance",
    "StanceAnswer",
]

ParagraphRole = Literal["title", "spoiler-warning", "heading", "body", "info"]
EXCERPT_ROLES: frozenset[str] = frozenset({"body", "info"})
"""Paragraph roles that become excerpts; the others are structure (title, warning, headings)."""

ReviewKind = Literal["essay", "encyclopedia+essay", "review"]
PromptKind = Literal["seed-question", "drawn"]

FactText = Annotated[NonEmptyStr, StringConstraints(max_length=FACT_TEXT_LIMIT)]
PromptText = Annotated[NonEmptyStr, StringConstraints(max_length=PROMPT_TEXT_LIMIT)]
StanceQuestion = Annotated[NonEmptyStr, StringConstraints(max_length=STANCE_QUESTION_LIMIT)]
StanceAnswerText = Annotated[NonEmptyStr, StringConstraints(max_length=STANCE_ANSWER_LIMIT)]
TitleText = Annotated[NonEmptyStr, StringConstraints(max_length=TITLE_LIMIT)]


class Fact(ContentModel):
    """One sourced fact in English and German."""

    id: Slug
    category: FactCategory
    text_en: FactText
    text_de: FactText
    source: SourceRef
    see_also: tuple[SourceRef, ...] = ()
    spoiler: bool
    note: NonEmptyStr | None = None

    def text(self, language: str) -> str:
        """The text in ``language`` ("de" gives German, anything else English)."""
        return self.text_de if language == "de" else self.text_en


class Attribution(ContentModel):
    """Who wrote a text and where it comes from; ``credit`` is the line shown under an excerpt."""

    credit: Annotated[NonEmptyStr, StringConstraints(max_length=200)]
    author: NonEmptyStr | None = None
    publication: NonEmptyStr | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    license: NonEmptyStr | None = None
    note: NonEmptyStr | None = None


class ParagraphMeta(ContentModel):
    """Metadata for one paragraph (non-blank line) of a review file, in file order."""

    role: ParagraphRole
    starts: NonEmptyStr
    themes: tuple[Theme, ...] = ()
    spoiler: bool = False
    attribution: Attribution | None = None
    note: NonEmptyStr | None = None


class ReviewEntry(ContentModel):
    """A review as described in ``reviews.yaml`` (without its text)."""

    id: Slug
    file: Annotated[str, StringConstraints(pattern=r"^reviews/[a-z0-9-]+\.txt$")]
    title: TitleText
    language: Language
    kind: ReviewKind
    spoiler: bool
    attribution: Attribution
    summary_en: NonEmptyStr
    summary_de: NonEmptyStr | None = None
    notes: tuple[NonEmptyStr, ...] = ()
    paragraphs: tuple[ParagraphMeta, ...] = Field(min_length=1)


class Block(ContentModel):
    """One paragraph of a review file as found in the text, with its metadata."""

    index: int = Field(ge=1)
    role: ParagraphRole
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    separator: str
    """The exact text between this paragraph and the next one (or the end of the file)."""
    heading: str | None
    meta: ParagraphMeta


class Review(ReviewEntry):
    """A loaded review: its metadata, exact text and paragraph structure."""

    text: str
    leading: str
    """Text before the first paragraph (normally empty)."""
    blocks: tuple[Block, ...]

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(block.text for block in self.blocks if block.role == "heading")

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(sorted({theme for block in self.blocks for theme in block.meta.themes}))


class Excerpt(ContentModel):
    """An exact passage of a review: a whole paragraph, or one part of a long one."""

    id: NonEmptyStr
    review_id: Slug
    position: int = Field(ge=1)
    """1-based order of the excerpt within its review."""
    paragraph: int = Field(ge=1)
    """1-based index of the paragraph (block) it comes from."""
    part: int = Field(ge=1)
    parts: int = Field(ge=1)
    heading: str | None
    text: Annotated[str, StringConstraints(min_length=1, max_length=EXCERPT_LIMIT)]
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    joiner: str = ""
    """Whitespace between this part and the next part of the same paragraph ("" for the last part)."""
    themes: tuple[Theme, ...]
    spoiler: bool
    attribution: Attribution
    role: ParagraphRole
    language: Language


class StanceAnswer(ContentModel):
    """One position a member can take, in English (``text``) and German (``text_de``)."""

    text: StanceAnswerText
    text_de: StanceAnswerText | None = None


class Stance(ContentModel):
    """A prompt's stance poll: a short question and 2-10 positions, posted as a native Discord poll.

    ``question_de`` and every answer's ``text_de`` come together: a stance is German throughout or not at all,
    so a German server never gets a poll with English answers under a German question.
    """

    question: StanceQuestion
    question_de: StanceQuestion | None = None
    answers: tuple[StanceAnswer, ...] = Field(min_length=STANCE_MIN_ANSWERS, max_length=STANCE_MAX_ANSWERS)

    @model_validator(mode="after")
    def _german_throughout(self) -> Stance:
        german = [answer.text_de is not None for answer in self.answers]
        if self.question_de is not None and not all(german):
            raise ValueError("question_de is set, so every answer needs its text_de")
        if self.question_de is None and any(german):
            raise ValueError("answers have text_de, so the stance needs question_de")
        return self

    @property
    def german(self) -> bool:
        return self.question_de is not None

    def question_for(self, language: str) -> str:
        """The question in ``language`` where the stance has it, else the one it has."""
        return self.question_de if language == "de" and self.question_de else self.question

    def answers_for(self, language: str) -> tuple[str, ...]:
        """The answers in ``language`` where the stance has it, in their order (the poll's answer ids 1..n)."""
        if language == "de" and self.question_de:
            return tuple(answer.text_de or answer.text for answer in self.answers)
        return tuple(answer.text for answer in self.answers)


class Prompt(ContentModel):
    """A discussion prompt and the exact passage of a review it grew from.

    ``text`` and ``text_de`` are complete questions that stand alone (:mod:`bot.content.questions`). A
    ``seed-question`` prompt names the review's own question in ``asks`` (verbatim, inside ``passage``); when
    that question stands alone, it is the prompt in the review's language as written.
    """

    id: Slug
    kind: PromptKind
    text: PromptText
    text_de: PromptText | None = None
    """Required for the pack's prompts (the loader checks it); a server's own prompt may be in one language."""
    asks: NonEmptyStr | None = None
    """The review's question, verbatim (seed questions only)."""
    review: Slug
    passage: NonEmptyStr
    themes: tuple[Theme, ...] = Field(min_length=1)
    spoiler: bool
    passage_translation: dict[Language, NonEmptyStr] = Field(default_factory=dict)
    """The project's own translation of ``passage`` into the other language, keyed by language."""
    stance: Stance | None = None
    """A stance poll posted with the prompt (optional)."""
    note: NonEmptyStr | None = None

    def passage_for(self, language: str, review_language: str) -> tuple[str, str | None]:
        """The exact passage, and the project's translation of it for a server in `language` (None when the
        passage is already in that language or no translation is shipped)."""
        if language == review_language:
            return self.passage, None
        return self.passage, self.passage_translation.get(language)  # type: ignore[call-overload]

    def text_for(self, language: str) -> str:
        """The German question for "de" when there is one, otherwise the English one."""
        if language == "de" and self.text_de is not None:
            return self.text_de
        return self.text
