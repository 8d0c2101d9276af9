"""content/forum_tags.yaml: every theme in one family, at most 15 families, names Discord can take."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import ContentPack, check_content
from bot.content.forum import ThemeFamily, families_of
from tests.test_content_broken import REPO_CONTENT, edit_yaml, lines


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target


def test_every_theme_of_the_shipped_pack_is_in_one_family(content: ContentPack) -> None:
    families = content.theme_families
    assert 1 <= len(families) <= 15
    mapped = [theme for family in families for theme in family.themes]
    assert sorted(mapped) == sorted(set(mapped)) == sorted(content.themes())
    for family in families:
        assert 1 <= len(family.name) <= 20 and 1 <= len(family.name_de) <= 20


def test_an_unmapped_theme_is_named(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "forum_tags.yaml", lambda data: data["families"][0]["themes"].remove("greatness"))
    assert lines(check_content(pack_dir)) == ["forum_tags.yaml: theme 'greatness' of the pack belongs to no family"]


def test_a_theme_in_two_families_is_named(pack_dir: Path) -> None:
    edit_yaml(pack_dir / "forum_tags.yaml", lambda data: data["families"][1]["themes"].append("ambition"))
    assert lines(check_content(pack_dir)) == ["forum_tags.yaml: approval: theme 'ambition' is already in ambition"]


def test_a_tag_name_longer_than_discord_allows_is_named(pack_dir: Path) -> None:
    def lengthen(data: dict[str, list[dict[str, str]]]) -> None:
        data["families"][0]["name_de"] = "Ehrgeiz und Größenwahn"  # 22 characters

    edit_yaml(pack_dir / "forum_tags.yaml", lengthen)
    [problem] = lines(check_content(pack_dir))
    assert problem.startswith("forum_tags.yaml: family 1 (ambition): name_de")
    assert "20" in problem


def test_more_than_15_families_are_refused(pack_dir: Path) -> None:
    def split(data: dict[str, list[dict[str, object]]]) -> None:
        extra = [
            {"id": f"extra-{i}", "name": f"Extra {i}", "name_de": f"Extra {i}", "themes": [f"extra-theme-{i}"]}
            for i in range(4)
        ]
        data["families"].extend(extra)

    edit_yaml(pack_dir / "forum_tags.yaml", split)
    assert lines(check_content(pack_dir)) == ["forum_tags.yaml: 16 families; a forum has room for 15"]


def test_a_missing_file_is_named(pack_dir: Path) -> None:
    (pack_dir / "forum_tags.yaml").unlink()
    assert lines(check_content(pack_dir)) == ["forum_tags.yaml: file is missing"]


def family(fid: str, *themes: str) -> ThemeFamily:
    return ThemeFamily(id=fid, name=fid.title(), name_de=fid.upper(), themes=themes)


def test_a_post_takes_the_families_of_its_first_themes_at_most_three() -> None:
    families = [family("drive", "ambition", "obsession"), family("fear", "fear"), family("power", "power")]
    families.append(family("pain", "pain"))
    chosen = families_of(["ambition", "obsession", "unknown", "fear", "power", "pain"], families)
    assert [f.id for f in chosen] == ["drive", "fear", "power"]
    assert families_of(["unknown"], families) == []
    assert families[0].name_for("de") == "DRIVE" and families[0].name_for("en") == "Drive"
