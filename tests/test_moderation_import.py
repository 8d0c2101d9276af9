"""The prompt import format without Discord: line-numbered problems, bounds, and the export round trip."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import yaml

from bot.content import ContentPack
from bot.moderation.audit import audit_line
from bot.moderation.inputs import echo
from bot.moderation.porting import MAX_IMPORT_BYTES, plan_import, render_export
from bot.storage.moderation import AuditEntry, PromptFields, ServerPrompt

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def server_prompt(prompt_id: str, seq: int, **fields: object) -> ServerPrompt:
    return ServerPrompt(1, prompt_id, seq, PromptFields(**fields), 7, NOW, None)  # type: ignore[arg-type]


def test_a_valid_file_of_own_and_shipped_prompts_is_planned(content: ContentPack) -> None:
    shipped = content.prompts[0]
    text = yaml.safe_dump(
        {
            "prompts": [
                {"id": "s-1", "text": "What does tempo mean to you?"},
                {"id": "band-room", "text": "Who pushed you hardest?", "themes": ["mentorship"], "enabled": False},
                {**shipped.model_dump(exclude_none=True), "themes": list(shipped.themes), "enabled": False},
            ]
        },
        allow_unicode=True,
        sort_keys=False,
    )
    plan = plan_import(text.encode(), content, [])
    assert plan.problems == ()
    assert [(i.prompt_id, i.enabled) for i in plan.items] == [("s-1", True), ("band-room", False), (shipped.id, False)]
    assert plan.items[2].fields is None  # a shipped prompt: only its state is imported


def test_every_problem_is_listed_with_its_line(content: ContentPack) -> None:
    text = (
        "prompts:\n"  # 1
        "- id: s-1\n"  # 2
        "  text: ''\n"  # 3
        "- id: s-1\n"  # 4
        "  text: Is the tempo fine?\n"  # 5
        "- id: Not_A_Slug\n"  # 6
        "  text: Is the tempo fine?\n"  # 7
        "  colour: red\n"  # 8
        "- id: x-review\n"  # 9
        "  kind: drawn\n"  # 10
        "  text: Does the review ask this?\n"  # 11
        "  review: brutal-symphony\n"  # 12
        "  passage: This sentence is not in the review.\n"  # 13
        "  themes: [approval]\n"  # 14
        "  spoiler: false\n"  # 15
        f"- id: {content.prompts[0].id}\n"  # 16
        "  text: Is the shipped text changed?\n"  # 17
        "- id: s-9\n"  # 18
        "  text: " + "x" * 101 + "\n"  # 19
        "  enabled: maybe\n"  # 20
        "- id: s-10\n"  # 21
        "  text: what you care about\n"  # 22
        "- id: s-11\n"  # 23
        "  text: Is he satisfied with me?\n"  # 24
        "  text_de: Ist er zufrieden mit mir?\n"  # 25
    )
    plan = plan_import(text.encode(), content, [])
    assert plan.items == ()
    rendered = [str(problem) for problem in plan.problems]
    assert any(r.startswith("line 2: prompt 's-1': text") for r in rendered)
    assert any(r.startswith("line 4: prompt 's-1': duplicate id (first used on line 2)") for r in rendered)
    assert any(r.startswith("line 6: prompt 'Not_A_Slug': id") for r in rendered)
    assert any(r.startswith("line 6:") and "unknown field 'colour'" in r for r in rendered)
    assert any(r.startswith("line 9:") and "passage does not occur" in r for r in rendered)
    assert any(r.startswith("line 16:") and "shipped prompt" in r for r in rendered)
    assert any(r.startswith("line 18:") and "longer than 100" in r for r in rendered)
    assert any(r.startswith("line 18:") and "enabled must be true or false" in r for r in rendered)
    assert "line 21: prompt 's-10': text: Members read the prompt as the thread's title, so start it with a " in (
        "\n".join(rendered)
    )
    assert any(r.startswith("line 23: prompt 's-11': text: ") and "“he”" in r for r in rendered)
    assert any(r.startswith("line 23: prompt 's-11': text_de: ") and "“er”" in r for r in rendered)
    assert len(rendered) == 11


def test_question_problems_are_told_in_the_moderators_language(content: ContentPack) -> None:
    text = "prompts:\n- id: s-1\n  text: Ist er zufrieden mit mir?\n"
    german = [problem.render("de") for problem in plan_import(text.encode(), content, [], lang="de").problems]
    assert german == [
        "Zeile 2: Frage „s-1“: text: Wer die Frage liest, kennt den Zusammenhang nicht: Sag also, wer oder was mit "
        "„er“ gemeint ist, etwa „Ist Fletcher jemals mit Andrew zufrieden?“"
    ]


def test_own_prompts_in_the_pack_format_are_drawn_questions(content: ContentPack) -> None:
    shipped = content.prompt("q000-04-greatness-without-pain")
    copy = {**shipped.model_dump(exclude_none=True), "id": "my-copy", "themes": list(shipped.themes)}
    plan = plan_import(yaml.safe_dump({"prompts": [copy]}, allow_unicode=True).encode(), content, [])
    assert [problem.reason for problem in plan.problems] == [
        "is your own prompt: its kind is drawn, without asks or passage_translation (they belong to shipped prompts)"
    ]
    own = {key: value for key, value in copy.items() if key not in ("asks", "passage_translation")}
    plan = plan_import(
        yaml.safe_dump({"prompts": [{**own, "kind": "drawn"}]}, allow_unicode=True).encode(), content, []
    )
    assert plan.problems == () and plan.items[0].fields is not None
    fragment = {**own, "kind": "drawn", "text": "how deeply this story applies to our professional lives"}
    plan = plan_import(yaml.safe_dump({"prompts": [fragment]}, allow_unicode=True).encode(), content, [])
    assert [problem.reason for problem in plan.problems] == [
        "text: Members read the prompt as the thread's title, so start it with a capital letter, like "
        "“Can greatness be achieved without pain?”"
    ]


def test_yaml_errors_carry_a_line(content: ContentPack) -> None:
    plan = plan_import(b"prompts:\n- id: s-1\n  text: [unclosed\n", content, [])
    assert len(plan.problems) == 1 and plan.problems[0].line is not None
    duplicate = plan_import(b"prompts:\n- id: s-1\n  text: a\n  text: b\n", content, [])
    assert duplicate.problems[0].line == 4 and "duplicate key" in duplicate.problems[0].reason
    shape = plan_import(b"- just a list\n", content, [])
    assert "prompts" in shape.problems[0].reason


def test_alias_bombs_are_refused(content: ContentPack) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    bomb += "prompts:\n- id: s-1\n  text: boom\n  themes: *i\n"
    plan = plan_import(bomb.encode(), content, [])
    assert plan.items == () and "alias" in plan.problems[0].reason


def test_oversized_and_non_utf8_files_are_refused(content: ContentPack) -> None:
    big = b"prompts:\n" + b"# padding\n" * (MAX_IMPORT_BYTES // 10 + 1)
    assert "too large" in plan_import(big, content, []).problems[0].reason
    assert "UTF-8" in plan_import(b"prompts:\n- id: s-1\n  text: \xff\n", content, []).problems[0].reason


def test_pool_size_is_bounded(content: ContentPack) -> None:
    text = "prompts:\n- id: s-new\n  text: Is one more too many?\n"
    plan = plan_import(text.encode(), content, ["s-1", "s-2"], max_server_prompts=2)
    assert "limit is 2" in plan.problems[0].reason


def test_export_then_import_is_an_exact_round_trip(content: ContentPack) -> None:
    shipped = [(prompt, index % 3 != 0) for index, prompt in enumerate(content.prompts)]
    pack_prompt = content.prompts[1]
    own = [
        (server_prompt("s-1", 1, text="Is 'yes' a tempo for @everyone <@&123456789012345678>?"), True),
        (
            server_prompt(
                "s-2",
                2,
                text="Was bedeutet dir das Tempo?",
                text_de="Was bedeutet dir das Tempo?",
                passage="Not my tempo.\nTwo lines",
            ),
            False,
        ),
        (
            server_prompt(
                "drawn-again",
                3,
                text="Is a pack-style prompt still a question?",
                kind="drawn",
                review_id=pack_prompt.review,
                passage=pack_prompt.passage,
                themes=tuple(pack_prompt.themes),
                spoiler=pack_prompt.spoiler,
            ),
            True,
        ),
        (
            server_prompt(
                "s-4",
                4,
                text="2014-10-10 was the US release of which film?",
                themes=("tempo",),
                spoiler=True,
                note="date-like",
            ),
            True,
        ),
    ]
    exported = render_export(shipped, own)
    plan = plan_import(exported.encode(), content, [])
    assert plan.problems == ()
    states = {item.prompt_id: item.enabled for item in plan.items}
    assert states == {p.id: on for p, on in shipped} | {p.prompt_id: on for p, on in own}
    fields = {item.prompt_id: item.fields for item in plan.items if item.fields is not None}
    assert fields == {p.prompt_id: p.fields for p, _on in own}
    # Re-exporting what was imported gives the same bytes.
    again = render_export(
        [(content.prompt(i.prompt_id), i.enabled) for i in plan.items if i.fields is None],
        [
            (server_prompt(i.prompt_id, n, **_as_kwargs(i.fields)), i.enabled)
            for n, i in enumerate(plan.items)
            if i.fields
        ],
    )
    assert again == exported


def _as_kwargs(fields: PromptFields | None) -> dict[str, object]:
    assert fields is not None
    return {name: getattr(fields, name) for name in PromptFields.__dataclass_fields__}


def test_audit_lines_are_short_and_cannot_ping() -> None:
    entry = AuditEntry(
        1, 1, 42, "prompt.edit", "s-1", {"text": "old"}, {"text": "@everyone <@&1234567890123456789>"}, NOW
    )
    line = audit_line(entry)
    assert "@everyone" not in line and "<@&1234567890123456789>" not in line
    assert "<@42> reworded a question: “" in line and line.startswith(f"<t:{int(NOW.timestamp())}:R> · ")
    assert len(line) < 150
    assert echo("<@123456789012345678>") != "<@123456789012345678>"


def test_every_problem_of_a_german_moderators_import_is_in_german(content: ContentPack) -> None:
    """Field checks, duplicates, the entry's kind and broken YAML: German sentences, no English words."""
    text = (
        "prompts:\n"
        "- id: s-1\n  text: Ist das Tempo wichtig?\n  kind: drawn\n  themes: [tempo]\n  spoiler: maybe\n"
        "- id: s-1\n  text: Ist das Tempo wichtig?\n  kind: drawn\n  themes: [tempo]\n  spoiler: false\n"
        "- text: Was kostet Größe?\n  kind: drawn\n  themes: []\n  spoiler: false\n  colour: red\n"
        "- just a string\n"
    )
    german = [problem.render("de") for problem in plan_import(text.encode(), content, [], lang="de").problems]
    english = [problem.render("en") for problem in plan_import(text.encode(), content, [], lang="en").problems]
    assert len(german) == len(english) >= 5
    for line in german:
        assert not re.search(r"\b(line|prompt|is missing|expected|duplicate|unknown|must be|Input should)\b", line), (
            line
        )
    assert any(line.startswith("Zeile 7: Frage „s-1“: Doppelte id") for line in german)
    assert any("Unbekanntes Feld „colour“" in line for line in german)
    broken = plan_import(b"prompts:\n  - id: [unclosed\n", content, [], lang="de").problems
    assert len(broken) == 1 and "kein gültiges YAML" in broken[0].render("de")
