"""Guild scheduled event routes (bot-authenticated): create, list, get, modify, delete, and interested users.

Checked as Discord checks them (see ``scheduled_events.py`` for the rules); a body that breaks one gets
400 Invalid Form Body (50035) and is recorded as a violation, a missing permission 403 (50013).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import permissions as P
from ..limits import Errors
from ..models import Guild
from ..scheduled_events import (
    EXTERNAL,
    GUILD_ONLY,
    SCHEDULED,
    STAGE,
    STAGE_INSTANCE,
    TRANSITIONS,
    VOICE,
    VOICE_EVENT,
    ScheduledEvent,
)
from .base import ApiError, Req, json_response, missing_permissions, no_content, raise_for, route
from .guilds import guild_for

if TYPE_CHECKING:
    from ..server import DiscordEmulator

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000
LOCATION_LIMIT = 100
CHANNEL_FOR_TYPE = {STAGE_INSTANCE: STAGE, VOICE_EVENT: VOICE}
EVENT_PERMISSIONS = P.CREATE_EVENTS | P.MANAGE_EVENTS


def _time(errs: Errors, name: str, value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        errs.add((name,), "DATE_TIME_TYPE_CONVERT", "Could not parse date. Should be ISO8601.", f"{name} is {value!r}")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        errs.add((name,), "DATE_TIME_TYPE_CONVERT", "Could not parse date. Should be ISO8601.", f"{name} is {value!r}")
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def _text(errs: Errors, name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, str):
        errs.add((name,), "BASE_TYPE_REQUIRED", "This field is required", f"{name} is {value!r}")
    elif not low <= len(value) <= high:
        errs.add(
            (name,),
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between {low} and {high} in length.",
            f"{name} is {len(value)} characters, must be {low}-{high}",
        )


def _event_for(emu: DiscordEmulator, req: Req, guild: Guild) -> ScheduledEvent:
    event = emu.scheduled_events.get(req.int_param("event_id"))
    if event is None or event.guild_id != guild.id:
        raise ApiError(404, 10070, "Unknown Guild Scheduled Event")
    return event


def _check_place(
    emu: DiscordEmulator, guild: Guild, errs: Errors, entity_type: int, channel_id: Any, metadata: Any
) -> tuple[int | None, str | None]:
    """The event's channel (stage/voice) or location (external), checked against its type."""
    if entity_type in CHANNEL_FOR_TYPE:
        if metadata not in (None, {}):
            errs.add(("entity_metadata",), "BASE_TYPE_BAD_VALUE", "Must be empty", "a channel event has no location")
        channel = guild.channels.get(int(channel_id)) if str(channel_id or "").isdigit() else None
        if channel is None:
            errs.add(("channel_id",), "BASE_TYPE_REQUIRED", "This field is required", "a channel event needs a channel")
            return None, None
        if channel.type != CHANNEL_FOR_TYPE[entity_type]:
            kind = "stage" if entity_type == STAGE_INSTANCE else "voice"
            errs.add(
                ("channel_id",),
                "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE",
                "Invalid channel type",
                f"#{channel.name} (type {channel.type}) is not a {kind} channel",
            )
        return channel.id, None
    if channel_id is not None:
        errs.add(("channel_id",), "BASE_TYPE_BAD_VALUE", "Must be empty", "an external event has no channel")
    location = metadata.get("location") if isinstance(metadata, dict) else None
    if location is None:
        errs.add(("entity_metadata", "location"), "BASE_TYPE_REQUIRED", "This field is required", "location is missing")
    else:
        _text(errs, "location", location, 1, LOCATION_LIMIT)
    return None, location if isinstance(location, str) else None


def _check_permission(emu: DiscordEmulator, guild: Guild, channel_id: int | None, entity_type: int) -> None:
    """Create Events (or Manage Events) where the event takes place; a channel event needs to see it too."""
    if channel_id is None:
        perms = emu.guild_permissions(guild, emu.bot.id)
        perms = P.ALL_PERMISSIONS if perms & P.ADMINISTRATOR else perms
        need = 0
    else:
        perms = emu.bot_permissions(channel_id)
        need = P.VIEW_CHANNEL | P.CONNECT
        if entity_type == STAGE_INSTANCE:
            need |= P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS
    if not perms & EVENT_PERMISSIONS:
        raise missing_permissions("creating a scheduled event needs CREATE_EVENTS or MANAGE_EVENTS")
    if not P.has(perms, need):
        raise missing_permissions(f"the event's channel needs {P.names(need & ~perms)}")


