"""When things happen at a watch party: pure functions on the party's stored state and the bot's clock.

The prompts have no minutes of their own (the research has no verified scene timeline): prompt k of n is due
when the film has run k/n of its runtime, so the first comes at the start and the last well before the end;
the after-film discussion opens when the whole runtime has passed. Film time stops while a party is paused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import discord

from bot.storage.watchparty import WatchParty

REMINDER_LEAD = timedelta(minutes=15)
"""Interested members are reminded this long before the start."""
EARLY_START = timedelta(minutes=30)
"""`/watchparty start` works from this long before the scheduled start."""
MAX_AHEAD = timedelta(days=365)
"""A party can be scheduled at most a year ahead."""
LOCATION_LIMIT = 100
WHEN_PATTERN = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$")
VOCAL = (discord.ChannelType.voice, discord.ChannelType.stage_voice)


class WatchInputError(ValueError):
    """A moderator's input that cannot be accepted; `key` names the sentence (bot/locale/*/watchparty.yaml).
    `missing` names the forum permissions the bot lacks (`permission.forum.*`), listed in the moderator's
    language as `{permissions}`."""

    def __init__(self, key: str, *, missing: tuple[str, ...] = (), **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.missing = missing
        self.values = values


def parse_when(text: str, zone: ZoneInfo) -> datetime:
    """`YYYY-MM-DD HH:MM` in `zone` as an aware UTC moment; a local time skipped by a clock change is refused."""
    match = WHEN_PATTERN.match(text)
    if match is None:
        raise WatchInputError("watchparty.bad_when")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        raise WatchInputError("watchparty.bad_when") from None
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise WatchInputError("watchparty.skipped_time")  # e.g. 02:30 on the night the clocks go forward
    return moment


def check_when(moment: datetime, now: datetime) -> None:
    """A party starts in the future and at most a year ahead."""
    if moment <= now:
        raise WatchInputError("watchparty.past")
    if moment - now > MAX_AHEAD:
        raise WatchInputError("watchparty.too_far")


def check_place(channel_type: discord.ChannelType | None, location: str | None) -> None:
    """Exactly one of a voice or stage channel and a location (free text of at most 100 characters)."""
    if channel_type is not None and location is not None:
        raise WatchInputError("watchparty.both_places")
    if channel_type is None and (location is None or not location.strip()):
        raise WatchInputError("watchparty.no_place")
    if channel_type is not None and channel_type not in VOCAL:
        raise WatchInputError("watchparty.not_vocal")
    if location is not None and len(location.strip()) > LOCATION_LIMIT:
        raise WatchInputError("watchparty.long_location")


def prompt_due(position: int, count: int, runtime: timedelta) -> timedelta:
    """The film time at which prompt `position` (0-based) of `count` is due."""
    return runtime * position / count


def reminder_due(party: WatchParty, now: datetime) -> bool:
    """The reminder goes out once it is REMINDER_LEAD before the start, for a party scheduled before then."""
    at = party.starts_at - REMINDER_LEAD
    return party.status == "scheduled" and party.created_at < at <= now


Step = Literal["prompt", "closing"]


@dataclass(frozen=True, slots=True)
class NextStep:
    step: Step
    position: int
    at: datetime | None
    """When it falls due on the clock (None while paused: film time stands still)."""


def next_step(party: WatchParty, claimed_prompts: int, now: datetime) -> NextStep:
    """What a running or paused party sends next: the next unclaimed prompt, or the closing message."""
    runtime = timedelta(seconds=party.runtime_seconds)
    if claimed_prompts < party.prompt_count:
        film_due = prompt_due(claimed_prompts, party.prompt_count, runtime)
        step: Step = "prompt"
    else:
        film_due = runtime
        step = "closing"
    if party.status != "running":
        return NextStep(step, claimed_prompts, None)
    return NextStep(step, claimed_prompts, now + (film_due - party.film_time(now)))


def event_url(guild_id: int, event_id: int) -> str:
    """The scheduled event's page in Discord (members click Interested there)."""
    return f"https://discord.com/events/{guild_id}/{event_id}"
