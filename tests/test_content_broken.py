"""Broken copies of the pack: check_content names file, entry and reason for every problem."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content import ContentError, Problem, YamlError, check_content, load_content, load_yaml_document
from bot.content.yaml_loading import line_of

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"

BILLION_LAUGHS = """\
prompts:
- a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def lines(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def entry(data: Any, key: str, entry_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(item for item in data[key] if item["id"] == entry_id)
    return found


def test_the_copy_is_valid(pack_dir: Path) -> None:
    assert check_content(pack_dir) == []


def test_missing_field(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "facts.yaml", lambda data: entry(data, "facts", "three-oscars").pop("text_de"))
    assert lines(check_content(pack_dir)) == ["facts.yaml: fact 'three-oscars': text_de is missing"]


def test_problem_renders_as_one_line() -> None:
    problem = Problem("facts.yaml", "fact 'chazelle-age'", "text_de is missing")
    assert str(problem) == "facts.yaml: fact 'chazelle-age': text_de is missing"
    assert str(Problem("facts.yaml", "", "file is missing")) == "facts.yaml: file is missing"


def test_duplicate_id(pack_dir: Path) -> None:
    def duplicate(data: Any) -> None:
        data["facts"].append(copy.deepcopy(data["facts"][0]))

    edit_yaml(pack_dir / "facts.yaml", duplicate)
    first = yaml.safe_load((pack_dir / "facts.yaml").read_text(encoding="utf-8"))["facts"][0]["id"]
    assert lines(check_content(pack_dir)) == [f"facts.yaml: fact '{first}': duplicate id (first used by fact #1)"]


def test_unknown_category(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "facts.yaml", lambda data: entry(data, "facts", "fsk-12").update(category="gossip"))
    [problem] = check_content(pack_dir)
    assert (problem.file, problem.entry) == ("facts.yaml", "fact 'fsk-12'")
    assert problem.reason.startswith("category is 'gossip', expected 'story', 'cast'")


def test_empty_and_too_long_texts(pack_dir: Path) -> None:
    def change(data: Any) -> None:
        entry(data, "facts", "fsk-12")["text_en"] = "   "
        entry(data, "facts", "mpaa-rated-r")["text_de"] = "x" * 501

    edit_yaml(pack_dir / "facts.yaml", change)
    assert lines(check_content(pack_dir)) == [
        "facts.yaml: fact 'fsk-12': text_en must not be blank",
        "facts.yaml: fact 'mpaa-rated-r': text_de is longer than 500 characters",
    ]


def test_passage_not_in_review(pack_dir: Path) -> None:
    edit_yaml(
        pack_dir / "prompts.yaml",
        lambda data: entry(data, "prompts", "p000-04-good-job").update(passage="He believes praise is great."),
    )
    assert lines(check_content(pack_dir)) == [
        "prompts.yaml: prompt 'p000-04-good-job': passage does not occur in review 'brutal-symphony': "
        "'He believes praise is great.'"
    ]


def test_seed_question_must_stay_verbatim(pack_dir: Path) -> None:
    edit_yaml(
        pack_dir / "prompts.yaml",
        lambda data: entry(data, "prompts", "q000-04-greatness-without-pain").update(
            text="Is greatness possible without pain?"
        ),
    )
    assert lines(check_content(pack_dir)) == [
        "prompts.yaml: prompt 'q000-04-greatness-without-pain': "
        "asks is a complete question on its own, so text must be it as written: "
        "'Can greatness be achieved without pain?'"
    ]


def test_prompt_spoiler_flag_follows_the_review(pack_dir: Path) -> None:
    edit_yaml(
        pack_dir / "prompts.yaml",
        lambda data: entry(data, "prompts", "p000-13-skill-becomes-signature").update(spoiler=False),
    )
    assert lines(check_content(pack_dir)) == [
        "prompts.yaml: prompt 'p000-13-skill-becomes-signature': "
        "spoiler is false, but its passage is a spoiler in the review"
    ]


def test_bad_yaml_syntax_has_a_line_number(pack_dir: Path) -> None:
    path = pack_dir / "facts.yaml"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(index for index, line in enumerate(text) if line.startswith("- id: fsk-12")) + 2
    text[number - 1] = "  category: [release\n"
    path.write_text("".join(text), encoding="utf-8")
    [problem] = check_content(pack_dir)
    assert problem.file == "facts.yaml"
    assert problem.entry.startswith("line ")
    assert abs(int(problem.entry.removeprefix("line ")) - number) <= 1
    assert problem.reason.startswith("invalid YAML")


def test_yaml_alias_bomb_is_refused(pack_dir: Path) -> None:
    (pack_dir / "prompts.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    assert lines(check_content(pack_dir)) == [
        "prompts.yaml: line 3: YAML aliases are not allowed here (more than 0 alias references)"
    ]


def test_oversized_file_is_refused(pack_dir: Path) -> None:
    path = pack_dir / "facts.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "#" * (1024 * 1024), encoding="utf-8")
    [problem] = check_content(pack_dir)
    assert (problem.file, problem.entry) == ("facts.yaml", "")
    assert problem.reason.startswith("file is too large (") and problem.reason.endswith("limit 1048576)")


def test_non_utf8_review_file(pack_dir: Path) -> None:
    path = pack_dir / "reviews" / "hbg-flash-kritik.txt"
    path.write_bytes(path.read_bytes().replace("ü".encode(), b"\xfc", 1))
    problems = lines(check_content(pack_dir))
    assert problems[0] == "reviews/hbg-flash-kritik.txt: review 'hbg-flash-kritik': not valid UTF-8 (line 1, byte 75)"
    # Prompts that depend on the broken review are reported too, each on its own line.
    assert "prompts.yaml: prompt 'p002-01-not-a-boring-music-film': review 'hbg-flash-kritik' does not exist" in (
        problems
    )


def test_paragraph_metadata_must_line_up(pack_dir: Path) -> None:
    def change(data: Any) -> None:
        entry(data, "reviews", "self-driven-ambition")["paragraphs"][2]["starts"] = "At the core"

    edit_yaml(pack_dir / "reviews.yaml", change)
    problems = lines(check_content(pack_dir))
    assert problems[0] == (
        "reviews.yaml: review 'self-driven-ambition': paragraph 3 starts with "
        "'At its core, the movie reminds me that c', expected 'At the core'"
    )


def test_paragraph_count_must_match(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "reviews.yaml", lambda data: entry(data, "reviews", "hbg-flash-kritik")["paragraphs"].pop())
    problems = lines(check_content(pack_dir))
    assert problems[0] == "reviews.yaml: review 'hbg-flash-kritik': the file has 12 paragraphs but 11 are described"


def test_missing_and_unlisted_review_files(pack_dir: Path) -> None:
    (pack_dir / "reviews" / "self-driven-ambition.txt").rename(pack_dir / "reviews" / "renamed.txt")
    problems = lines(check_content(pack_dir))
    assert "reviews.yaml: review 'self-driven-ambition': file reviews/self-driven-ambition.txt does not exist" in (
        problems
    )
    assert "reviews/renamed.txt: not listed in reviews.yaml" in problems
    assert (
        "facts.yaml: fact 'written-and-directed-by-chazelle': source reviews/self-driven-ambition.txt does not exist"
        in (problems)
    )


def test_missing_file(pack_dir: Path) -> None:
    (pack_dir / "film.yaml").unlink()
    assert lines(check_content(pack_dir)) == ["film.yaml: file is missing"]


def test_film_field_problem(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "film.yaml", lambda data: data["film"]["runtime_minutes"].pop("sources"))
    assert lines(check_content(pack_dir)) == ["film.yaml: film: runtime_minutes.sources is missing"]


def test_every_problem_is_collected(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "facts.yaml", lambda data: entry(data, "facts", "fsk-12").update(spoiler="maybe"))
    edit_yaml(pack_dir / "facts.yaml", lambda data: entry(data, "facts", "three-oscars").update(colour="red"))
    edit_yaml(pack_dir / "prompts.yaml", lambda data: entry(data, "prompts", "p001-07-healthy-pace").update(themes=[]))
    problems = lines(check_content(pack_dir))
    assert problems == [
        "facts.yaml: fact 'three-oscars': unknown field 'colour'",
        "facts.yaml: fact 'fsk-12': spoiler must be true or false",
        "prompts.yaml: prompt 'p001-07-healthy-pace': themes needs at least 1 entry",
    ]
    with pytest.raises(ContentError) as caught:
        load_content(pack_dir)
    assert lines(list(caught.value.problems)) == problems
    assert "3 problem(s)" in str(caught.value)


def test_duplicate_yaml_key(pack_dir: Path) -> None:
    path = pack_dir / "facts.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("facts:\n", "facts: []\nfacts:\n", 1), encoding="utf-8")
    [problem] = check_content(pack_dir)
    assert (problem.file, problem.reason) == ("facts.yaml", "duplicate key 'facts'")
    assert problem.entry.startswith("line ")


# --- the shared YAML helper --------------------------------------------------------------------


def test_yaml_helper_reports_lines_and_keeps_dates_as_text() -> None:
    data = load_yaml_document("prompts:\n- id: one\n  date: 2014-10-10\n- id: two\n")
    assert data["prompts"][0]["date"] == "2014-10-10"
    assert [line_of(item) for item in data["prompts"]] == [2, 4]
    with pytest.raises(YamlError) as caught:
        load_yaml_document("prompts:\n- id: one\n  text: [unclosed\n")
    assert caught.value.line is not None and caught.value.line >= 3


def test_yaml_helper_bounds() -> None:
    assert load_yaml_document("a: &x 1\nb: *x\n", max_aliases=1) == {"a": 1, "b": 1}
    with pytest.raises(YamlError, match="aliases"):
        load_yaml_document("a: &x 1\nb: *x\nc: *x\n", max_aliases=1)
    with pytest.raises(YamlError, match="merge keys"):
        load_yaml_document("a: &x {k: 1}\nb:\n  <<: *x\n", max_aliases=5)
    with pytest.raises(YamlError, match="too large"):
        load_yaml_document("a: " + "x" * 100, max_bytes=50)
    with pytest.raises(YamlError, match="UTF-8") as caught:
        load_yaml_document(b"a: 1\nb: \xff\n")
    assert caught.value.line == 2
    with pytest.raises(YamlError, match="invalid YAML"):
        load_yaml_document("a: 1\n---\nb: 2\n")
    with pytest.raises(YamlError):
        load_yaml_document("!!python/object:os.system {}\n")
