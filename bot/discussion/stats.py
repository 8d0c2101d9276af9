"""Participation figures and the replies-per-day chart for /discussion stats."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.storage import DayFigures, Participant

MAX_DAYS = 365


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


def chart_png(per_day: Sequence[DayFigures], since: date, days: int, title: str) -> bytes:
    """A bar chart of replies per day (every day of the range, zero where nothing was posted).

    Blocking: call it in a worker thread.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = {day.post_date: day.replies for day in per_day}
    dates = [since + timedelta(days=offset) for offset in range(days)]
    values = [counts.get(day, 0) for day in dates]
    figure = Figure(figsize=(8, 3), dpi=100)
    axes = figure.subplots()
    axes.bar(range(len(dates)), values, color="#c8102e")
    step = max(1, len(dates) // 10)
    ticks = list(range(0, len(dates), step))
    axes.set_xticks(ticks, [dates[i].strftime("%d %b") for i in ticks])
    axes.set_title(title)
    axes.set_ylabel("replies")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.autofmt_xdate()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
