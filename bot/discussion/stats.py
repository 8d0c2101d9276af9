"""/discussion stats: participation figures, the embed that shows them and the chart (no Discord I/O here).

The chart is drawn on its own mid-dark card with light text, so that it reads the same in Discord's dark and light
themes; it is rendered at twice the size Discord shows it, for sharp text on high-density screens.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import discord
from babel import dates as babel_dates

from bot.i18n import tr, tr_count
from bot.storage import DayFigures, Participant

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_DAYS = 365
STATS_COLOUR = discord.Colour(0x2B6CB0)
RECENT_QUESTIONS = 5
"""Questions listed one by one (newest first); older ones are counted in the summary and the chart."""
QUESTION_LIMIT = 200

# The chart's palette: one card that carries its own contrast on a white and on a near-black page.
CARD_BACKGROUND = "#2B2D31"
CARD_BORDER = "#5C5F66"
TEXT = "#F2F3F5"
MUTED_TEXT = "#C4C9CE"
GRID = "#43464D"
REPLIES_COLOUR = "#F0B232"
MEMBERS_COLOUR = "#6CB8F5"
DISCORD_DARK = "#313338"
DISCORD_LIGHT = "#FFFFFF"

CHART_SIZE_INCHES = (6.0, 3.0)
CHART_DPI = 200
"""1200 × 600 pixels: Discord shows embed images about 520 pixels wide, so the text stays sharp at 2×."""


@dataclass(frozen=True, slots=True)
class StatsSummary:
    since: date
    days: int
    posts: int
    replies: int
    participants: int
    per_day: tuple[DayFigures, ...]
    top: tuple[Participant, ...]


def summarize(
    since: date, days: int, per_day: Sequence[DayFigures], top: Sequence[Participant], participants: int
) -> StatsSummary:
    return StatsSummary(
        since=since,
        days=days,
        posts=len(per_day),
        replies=sum(day.replies for day in per_day),
        participants=participants,
        per_day=tuple(per_day),
        top=tuple(top),
    )


def shows_chart(summary: StatsSummary) -> bool:
    """A chart only where it says more than the text: more than one day, and some replies to draw."""
    return summary.days > 1 and summary.replies > 0


def day_name(day: date, lang: str) -> str:
    """ "30 November" / "30. November": a day in words, without the year the range makes obvious."""
    return babel_dates.format_skeleton("MMMMd", day, locale=lang)


def _short_day(day: date, lang: str) -> str:
    return babel_dates.format_skeleton("MMMd", day, locale=lang)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def recent_posts(summary: StatsSummary) -> list[DayFigures]:
    """The posts listed one by one in the embed, newest first."""
    return sorted(summary.per_day, key=lambda d: d.post_date, reverse=True)[:RECENT_QUESTIONS]


def stats_embed(summary: StatsSummary, questions: Mapping[str, str], lang: str, *, chart: bool) -> discord.Embed:
    """The figures in words: a summary sentence, the latest questions with their replies and members, the most
    active members (display names, never mentions). `questions` maps a prompt id to its text in `lang`."""
    posts = tr_count(lang, "stats.posts", summary.posts)
    replies = tr_count(lang, "stats.replies", summary.replies)
    members = tr_count(lang, "stats.from_members", summary.participants)
    description = tr(lang, "stats.summary", posts=posts, replies=replies, members=members)
    if summary.posts == 0:
        description = tr_count(lang, "stats.no_posts", summary.days)
    embed = discord.Embed(
        title=tr_count(lang, "stats.title", summary.days), description=description, colour=STATS_COLOUR
    )
    for figures in recent_posts(summary):
        question = questions.get(figures.prompt_id) or tr(lang, "stats.question_gone")
        name = f"{day_name(figures.post_date, lang)} · {discord.utils.escape_markdown(question)}"
        value = tr(
            lang,
            "stats.question_figures",
            replies=tr_count(lang, "stats.replies", figures.replies),
            members=tr_count(lang, "stats.members", figures.participants),
        )
        embed.add_field(name=_shorten(name, QUESTION_LIMIT), value=value, inline=False)
    if summary.top:
        lines = [
            tr(
                lang,
                "stats.top_line",
                rank=rank,
                name=discord.utils.escape_markdown(person.author_name) or tr(lang, "stats.someone"),
                replies=tr_count(lang, "stats.replies", person.replies),
            )
            for rank, person in enumerate(summary.top, 1)
        ]
        embed.add_field(name=tr(lang, "stats.top"), value="\n".join(lines)[:1024], inline=False)
    if summary.posts > RECENT_QUESTIONS:
        embed.set_footer(text=tr_count(lang, "stats.more_questions", summary.posts - RECENT_QUESTIONS))
    if chart:
        embed.set_image(url="attachment://replies.png")
    return embed


def daily_series(per_day: Sequence[DayFigures], since: date, days: int) -> tuple[list[date], list[int], list[int]]:
    """Every day of the range with its replies and members (zero where nothing was posted)."""
    replies: dict[date, int] = {}
    members: dict[date, int] = {}
    for figures in per_day:
        replies[figures.post_date] = replies.get(figures.post_date, 0) + figures.replies
        members[figures.post_date] = members.get(figures.post_date, 0) + figures.participants
    dates = [since + timedelta(days=offset) for offset in range(days)]
    return dates, [replies.get(day, 0) for day in dates], [members.get(day, 0) for day in dates]


def chart_png(per_day: Sequence[DayFigures], since: date, days: int, lang: str) -> bytes:
    """Replies (bars) and members who replied (line) per day as a PNG, labelled in the viewer's language.

    Blocking: call it in a worker thread.
    """
    figure = chart_figure(per_day, since, days, lang)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=CHART_DPI, facecolor="none", transparent=True)
    return out.getvalue()


def chart_figure(per_day: Sequence[DayFigures], since: date, days: int, lang: str) -> Figure:
    """The chart as a matplotlib figure: a rounded mid-dark card, title, legend, bars, line and day labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch
    from matplotlib.ticker import MaxNLocator

    dates, replies, members = daily_series(per_day, since, days)
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI, facecolor="none")
    figure.patches.append(
        FancyBboxPatch(
            (0.004, 0.008),
            0.992,
            0.984,
            boxstyle="round,pad=0,rounding_size=0.03",
            transform=figure.transFigure,
            facecolor=CARD_BACKGROUND,
            edgecolor=CARD_BORDER,
            linewidth=1.5,
            zorder=-10,
        )
    )
    axes = figure.add_axes((0.085, 0.15, 0.87, 0.56))
    axes.set_facecolor(CARD_BACKGROUND)
    positions = list(range(len(dates)))
    width = 0.7 if days <= 60 else 0.9
    replies_label, members_label = tr(lang, "stats.chart.replies"), tr(lang, "stats.chart.members")
    axes.bar(positions, replies, width=width, color=REPLIES_COLOUR, label=replies_label, zorder=3)
    axes.plot(
        positions,
        members,
        color=MEMBERS_COLOUR,
        linewidth=2.4 if days <= 60 else 1.4,
        marker="o" if days <= 31 else None,
        markersize=5,
        label=members_label,
        zorder=4,
    )
    step = max(1, -(-len(dates) // 5))
    ticks = list(range(len(dates) - 1, -1, -step))[::-1]  # always label the last day (today)
    axes.set_xticks(ticks, [_short_day(dates[i], lang) for i in ticks])
    axes.set_xlim(-0.6, len(dates) - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4, min_n_ticks=1))
    axes.set_ylim(0, max(max(replies), max(members), 1) * 1.12)
    axes.grid(axis="y", color=GRID, linewidth=1, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID)
    axes.tick_params(colors=MUTED_TEXT, labelsize=13, length=0, pad=7)
    figure.text(0.045, 0.9, tr(lang, "stats.chart.title"), color=TEXT, fontsize=16, fontweight="bold", va="center")
    handles, labels = axes.get_legend_handles_labels()
    order = [labels.index(replies_label), labels.index(members_label)]  # the bars first, as they are drawn
    figure.legend(
        handles=[handles[i] for i in order],
        labels=[labels[i] for i in order],
        loc="center left",
        bbox_to_anchor=(0.035, 0.79),
        ncol=2,
        frameon=False,
        fontsize=13,
        labelcolor=TEXT,
        handlelength=1.3,
        columnspacing=1.6,
    )
    return figure


# -- contrast (WCAG 2 relative luminance), to check the palette in tests ----------------------------------


def luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
