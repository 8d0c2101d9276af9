"""Prompts are complete questions that stand alone: the rules, the shipped pool, coverage of every essay question."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content import ContentPack, check_content, load_content
from bot.content.questions import QUESTION_LIMIT, QuestionProblem, question_problem

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
ESSAY_QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "essay_questions.yaml"

# The four headlines issue 12 found in daily posts: fragments of indirect questions.
ISSUE_FRAGMENTS = [
    "how deeply this story applies to our professional lives",
    "how often I stop short just because something feels hard or unfamiliar",
    "what you care about",
    "why do I even care?",
]


@pytest.fixture(scope="module")
def pack() -> ContentPack:
    return load_content(REPO_CONTENT)


def essay_questions() -> list[dict[str, str]]:
    questions: list[dict[str, str]] = yaml.safe_load(ESSAY_QUESTIONS.read_text(encoding="utf-8"))["questions"]
    return questions


def code(text: str, language: str | None = None) -> str | None:
    problem = question_problem(text, language)
    return problem.code if problem else None


# ---- the rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ISSUE_FRAGMENTS)
def test_the_issues_fragments_are_rejected(text: str) -> None:
    assert question_problem(text, "en") is not None
    assert question_problem(text) is not None


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("how deeply this story applies to our professional lives", "en", "lowercase_start"),
        ("why do I even care?", "en", "lowercase_start"),
        ("wie weit das Psychospiel der beiden noch gehen mag", "de", "lowercase_start"),
        ("Can greatness be achieved without pain", "en", "no_question_mark"),
        ("Can greatness be achieved without pain.", "en", "no_question_mark"),
        ("Is it fair? Or is it cruel?", "en", "several_questions"),
        ("Why?", "en", "too_short"),
        ("Warum nur?", "de", "too_short"),
        ("", "en", "empty"),
        ("   ", "de", "empty"),
        ("What " + "really " * 20 + "matters?", "en", "too_long"),
        # Capitalised and with a question mark, but still the word order of an embedded question:
        ("How deeply this story applies to our professional lives?", "en", "indirect"),
        ("How often I stop short just because something feels hard?", "en", "indirect"),
        ("What you care about?", "en", "indirect"),
        ("Why some leaders prefer obedient followers?", "en", "indirect"),
        ("Wie weit das Psychospiel der beiden noch gehen mag?", "de", "indirect"),
        ("Was du wirklich willst?", "de", "indirect"),
        ("Ob Größe ohne Schmerz möglich ist?", "de", "indirect"),
        # A pronoun with nothing in the question it could refer to:
        ("Is he satisfied with me?", "en", "dangling_pronoun"),
        ("Why does she leave him?", "en", "dangling_pronoun"),
        ("Is it fair?", "en", "dangling_pronoun"),
        ("Is that fair?", "en", "dangling_pronoun"),
        ("What does this scene say about ambition?", "en", "dangling_pronoun"),
        ("Why do they keep playing?", "en", "dangling_pronoun"),
        ("Ist er zufrieden mit mir?", "de", "dangling_pronoun"),
        ("Warum verlässt er sie?", "de", "dangling_pronoun"),
        ("Ist es fair?", "de", "dangling_pronoun"),
        ("Was macht das mit dir?", "de", "dangling_pronoun"),
        ("Wie sehr lässt sich diese Geschichte auf unser Berufsleben übertragen?", "de", "dangling_pronoun"),
    ],
)
def test_a_fragment_names_the_rule_it_breaks(text: str, language: str, expected: str) -> None:
    assert code(text, language) == expected
    assert code(text) == expected  # a moderator's prompt of unknown language is held to the same rules


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Can greatness be achieved without pain?", "en"),
        ("Can someone be both strict and kind?", "en"),
        ("Do we have to break the spirit to build genius?", "en"),
        ("Why am I, too, waiting for Fletcher’s approval?", "en"),
        ("Is Andrew only asking whether Fletcher is satisfied with him?", "en"),
        ("How deeply does Andrew’s story apply to our professional lives?", "en"),
        ("How often do you stop short just because something feels hard?", "en"),
        ("What do you care about?", "en"),
        ("Is it fair to push students that hard?", "en"),
        ("Is giving up a relationship for a career ever worth it?", "en"),
        ("Does a film endorse an attitude just by showing it?", "en"),
        ("Why can harsh treatment make someone work harder to please the person behind it?", "en"),
        ("When your future depends on one person, how do you stay true to yourself?", "en"),
        ("Which of Andrew’s struggles do you recognise in yourself?", "en"),
        ("Is Fletcher’s idea that “good job” is harmful right?", "en"),
        ("Do you think that Fletcher is a good teacher?", "en"),
        ("Wie weit kann das Psychospiel zwischen Andrew und Fletcher noch gehen?", "de"),
        ("Wie viel deines Ehrgeizes kommt von dir selbst?", "de"),
        ("Wie findest du heraus, was dir wirklich wichtig ist?", "de"),
        ("Lohnt es sich, eine Beziehung für die Karriere aufzugeben?", "de"),
        ("Kann jemand zugleich streng und gütig sein?", "de"),
        ("Befürwortet ein Film eine Haltung schon dadurch, dass er sie zeigt?", "de"),
        ("Gibt es einen Unterschied zwischen Druck und Grausamkeit?", "de"),
        ("Kann Lob Menschen bremsen, oder ist das nur eine Ausrede für Härte?", "de"),
        ("„Gut gemacht“: Sind das die gefährlichsten Worte?", "de"),
    ],
)
def test_complete_questions_pass(text: str, language: str) -> None:
    assert question_problem(text, language) is None
    assert question_problem(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "What did you think of the ending?",
        "Was Andrew right to go back on stage?",
        "Is it ever okay to throw a chair at a student?",
        "Which performance was better, Teller's or Simmons'?",
        "How much did J.K. Simmons deserve his Oscar?",
        "Where were you when you first saw Whiplash?",
        "Wie fandet ihr das Ende?",
        "Würdet ihr bei Fletcher studieren wollen?",
        "Hättest du an Andrews Stelle weitergemacht?",
        "Was hat dich an dem Film am meisten überrascht?",
    ],
)
def test_everyday_club_questions_pass_in_either_language(text: str) -> None:
    """What moderators of a film club typically ask must not trip the heuristic."""
    assert question_problem(text) is None


def test_a_problem_reads_as_one_line() -> None:
    problem = QuestionProblem("dangling_pronoun", "he")
    assert problem.reason("text") == "text uses “he” without saying who or what it means"
    assert QuestionProblem("too_long").reason("text_de") == (
        "text_de is longer than 100 characters (it names the thread)"
    )


WORDS = st.sampled_from(["Andrew", "drums", "tempo", "teacher", "practice", "band", "solo", "music", "fear"])


@given(st.lists(WORDS, min_size=2, max_size=8))
def test_a_lowercase_start_is_always_refused(words: list[str]) -> None:
    text = "why does " + " ".join(words) + " matter?"
    assert code(text, "en") == "lowercase_start"


@given(st.lists(WORDS, min_size=2, max_size=8), st.sampled_from(["", ".", "!", "…"]))
def test_without_a_final_question_mark_it_is_refused(words: list[str], end: str) -> None:
    assert code("Why does " + " ".join(words) + " matter" + end, "en") == "no_question_mark"


@given(st.text(alphabet="abcdefgh ", min_size=QUESTION_LIMIT, max_size=300))
def test_over_the_limit_it_is_refused(filler: str) -> None:
    assert code("Why " + filler + "?", "en") == "too_long"


@given(
    st.sampled_from(["Andrew", "Fletcher", "Nicole", "the teacher", "a drummer"]),
    st.sampled_from(["he", "him", "his", "she", "her"]),
)
def test_a_he_word_after_a_named_person_is_fine_and_alone_it_is_not(person: str, pronoun: str) -> None:
    assert code(f"Why does {person} think {pronoun} talent is enough?", "en") is None
    assert code(f"Why does {pronoun} talent matter so much to everyone?", "en") == "dangling_pronoun"


@given(st.text(min_size=0, max_size=150))
def test_the_rules_never_crash(text: str) -> None:
    for language in ("en", "de", None):
        problem = question_problem(text, language)
        assert problem is None or problem.reason()


# ---- the shipped pool -----------------------------------------------------------------------------


def test_every_shipped_prompt_is_a_complete_question_in_both_languages(pack: ContentPack) -> None:
    for prompt in pack.prompts:
        assert question_problem(prompt.text, "en") is None, (prompt.id, prompt.text)
        assert question_problem(prompt.text_de, "de") is None, (prompt.id, prompt.text_de)
        assert len(prompt.text) <= QUESTION_LIMIT and len(prompt.text_de) <= QUESTION_LIMIT


def test_every_essay_question_is_covered(pack: ContentPack) -> None:
    for question in essay_questions():
        review = pack.review(question["review"])
        assert question["passage"] in review.text and question["question"] in question["passage"]
        covering = [
            prompt
            for prompt in pack.prompts
            if prompt.review == review.id and prompt.asks == question["question"] and prompt.asks in prompt.passage
        ]
        assert covering, question["id"]
        for prompt in covering:
            asked = prompt.text_de if review.language == "de" else prompt.text
            if question_problem(question["question"], review.language) is None:  # stands alone: verbatim
                assert asked == question["question"]
            else:  # built on it: a different, complete question
                assert asked != question["question"]
    asked_in_pack = {(prompt.review, prompt.asks) for prompt in pack.prompts if prompt.asks}
    assert asked_in_pack == {(q["review"], q["question"]) for q in essay_questions()}


def test_the_essays_questions_that_stand_alone_are_verbatim_prompts(pack: ContentPack) -> None:
    assert {prompt.text for prompt in pack.prompts} >= {
        "Can greatness be achieved without pain?",
        "Can someone be both strict and kind?",
        "Do we have to break the spirit to build genius?",
        "Why am I, too, waiting for Fletcher’s approval?",
    }


def test_every_prompt_carries_the_translation_of_its_passage(pack: ContentPack) -> None:
    for prompt in pack.prompts:
        language = pack.review(prompt.review).language
        other = "de" if language == "en" else "en"
        assert set(prompt.passage_translation) == {other}, prompt.id
        passage, translation = prompt.passage_for(other, language)
        assert passage == prompt.passage and translation == prompt.passage_translation[other]  # type: ignore[index]
        assert prompt.passage_for(language, language) == (prompt.passage, None)


# ---- check_content reports file, entry and reason ---------------------------------------------------


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target


def edit_prompt(pack_dir: Path, prompt_id: str, change: Callable[[dict[str, Any]], None]) -> list[str]:
    path = pack_dir / "prompts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(next(item for item in data["prompts"] if item["id"] == prompt_id))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return [str(problem) for problem in check_content(pack_dir)]


@pytest.mark.parametrize("fragment", ISSUE_FRAGMENTS)
def test_check_refuses_a_fragment_as_prompt(pack_dir: Path, fragment: str) -> None:
    problems = edit_prompt(pack_dir, "p000-13-skill-becomes-signature", lambda entry: entry.update(text=fragment))
    assert problems == ["prompts.yaml: prompt 'p000-13-skill-becomes-signature': text must start with a capital letter"]


def test_check_refuses_a_dangling_pronoun_in_german(pack_dir: Path) -> None:
    problems = edit_prompt(
        pack_dir, "q000-01-is-he-satisfied-with-me", lambda entry: entry.update(text_de="Ist er zufrieden mit mir?")
    )
    assert problems == [
        "prompts.yaml: prompt 'q000-01-is-he-satisfied-with-me': text_de uses “er” without saying who or what it means"
    ]


def test_check_refuses_a_missing_german_question(pack_dir: Path) -> None:
    problems = edit_prompt(pack_dir, "p001-07-healthy-pace", lambda entry: entry.pop("text_de"))
    assert problems == [
        "prompts.yaml: prompt 'p001-07-healthy-pace': text_de is missing (every shipped prompt is asked in German too)"
    ]


def test_check_wants_asks_inside_the_passage(pack_dir: Path) -> None:
    problems = edit_prompt(
        pack_dir, "q000-07-how-deeply-it-applies-to-work", lambda entry: entry.update(asks="how this applies")
    )
    assert problems == [
        "prompts.yaml: prompt 'q000-07-how-deeply-it-applies-to-work': asks must occur verbatim in the passage"
    ]
    problems = edit_prompt(pack_dir, "q000-07-how-deeply-it-applies-to-work", lambda entry: entry.pop("asks"))
    assert problems == [
        "prompts.yaml: prompt 'q000-07-how-deeply-it-applies-to-work': "
        "asks is missing (a seed question names the review's question, verbatim)"
    ]


def test_check_wants_the_translation_in_the_other_language(pack_dir: Path) -> None:
    problems = edit_prompt(pack_dir, "p002-07-lonely-perfectionists", lambda entry: entry.pop("passage_translation"))
    assert problems == [
        "prompts.yaml: prompt 'p002-07-lonely-perfectionists': passage_translation.en is missing "
        "(the passage translated into en)"
    ]
    problems = edit_prompt(
        pack_dir, "p002-07-lonely-perfectionists", lambda entry: entry.update(passage_translation={"de": "Doppelt."})
    )
    assert problems == [
        "prompts.yaml: prompt 'p002-07-lonely-perfectionists': passage_translation.de is the review's own language: "
        "translate into en",
        "prompts.yaml: prompt 'p002-07-lonely-perfectionists': passage_translation.en is missing "
        "(the passage translated into en)",
    ]
