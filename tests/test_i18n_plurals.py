"""Plurals, numbers and dates come from Babel, never hand-built."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.i18n import format_date, format_number, tr_count


@pytest.mark.parametrize(
    ("locale", "count", "expected"),
    [
        ("en-US", 1, "1 reply"),
        ("en-US", 0, "0 replies"),
        ("en-GB", 2, "2 replies"),
        ("de", 1, "1 Antwort"),
        ("de", 5, "5 Antworten"),
        ("de", 1234, "1.234 Antworten"),
        ("en-US", 1234, "1,234 replies"),
    ],
)
def test_counted_nouns_take_the_languages_plural_form(locale: str, count: int, expected: str) -> None:
    assert tr_count(locale, "count.replies", count) == expected


def test_dates_are_written_out_never_iso() -> None:
    day = dt.date(2026, 11, 24)
    assert format_date("de", day) == "24. November 2026"
    assert format_date("en-US", day) == "November 24, 2026"
    assert "2026-11-24" not in format_date("en-GB", day)


def test_numbers_use_the_languages_separators() -> None:
    assert format_number("de", 1234567) == "1.234.567"
    assert format_number("en-US", 1234567) == "1,234,567"
