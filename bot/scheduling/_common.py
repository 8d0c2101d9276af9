"""What every part of the scheduling package shares: weekday sets, the input error, argument checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.i18n import tr

ALL_DAYS: frozenset[int] = frozenset(range(7))
WEEKDAYS: frozenset[int] = frozenset(range(5))
WEEKENDS: frozenset[int] = frozenset({5, 6})


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ABBREVIATIONS = tuple(name[:3] for name in _DAY_NAMES)


class ScheduleInputError(ValueError):
    """Moderator input that cannot be accepted: an interface string key (`bot/locale/*/schedule.yaml`) and its values.

    :meth:`text` is the one sentence to show, in the reader's language; ``str(error)`` is the English sentence
    (for logs and the command line).
    """

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = values
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        """The sentence in `lang` ('en' or 'de'): what was wrong and what is accepted."""
        return tr(lang, self.key, **self.values)


def _shown(text: str, limit: int = 40) -> str:
    """The user's text, whitespace collapsed and shortened, to quote in an error sentence (the catalog adds quotes)."""
    shown = " ".join(text.split())
    if len(shown) > limit:
        shown = shown[: limit - 1].rstrip() + "…"
    return shown


def _require_aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, not a naive one")
    return moment.astimezone(UTC)


def _require_days(days: Iterable[int]) -> frozenset[int]:
    result = frozenset(days)
    if not result:
        raise ValueError("a schedule needs at least one day")
    if not result <= ALL_DAYS:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), got {sorted(result - ALL_DAYS)}")
    return result
