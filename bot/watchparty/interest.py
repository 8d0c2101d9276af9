"""Members marking interest in a scheduled event, as the bot hears it from the gateway.

discord.py 2.7.1 drops GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE when the member is not in its user cache
(state.py, `parse_guild_scheduled_event_user_add`: "referencing unknown user ID ... Discarding"), and this bot
caches no members (no members intent, `MemberCacheFlags.none()`), so `on_scheduled_event_user_add` would never
fire. The measured reason for touching discord.py's parser table: wrapping the two parsers is the only way to
learn of an RSVP without caching every member of every server. The original parser still runs first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from discord.ext import commands

log = logging.getLogger(__name__)

INTEREST_EVENTS = ("GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENT_USER_REMOVE")


def watch_interest(bot: commands.Bot, changed: Callable[[int, int], None]) -> Callable[[], None]:
    """Call `changed(guild_id, event_id)` for every interest added or removed; returns the undo."""
    parsers: dict[str, Callable[[Any], None]] = bot._connection.parsers
    originals = {name: parsers[name] for name in INTEREST_EVENTS}

    def hooked(original: Callable[[Any], None]) -> Callable[[Any], None]:
        def parse(data: Any) -> None:
            original(data)
            try:
                guild_id, event_id = int(data["guild_id"]), int(data["guild_scheduled_event_id"])
            except (KeyError, TypeError, ValueError):
                log.warning("An interest event without a server or an event: %r", data)
                return
            changed(guild_id, event_id)

        return parse

    for name, original in originals.items():
        parsers[name] = hooked(original)

    def undo() -> None:
        parsers.update(originals)

    return undo
