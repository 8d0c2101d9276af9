"""Guild routes (bot-authenticated)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import permissions as P
from ..models import Guild
from .base import ApiError, Req, json_response, route

if TYPE_CHECKING:
    from ..server import DiscordEmulator


def guild_for(emu: DiscordEmulator, req: Req) -> Guild:
    guild = emu.guilds.get(req.int_param("guild_id"))
    if guild is None:
        raise ApiError(404, 10004, "Unknown Guild")
    return guild


@route("GET", "/guilds/{guild_id}")
async def get_guild(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    payload = guild.to_payload()
    if req.flag("with_counts"):
        payload["approximate_member_count"] = len(guild.members)
        payload["approximate_presence_count"] = 0
    return json_response(payload)


@route("GET", "/guilds/{guild_id}/roles")
async def get_roles(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    return json_response([r.to_payload() for r in sorted(guild.roles.values(), key=lambda r: r.position)])


@route("GET", "/guilds/{guild_id}/channels")
async def get_channels(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    return json_response([c.to_payload() for c in guild.channels.values() if not c.is_thread])


@route("GET", "/guilds/{guild_id}/members/{user_id}")
async def get_member(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    member = guild.members.get(req.int_param("user_id"))
    if member is None:
        raise ApiError(404, 10007, "Unknown Member")
    return json_response(member.to_payload())


@route("GET", "/guilds/{guild_id}/members")
async def list_members(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    if not emu.members_intent_enabled:
        raise ApiError(403, 50001, "Missing Access")
    limit = int(req.query.get("limit", "1"))
    after = int(req.query.get("after", "0"))
    members = sorted((m for m in guild.members.values() if m.id > after), key=lambda m: m.id)[:limit]
    return json_response([m.to_payload() for m in members])


@route("GET", "/guilds/{guild_id}/threads/active")
async def active_threads(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    guild = guild_for(emu, req)
    threads = [
        t for t in emu.threads if t.guild_id == guild.id and not t.archived and emu.bot_permissions(t) & P.VIEW_CHANNEL
    ]
    members = [
        {"id": str(t.id), "user_id": str(emu.bot.id), "join_timestamp": emu.now_iso(), "flags": 0}
        for t in threads
        if emu.bot.id in t.member_ids
    ]
    return json_response({"threads": [t.to_payload() for t in threads], "members": members})


@route("GET", "/users/@me/guilds")
async def my_guilds(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    out: list[dict[str, object]] = []
    for g in emu.guilds.values():
        out.append(
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(emu.guild_permissions(g, emu.bot.id)),
                "features": [],
            }
        )
    return json_response(out)
