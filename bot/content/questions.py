"""The rules a discussion prompt meets before a member reads it: a complete question that stands alone.

A prompt titles the daily post's thread (or forum post), so it must read as a question on its own, without the
essay around it. :func:`question_problem` checks one text and names the first rule it breaks:

* ``empty`` / ``too_long``: 1 to :data:`QUESTION_LIMIT` characters (a thread name holds 100);
* ``lowercase_start``: it starts with a capital letter (or a digit; opening quotes are skipped);
* ``no_question_mark``: it ends with ``?``;
* ``several_questions``: one question, not two (``?`` followed by more text);
* ``too_short``: at least three words ("Why?" asks nothing on its own);
* ``indirect``: not the word order of an embedded question (``how deeply this story applies …``,
  ``what you care about``, ``wie weit das Psychospiel noch gehen mag``): after a question word (and, after
  how/wie, one adverb) comes a verb, never a subject such as a pronoun or an article;
* ``dangling_pronoun``: no pronoun that points outside the question.

The pronoun rule is a heuristic, deliberately small and predictable. Words that address the reader or a group
the reader belongs to (I, you, we; ich, du, wir, man) are fine. A third-person pronoun needs something named
before it in the same question:

* he/she words (he, him, his, she, her …; er, ihn, ihm, sein …) need a person: a name (a capitalised word that is
  not the first word; in German any noun, since German capitalises nouns) or a person word (someone, teacher,
  drummer …; jemand, man …);
* they/it/this/that words (they, them, it, this, these …; sie, es, das, dies …) need any noun phrase before them:
  a name, a person word or a word after an article or possessive ("the film", "your work"). "It" and "es" may
  also open a question whose subject follows ("Is it fair to …?", "Lohnt es sich, …?"); "that" counts only as
  a pronoun right after a question word or an auxiliary ("Is that fair?"), not as a conjunction; German "das"
  before a noun is an article, and "sein" at the end of a clause is the verb.

The rules for a language apply to text in that language; ``language=None`` (a moderator's own prompt, whose
language is not known) applies both, which is safe because the word lists of the two languages barely overlap.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal

from bot.content.types import PROMPT_TEXT_LIMIT

__all__ = ["QUESTION_LIMIT", "QuestionProblem", "question_problem"]

QUESTION_LIMIT = PROMPT_TEXT_LIMIT
"""Longest prompt in either language: Discord's limit for a thread or forum post name."""

ProblemCode = Literal[
    "empty",
    "too_long",
    "lowercase_start",
    "no_question_mark",
    "several_questions",
    "too_short",
    "indirect",
    "dangling_pronoun",
]


@dataclass(frozen=True, slots=True)
class QuestionProblem:
    """The first rule a prompt text breaks: a code (the locale key ``prompts.question_<code>``) and the word."""

    code: ProblemCode
    word: str = ""

    def reason(self, field: str = "text") -> str:
        """One English line for ``whiplash-bot check`` and the import report."""
        return f"{field} {_REASONS[self.code].format(word=self.word, limit=QUESTION_LIMIT)}"


_REASONS: dict[str, str] = {
    "empty": "is empty",
    "too_long": "is longer than {limit} characters (it names the thread)",
    "lowercase_start": "must start with a capital letter",
    "no_question_mark": "must end with a question mark",
    "several_questions": "must ask one question, not several",
    "too_short": "is too short to be a question that stands alone",
    "indirect": "reads as part of a sentence, not as a question (“{word} …”)",
    "dangling_pronoun": "uses “{word}” without saying who or what it means",
}

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_OPENERS = "\"'„“‚‘«»(["
_SECOND_QUESTION = re.compile(r"\?(?![\"'“”’»)\]]*$)(?=[\"'“”’»)\]]*\s+\S)")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# ---- English -------------------------------------------------------------------------------------

_EN_AUX = _words(
    "am is are was were be been being do does did have has had can could will would shall should may might must "
    "ought need dare"
)
_EN_WH = _words("how what why when where who whom whether")
_EN_SUBJECT_START = _words(
    "i you he she it we they this that these those the a an my your his her its our their some many most all "
    "every each no someone somebody anyone anybody everyone people"
)
_EN_DETERMINERS = _words(
    "the a an my your our his her its their this that these those some any every each no another other such "
    "one's either neither"
)
_EN_PERSON = _words(
    "someone somebody anyone anybody everyone everybody nobody person people man men woman women boy girl child "
    "children kid teacher student pupil drummer musician player artist leader mentor boss coach conductor "
    "instructor father mother dad mom mum parent friend girlfriend boyfriend partner colleague manager professor "
    "protagonist hero character band group family who one member members fan fans viewer viewers"
)
_EN_HE = _words("he him his himself she her hers herself")
_EN_THEY = _words("they them their theirs themselves this these those")
_EN_IT = _words("it its itself")
_EN_EXTRAPOSED = _words("to that whether if when how why what for")

