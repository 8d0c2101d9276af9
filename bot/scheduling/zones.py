"""Time zones: resolving IANA names and suggesting them for autocomplete."""

from __future__ import annotations

import functools
import re
import zoneinfo
from zoneinfo import ZoneInfo

from bot.scheduling._common import (
    ScheduleInputError,
    _shown,
)

# --------------------------------------------------------------------------------------------------------
# Time zones
# --------------------------------------------------------------------------------------------------------

_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
_REGIONS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Arctic/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)
_COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
_AUTOCOMPLETE_LIMIT = 25  # Discord's maximum number of autocomplete choices
_CHOICE_LENGTH = 100  # Discord's maximum length of a choice's name and value


@functools.cache
def _zone_index() -> dict[str, str]:
    """Lower-cased IANA name → the name as tzdata spells it, for every zone this system knows."""
    names = sorted(zoneinfo.available_timezones() - _NOT_ZONES)
    index: dict[str, str] = {}
    for name in names:
        index.setdefault(name.lower(), name)
    return index


@functools.cache
def _suggestable() -> tuple[tuple[str, str, tuple[str, ...], str], ...]:
    """(name, lower-cased name, its words, squashed city) for the zones offered as suggestions.

    Suggestions are the geographic ``Region/City`` names plus ``UTC``; legacy spellings such as
    ``US/Eastern`` or ``Etc/GMT+5`` are still accepted when typed in full, but not offered.
    """
    rows = []
    for lowered, name in sorted(_zone_index().items(), key=lambda item: item[1]):
        if name == "UTC" or name.startswith(_REGIONS):
            words = tuple(word for word in re.split(r"[/_\-]", lowered) if word)
            rows.append((name, lowered, words, _squash(lowered.rsplit("/", 1)[-1])))
    return tuple(rows)


def _normalise_zone_query(text: str) -> str:
    return "_".join(text.split()).lower()


def _squash(text: str) -> str:
    return re.sub(r"[\s/_\-]", "", text)


def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA time zone name such as ``Europe/Berlin``.

    Matching ignores case and surrounding whitespace, and spaces count as underscores
    (``america/new york`` → ``America/New_York``). Anything that is not an IANA name known to this system
    (abbreviations such as ``CEST``, offsets such as ``+02:00``, bare city names, file paths) raises a
    :class:`ScheduleInputError` that suggests the closest IANA name where there is one.
    """
    query = _normalise_zone_query(name)
    if not query:
        raise ScheduleInputError("schedule.input.zone_empty")
    canonical = _zone_index().get(query)
    if canonical is not None:
        try:
            return ZoneInfo(canonical)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass
    guesses = search_timezones(name, limit=1)
    example = guesses[0] if guesses else "Europe/Berlin"
    raise ScheduleInputError("schedule.input.zone_unknown", text=_shown(name), example=example)


def search_timezones(query: str, limit: int = _AUTOCOMPLETE_LIMIT) -> list[str]:
    """IANA zone names matching what a moderator has typed so far, best first, for Discord autocomplete.

    At most ``min(limit, 25)`` names, each at most 100 characters. Case is ignored and spaces count as
    underscores, so ``berlin`` finds ``Europe/Berlin`` and ``new york`` finds ``America/New_York``. Ranking:
    an exact name or exact city; then names starting with the query; then names with a word (city, region,
    part of a city) starting with it; then names containing it; then cities containing it once spaces,
    underscores and hyphens are ignored (``newyork``, ``portauprince``). Ties sort alphabetically. An empty query
    returns commonly used zones.
    """
    limit = max(0, min(limit, _AUTOCOMPLETE_LIMIT))
    if limit == 0:
        return []
    index = _zone_index()
    q = _normalise_zone_query(query)
    if not q:
        return [name for name in _COMMON_ZONES if name.lower() in index][:limit]
    squashed = _squash(q)
    ranked: list[tuple[int, str]] = []
    exact = index.get(q)
    if exact is not None:
        ranked.append((-1, exact))
    for name, lowered, words, flat in _suggestable():
        if name == exact:
            continue
        if lowered.rsplit("/", 1)[-1] == q:
            rank = 0
        elif lowered.startswith(q):
            rank = 1
        elif any(word.startswith(q) for word in words) or "/" + q in lowered:
            rank = 2
        elif q in lowered:
            rank = 3
        elif squashed and squashed in flat:
            rank = 4
        else:
            continue
        ranked.append((rank, name))
    ranked.sort()
    return [name for _, name in ranked if len(name) <= _CHOICE_LENGTH][:limit]
