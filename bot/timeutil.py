"""Time helpers: one clock type, and ISO 8601 UTC text as stored and exported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The real clock: an aware UTC datetime."""
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, e.g. 2026-11-21T15:04:05.123456Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware datetime")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote back into an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