# ---- German --------------------------------------------------------------------------------------

_DE_AUX = _words(
    "bin bist ist sind seid war warst waren wart sei wäre wären habe hast hat haben habt hatte hatten hätte "
    "hätten kann kannst können könnt konnte konnten könnte könnten muss musst müssen müsst musste müsste "
    "müssten soll sollst sollen sollte sollten will willst wollen wollte darf darfst dürfen dürfte wird wirst "
    "werden würde würden mag magst mögen möchte möchtest lässt lassen"
)
_DE_WH = _words(
    "wie warum wieso weshalb wann wo woher wohin wer wen wem wessen was ob inwiefern womit wofür worüber woran wodurch"
)
_DE_SUBJECT_START = _words(
    "ich du er sie es wir ihr man der die das den dem des ein eine einen einem einer eines mein meine dein "
    "deine sein seine unser unsere euer eure ihre dies diese dieser dieses jemand niemand jeder jede alle "
    "manche viele"
)
_DE_DETERMINERS = _words(
    "der die das den dem des ein eine einen einem einer eines mein meine meinen meinem meiner dein deine "
    "deinen deinem deiner sein seine seinen seinem seiner unser unsere euer eure ihre ihren ihrem ihrer jede "
    "jeder jedes jeden manche viele alle kein keine keinen solche"
)
_DE_PERSON = _words("jemand jemandem jemanden niemand man jeder jede wer alle")
_DE_HE = _words("er ihn ihm seine seinen seinem seiner seines sein")
_DE_THEY = _words("sie ihre ihren ihrem ihrer ihres dies diese dieser dieses diesem diesen das")
_DE_IT = frozenset({"es"})
_DE_EXTRAPOSED = _words("zu dass ob wenn wie was warum")


@dataclass(frozen=True, slots=True)
class _Rules:
    aux: frozenset[str]
    wh: frozenset[str]
    wh_with_adverb: frozenset[str]
    subject_start: frozenset[str]
    determiners: frozenset[str]
    person: frozenset[str]
    he_words: frozenset[str]
    they_words: frozenset[str]
    it_words: frozenset[str]
    extraposed: frozenset[str]
    nouns_capitalised: bool


_RULES: dict[str, _Rules] = {
    "en": _Rules(
        _EN_AUX,
        _EN_WH,
        frozenset({"how"}),
        _EN_SUBJECT_START,
        _EN_DETERMINERS,
        _EN_PERSON,
        _EN_HE,
        _EN_THEY,
        _EN_IT,
        _EN_EXTRAPOSED,
        False,
    ),
    "de": _Rules(
        _DE_AUX,
        _DE_WH,
        frozenset({"wie"}),
        _DE_SUBJECT_START,
        _DE_DETERMINERS,
        _DE_PERSON,
        _DE_HE,
        _DE_THEY,
        _DE_IT,
        _DE_EXTRAPOSED,
        True,
    ),
}

_WH_DETERMINERS = frozenset({"viel", "viele", "much", "many"})
_HOW_ADVERBS = _words(
    "often far long well badly hard soon late early big sure close little deep strong important likely "
    "oft weit sehr lange gut schlimm schnell stark tief hoch wichtig groß sicher genau ernst leicht schwer früh "
    "spät wenig bald nah"
)
"""Words that belong to how/wie ("how often", "wie weit"); English adverbs in -ly count too."""
_CONJUNCTIONS = frozenset({"when", "where"})
"""Question words that also open a clause before the question ("When your future depends on …, how …?")."""
"""After how/wie these make a question phrase with the noun that follows ("Wie viel deines Ehrgeizes …")."""


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    lower: str
    capitalised: bool
    next_text: str  # the characters up to the next word ("", ", ", "?")


def _tokens(text: str) -> list[_Token]:
    matches = list(_WORD.finditer(text))
    tokens = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        word = match.group()
        tokens.append(_Token(word, word.lower(), word[0].isupper(), text[match.end() : end]))
    return tokens


def question_problem(text: str, language: str | None = None) -> QuestionProblem | None:
    """The first rule ``text`` breaks as a stand-alone prompt in ``language`` ("en", "de"; None: either), or None."""
    stripped = text.strip()
    if not stripped:
        return QuestionProblem("empty")
    if len(stripped) > QUESTION_LIMIT:
        return QuestionProblem("too_long")
    first = stripped.lstrip(_OPENERS + " ")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return QuestionProblem("lowercase_start")
    if not stripped.endswith("?"):
        return QuestionProblem("no_question_mark")
    if _SECOND_QUESTION.search(stripped):
        return QuestionProblem("several_questions")
    tokens = _tokens(stripped)
    if len(tokens) < 3:
        return QuestionProblem("too_short")
    languages = [language] if language in _RULES else list(_RULES)
    for lang in languages:
        problem = _indirect(tokens, _RULES[lang]) or _dangling(tokens, _RULES[lang])
        if problem is not None:
            return problem
    return None


