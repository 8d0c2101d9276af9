"""Users, application info and application command registration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..command_limits import validate_command_list
from ..limits import Errors
from .base import ApiError, Req, json_response, raise_for, route

if TYPE_CHECKING:
    from ..server import DiscordEmulator

DAILY_COMMAND_CREATES = 200


@route("GET", "/users/@me")
async def get_me(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    return json_response(emu.bot_user)


@route("GET", "/users/{user_id}")
async def get_user(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    user = emu.users.get(req.int_param("user_id"))
    if user is None:
        raise ApiError(404, 10013, "Unknown User")
    return json_response(user.to_payload())


@route("GET", "/gateway")
async def get_gateway(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    return json_response({"url": emu.gateway_url})


@route("GET", "/gateway/bot")
async def get_gateway_bot(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    """Discord's answer to a sharding bot: the URL, the recommended shard count and the session start limit."""
    recommended = emu.recommended_shards or max(1, -(-len(emu.guilds) // 1000))
    return json_response(
        {
            "url": emu.gateway_url,
            "shards": recommended,
            "session_start_limit": {
                "total": emu.session_start_total,
                "remaining": max(0, emu.session_start_total - emu.gateway.session_starts),
                "reset_after": 86_400_000,
                "max_concurrency": emu.max_concurrency,
            },
        }
    )


@route("GET", "/oauth2/applications/@me")
async def get_application(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    return json_response(emu.application_payload())


@route("GET", "/applications/@me")
async def get_application_me(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    return json_response(emu.application_payload())


def _check_app(emu: DiscordEmulator, req: Req) -> None:
    if req.int_param("application_id") != emu.application_id:
        raise ApiError(
            404,
            10002,
            "Unknown Application",
            violation=f"application id {req.params['application_id']} is not this bot's",
        )


def _check_guild(emu: DiscordEmulator, req: Req) -> int:
    gid = req.int_param("guild_id")
    if gid not in emu.guilds:
        raise ApiError(403, 50001, "Missing Access")
    return gid


def _store_commands(emu: DiscordEmulator, req: Req, guild_id: int | None) -> list[dict[str, Any]]:
    errs = Errors()
    validate_command_list(errs, req.json, guild=guild_id is not None)
    raise_for(errs)
    existing = emu.global_commands if guild_id is None else emu.guild_commands.get(guild_id, [])
    by_key = {(c["name"], c.get("type", 1)): c for c in existing}
    stored: list[dict[str, Any]] = []
    created = 0
    for cmd in req.json:
        ctype = cmd.get("type", 1)
        old = by_key.get((cmd["name"], ctype))
        if old is None:
            created += 1
        full: dict[str, Any] = {
            "id": old["id"] if old else str(emu.new_id()),
            "application_id": str(emu.application_id),
            "version": str(emu.new_id()),
            "type": ctype,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description") or "",
            "description_localizations": cmd.get("description_localizations"),
            "options": cmd.get("options") or [],
            "default_member_permissions": (
                None if cmd.get("default_member_permissions") is None else str(cmd["default_member_permissions"])
            ),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if guild_id is not None:
            full["guild_id"] = str(guild_id)
        else:
            full["dm_permission"] = cmd.get("dm_permission", True) if cmd.get("dm_permission") is not None else True
        stored.append(full)
    key = (guild_id or 0, emu.snowflakes.now().date())
    emu.command_creates[key] = emu.command_creates.get(key, 0) + created
    if emu.command_creates[key] > DAILY_COMMAND_CREATES:
        raise ApiError(
            400,
            30034,
            f"Max number of daily application command creates has been reached ({DAILY_COMMAND_CREATES})",
            violation=f"more than {DAILY_COMMAND_CREATES} command creates today (sync only when definitions change)",
        )
    if guild_id is None:
        emu.global_commands = stored
    else:
        emu.guild_commands[guild_id] = stored
    emu.sync_count += 1
    emu.changed.notify()
    return stored


@route("PUT", "/applications/{application_id}/commands", major="application_id")
async def put_global_commands(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    return json_response(_store_commands(emu, req, None))


@route("GET", "/applications/{application_id}/commands", major="application_id")
async def get_global_commands(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    return json_response(emu.global_commands)


@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def put_guild_commands(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    gid = _check_guild(emu, req)
    return json_response(_store_commands(emu, req, gid))


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
async def get_guild_commands(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    gid = _check_guild(emu, req)
    return json_response(emu.guild_commands.get(gid, []))


def _find_command(commands: list[dict[str, Any]], command_id: int) -> dict[str, Any]:
    for cmd in commands:
        if int(cmd["id"]) == command_id:
            return cmd
    raise ApiError(404, 10063, "Unknown application command")


@route("GET", "/applications/{application_id}/commands/{command_id}", major="application_id")
async def get_global_command(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    return json_response(_find_command(emu.global_commands, req.int_param("command_id")))


@route("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
async def get_guild_command(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    _check_app(emu, req)
    gid = _check_guild(emu, req)
    return json_response(_find_command(emu.guild_commands.get(gid, []), req.int_param("command_id")))
