"""The interface string catalog: English and German define the same keys with the same placeholders, and no
string builds a plural by hand (issue 12: "wrote 1 replies", "Diskussion der letzten 1 Tage", "problem(s)")."""

from __future__ import annotations

import re
import string

import pytest

from bot.i18n import _catalog, command_translations, tr_count

LANGUAGES = ("en", "de")


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def test_english_and_german_define_the_same_keys() -> None:
    english, german = _catalog("en"), _catalog("de")
    assert sorted(english.keys() - german.keys()) == [], "missing in German"
    assert sorted(german.keys() - english.keys()) == [], "missing in English"


def test_english_and_german_use_the_same_placeholders() -> None:
    english, german = _catalog("en"), _catalog("de")
    differ = {
        key: (sorted(_placeholders(english[key])), sorted(_placeholders(german[key])))
        for key in english.keys() & german.keys()
        if _placeholders(english[key]) != _placeholders(german[key])
    }
    assert differ == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_counted_noun_has_its_plural_forms_and_a_count(lang: str) -> None:
    catalog = _catalog(lang)
    nouns = {key.rsplit(".", 1)[0] for key in catalog if key.startswith("count.")}
    for noun in nouns:
        assert {f"{noun}.one", f"{noun}.other"} <= catalog.keys(), noun
        assert tr_count(lang, noun, 1) != tr_count(lang, noun, 2), noun
        for form in ("one", "other"):
            assert "count" in _placeholders(catalog[f"{noun}.{form}"]) or form == "one", (noun, form)


# A placeholder followed by one of these words counts something by hand: "{days} days" reads "1 days".
COUNTED = [
    "replies",
    "reply",
    "days",
    "day",
    "posts",
    "post",
    "passages",
    "passage",
    "facts",
    "fact",
    "excerpts",
    "members",
    "reviews",
    "problems",
    "questions",
    "prompts",
    "records",
    "entries",
    "seconds",
    "minutes",
    "suggestions",
    "times",
    "Antworten",
    "Antwort",
    "Tage",
    "Tagen",
    "Tag",
    "Beiträge",
    "Beitrag",
    "Textstellen",
    "Fakten",
    "Auszüge",
    "Mitglieder",
    "Mitgliedern",
    "Kritiken",
    "Fragen",
    "Einträge",
    "Sekunden",
    "Minuten",
    "Vorschläge",
    "Probleme",
    "Abschnitte",
]
HAND_BUILT = [
    re.compile(r"\w\((?:s|e|n|en|es)\)"),  # "problem(s)", "Problem(e)"
    re.compile(r"\{\w+\}×"),  # "used {count}×"
    re.compile(r"\{(?P<field>\w+)\}\s+(?:\w+\s+)?(?:" + "|".join(COUNTED) + r")\b"),  # "{count} replies"
]
# Fixed limits are never 1, so "at most {limit} prompts" is always right.
NEVER_ONE = {"limit", "size"}


def _plural_form(key: str) -> bool:
    """A key tr_count picks by CLDR plural form (`count.replies.one`, `stats.members.other`)."""
    return key.rsplit(".", 1)[-1] in {"zero", "one", "two", "few", "many", "other"}


def _hand_built(text: str) -> bool:
    for pattern in HAND_BUILT:
        for match in pattern.finditer(text):
            if match.groupdict().get("field") not in NEVER_ONE:
                return True
    return False


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_string_builds_a_plural_by_hand(lang: str) -> None:
    offenders = {key: text for key, text in _catalog(lang).items() if not _plural_form(key) and _hand_built(text)}
    assert offenders == {}, "count with tr_count and a count.* key instead"


@pytest.mark.parametrize(
    "text",
    ["{count} replies", "Diskussion der letzten {days} Tage", "{posts} tägliche Beiträge", "problem(s)", "used {n}×"],
)
def test_the_rule_catches_the_plurals_issue_12_found(text: str) -> None:
    assert _hand_built(text)


@pytest.mark.parametrize("text", ["at most {limit} prompts", "{count} of {total}", "Page {page} of {pages}"])
def test_the_rule_lets_correct_strings_pass(text: str) -> None:
    assert not _hand_built(text)


JARGON = re.compile(r"DATA_KEY|content pack|Inhaltspaket|channel's round|Runde des Kanals|in the pack", re.I)
OPERATOR_ONLY = {"export.unreadable"}  # moderators are asked to pass this on to whoever runs the bot


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_member_facing_string_names_configuration_or_the_content_pack(lang: str) -> None:
    skip = OPERATOR_ONLY
    found = {key: text for key, text in _catalog(lang).items() if JARGON.search(text) and key not in skip}
    assert found == {}


def test_no_command_description_names_the_content_pack_or_configuration() -> None:
    """Command and option descriptions are what members read in the picker, in English and German."""
    found = {english: german for english, german in command_translations().items() if JARGON.search(english + german)}
    assert found == {}
