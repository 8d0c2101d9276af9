"""The watch party's prompts (content/watchparty.yaml): one per sequence of the film, in story order (SPEC §9, §11).

No entry carries a minute: the research has no verified scene timeline, so the bot spreads the prompts evenly
across the film card's runtime. Each names the story fact (facts.yaml) its sequence comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import StringConstraints

from bot.content.models import Fact
from bot.content.problems import Problem
from bot.content.types import ContentModel, NonEmptyStr, Slug

__all__ = ["SEQUENCE_LIMIT", "WATCHPARTY_FILE", "WATCH_QUESTION_LIMIT", "WatchPrompt", "watchparty_problems"]

WATCHPARTY_FILE = "watchparty.yaml"
SEQUENCE_LIMIT = 100
WATCH_QUESTION_LIMIT = 300

SequenceText = Annotated[NonEmptyStr, StringConstraints(max_length=SEQUENCE_LIMIT)]
QuestionText = Annotated[NonEmptyStr, StringConstraints(max_length=WATCH_QUESTION_LIMIT)]


class Texts(ContentModel):
    """One text in English and German."""

    en: NonEmptyStr
    de: NonEmptyStr


class SequenceTexts(Texts):
    en: SequenceText
    de: SequenceText


class QuestionTexts(Texts):
    en: QuestionText
    de: QuestionText


class WatchPrompt(ContentModel):
    """A prompt for one sequence of the film: a short label of the sequence and a question about it."""

    id: Slug
    fact: Slug
    """The story fact (facts.yaml) that the sequence is verified by."""
    sequence: SequenceTexts
    question: QuestionTexts
    spoiler: bool
    """Shown behind spoiler bars; every shipped entry is one (a member may not have reached that part yet)."""

    def sequence_for(self, language: str) -> str:
        return self.sequence.de if language == "de" else self.sequence.en

    def question_for(self, language: str) -> str:
        return self.question.de if language == "de" else self.question.en


def watchparty_problems(prompts: list[tuple[str, WatchPrompt]], facts: Mapping[str, Fact]) -> list[Problem]:
    """What is wrong beyond each entry's shape: unknown or non-story facts, a sequence twice, questions that are
    not questions, an entry not flagged as a spoiler, an empty file."""
    problems: list[Problem] = []
    if not prompts:
        problems.append(Problem(WATCHPARTY_FILE, "", "has no prompts (a watch party needs at least one)"))
    used: dict[str, str] = {}
    for label, prompt in prompts:
        fact = facts.get(prompt.fact)
        if fact is None:
            problems.append(Problem(WATCHPARTY_FILE, label, f"fact {prompt.fact!r} is not in facts.yaml"))
        elif fact.category != "story":
            problems.append(Problem(WATCHPARTY_FILE, label, f"fact {prompt.fact!r} is not a story fact"))
        if prompt.fact in used:
            problems.append(
                Problem(WATCHPARTY_FILE, label, f"fact {prompt.fact!r} is already used by {used[prompt.fact]}")
            )
        used.setdefault(prompt.fact, label)
        for lang in ("en", "de"):
            if not prompt.question_for(lang).endswith("?"):
                problems.append(Problem(WATCHPARTY_FILE, label, f"question.{lang} must end with a question mark"))
        if not prompt.spoiler:
            problems.append(Problem(WATCHPARTY_FILE, label, "spoiler must be true: a sequence gives the story away"))
    return problems
