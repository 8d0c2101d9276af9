"""The watch party's timing and input rules as pure functions: when, where, and what comes next."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
import pytest

from bot.storage.watchparty import WatchParty
from bot.watchparty.timing import (
    WatchInputError,
    check_place,
    check_when,
    next_step,
    parse_when,
    prompt_due,
    reminder_due,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
STARTS = datetime(2026, 11, 28, 19, 0, tzinfo=UTC)


def key_of(call: object, *args: object) -> str:
    with pytest.raises(WatchInputError) as error:
        call(*args)  # type: ignore[operator]
    return error.value.key


def party(**changes: object) -> WatchParty:
    base = WatchParty(
        guild_id=1,
        event_id=2,
        channel_id=3,
        voice_channel_id=None,
        location="Studio B",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=106),
        runtime_seconds=106 * 60,
        prompt_count=7,
        language="en",
        created_by=4,
        created_at=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_when_is_read_in_the_schedules_zone() -> None:
    assert parse_when("2026-11-28 20:00", BERLIN) == STARTS
    assert parse_when(" 2026-07-01T20:30 ", BERLIN) == datetime(2026, 7, 1, 18, 30, tzinfo=UTC)
    for text in ("28.11.2026 20:00", "2026-11-28", "2026-11-28 8pm", "2026-02-30 20:00", "2026-11-28 24:00", ""):
        assert key_of(parse_when, text, BERLIN) == "watchparty.bad_when", text
    assert key_of(parse_when, "2026-03-29 02:30", BERLIN) == "watchparty.skipped_time"


def test_a_party_is_in_the_future_and_at_most_a_year_ahead() -> None:
    check_when(NOW + timedelta(minutes=1), NOW)
    check_when(NOW + timedelta(days=365), NOW)
    assert key_of(check_when, NOW, NOW) == "watchparty.past"
    assert key_of(check_when, NOW - timedelta(days=1), NOW) == "watchparty.past"
    assert key_of(check_when, NOW + timedelta(days=365, minutes=1), NOW) == "watchparty.too_far"


def test_exactly_one_place_a_voice_or_stage_channel_or_a_short_location() -> None:
    check_place(discord.ChannelType.voice, None)
    check_place(discord.ChannelType.stage_voice, None)
    check_place(None, "Studio B")
    assert key_of(check_place, discord.ChannelType.voice, "Studio B") == "watchparty.both_places"
    assert key_of(check_place, None, None) == "watchparty.no_place"
    assert key_of(check_place, None, "   ") == "watchparty.no_place"
    assert key_of(check_place, discord.ChannelType.text, None) == "watchparty.not_vocal"
    assert key_of(check_place, None, "x" * 101) == "watchparty.long_location"


def test_prompts_are_spread_across_the_runtime_and_pause_with_the_film() -> None:
    runtime = timedelta(minutes=106)
    assert prompt_due(0, 7, runtime) == timedelta(0)
    assert prompt_due(6, 7, runtime) < runtime
    running = party(status="running", resumed_at=STARTS)
    step = next_step(running, 1, STARTS + timedelta(minutes=5))
    assert (step.step, step.position, step.at) == ("prompt", 1, STARTS + runtime / 7)
    assert next_step(running, 7, STARTS).at == STARTS + runtime
    assert next_step(running, 7, STARTS).step == "closing"
    paused = party(status="paused", elapsed_ms=10 * 60 * 1000)
    assert next_step(paused, 1, STARTS + timedelta(hours=3)).at is None
    resumed = party(status="running", elapsed_ms=10 * 60 * 1000, resumed_at=STARTS + timedelta(hours=3))
    assert next_step(resumed, 1, STARTS + timedelta(hours=3)).at == STARTS + timedelta(
        hours=3
    ) + runtime / 7 - timedelta(minutes=10)


def test_the_reminder_is_due_fifteen_minutes_before_for_a_party_scheduled_before_that() -> None:
    assert not reminder_due(party(), STARTS - timedelta(minutes=16))
    assert reminder_due(party(), STARTS - timedelta(minutes=15))
    assert not reminder_due(party(created_at=STARTS - timedelta(minutes=5)), STARTS)
    assert not reminder_due(party(status="running"), STARTS)
