"""Shared field types, limits and the base model for the content pack."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

__all__ = [
    "EXCERPT_LIMIT",
    "FACT_CATEGORIES",
    "FACT_TEXT_LIMIT",
    "PROMPT_TEXT_LIMIT",
    "STANCE_ANSWER_LIMIT",
    "STANCE_MAX_ANSWERS",
    "STANCE_MIN_ANSWERS",
    "STANCE_QUESTION_LIMIT",
    "TITLE_LIMIT",
    "ContentModel",
    "FactCategory",
    "Language",
    "NonEmptyStr",
    "Slug",
    "SourceRef",
    "Theme",
]

EXCERPT_LIMIT = 3500
"""Longest excerpt text. An embed description holds 4096 characters; this leaves room for the
spoiler tags (``||…||``), an attribution line and a heading with a wide margin."""

FACT_TEXT_LIMIT = 500
"""Longest fact text (either language), so a fact sits comfortably in one embed."""

PROMPT_TEXT_LIMIT = 100
"""Longest discussion prompt (either language): it names the daily post's thread, and a thread name holds 100."""

STANCE_QUESTION_LIMIT = 300
"""Longest stance question (either language): Discord's limit for a poll's question."""

STANCE_ANSWER_LIMIT = 55
"""Longest stance answer (either language): Discord's limit for a poll answer."""

STANCE_MIN_ANSWERS, STANCE_MAX_ANSWERS = 2, 10
"""A stance offers 2 to 10 answers (Discord allows a poll 1 to 10; one answer is no stance)."""

TITLE_LIMIT = 256
"""Embed title limit; review titles and headings must fit."""

FactCategory = Literal[
    "story",
    "cast",
    "crew",
    "production",
    "music",
    "release",
    "box-office",
    "awards",
    "reception",
    "trivia",
]

FACT_CATEGORIES: tuple[str, ...] = get_args(FactCategory)
"""The fixed list of fact categories, in display order."""

Language = Literal["en", "de"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _no_outer_whitespace(value: str) -> str:
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    return value


NonEmptyStr = Annotated[str, AfterValidator(_not_blank), AfterValidator(_no_outer_whitespace)]
"""A string with visible text and no leading or trailing whitespace."""

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=100)]
"""A kebab-case identifier: lowercase letters and digits separated by single hyphens."""

Theme = Slug
"""A discussion theme, kebab-case (``leadership``, ``self-worth``)."""

SourceRef = Annotated[
    str,
    StringConstraints(pattern=r"^(?:https?://\S+|reviews/[a-z0-9-]+\.txt)$"),
]
"""Where a statement was checked: a web address or a shipped review file (``reviews/<name>.txt``)."""


class ContentModel(BaseModel):
    """Base for every content model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")