def _indirect(tokens: list[_Token], rules: _Rules) -> QuestionProblem | None:
    """An embedded question: question word (+ one adverb after how/wie), then a subject instead of a verb."""
    head = tokens[0].lower
    if head not in rules.wh:
        return None
    if head in {"whether", "ob"}:
        return QuestionProblem("indirect", tokens[0].word)  # only ever opens an embedded question
    if head in _CONJUNCTIONS and any("," in token.next_text for token in tokens[:-1]):
        return None  # a "when …" clause followed by the question itself
    position = 1
    if head in rules.wh_with_adverb:
        following = tokens[1].lower
        if following in _WH_DETERMINERS:
            return None
        if following in _HOW_ADVERBS or (rules is _RULES["en"] and following.endswith("ly")):
            position = 2  # "how deeply", "wie weit": the adverb belongs to the question word
    if position >= len(tokens):
        return None
    if tokens[position].lower in rules.subject_start:
        words = " ".join(token.word for token in tokens[: position + 1])
        return QuestionProblem("indirect", words)
    return None


def _dangling(tokens: list[_Token], rules: _Rules) -> QuestionProblem | None:
    """The first third-person pronoun with nothing in the question before it that it could refer to."""
    person_seen = False
    noun_seen = False
    for index, token in enumerate(tokens):
        word = token.lower
        previous = tokens[index - 1].lower if index else ""
        if _is_pronoun(tokens, index, rules):
            needs_person = word in rules.he_words
            if needs_person and not person_seen:
                return QuestionProblem("dangling_pronoun", token.word)
            if not needs_person and not noun_seen and not _opens_extraposition(tokens, index, rules):
                return QuestionProblem("dangling_pronoun", token.word)
        # What this word offers to the pronouns after it:
        if token.capitalised and word != "i" and (index > 0 or _may_name(word, rules)):
            person_seen = noun_seen = True
        if word in rules.person or word.rstrip("s") in rules.person:
            person_seen = noun_seen = True
        if previous in rules.determiners and not _is_pronoun(tokens, index - 1, rules):
            noun_seen = True
    return None


_OPENING_WORDS = _words("which in if for on at as after before when think imagine describe name tell say look")


def _may_name(word: str, rules: _Rules) -> bool:
    """Whether the first word, capitalised only because it starts the question, may be a name ("Andrew …").

    In German every question that starts with a verb has it capitalised too, so the first word never counts."""
    if rules.nouns_capitalised:
        return False
    return not (
        word in rules.aux
        or word in rules.wh
        or word in rules.subject_start
        or word in rules.determiners
        or word in rules.he_words
        or word in rules.they_words
        or word in rules.it_words
        or word in _OPENING_WORDS
    )


def _is_pronoun(tokens: list[_Token], index: int, rules: _Rules) -> bool:
    """Whether the word at ``index`` is a pronoun (or this/diese determiner) that needs something before it."""
    if index < 0:
        return False
    token = tokens[index]
    word = token.lower
    if word not in rules.he_words | rules.they_words | rules.it_words | {"that"}:
        return False
    if word == "that":  # a conjunction or relative pronoun unless it follows a question word or an auxiliary
        return rules is _RULES["en"] and index > 0 and (tokens[index - 1].lower in rules.aux | rules.wh)
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if rules.nouns_capitalised:
        if word == "sein" and (after is None or token.next_text.strip() or tokens[index - 1].lower == "zu"):
            return False  # the verb "sein" at the end of a clause
        if word == "das" and any(t.capitalised for t in tokens[index + 1 : index + 3]):
            return False  # the article of a noun: "das Psychospiel", "das ewige Üben"
        if token.word[0].isupper() and index > 0 and word in {"sie", "ihre", "ihren", "ihrem", "ihrer", "ihres"}:
            return False  # the polite "Sie"
    return True


def _opens_extraposition(tokens: list[_Token], index: int, rules: _Rules) -> bool:
    """An "it"/"es" whose subject follows later in the question ("Is it fair to …", "Lohnt es sich, …")."""
    token = tokens[index]
    if token.lower not in rules.it_words:
        return False
    if rules.nouns_capitalised:
        if "," in "".join(t.next_text for t in tokens[index:]):
            return True
        neighbours = {tokens[i].lower for i in (index - 1, index + 1) if 0 <= i < len(tokens)}
        if neighbours & {"gibt", "gab", "geht", "ging"}:
            return True
    later = [t.lower for t in tokens[index + 1 :]]
    if any(word in rules.extraposed for word in later):
        return True
    return any(word == "worth" and after.endswith("ing") for word, after in itertools.pairwise(later))
