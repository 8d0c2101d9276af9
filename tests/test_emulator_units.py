"""Unit-level tests of bot.emulator: permissions, limits, mentions, snowflakes, raw REST and gateway."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from bot.emulator import VALID_LOCALES, DiscordEmulator, Errors, snowflake_time
from bot.emulator import permissions as P
from bot.emulator.command_limits import validate_command_list
from bot.emulator.limits import (
    validate_allowed_mentions,
    validate_autocomplete_result,
    validate_components,
    validate_embeds,
    validate_message_body,
    validate_modal,
    validate_thread_body,
)
from bot.emulator.mentions import compute_mentions
from bot.emulator.snowflake import SnowflakeFactory

TOKEN = "unit-token"
AUTH = {"Authorization": f"Bot {TOKEN}"}


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    e = DiscordEmulator(token=TOKEN)
    await e.start()
    try:
        yield e
    finally:
        await e.stop()
    e.assert_no_violations()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def described(check: Any, *args: Any, **kwargs: Any) -> list[str]:
    errs = Errors()
    check(errs, *args, **kwargs)
    return errs.describe()


# -- snowflakes -----------------------------------------------------------------------------------------------


def test_snowflakes_follow_the_clock_and_increase() -> None:
    moment = dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC)
    factory = SnowflakeFactory(lambda: moment)
    ids = [factory.next() for _ in range(1000)]
    assert ids == sorted(set(ids))
    assert snowflake_time(ids[0]) == moment == discord.utils.snowflake_time(ids[-1])
    emu = DiscordEmulator(clock=lambda: moment)
    guild = emu.add_guild("G")
    assert discord.utils.snowflake_time(guild.id) == moment


# -- permissions -------------------------------------------------------------------------------------------------


def test_permission_computation_matches_discord() -> None:
    emu = DiscordEmulator()
    guild = emu.add_guild("G")
    chan = emu.add_text_channel(guild, "c")
    mods = emu.add_role(guild, "mods", P.MANAGE_MESSAGES)
    muted = emu.add_role(guild, "muted")
    admin_role = emu.add_role(guild, "admin", P.ADMINISTRATOR)
    alice = emu.add_member(guild, "alice", roles=[mods, muted])
    boss = emu.add_member(guild, "boss", roles=[admin_role])
    owner = guild.members[guild.owner_id]

    assert emu.permissions_for(owner, chan) == P.ALL_PERMISSIONS
    base = emu.permissions_for(alice, chan)
    assert base & P.MANAGE_MESSAGES and base & P.SEND_MESSAGES and not base & P.MENTION_EVERYONE

    emu.set_overwrite(chan, guild.everyone, deny=P.SEND_MESSAGES)
    assert not emu.permissions_for(alice, chan) & P.SEND_MESSAGES
    assert not emu.permissions_for(alice, chan) & P.EMBED_LINKS  # implicitly removed with SEND_MESSAGES
    emu.set_overwrite(chan, mods, allow=P.SEND_MESSAGES)
    emu.set_overwrite(chan, muted, deny=P.SEND_MESSAGES)
    assert emu.permissions_for(alice, chan) & P.SEND_MESSAGES  # role allow beats role deny
    emu.set_overwrite(chan, alice, deny=P.SEND_MESSAGES)
    assert not emu.permissions_for(alice, chan) & P.SEND_MESSAGES  # member overwrite last
    emu.set_overwrite(chan, guild.everyone, deny=P.VIEW_CHANNEL)
    assert emu.permissions_for(alice, chan) == 0
    assert emu.permissions_for(boss, chan) == P.ALL_PERMISSIONS  # administrator ignores overwrites

    thread = emu.add_thread(emu.add_text_channel(guild, "t"), "thread", owner=boss)
    parent = emu.channels[thread.parent_id]  # type: ignore[index]
    emu.set_overwrite(parent, guild.everyone, deny=P.SEND_MESSAGES_IN_THREADS)
    assert emu.permissions_for(alice, parent) & P.SEND_MESSAGES
    assert not emu.permissions_for(alice, thread) & (P.SEND_MESSAGES_IN_THREADS | P.EMBED_LINKS)

    emu.timeout_member(guild, alice, emu.snowflakes.now() + dt.timedelta(hours=1))
    assert emu.permissions_for(alice, parent) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY


def test_default_everyone_permissions_and_bot_role() -> None:
    emu = DiscordEmulator()
    guild = emu.add_guild("G", bot_permissions=P.MANAGE_THREADS)
    chan = emu.add_text_channel(guild, "c")
    assert guild.everyone.permissions == P.DEFAULT_EVERYONE_PERMISSIONS
    perms = emu.bot_permissions(chan)
    assert perms & P.MANAGE_THREADS and perms & P.CREATE_PUBLIC_THREADS and not perms & P.MENTION_EVERYONE
    assert P.names(P.SEND_MESSAGES | P.EMBED_LINKS) == ["SEND_MESSAGES", "EMBED_LINKS"]


# -- limits -------------------------------------------------------------------------------------------------------


def test_embed_limits() -> None:
    assert described(validate_embeds, [{"title": "t" * 257}]) == ["embeds[0].title is 257 characters, limit 256"]
    big = [{"description": "d" * 4000}, {"description": "d" * 2001}]
    assert any("total is 6001 characters" in e for e in described(validate_embeds, big))
    fields = [{"name": f"n{i}", "value": "v"} for i in range(26)]
    assert described(validate_embeds, [{"fields": fields}]) == ["embeds[0].fields has 26 items, limit 25"]
    bad = [
        {
            "fields": [{"name": "n" * 257, "value": "v" * 1025}],
            "footer": {"text": "f" * 2049},
            "author": {"name": "a" * 257},
        }
    ]
    errors = described(validate_embeds, bad)
    for path in ("fields[0].name", "fields[0].value", "footer.text", "author.name"):
        assert any(path in e for e in errors), (path, errors)
    assert described(validate_embeds, [{}] * 11) == ["embeds has 11 items, limit 10"]


def test_component_limits() -> None:
    def button(cid: str, label: str = "ok") -> dict[str, Any]:
        return {"type": 2, "style": 1, "custom_id": cid, "label": label}

    six_rows = [{"type": 1, "components": [button(f"b{i}")]} for i in range(6)]
    assert described(validate_components, six_rows, flags=0) == ["components has 6 items, limit 5"]
    crowded = [{"type": 1, "components": [button(f"b{i}") for i in range(6)]}]
    assert "components[0].components has 6 items, limit 5" in described(validate_components, crowded, flags=0)
    select = {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}
    mixed = [{"type": 1, "components": [select, button("b")]}]
    assert any("exactly 1 component" in e for e in described(validate_components, mixed, flags=0))
    dupes = [{"type": 1, "components": [button("x"), button("x")]}]
    assert any("used twice" in e for e in described(validate_components, dupes, flags=0))
    long_label = [{"type": 1, "components": [button("x", "l" * 81)]}]
    assert described(validate_components, long_label, flags=0) == [
        "components[0].components[0].label is 81 characters, limit 80"
    ]
    many = {
        "type": 3,
        "custom_id": "s",
        "placeholder": "p" * 151,
        "options": [{"label": str(i), "value": str(i)} for i in range(26)],
    }
    errors = described(validate_components, [{"type": 1, "components": [many]}], flags=0)
    assert any("placeholder is 151" in e for e in errors) and any("options has 26 items" in e for e in errors)
    assert any(
        "custom_id is 101" in e
        for e in described(validate_components, [{"type": 1, "components": [button("c" * 101)]}], flags=0)
    )


def test_message_body_limits() -> None:
    errors = described(validate_message_body, {"content": "x" * 2001, "nonce": "n" * 26}, allowed_flags=0)
    assert "content is 2001 characters, limit 2000" in errors and "nonce is 26 characters, limit 25" in errors
    assert any("empty message" in e for e in described(validate_message_body, {"content": ""}, allowed_flags=0))
    assert any(
        "cannot be set here" in e
        for e in described(validate_message_body, {"content": "x", "flags": 64}, allowed_flags=4)
    )


def test_allowed_mentions_shape() -> None:
    assert any(
        "combines parse" in e for e in described(validate_allowed_mentions, {"parse": ["users"], "users": ["1"]})
    )
    assert any("must be one of" in e for e in described(validate_allowed_mentions, {"parse": ["here"]}))
    assert any("limit 100" in e for e in described(validate_allowed_mentions, {"roles": [str(i) for i in range(101)]}))
    assert described(validate_allowed_mentions, {"parse": [], "roles": ["1"], "replied_user": False}) == []


def command(name: str = "film", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": "Film things", "type": 1, **extra}


def test_command_limits() -> None:
    assert any("does not match" in e for e in described(validate_command_list, [command("Film")], guild=True))
    assert any("does not match" in e for e in described(validate_command_list, [command("two words")], guild=True))
    assert (
        described(validate_command_list, [command("फ़िल्म"), command("ภาพยนตร์"), command("ﬁlm-info_2")], guild=True) == []
    )
    options = [
        {"type": 3, "name": "opt", "description": "optional"},
        {"type": 3, "name": "req", "description": "required", "required": True},
    ]
    assert any(
        "comes after an optional one" in e
        for e in described(validate_command_list, [command(options=options)], guild=True)
    )
    many = [{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]
    assert any(
        "options has 26 items, limit 25" in e
        for e in described(validate_command_list, [command(options=many)], guild=True)
    )
    locs = command(name_localizations={"xx": "film", "de": "Film"}, description_localizations={"de": ""})
    errors = described(validate_command_list, [locs], guild=True)
    assert any("'xx' is not a Discord locale" in e for e in errors)
    assert any("name_localizations.de" in e for e in errors) and any(
        "description_localizations.de" in e for e in errors
    )
    huge = command(
        options=[
            {
                "type": 3,
                "name": f"o{i}",
                "description": "d" * 100,
                "choices": [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)],
            }
            for i in range(2)
        ]
    )
    assert any("limit 8000" in e for e in described(validate_command_list, [huge], guild=True))
    assert any(
        "limit 100" in e for e in described(validate_command_list, [command(f"c{i}") for i in range(101)], guild=True)
    )
    assert any(
        "duplicate command name" in e for e in described(validate_command_list, [command(), command()], guild=True)
    )
    group = command(
        options=[
            {"type": 2, "name": "g", "description": "d", "options": [{"type": 2, "name": "h", "description": "d"}]}
        ]
    )
    assert any("subcommand group" in e for e in described(validate_command_list, [group], guild=True))


def test_thread_autocomplete_and_modal_limits() -> None:
    assert described(validate_thread_body, {"name": "x" * 101, "auto_archive_duration": 30}, from_message=True) == [
        "name is 101 characters, limit 100",
        "auto_archive_duration is 30, must be one of 60, 1440, 4320, 10080",
    ]
    choices = {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}
    assert described(validate_autocomplete_result, choices, option_type=3) == ["data.choices has 26 items, limit 25"]
    assert any(
        "limit 100" in e
        for e in described(
            validate_autocomplete_result, {"choices": [{"name": "n", "value": "v" * 101}]}, option_type=3
        )
    )
    modal = {
        "title": "t" * 46,
        "custom_id": "m",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "i", "style": 1, "label": "L", "max_length": 4001}]}
        ],
    }
    errors = described(validate_modal, modal)
    assert "data.title is 46 characters, limit 45" in errors and any("max_length is 4001" in e for e in errors)


def test_locales_match_discord_py() -> None:
    assert {loc.value for loc in discord.Locale} == VALID_LOCALES


# -- mentions ---------------------------------------------------------------------------------------------------


def test_mention_defaults() -> None:
    def run(allowed: dict[str, Any] | None, *, webhook: bool, perm: bool = False) -> dict[str, Any]:
        return compute_mentions(
            "@here <@&111111111111111111> <@222222222222222222>",
            allowed,
            webhook_like=webhook,
            can_mention_everyone=perm,
            role_is_mentionable=lambda r: False,
            user_exists=lambda u: True,
        ).pings

    assert run(None, webhook=True) == {"everyone": False, "roles": [], "users": [222222222222222222]}
    assert run(None, webhook=False, perm=True) == {
        "everyone": True,
        "roles": [111111111111111111],
        "users": [222222222222222222],
    }
    assert run(None, webhook=False) == {"everyone": False, "roles": [], "users": [222222222222222222]}
    assert run({"parse": []}, webhook=False, perm=True) == {"everyone": False, "roles": [], "users": []}
    assert run({"users": ["222222222222222222"]}, webhook=False) == {
        "everyone": False,
        "roles": [],
        "users": [222222222222222222],
    }


# -- raw REST -------------------------------------------------------------------------------------------------------


async def test_rest_headers_auth_and_app_info(emu: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    async with http.get(emu.api_base + "/users/@me", headers=AUTH) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["id"] == str(emu.bot.id)
        assert resp.headers["X-RateLimit-Limit"] == "50" and "X-RateLimit-Bucket" in resp.headers
    async with http.get(emu.api_base + "/oauth2/applications/@me", headers=AUTH) as resp:
        app = await resp.json()
        assert app["id"] == str(emu.application_id) and app["owner"]["username"] and app["verify_key"]
    async with http.get(emu.api_base + "/users/@me", headers={"Authorization": "Bot nope"}) as resp:
        assert resp.status == 401 and await resp.json() == {"message": "401: Unauthorized", "code": 0}
    assert emu.violations == []
    async with http.get(emu.api_base + "/users/@me") as resp:
        assert resp.status == 401
    async with http.delete(emu.api_base + "/users/@me", headers=AUTH) as resp:
        assert resp.status == 405
    violations = emu.clear_violations()
    assert len(violations) == 2 and "without 'Authorization" in violations[0] and "not allowed" in violations[1]


async def test_command_sync_keeps_ids_and_rejects_bad_bodies(emu: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    guild = emu.add_guild("G")
    url = f"{emu.api_base}/applications/{emu.application_id}/guilds/{guild.id}/commands"
    body = [command(default_member_permissions=32), command("other")]
    async with http.put(url, json=body, headers=AUTH) as resp:
        first = await resp.json()
    assert [c["name"] for c in first] == ["film", "other"] and first[0]["default_member_permissions"] == "32"
    assert all(c["guild_id"] == str(guild.id) and c["application_id"] == str(emu.application_id) for c in first)
    async with http.put(url, json=[command()], headers=AUTH) as resp:
        second = await resp.json()
    assert second[0]["id"] == first[0]["id"]
    async with http.put(url, json=[command("BAD")], headers=AUTH) as resp:
        assert resp.status == 400
        err = await resp.json()
    assert err["code"] == 50035 and "_errors" in err["errors"]["0"]["name"]
    (violation,) = emu.clear_violations()
    assert violation.startswith(f"PUT /applications/{emu.application_id}/guilds/{guild.id}/commands: [0].name 'BAD'")
    assert violation.endswith("in lowercase")


async def test_history_limit_is_validated(emu: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    guild = emu.add_guild("G")
    chan = emu.add_text_channel(guild, "c")
    async with http.get(f"{emu.api_base}/channels/{chan.id}/messages?limit=101", headers=AUTH) as resp:
        assert resp.status == 400
    assert any("limit is 101, must be 1-100" in v for v in emu.clear_violations())
    async with http.get(f"{emu.api_base}/channels/1/messages", headers=AUTH) as resp:
        assert resp.status == 404 and (await resp.json())["code"] == 10003


# -- raw gateway ------------------------------------------------------------------------------------------------------


async def _identify(http: aiohttp.ClientSession, emu: DiscordEmulator, d: dict[str, Any]) -> int | None:
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        assert (await ws.receive_json(timeout=5))["op"] == 10
        await ws.send_json({"op": 2, "d": d})
        while (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
            pass
        return ws.close_code


async def test_gateway_identify_validation(emu: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    props = {"os": "linux", "browser": "x", "device": "x"}
    assert await _identify(http, emu, {"token": "wrong", "intents": 1, "properties": props}) == 4004
    assert await _identify(http, emu, {"token": TOKEN, "intents": 1 << 30, "properties": props}) == 4013
    emu.message_content_enabled = False
    assert await _identify(http, emu, {"token": TOKEN, "intents": 1 << 15, "properties": props}) == 4014
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 3, "d": {}})
        while (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert ws.close_code == 4003
    assert any("before IDENTIFY" in v for v in emu.clear_violations())


async def test_a_guild_in_an_outage_is_listed_in_ready_without_guild_create(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    up, down = emu.add_guild("Up"), emu.add_guild("Down")
    emu.set_guild_unavailable(down)
    props = {"os": "linux", "browser": "x", "device": "x"}
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 513, "properties": props}})
        ready = await ws.receive_json(timeout=5)
        create = await ws.receive_json(timeout=5)
        assert ready["d"]["guilds"] == [{"id": str(g.id), "unavailable": True} for g in (up, down)]
        assert (create["t"], create["d"]["id"]) == ("GUILD_CREATE", str(up.id))
        emu.set_guild_available(down)  # the outage ends
        back = await ws.receive_json(timeout=5)
        assert (back["t"], back["d"]["id"], back["d"]["unavailable"]) == ("GUILD_CREATE", str(down.id), False)
        await ws.close(code=4000)


async def test_gateway_ready_resume_and_invalid_resume(emu: DiscordEmulator, http: aiohttp.ClientSession) -> None:
    guild = emu.add_guild("G")
    props = {"os": "linux", "browser": "x", "device": "x"}
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 513, "properties": props}})
        ready = await ws.receive_json(timeout=5)
        create = await ws.receive_json(timeout=5)
        assert (
            ready["t"] == "READY"
            and ready["s"] == 1
            and ready["d"]["guilds"] == [{"id": str(guild.id), "unavailable": True}]
        )
        assert (
            create["t"] == "GUILD_CREATE"
            and create["s"] == 2
            and create["d"]["members"][0]["user"]["id"] == str(emu.bot.id)
        )
        await ws.send_json({"op": 1, "d": 2})
        assert (await ws.receive_json(timeout=5))["op"] == 11
        session_id = ready["d"]["session_id"]
        await ws.close(code=4000)  # like discord.py; a client close with 1000/1001 would end the session
    chan = emu.add_text_channel(guild, "late")  # sent while disconnected: buffered with s=3
    async with http.ws_connect(ready["d"]["resume_gateway_url"] + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 2}})
        replay = await ws.receive_json(timeout=5)
        resumed = await ws.receive_json(timeout=5)
        assert (replay["t"], replay["s"], replay["d"]["id"]) == ("CHANNEL_CREATE", 3, str(chan.id))
        assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)
        await ws.close(code=4000)
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": "nope", "seq": 1}})
        assert await ws.receive_json(timeout=5) == {"op": 9, "d": False}
    assert emu.resume_count == 1 and emu.identify_count == 1
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:  # leaving closes with 1000
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 4}})
        assert (await ws.receive_json(timeout=5))["t"] == "RESUMED"
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await ws.receive_json(timeout=5)
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": session_id, "seq": 5}})
        assert await ws.receive_json(timeout=5) == {"op": 9, "d": False}  # the clean close ended the session


async def test_enforce_nonce_returns_the_first_message_for_two_minutes_only(http: aiohttp.ClientSession) -> None:
    """Discord deduplicates an enforced nonce for "a few minutes": the emulator for exactly two, no longer."""
    now = [dt.datetime(2026, 11, 21, 8, 0, tzinfo=dt.UTC)]
    e = DiscordEmulator(token=TOKEN, clock=lambda: now[0])
    await e.start()
    try:
        channel = e.add_text_channel(e.add_guild("Studio"), "band")
        url = f"{e.api_base}/channels/{channel.id}/messages"

        async def send(nonce: str = "day-1") -> str:
            body = {"content": "today's prompt", "nonce": nonce, "enforce_nonce": True}
            async with http.post(url, json=body, headers=AUTH) as resp:
                assert resp.status == 200
                return str((await resp.json())["id"])

        first = await send()
        now[0] += dt.timedelta(minutes=1, seconds=59)
        assert await send() == first  # within the window: the same message, nothing new
        assert await send("day-2") != first  # another nonce is another message
        now[0] += dt.timedelta(seconds=2)  # the first message is now 2 min 1 s old
        assert await send() != first  # past the window: Discord may create a second message, so the emulator does
        assert len(e.messages_in(channel)) == 3
    finally:
        await e.stop()
    e.assert_no_violations()
