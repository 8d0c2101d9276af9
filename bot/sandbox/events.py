"""The demo server's scheduled events as the page shows them (watch parties): what, when, where, interested."""

from __future__ import annotations

from typing import Any

from bot.emulator import DiscordEmulator, Guild, permissions
from bot.emulator.models import JSON
from bot.emulator.scheduled_events import ACTIVE, SCHEDULED, ScheduledEvent


def add_watch_party_place(emu: DiscordEmulator, guild: Guild) -> None:
    """A voice channel to watch in, and the bot allowed to create events (README: Create Events, added to
    the bot's role for watch parties)."""
    emu.add_voice_channel(guild, "Cinema")
    emu.give_bot_role(guild, "Event host", permissions.CREATE_EVENTS)


def events_view(emu: DiscordEmulator, guild: Guild) -> list[JSON]:
    """The open events (scheduled or going on), soonest first, as Discord's event list shows them."""
    events = [e for e in emu.events_in(guild) if e.status in (SCHEDULED, ACTIVE)]
    return [_event(emu, guild, e) for e in sorted(events, key=lambda e: e.scheduled_start_time)]


def _event(emu: DiscordEmulator, guild: Guild, event: ScheduledEvent) -> JSON:
    channel = guild.channels.get(event.channel_id or 0)
    return {
        "id": str(event.id),
        "name": event.name,
        "description": event.description or "",
        "start": event.scheduled_start_time.isoformat(),
        "end": event.scheduled_end_time.isoformat() if event.scheduled_end_time else None,
        "place": channel.name if channel is not None else (event.location or ""),
        "in_channel": channel is not None,
        "interested": len(event.interested),
        "live": event.status == ACTIVE,
    }


def wake_watch_parties(bot: Any) -> None:
    """After a clock jump: the watch parties look at their reminders and prompts again (the sandbox's clock
    cannot tell sleepers it moved, so it wakes them, as it wakes the daily poster)."""
    bot.services.watchparties.wake()
