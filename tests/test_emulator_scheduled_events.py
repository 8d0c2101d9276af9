"""The emulator's voice/stage channels and guild scheduled events, with a plain discord.py 2.7.1 client."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import discord
import pytest

from bot.emulator import DiscordEmulator
from bot.emulator import permissions as P
from tests.test_emulator import Launcher, emu, launch, make_bot, world

__all__ = ["emu", "launch", "world"]  # fixtures, imported for pytest

EVENTS = P.DEFAULT_EVERYONE_PERMISSIONS | P.CREATE_EVENTS


async def ready_guild(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher, **bot_options: Any) -> Any:
    emu.give_bot_role(world["guild"], "Events", EVENTS)
    bot = make_bot(**bot_options)
    await launch(bot)
    guild = bot.get_guild(world["guild"].id)
    assert guild is not None
    return bot, guild


def later(hours: float) -> Any:
    return discord.utils.utcnow() + timedelta(hours=hours)


async def test_voice_and_external_events_are_created_listed_and_cached(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    voice = emu.add_voice_channel(world["guild"], "Cinema")
    stage = emu.add_voice_channel(world["guild"], "Stage", stage=True)
    bot, guild = await ready_guild(emu, world, launch)
    cinema = guild.get_channel(voice.id)
    assert isinstance(cinema, discord.VoiceChannel) and cinema.bitrate == 64000
    assert isinstance(guild.get_channel(stage.id), discord.StageChannel)

    created = asyncio.ensure_future(bot.wait_for("scheduled_event_create"))
    in_voice = await guild.create_scheduled_event(
        name="Whiplash", start_time=later(2), channel=cinema, privacy_level=discord.PrivacyLevel.guild_only
    )
    assert in_voice.entity_type is discord.EntityType.voice and in_voice.channel_id == voice.id
    assert (await asyncio.wait_for(created, 5)).id == in_voice.id
    outside = await guild.create_scheduled_event(
        name="Whiplash in the park",
        description="Bring a blanket.",
        start_time=later(3),
        end_time=later(5),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    assert outside.location == "Studio B" and outside.end_time is not None
    assert [e.id for e in await guild.fetch_scheduled_events()] == [in_voice.id, outside.id]
    assert guild.get_scheduled_event(outside.id) is not None
    stored = emu.get_event(outside.id)
    assert stored.entity_type == 3 and stored.privacy_level == 2 and stored.creator_id == emu.bot.id


async def test_bodies_discord_refuses_are_refused_and_recorded(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    text = world["general"]
    bot, guild = await ready_guild(emu, world, launch)
    external = {"entity_type": discord.EntityType.external, "end_time": later(4), "location": "Studio B"}
    cases: list[tuple[dict[str, Any], str]] = [
        # discord.py 2.7.1 infers "external" from a location but then leaves entity_type out of the body.
        (
            {"location": "Studio B", "end_time": later(4), "privacy_level": discord.PrivacyLevel.guild_only},
            "entity_type",
        ),
        ({**external}, "privacy_level"),  # discord.py sends no privacy level unless given; Discord requires it
        ({**external, "name": "x" * 101}, "name"),
        ({**external, "description": "x" * 1001}, "description"),
        ({**external, "location": "x" * 101}, "location"),
        ({**external, "start_time": later(-1)}, "scheduled_start_time"),
        ({**external, "end_time": later(1)}, "scheduled_end_time"),
    ]
    for options, field in cases:
        body: dict[str, Any] = {"name": "Whiplash", "start_time": later(2), **options}
        if field != "privacy_level" and "privacy_level" not in body:
            body["privacy_level"] = discord.PrivacyLevel.guild_only
        with pytest.raises(discord.HTTPException) as error:
            await guild.create_scheduled_event(**body)
        assert error.value.status == 400 and error.value.code == 50035, field
        violations = emu.clear_violations()
        assert violations and field in " ".join(violations), (field, violations)
    with pytest.raises(discord.HTTPException) as error:  # a text channel is no place for a voice event
        await bot.http.create_guild_scheduled_event(
            guild.id,
            name="Whiplash",
            entity_type=2,
            channel_id=text.id,
            privacy_level=2,
            scheduled_start_time=later(2).isoformat(),
        )
    assert error.value.status == 400 and "not a voice channel" in " ".join(emu.clear_violations())
    with pytest.raises(discord.HTTPException):  # external without an end
        await bot.http.create_guild_scheduled_event(
            guild.id,
            name="Whiplash",
            entity_type=3,
            entity_metadata={"location": "Studio B"},
            privacy_level=2,
            scheduled_start_time=later(2).isoformat(),
        )
    assert "needs an end" in " ".join(emu.clear_violations())
    assert emu.events_in(world["guild"]) == []


async def test_creating_an_event_needs_create_events(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    guild = bot.get_guild(world["guild"].id)
    assert guild is not None and not guild.me.guild_permissions.create_events
    with pytest.raises(discord.Forbidden):
        await guild.create_scheduled_event(
            name="Whiplash",
            start_time=later(2),
            end_time=later(4),
            entity_type=discord.EntityType.external,
            location="Studio B",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
    assert emu.events_in(world["guild"]) == []


async def test_interest_reaches_sessions_with_the_intent_and_users_are_listed(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot, guild = await ready_guild(emu, world, launch)
    event = await guild.create_scheduled_event(
        name="Whiplash",
        start_time=later(2),
        end_time=later(4),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    seen: list[str] = []

    async def on_socket_event_type(name: str) -> None:
        if name.startswith("GUILD_SCHEDULED_EVENT_USER"):
            seen.append(name)

    bot.add_listener(on_socket_event_type)
    members = [world["alice"], *(emu.add_member(world["guild"], f"fan{i}") for i in range(120))]
    for member in members:
        assert emu.mark_interested(event.id, member)
    assert not emu.mark_interested(event.id, world["alice"]), "interested once"
    assert emu.remove_interest(event.id, members[1])
    await emu.wait_until(lambda: len(seen) == 122, 5, "121 adds and one remove")
    assert seen[-1] == "GUILD_SCHEDULED_EVENT_USER_REMOVE"

    fetched = await guild.fetch_scheduled_event(event.id, with_counts=True)
    assert fetched.user_count == 120
    users = [user.id async for user in fetched.users(limit=None)]  # two pages of at most 100
    assert sorted(users) == sorted(m.id for m in members if m is not members[1])


async def test_interest_events_need_the_scheduled_events_intent(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    intents = discord.Intents.default()
    intents.guild_scheduled_events = False
    bot, guild = await ready_guild(emu, world, launch, intents=intents)
    seen: list[str] = []

    async def on_socket_event_type(name: str) -> None:
        seen.append(name)

    bot.add_listener(on_socket_event_type)
    event = await guild.create_scheduled_event(
        name="Whiplash",
        start_time=later(2),
        end_time=later(4),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    emu.mark_interested(event.id, world["alice"])
    await emu.send_user_message(world["general"], world["alice"], "after the interest")
    await emu.wait_until(lambda: "MESSAGE_CREATE" in seen, 5, "the message event")
    assert not any(name.startswith("GUILD_SCHEDULED_EVENT") for name in seen)


async def test_status_moves_as_discord_allows(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    _bot, guild = await ready_guild(emu, world, launch)
    event = await guild.create_scheduled_event(
        name="Whiplash",
        start_time=later(2),
        end_time=later(4),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    with pytest.raises(discord.HTTPException):
        await event.edit(status=discord.EventStatus.completed)  # it cannot complete before it started
    assert "cannot become 3" in " ".join(emu.clear_violations())
    started = await event.start()
    assert started.status is discord.EventStatus.active
    ended = await started.end()
    assert ended.status is discord.EventStatus.completed and emu.get_event(event.id).status == 3
    edited = await guild.fetch_scheduled_event(event.id)
    assert edited.status is discord.EventStatus.completed


async def test_unknown_events_and_routes_are_refused(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot, guild = await ready_guild(emu, world, launch)
    with pytest.raises(discord.NotFound):
        await guild.fetch_scheduled_event(123456789)
    with pytest.raises(discord.HTTPException):
        await bot.http.request(
            discord.http.Route("GET", "/guilds/{guild_id}/scheduled-events/{e}/members", guild_id=guild.id, e=1)
        )
    assert emu.clear_violations(), "an unknown route is a violation"


async def test_a_reconnecting_client_gets_the_open_events_in_guild_create(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    _bot, guild = await ready_guild(emu, world, launch)
    event = await guild.create_scheduled_event(
        name="Whiplash",
        start_time=later(2),
        end_time=later(4),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    cancelled = await guild.create_scheduled_event(
        name="Called off",
        start_time=later(3),
        end_time=later(4),
        entity_type=discord.EntityType.external,
        location="Studio B",
        privacy_level=discord.PrivacyLevel.guild_only,
    )
    await cancelled.cancel()
    second = make_bot()
    await launch(second)
    fresh = second.get_guild(world["guild"].id)
    assert fresh is not None
    assert [e.id for e in fresh.scheduled_events] == [event.id]
    assert fresh.scheduled_events[0].location == "Studio B"
