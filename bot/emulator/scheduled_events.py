"""Voice and stage channels, and guild scheduled events with the members interested in them.

Discord's rules, as the REST routes in ``rest/scheduled_events.py`` check them: types stage instance (1, a
stage channel), voice (2, a voice channel) and external (3, ``entity_metadata.location`` of 1-100 characters
and a ``scheduled_end_time``); ``privacy_level`` 2 (guild only) is required; name 1-100, description at most
1,000 characters; the start in the future, the end after the start; creating needs Create Events (or Manage
Events) where the event takes place. Members mark interest in the client: :meth:`mark_interested` and
:meth:`remove_interest` dispatch GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE, which (like CREATE/UPDATE/DELETE)
reach only sessions with the guild scheduled events intent (``gateway.event_intent``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .core import ChannelLike, EmulatorError, GuildLike, UserLike
from .models import JSON, Channel
from .snowflake import iso
from .world import WorldMixin

VOICE = 2
STAGE = 13
VOCAL_TYPES = frozenset({VOICE, STAGE})

STAGE_INSTANCE, VOICE_EVENT, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
GUILD_ONLY = 2
# Discord's status transitions: scheduled → active or canceled; active → completed. Nothing else.
TRANSITIONS = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}


@dataclass(eq=False)
class VocalChannel(Channel):
    """A voice (2) or stage (13) channel: a Channel with the fields discord.py reads for them."""

    bitrate: int = 64000
    user_limit: int = 0

    def to_payload(self, *, with_guild_id: bool = True) -> JSON:
        payload = super().to_payload(with_guild_id=with_guild_id)
        payload.update({"bitrate": self.bitrate, "user_limit": self.user_limit, "rtc_region": None})
        if self.type == VOICE:
            payload["video_quality_mode"] = 1
        return payload


@dataclass(eq=False)
class ScheduledEvent:
    """A guild scheduled event, and who marked interest in it (in the order they did)."""

    id: int
    guild_id: int
    name: str
    entity_type: int
    scheduled_start_time: dt.datetime
    creator_id: int
    scheduled_end_time: dt.datetime | None = None
    description: str | None = None
    channel_id: int | None = None
    location: str | None = None
    status: int = SCHEDULED
    privacy_level: int = GUILD_ONLY
    interested: list[int] = field(default_factory=list)

    def to_payload(self, *, with_user_count: bool = False, creator: JSON | None = None) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id) if self.channel_id is not None else None,
            "creator_id": str(self.creator_id),
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": iso(self.scheduled_start_time),
            "scheduled_end_time": iso(self.scheduled_end_time) if self.scheduled_end_time else None,
            "privacy_level": self.privacy_level,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": {"location": self.location} if self.entity_type == EXTERNAL else None,
            "image": None,
            "recurrence_rule": None,
        }
        if creator is not None:
            payload["creator"] = creator
        if with_user_count:
            payload["user_count"] = len(self.interested)
        return payload


class ScheduledEventsMixin(WorldMixin):
    """Voice/stage channels and scheduled events, and what members do with events in the client."""

    @property
    def scheduled_events(self) -> dict[int, ScheduledEvent]:
        """Every scheduled event by id (created on first use, so the emulator's constructor stays untouched)."""
        events: dict[int, ScheduledEvent] | None = self.__dict__.get("_scheduled_events")
        if events is None:
            events = {}
            self.__dict__["_scheduled_events"] = events
        return events

    def add_voice_channel(self, guild: GuildLike, name: str, *, stage: bool = False) -> Channel:
        """A voice channel (or a stage channel with ``stage=True``)."""
        g = self.get_guild(guild)
        ctype = STAGE if stage else VOICE
        position = sum(1 for c in g.channels.values() if not c.is_thread and c.type == ctype)
        channel = VocalChannel(id=self.new_id(), guild_id=g.id, name=name, type=ctype, position=position)
        g.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.gateway.emit("CHANNEL_CREATE", channel.to_payload())
        self.changed.notify()
        return channel

    def events_in(self, guild: GuildLike) -> list[ScheduledEvent]:
        """The guild's scheduled events, oldest first."""
        g = self.get_guild(guild)
        return sorted((e for e in self.scheduled_events.values() if e.guild_id == g.id), key=lambda e: e.id)

    def event_payloads(self, guild_id: int) -> list[JSON]:
        """The guild's events as GUILD_CREATE carries them (finished and canceled ones are gone)."""
        return [
            self.event_payload(e)
            for e in self.scheduled_events.values()
            if e.guild_id == guild_id and e.status in (SCHEDULED, ACTIVE)
        ]

    def event_payload(self, event: ScheduledEvent, *, with_user_count: bool = False) -> JSON:
        creator = self.users.get(event.creator_id)
        return event.to_payload(with_user_count=with_user_count, creator=creator.to_payload() if creator else None)

    def get_event(self, event: ScheduledEvent | int) -> ScheduledEvent:
        found = self.scheduled_events.get(event if isinstance(event, int) else event.id)
        if found is None:
            raise EmulatorError(f"no scheduled event {event!r}")
        return found

    def store_event(self, event: ScheduledEvent, *, created: bool) -> None:
        """Keep (or update) an event and dispatch GUILD_SCHEDULED_EVENT_CREATE or _UPDATE."""
        self.scheduled_events[event.id] = event
        name = "GUILD_SCHEDULED_EVENT_CREATE" if created else "GUILD_SCHEDULED_EVENT_UPDATE"
        self.gateway.emit(name, self.event_payload(event))
        self.changed.notify()

    def drop_event(self, event: ScheduledEvent) -> None:
        self.scheduled_events.pop(event.id, None)
        self.gateway.emit("GUILD_SCHEDULED_EVENT_DELETE", self.event_payload(event))
        self.changed.notify()

    # -- what members do in the client ------------------------------------------------------------------

    def mark_interested(self, event: ScheduledEvent | int, member: UserLike) -> bool:
        """A member clicks "Interested" (False if they already were); dispatches GUILD_SCHEDULED_EVENT_USER_ADD."""
        found = self.get_event(event)
        user = self.get_user(member)
        if self.member_of(found.guild_id, user) is None:
            raise EmulatorError(f"{user.username} is not a member of the event's guild")
        if found.status not in (SCHEDULED, ACTIVE):
            raise EmulatorError(f"event {found.name!r} is over; nobody can mark interest in it")
        if user.id in found.interested:
            return False
        found.interested.append(user.id)
        self._interest_event("GUILD_SCHEDULED_EVENT_USER_ADD", found, user.id)
        return True

    def remove_interest(self, event: ScheduledEvent | int, member: UserLike) -> bool:
        """A member takes their interest back (False if there was none); GUILD_SCHEDULED_EVENT_USER_REMOVE."""
        found = self.get_event(event)
        user = self.get_user(member)
        if user.id not in found.interested:
            return False
        found.interested.remove(user.id)
        self._interest_event("GUILD_SCHEDULED_EVENT_USER_REMOVE", found, user.id)
        return True

    def _interest_event(self, name: str, event: ScheduledEvent, user_id: int) -> None:
        data = {"guild_scheduled_event_id": str(event.id), "user_id": str(user_id), "guild_id": str(event.guild_id)}
        self.gateway.emit(name, data)
        self.changed.notify()

    def vocal_channel(self, channel: ChannelLike) -> Channel:
        ch = self.get_channel(channel)
        if ch.type not in VOCAL_TYPES:
            raise EmulatorError(f"#{ch.name} is not a voice or stage channel")
        return ch
