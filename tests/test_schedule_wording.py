"""How the schedule reads to people (issue 12): days in words, input errors in the member's language, and every
kind of change in /schedule show as one sentence."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.moderation.audit import audit_line
from bot.moderation.failures import plain_failure
from bot.scheduling import ALL_DAYS, ScheduleInputError, describe_days, parse_days, parse_time, resolve_timezone
from bot.storage.moderation import AuditEntry
from bot.storage.privacy import FORMER_MODERATOR

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days", "english", "german"),
    [
        (ALL_DAYS, "every day", "jeden Tag"),
        ({0, 1, 2, 3, 4}, "Monday to Friday", "Montag bis Freitag"),
        ({5, 6}, "Saturday and Sunday", "Samstag und Sonntag"),
        ({0, 2, 4}, "Monday, Wednesday, and Friday", "Montag, Mittwoch und Freitag"),
        ({4, 5, 6, 0}, "Friday to Monday", "Freitag bis Montag"),
        ({1}, "Tuesday", "Dienstag"),
    ],
)
def test_days_read_as_words(days: set[int], english: str, german: str) -> None:
    assert describe_days(days, "en") == english
    assert describe_days(days, "de") == german


def _error(parse: Any, text: str) -> ScheduleInputError:
    with pytest.raises(ScheduleInputError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("parse", "text", "german"),
    [
        (
            parse_time,
            "9am",
            "„9am“ ist eine Uhrzeit im 12-Stunden-Format: Gib sie als HH:MM im 24-Stunden-Format an, "
            "zum Beispiel 09:00.",
        ),
        (parse_time, "25:00", "„25:00“ ist keine Uhrzeit"),
        (parse_time, "9:30:15", "„9:30:15“ enthält Sekunden"),
        (parse_time, "", "Die Uhrzeit fehlt"),
        (parse_days, "someday", "„someday“ ist kein Wochentag: Gib die Tage auf Englisch an"),
        (parse_days, "mon-xyz", "„xyz“ in „mon-xyz“ ist kein Wochentag"),
        (parse_days, "mon-", "„mon-“ ist kein Bereich von Tagen"),
        (resolve_timezone, "Mars/Olympus", "„Mars/Olympus“ ist kein IANA-Zeitzonenname"),
        (resolve_timezone, " ", "Die Zeitzone fehlt"),
    ],
)
def test_german_members_get_german_input_errors(parse: Any, text: str, german: str) -> None:
    error = _error(parse, text)
    shown = error.text("de")
    assert shown.startswith(german) and shown.endswith(".")
    for english in ("is not", "use ", "such as", "12-hour", "empty"):
        assert english not in shown, shown
    assert str(error) == error.text("en") and str(error) != shown  # the log and the CLI keep English


def _entry(action: str, before: Any, after: Any, target: str = "schedule", who: int = 42) -> AuditEntry:
    return AuditEntry(1, 1, who, action, target, before, after, NOW)


SCHEDULE = {
    "channel_id": 7,
    "local_time": "09:00",
    "timezone": "Europe/Berlin",
    "days": 127,
    "ping_role_id": None,
    "moderator_role_id": None,
    "log_channel_id": None,
    "paused": False,
}
PROMPT = {"text": "Is Fletcher's method ever worth the cost?", "text_de": "Ist Fletchers Methode je den Preis wert?"}
ENTRIES = [
    _entry("schedule.set", None, SCHEDULE),
    _entry("schedule.set", SCHEDULE, {**SCHEDULE, "local_time": "08:00", "days": 31, "ping_role_id": 9}),
    _entry("schedule.set", {**SCHEDULE, "ping_role_id": 9, "log_channel_id": 3}, {**SCHEDULE, "channel_id": 8}),
    _entry("schedule.set", SCHEDULE, {**SCHEDULE, "moderator_role_id": 5, "log_channel_id": 3}),
    _entry("schedule.set", SCHEDULE, SCHEDULE),
    _entry("schedule.pause", {"paused": False}, {"paused": True}),
    _entry("schedule.resume", {"paused": True}, {"paused": False}),
    _entry("privacy.retention", {"days": 365}, {"days": 30}, "retention"),
    _entry("prompt.add", None, PROMPT, "s-1"),
    _entry("prompt.edit", PROMPT, {**PROMPT, "text": "New words?"}, "s-1"),
    _entry("prompt.remove", PROMPT, None, "s-1"),
    _entry("prompt.enable", {"enabled": False}, {"enabled": True}, "q-1"),
    _entry("prompt.disable", {"enabled": True}, {"enabled": False}, "gone"),
    _entry("prompt.queue", {"queued": None}, {"queued": 1}, "q-1"),
    _entry("prompt.import", {"a": {"enabled": True}}, {"a": {"enabled": False}, "b": {"prompt": {}}}, "2 prompt(s)"),
    _entry("suggestion.approve", {"status": "pending"}, {"status": "approved", "prompt_id": "s-2"}, "suggestion 1"),
    _entry("suggestion.reject", {"status": "pending"}, {"status": "rejected"}, "suggestion 2"),
    _entry("schedule.set", SCHEDULE, SCHEDULE, who=FORMER_MODERATOR),
    _entry("schedule.set", {**SCHEDULE, "days": 31}, SCHEDULE),
]


@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_change_reads_as_one_sentence(lang: str) -> None:
    questions = {"q-1": "Why does Andrew keep going?", "s-2": "Would you rush or drag?"}
    lines = [audit_line(entry, lang, questions.get) for entry in ENTRIES]
    for line in lines:
        stamp, sentence = line.split(" · ", 1)
        assert stamp == f"<t:{int(NOW.timestamp())}:R>"
        assert sentence.endswith("."), sentence
        assert sentence.startswith("<@") or sentence[0].isupper(), sentence
        for raw in ("_id", "schedule.", "prompt.", "=", "→", "{", "127", "None", "True"):
            assert raw not in sentence, (raw, sentence)
    assert all("changed a setting" not in line and "eine Einstellung geändert" not in line for line in lines)


def test_changes_in_english() -> None:
    said = [audit_line(entry, "en", {"q-1": "Why does Andrew keep going?"}.get).split(" · ", 1)[1] for entry in ENTRIES]
    assert said[0] == "<@42> set up the daily post in <#7> at 09:00 (Europe/Berlin), every day."
    assert said[1] == (
        "<@42> moved the daily post to 08:00 (Europe/Berlin), changed the days to Monday to Friday, "
        "and had each post ping <@&9>."
    )
    assert said[2] == (
        "<@42> moved the daily post to <#8>, stopped pinging a role with each post, "
        "and stopped reporting failed posts in a channel."
    )
    assert said[3] == "<@42> made <@&5> the moderator role and had failed posts reported in <#3>."
    assert said[4] == "<@42> saved the schedule without changes."
    assert said[7] == "<@42> set replies to be kept for 30 days."
    assert said[8] == "<@42> added the question “Is Fletcher's method ever worth the cost?”."
    assert said[10] == "<@42> removed the question “Is Fletcher's method ever worth the cost?”."
    assert said[11] == "<@42> turned on the question “Why does Andrew keep going?”."
    assert said[12] == "<@42> turned off a question that no longer exists."
    assert said[14] == "<@42> imported 2 questions from a file."
    assert said[16] == "<@42> turned down a member's suggestion."
    assert said[17] == "A former moderator saved the schedule without changes."
    assert said[18] == "<@42> made the post appear every day."


def test_changes_in_german() -> None:
    said = [audit_line(entry, "de").split(" · ", 1)[1] for entry in ENTRIES]
    assert said[1] == (
        "<@42> hat den täglichen Beitrag auf 08:00 Uhr (Europe/Berlin) verlegt, die Tage auf Montag bis Freitag "
        "geändert und den Ping auf <@&9> gesetzt."
    )
    assert said[5] == "<@42> hat die täglichen Beiträge pausiert."
    assert said[7] == "<@42> hat festgelegt, dass Antworten 30 Tage lang aufbewahrt werden."
    assert said[8] == "<@42> hat die Frage „Ist Fletchers Methode je den Preis wert?“ hinzugefügt."
    assert said[17] == "Ein früheres Mitglied der Moderation hat den Zeitplan unverändert gespeichert."
    assert said[18] == "<@42> hat den Beitrag auf jeden Tag ausgeweitet."


def test_what_people_wrote_cannot_ping_or_break_the_line() -> None:
    sneaky = {"text": "@everyone <@&1234567890123456789> **bold**\nsecond line " + "x" * 200}
    line = audit_line(_entry("prompt.add", None, sneaky, "s-9"), "en")
    assert "@everyone" not in line and "<@&1234567890123456789>" not in line
    assert "\n" not in line and "**bold**" not in line and len(line) < 160


@pytest.mark.parametrize(
    ("stored", "english", "german"),
    [
        (
            "the channel 1573593808896000004 no longer exists",
            "the channel no longer exists",
            "den Kanal gibt es nicht mehr",
        ),
        (
            "missing permission to see the channel 15735938088",
            "the bot may not see the channel",
            "der Bot darf den Kanal",
        ),
        (
            "missing permission to post in #daily (needs View Channel, Send Messages, Embed Links)",
            "the bot may not post in the channel: it needs View Channel, Send Messages, and Embed Links",
            "der Bot darf im Kanal nicht posten: Er braucht „Kanal ansehen“, „Nachrichten senden“ und "
            "„Links einbetten“",
        ),
        ("prompt s-3 is no longer in this server's pool", "its question was removed", "die Frage wurde"),
        ("Discord refused the post (HTTP 403, code 50013)", "lacks a permission", "fehlt"),
        ("Discord did not accept the post (HTTP 503)", "Discord did not accept it", "nicht angenommen"),
        ("i18n:post.thread_forbidden", "Create Public Threads", "Öffentliche Threads erstellen"),
    ],
)
def test_failures_read_in_plain_words_without_ids_or_codes(stored: str, english: str, german: str) -> None:
    said = {lang: plain_failure(stored, lang) for lang in ("en", "de")}
    assert english in said["en"] and german in said["de"], said
    for text in said.values():
        assert not re.search(r"\d{5,}|HTTP|50013|s-3|#daily", text), text


def test_an_unknown_failure_is_shown_as_stored() -> None:
    assert plain_failure("something new", "de") == "something new"
