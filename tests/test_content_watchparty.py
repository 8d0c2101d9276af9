"""The watch party's prompts (content/watchparty.yaml): shipped, in both languages, checked by the loader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content import ContentPack, check_content
from tests.test_content_broken import edit_yaml, entry, lines, pack_dir  # noqa: F401  (fixture)


def test_the_shipped_pack_has_watch_party_prompts_in_both_languages(content: ContentPack) -> None:
    prompts = content.watchparty
    assert len(prompts) >= 5
    assert len({prompt.fact for prompt in prompts}) == len(prompts)
    for prompt in prompts:
        assert prompt.spoiler
        assert content.fact(prompt.fact).category == "story"
        for lang in ("en", "de"):
            assert prompt.question_for(lang).endswith("?")
            assert not any(ch.isdigit() for ch in prompt.sequence_for(lang)), "no minutes: no verified timeline"
    assert prompts[0].question_for("de") != prompts[0].question_for("en")


def test_a_missing_watchparty_file_is_reported(pack_dir: Path) -> None:  # noqa: F811
    (pack_dir / "watchparty.yaml").unlink()
    assert "watchparty.yaml: file is missing" in lines(check_content(pack_dir))


def test_broken_watch_party_entries_are_reported_with_file_entry_and_reason(pack_dir: Path) -> None:  # noqa: F811
    def breaks(data: Any) -> None:
        entry(data, "watchparty", "late-night-practice")["spoiler"] = False
        entry(data, "watchparty", "out-of-tune")["fact"] = "no-such-fact"
        entry(data, "watchparty", "not-my-tempo")["question"]["de"] = "Eine Frage ohne Fragezeichen."
        del entry(data, "watchparty", "bleeding-hands")["question"]["de"]
        entry(data, "watchparty", "caravan")["fact"] = "breakup-with-nicole"
        entry(data, "watchparty", "the-crash")["fact"] = "written-and-directed-by-chazelle"

    edit_yaml(pack_dir / "watchparty.yaml", breaks)
    found = "\n".join(lines(check_content(pack_dir)))
    assert "watchparty.yaml: prompt 'late-night-practice': spoiler must be true" in found
    assert "prompt 'out-of-tune': fact 'no-such-fact' is not in facts.yaml" in found
    assert "prompt 'not-my-tempo': question.de must end with a question mark" in found
    assert "prompt 'bleeding-hands'" in found and "de" in found
    assert "prompt 'the-crash': fact 'written-and-directed-by-chazelle' is not a story fact" in found
    assert "prompt 'caravan': fact 'breakup-with-nicole' is already used by prompt 'breakup-with-nicole'" in found


def test_an_empty_watchparty_list_is_reported(pack_dir: Path) -> None:  # noqa: F811
    edit_yaml(pack_dir / "watchparty.yaml", lambda data: data.update(watchparty=[]))
    assert "watchparty.yaml: has no prompts (a watch party needs at least one)" in lines(check_content(pack_dir))
