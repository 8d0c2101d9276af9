"""Checks for what moderators and members type into `/prompts`: one clear sentence on bad input."""

from __future__ import annotations

import re

import discord

from bot.content.questions import question_problem
from bot.content.types import PROMPT_TEXT_LIMIT
from bot.errors import BadInput
from bot.i18n import tr
from bot.moderation.porting import SERVER_PASSAGE_LIMIT

PROMPT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PROMPT_ID_LIMIT = 100
SUGGESTION_LIMIT = PROMPT_TEXT_LIMIT


def clean_text(value: str, lang: str, *, limit: int = PROMPT_TEXT_LIMIT) -> str:
    """The prompt or suggestion text without outer whitespace: 1 to `limit` characters, and a complete question
    that stands alone (:func:`bot.content.questions.question_problem`), since it becomes the thread's title.

    The text may be in either language whatever the member's is, so both languages' rules apply.
    """
    text = value.strip()
    if not text:
        raise BadInput(tr(lang, "prompts.text_empty", limit=limit))
    if len(text) > limit:
        raise BadInput(tr(lang, "prompts.text_too_long", limit=limit, length=len(text)))
    problem = question_problem(text)
    if problem is not None:
        raise BadInput(tr(lang, f"prompts.question_{problem.code}", word=echo(problem.word)))
    return text


def clean_passage(value: str | None, lang: str) -> str | None:
    """An optional passage: None when not given; otherwise 1 to SERVER_PASSAGE_LIMIT characters."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        raise BadInput(tr(lang, "prompts.passage_empty", limit=SERVER_PASSAGE_LIMIT))
    if len(text) > SERVER_PASSAGE_LIMIT:
        raise BadInput(tr(lang, "prompts.passage_too_long", limit=SERVER_PASSAGE_LIMIT, length=len(text)))
    return text


def clean_prompt_id(value: str, lang: str) -> str:
    """A prompt id as typed (case and outer spaces forgiven): kebab-case, at most 100 characters."""
    prompt_id = value.strip().lower()
    if not prompt_id or len(prompt_id) > PROMPT_ID_LIMIT or not PROMPT_ID.match(prompt_id):
        raise BadInput(tr(lang, "prompts.bad_id", id=echo(value.strip()[:40] or "?")))
    return prompt_id


def echo(text: str) -> str:
    """Text a person wrote, safe to repeat: no @everyone, @here, role or user mention can resolve."""
    return discord.utils.escape_mentions(text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