def _check_times(
    emu: DiscordEmulator, errs: Errors, start: dt.datetime | None, end: dt.datetime | None, *, new_start: bool
) -> None:
    now = emu.snowflakes.now()
    if start is not None and new_start and start <= now:
        errs.add(
            ("scheduled_start_time",),
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
            f"the start {start.isoformat()} is not after now {now.isoformat()}",
        )
    if start is not None and end is not None and end <= start:
        errs.add(
            ("scheduled_end_time",),
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
            "the end is not after the start",
        )


def _check_may_edit(emu: DiscordEmulator, guild: Guild, event: ScheduledEvent) -> None:
    """Manage Events, or Create Events for an event the bot created itself."""
    perms = emu.guild_permissions(guild, emu.bot.id)
    own = event.creator_id == emu.bot.id
    if not (perms & (P.MANAGE_EVENTS | P.ADMINISTRATOR) or (perms & P.CREATE_EVENTS and own)):
        raise missing_permissions("changing an event needs MANAGE_EVENTS, or CREATE_EVENTS for one's own")


@route("POST", "/guilds/{guild_id}/scheduled-events")
async def create_event(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    body = req.body()
    errs = Errors()
    _text(errs, "name", body.get("name"), 1, NAME_LIMIT)
    if body.get("description") is not None:
        _text(errs, "description", body.get("description"), 0, DESCRIPTION_LIMIT)
    if body.get("privacy_level") != GUILD_ONLY:
        errs.add(
            ("privacy_level",),
            "BASE_TYPE_CHOICES" if "privacy_level" in body else "BASE_TYPE_REQUIRED",
            "Value must be one of {2}." if "privacy_level" in body else "This field is required",
            f"privacy_level is {body.get('privacy_level')!r}; Discord requires 2 (guild only)",
        )
    raw_type = body.get("entity_type")
    if raw_type not in (STAGE_INSTANCE, VOICE_EVENT, EXTERNAL):
        errs.add(
            ("entity_type",),
            "BASE_TYPE_REQUIRED" if raw_type is None else "BASE_TYPE_CHOICES",
            "This field is required" if raw_type is None else "Value must be one of {1, 2, 3}.",
            f"entity_type is {raw_type!r}",
        )
        raise_for(errs)
    entity_type = int(raw_type or 0)  # one of the three, checked above
    start = _time(errs, "scheduled_start_time", body.get("scheduled_start_time"))
    end = _time(errs, "scheduled_end_time", body["scheduled_end_time"]) if body.get("scheduled_end_time") else None
    if entity_type == EXTERNAL and end is None and "scheduled_end_time" not in errs.describe():
        errs.add(
            ("scheduled_end_time",), "BASE_TYPE_REQUIRED", "This field is required", "an external event needs an end"
        )
    channel_id, location = _check_place(
        emu, guild, errs, entity_type, body.get("channel_id"), body.get("entity_metadata")
    )
    _check_times(emu, errs, start, end, new_start=True)
    raise_for(errs)
    assert start is not None
    _check_permission(emu, guild, channel_id, entity_type)
    event = ScheduledEvent(
        id=emu.new_id(),
        guild_id=guild.id,
        name=body["name"],
        entity_type=entity_type,
        scheduled_start_time=start,
        scheduled_end_time=end,
        creator_id=emu.bot.id,
        description=body.get("description"),
        channel_id=channel_id,
        location=location,
    )
    emu.store_event(event, created=True)
    return json_response(emu.event_payload(event))


@route("GET", "/guilds/{guild_id}/scheduled-events")
async def list_events(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    with_count = req.flag("with_user_count")
    return json_response([emu.event_payload(e, with_user_count=with_count) for e in emu.events_in(guild)])


@route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def get_event(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    event = _event_for(emu, req, guild)
    return json_response(emu.event_payload(event, with_user_count=req.flag("with_user_count")))


@route("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def modify_event(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    event = _event_for(emu, req, guild)
    perms = emu.guild_permissions(guild, emu.bot.id)
    if not (
        perms & (P.MANAGE_EVENTS | P.ADMINISTRATOR) or (perms & P.CREATE_EVENTS and event.creator_id == emu.bot.id)
    ):
        raise missing_permissions("modifying an event needs MANAGE_EVENTS, or CREATE_EVENTS for one's own")
    body = req.body()
    errs = Errors()
    if "name" in body:
        _text(errs, "name", body["name"], 1, NAME_LIMIT)
    if body.get("description") is not None:
        _text(errs, "description", body["description"], 0, DESCRIPTION_LIMIT)
    if "privacy_level" in body and body["privacy_level"] != GUILD_ONLY:
        errs.add(("privacy_level",), "BASE_TYPE_CHOICES", "Value must be one of {2}.", "privacy_level must be 2")
    status = body.get("status", event.status)
    if status != event.status and status not in TRANSITIONS.get(event.status, set()):
        errs.add(
            ("status",),
            "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
            "Invalid status transition.",
            f"status {event.status} cannot become {status!r}",
        )
    start = (
        _time(errs, "scheduled_start_time", body["scheduled_start_time"]) if "scheduled_start_time" in body else None
    )
    end = _time(errs, "scheduled_end_time", body["scheduled_end_time"]) if body.get("scheduled_end_time") else None
    if start is not None and event.status != SCHEDULED:
        errs.add(("scheduled_start_time",), "BASE_TYPE_BAD_VALUE", "Cannot change", "the event has already started")
    _check_times(
        emu, errs, start or event.scheduled_start_time, end or event.scheduled_end_time, new_start=start is not None
    )
    entity_type = body.get("entity_type", event.entity_type)
    if "entity_type" in body or "channel_id" in body or "entity_metadata" in body:
        channel_id, location = _check_place(
            emu,
            guild,
            errs,
            entity_type,
            body.get("channel_id", event.channel_id),
            body.get("entity_metadata", {"location": event.location} if event.location else None),
        )
    else:
        channel_id, location = event.channel_id, event.location
    raise_for(errs)
    event.name = body.get("name", event.name)
    if "description" in body:
        event.description = body["description"]
    event.scheduled_start_time = start or event.scheduled_start_time
    event.scheduled_end_time = end or event.scheduled_end_time
    event.entity_type, event.channel_id, event.location = entity_type, channel_id, location
    event.status = status
    emu.store_event(event, created=False)
    return json_response(emu.event_payload(event))


@route("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}")
async def delete_event(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    event = _event_for(emu, req, guild)
    perms = emu.guild_permissions(guild, emu.bot.id)
    if not (
        perms & (P.MANAGE_EVENTS | P.ADMINISTRATOR) or (perms & P.CREATE_EVENTS and event.creator_id == emu.bot.id)
    ):
        raise missing_permissions("deleting an event needs MANAGE_EVENTS, or CREATE_EVENTS for one's own")
    emu.drop_event(event)
    return no_content()


@route("GET", "/guilds/{guild_id}/scheduled-events/{event_id}/users")
async def event_users(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    """Interested users, newest id first (as discord.py pages them): the `limit` (1-100, default 100) nearest
    below `before`, or above `after`; `with_member` adds each member."""
    guild = guild_for(emu, req)
    event = _event_for(emu, req, guild)
    errs = Errors()
    raw_limit = req.query.get("limit", "100")
    limit = int(raw_limit) if raw_limit.isdigit() else -1
    if not 1 <= limit <= 100:
        errs.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.", f"limit is {raw_limit}, must be 1-100")
    for name in ("before", "after"):
        if name in req.query and not req.query[name].isdigit():
            errs.add((name,), "NUMBER_TYPE_COERCE", "Value is not snowflake.", f"{name} is {req.query[name]!r}")
    raise_for(errs)
    users = sorted(event.interested)
    if "after" in req.query:
        users = [u for u in users if u > int(req.query["after"])][:limit]
    else:
        before = int(req.query.get("before", 0)) or None
        users = [u for u in users if before is None or u < before][-limit:]
    with_member = req.flag("with_member")
    out = []
    for uid in reversed(users):
        item: dict[str, Any] = {"guild_scheduled_event_id": str(event.id), "user": emu.users[uid].to_payload()}
        member = guild.members.get(uid)
        if with_member and member is not None:
            item["member"] = member.to_payload(with_user=False)
        out.append(item)
    return json_response(out)
