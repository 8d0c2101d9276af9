"""/discussion stats without Discord: the embed's words and plurals, the chart's size, palette and language."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image

from bot.discussion import stats
from bot.discussion.stats import (
    chart_figure,
    chart_png,
    contrast,
    daily_series,
    shows_chart,
    stats_embed,
    summarize,
)
from bot.storage import DayFigures, Participant

SINCE = date(2026, 11, 2)
PER_DAY = [
    DayFigures(SINCE + timedelta(days=0), "q-grit", 1, 1),
    DayFigures(SINCE + timedelta(days=2), "q-pain", 4, 3),
    DayFigures(SINCE + timedelta(days=6), "q-gone", 0, 0),
]
QUESTIONS = {"q-grit": "Can grit be taught?", "q-pain": "Can greatness be achieved without pain?"}
TOP = [Participant(1, "Andrew *drums*", 3), Participant(2, "<@&42>", 1), Participant(3, "", 1)]


def summary(days: int = 7, per_day: list[DayFigures] = PER_DAY, participants: int = 3) -> stats.StatsSummary:
    return summarize(SINCE, days, per_day, TOP, participants)


# -- the embed -----------------------------------------------------------------------------------------


def test_questions_by_their_text_with_plurals_in_english() -> None:
    embed = stats_embed(summary(), QUESTIONS, "en", chart=True)
    assert embed.title == "The discussion over the last 7 days"
    assert embed.description == "3 daily questions, 5 replies from 3 members."
    fields = [(field.name, field.value) for field in embed.fields]
    assert fields[:3] == [
        ("November 8 · A question that has since been removed", "0 replies · 0 members"),
        ("November 4 · Can greatness be achieved without pain?", "4 replies · 3 members"),
        ("November 2 · Can grit be taught?", "1 reply · 1 member"),
    ]
    assert not any("q-" in (name or "") for name, _ in fields), "prompt ids are not for members"
    assert fields[3] == ("Most active", "1. Andrew \\*drums\\*: 3 replies\n2. <@&42>: 1 reply\n3. A member: 1 reply")
    assert embed.image.url == "attachment://replies.png"


def test_german_words_dates_and_plurals() -> None:
    embed = stats_embed(summary(per_day=PER_DAY[:1], participants=1), QUESTIONS, "de", chart=False)
    assert embed.title == "Die Diskussion der letzten 7 Tage"
    assert embed.description == "1 Tagesfrage, 1 Antwort von 1 Mitglied."
    assert embed.fields[0].name == "2. November · Can grit be taught?"  # (the question as given, in `de` here)
    assert embed.fields[0].value == "1 Antwort · 1 Mitglied"
    assert embed.fields[1].name == "Am aktivsten" and "3 Antworten" in (embed.fields[1].value or "")
    assert embed.image.url is None


def test_one_day_is_text_only_and_says_today() -> None:
    today = summarize(SINCE, 1, PER_DAY[:1], TOP[:1], 1)
    assert not shows_chart(today)
    assert stats_embed(today, QUESTIONS, "en", chart=False).title == "The discussion today"
    assert stats_embed(today, QUESTIONS, "de", chart=False).title == "Die Diskussion heute"
    nothing = summarize(SINCE, 1, [], [], 0)
    assert stats_embed(nothing, {}, "en", chart=False).description == "Nothing has been posted today yet."
    assert stats_embed(summarize(SINCE, 30, [], [], 0), {}, "de", chart=False).description == (
        "In den letzten 30 Tagen wurde nichts gepostet."
    )
    assert shows_chart(summary(days=2)) and not shows_chart(summarize(SINCE, 7, PER_DAY[2:], [], 0))


def test_only_the_latest_questions_are_listed_and_the_rest_is_counted() -> None:
    many = [DayFigures(SINCE + timedelta(days=i), f"q{i}", 1, 1) for i in range(8)]
    embed = stats_embed(summary(days=8, per_day=many), {}, "en", chart=True)
    assert len([f for f in embed.fields if f.name != "Most active"]) == stats.RECENT_QUESTIONS
    assert embed.footer.text == "3 earlier questions are counted in the totals."
    assert len(embed) <= 6000


# -- the chart -----------------------------------------------------------------------------------------


def test_daily_series_fills_every_day() -> None:
    dates, replies, members = daily_series(PER_DAY, SINCE, 7)
    assert dates[0] == SINCE and dates[-1] == SINCE + timedelta(days=6)
    assert replies == [1, 0, 4, 0, 0, 0, 0] and members == [1, 0, 3, 0, 0, 0, 0]


@pytest.mark.parametrize("days", [2, 7, 30, 365])
def test_chart_is_retina_sized_on_its_own_dark_card_not_white(days: int) -> None:
    png = chart_png(PER_DAY, SINCE, days, "en")
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    assert image.size == (1200, 600)  # twice the width Discord shows, for sharp text
    card = image.getpixel((600, 40))  # between the title and the right edge: the card itself
    assert card[:3] == tuple(int(stats.CARD_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5)) and card[3] == 255
    assert image.getpixel((0, 0))[3] == 0  # rounded corners are see-through, not white
    rgba = image.tobytes()
    pixels = [rgba[i : i + 4] for i in range(0, len(rgba), 4)]
    whites = sum(1 for pixel in pixels if pixel[3] > 0 and min(pixel[:3]) > 240)
    assert whites < len(pixels) * 0.05  # light text only, never a white page (the old chart was all white)


def test_palette_reads_in_discords_dark_and_light_themes() -> None:
    background = stats.CARD_BACKGROUND
    assert contrast(stats.TEXT, background) >= 7  # WCAG AAA for the title and legend
    assert contrast(stats.MUTED_TEXT, background) >= 4.5  # WCAG AA for the day and count labels
    assert contrast(stats.REPLIES_COLOUR, background) >= 3  # WCAG non-text contrast for bars and line
    assert contrast(stats.MEMBERS_COLOUR, background) >= 3
    assert contrast(stats.REPLIES_COLOUR, stats.MEMBERS_COLOUR) >= 1.1  # the two series stay apart
    assert contrast(background, stats.DISCORD_LIGHT) >= 7  # a dark card on a white page, no glare
    assert contrast(stats.CARD_BORDER, stats.DISCORD_DARK) >= 1.5  # its frame shows on a dark page
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0


@pytest.mark.parametrize(
    ("lang", "title", "legend", "last_day"),
    [
        ("en", "Replies and members per day", ["Replies", "Members"], "Nov 8"),
        ("de", "Antworten und Mitglieder pro Tag", ["Antworten", "Mitglieder"], "8. Nov."),
    ],
)
def test_chart_speaks_the_viewers_language(lang: str, title: str, legend: list[str], last_day: str) -> None:
    figure = chart_figure(PER_DAY, SINCE, 7, lang)
    assert [text.get_text() for text in figure.texts] == [title]
    assert [text.get_text() for text in figure.legends[0].get_texts()] == legend
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels[-1] == last_day and len(labels) <= 7
    assert all(text.get_fontsize() >= 13 for text in figure.legends[0].get_texts())
