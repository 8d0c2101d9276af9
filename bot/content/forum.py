"""The theme families of forum mode: the pack's themes grouped into at most 15 forum tags (content/forum_tags.yaml).

Discord lets a forum hold 20 tags and a post carry 5. A daily post in a forum is tagged with the film, "Spoilers"
when its passage is one, and the families of its first themes (at most 3), so the server keeps room for tags of
its own. Every theme of the pack must belong to exactly one family; names fit Discord's 20 characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError

from bot.content.problems import Problem, describe_validation_error
from bot.content.types import ContentModel, NonEmptyStr, Slug, Theme

FORUM_TAGS_FILE = "forum_tags.yaml"
MAX_FAMILIES = 15  # of a forum's 20 tags: the film, "Spoilers", and room left for the server's own
TAG_NAME_LIMIT = 20  # Discord's limit for a forum tag's name

TagName = Annotated[NonEmptyStr, StringConstraints(max_length=TAG_NAME_LIMIT)]


class ThemeFamily(ContentModel):
    """A forum tag standing for several of the pack's themes, named in English and German."""

    id: Slug
    name: TagName
    name_de: TagName
    themes: tuple[Theme, ...] = Field(min_length=1)

    def name_for(self, lang: str) -> str:
        """The tag's name in a server's language."""
        return self.name_de if lang == "de" else self.name


def parse_theme_families(data: Any, pack_themes: Iterable[str]) -> tuple[tuple[ThemeFamily, ...], list[Problem]]:
    """The families of forum_tags.yaml, with every problem: shape, limits, a theme twice or not at all."""
    problems: list[Problem] = []
    if data is None:
        return (), []  # a missing or unreadable file is reported where it is read
    if not isinstance(data, dict) or set(data) != {"families"} or not isinstance(data["families"], list):
        return (), [Problem(FORUM_TAGS_FILE, "", "expected a mapping with only a 'families' list")]
    families: list[ThemeFamily] = []
    claimed: set[str] = set()  # themes of a family already reported as broken: not "in no family" as well
    for number, raw in enumerate(data["families"], start=1):
        label = f"family {number}" + (f" ({raw['id']})" if isinstance(raw, dict) and "id" in raw else "")
        try:
            families.append(ThemeFamily.model_validate(raw))
        except ValidationError as error:
            problems.extend(Problem(FORUM_TAGS_FILE, label, reason) for reason in describe_validation_error(error))
            themes = raw.get("themes") if isinstance(raw, dict) else None
            claimed.update(theme for theme in themes or () if isinstance(theme, str))
    if len(data["families"]) > MAX_FAMILIES:
        problems.append(
            Problem(FORUM_TAGS_FILE, "", f"{len(data['families'])} families; a forum has room for {MAX_FAMILIES}")
        )
    problems.extend(_mapping_problems(families, set(pack_themes) - claimed))
    return tuple(families), problems


def _mapping_problems(families: list[ThemeFamily], pack_themes: set[str]) -> list[Problem]:
    problems = []
    owner: dict[str, str] = {}
    seen_ids: set[str] = set()
    seen_names: dict[str, set[str]] = {"en": set(), "de": set()}
    for family in families:
        if family.id in seen_ids:
            problems.append(Problem(FORUM_TAGS_FILE, family.id, "the id is used twice"))
        seen_ids.add(family.id)
        for lang in ("en", "de"):
            name = family.name_for(lang).casefold()
            if name in seen_names[lang]:
                problems.append(
                    Problem(FORUM_TAGS_FILE, family.id, f"the {lang} name {family.name_for(lang)!r} is used twice")
                )
            seen_names[lang].add(name)
        for theme in family.themes:
            if theme in owner:
                problems.append(Problem(FORUM_TAGS_FILE, family.id, f"theme {theme!r} is already in {owner[theme]}"))
            owner.setdefault(theme, family.id)
    for theme in sorted(pack_themes - set(owner)):
        problems.append(Problem(FORUM_TAGS_FILE, "", f"theme {theme!r} of the pack belongs to no family"))
    return problems


def families_of(themes: Iterable[str], families: Iterable[ThemeFamily], limit: int = 3) -> list[ThemeFamily]:
    """The families of a prompt's themes, in the order of its themes, each once, at most `limit`.

    A theme no family holds (a server's own prompt may use any) adds no tag.
    """
    by_theme = {theme: family for family in families for theme in family.themes}
    chosen: list[ThemeFamily] = []
    for theme in themes:
        family = by_theme.get(theme)
        if family is not None and family not in chosen:
            chosen.append(family)
        if len(chosen) == limit:
            break
    return chosen
