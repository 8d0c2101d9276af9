"""A stance as a moderator types it into `/prompts add` or `/prompts edit`: "Question? | Answer | Answer".

One line per language (`stance`, `stance_de`), the question first, the answers after it, each separated by
`|`: the easiest shape to type in a slash command option, and the one a moderator can read back. Every
problem is one sentence in the moderator's language; nothing is stored then.
"""

from __future__ import annotations

from bot.content import Stance, StanceAnswer
from bot.content.types import STANCE_ANSWER_LIMIT, STANCE_MAX_ANSWERS, STANCE_MIN_ANSWERS, STANCE_QUESTION_LIMIT
from bot.errors import BadInput
from bot.i18n import tr, tr_count
from bot.moderation.inputs import echo, shorten

SEPARATOR = "|"
REMOVE = "-"
"""`stance: -` on `/prompts edit` takes the prompt's stance away."""
OPTION_LIMIT = STANCE_QUESTION_LIMIT + STANCE_MAX_ANSWERS * (STANCE_ANSWER_LIMIT + 3) + 3
"""Longest option value: a full question and ten full answers with their separators."""


def _parts(value: str, lang: str) -> tuple[str, list[str]]:
    parts = [part.strip() for part in value.split(SEPARATOR)]
    if len(parts) < 2 or any(not part for part in parts):
        raise BadInput(tr(lang, "prompts.stance_shape"))
    question, answers = parts[0], parts[1:]
    if not STANCE_MIN_ANSWERS <= len(answers) <= STANCE_MAX_ANSWERS:
        raise BadInput(tr(lang, "prompts.stance_answers", answers=tr_count(lang, "polls.answers", len(answers))))
    if len(question) > STANCE_QUESTION_LIMIT:
        raise BadInput(tr(lang, "prompts.stance_question_long", length=len(question), limit=STANCE_QUESTION_LIMIT))
    for answer in answers:
        if len(answer) > STANCE_ANSWER_LIMIT:
            raise BadInput(
                tr(
                    lang,
                    "prompts.stance_answer_long",
                    answer=echo(shorten(answer, 60)),
                    length=len(answer),
                    limit=STANCE_ANSWER_LIMIT,
                )
            )
    return question, answers


def parse_stance(value: str | None, value_de: str | None, lang: str) -> Stance | None:
    """The stance from the two options (None when neither is given); BadInput with one sentence otherwise."""
    if value is None:
        if value_de is not None:
            raise BadInput(tr(lang, "prompts.stance_de_alone"))
        return None
    question, answers = _parts(value, lang)
    if value_de is None:
        return Stance(question=question, answers=tuple(StanceAnswer(text=answer) for answer in answers))
    question_de, answers_de = _parts(value_de, lang)
    if len(answers_de) != len(answers):
        raise BadInput(tr(lang, "prompts.stance_mismatch", answers=tr_count(lang, "polls.answers", len(answers))))
    return Stance(
        question=question,
        question_de=question_de,
        answers=tuple(StanceAnswer(text=a, text_de=b) for a, b in zip(answers, answers_de, strict=True)),
    )
