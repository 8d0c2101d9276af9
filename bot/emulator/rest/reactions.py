"""Reaction routes (bot-authenticated): the bot's own reactions, clearing, and who reacted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import permissions as P
from ..limits import Errors
from ..reactions import MAX_UNIQUE_REACTIONS, reactors, valid_emoji
from .base import ApiError, Req, json_response, missing_permissions, no_content, raise_for, route
from .channels import channel_for, message_in

if TYPE_CHECKING:
    from ..server import DiscordEmulator


def _emoji(req: Req) -> str:
    emoji = req.params["emoji"]
    if not valid_emoji(emoji):
        raise ApiError(400, 10014, "Unknown Emoji", violation=f"{req.where}: {emoji!r} is not an emoji")
    return emoji


@route("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def add_own_reaction(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emoji = _emoji(req)
    table = reactors(msg)
    if emu.bot.id in table.get(emoji, []):
        return no_content()
    if not table.get(emoji):
        if not perms & P.ADD_REACTIONS:
            raise missing_permissions("a new reaction needs ADD_REACTIONS")
        if len([e for e, users in table.items() if users]) >= MAX_UNIQUE_REACTIONS:
            raise ApiError(400, 30010, f"Maximum number of reactions reached ({MAX_UNIQUE_REACTIONS})")
    if channel.is_thread and channel.archived:
        raise ApiError(400, 50083, "Thread is archived")
    emu.apply_reaction(channel, msg, emu.bot.id, emoji)
    return no_content()


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
async def remove_own_reaction(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emu.withdraw_reaction(channel, msg, emu.bot.id, _emoji(req))
    return no_content()


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user_id}")
async def remove_user_reaction(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.MANAGE_MESSAGES)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emu.withdraw_reaction(channel, msg, req.int_param("user_id"), _emoji(req))
    return no_content()


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def remove_emoji_reactions(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.MANAGE_MESSAGES)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emu.clear_message_reactions(channel, msg, _emoji(req))
    return no_content()


@route("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions")
async def remove_all_reactions(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.MANAGE_MESSAGES)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emu.clear_message_reactions(channel, msg)
    return no_content()


@route("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}")
async def reaction_users(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    """Users who reacted with the emoji, by user id ascending, ``after`` and ``limit`` (1-100, default 25)."""
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
    msg = message_in(emu, channel, req.int_param("message_id"))
    emoji = _emoji(req)
    errs = Errors()
    raw_limit = req.query.get("limit", "25")
    limit = int(raw_limit) if raw_limit.isdigit() else -1
    if not 1 <= limit <= 100:
        errs.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.", f"is {raw_limit}, must be 1-100")
    after = req.query.get("after", "0")
    if not after.isdigit():
        errs.add(("after",), "NUMBER_TYPE_COERCE", "Value is not snowflake.", f"is not a snowflake: {after!r}")
    if req.query.get("type", "0") not in ("0", "1"):
        errs.add(("type",), "BASE_TYPE_CHOICES", "Value must be one of (0, 1).", "type must be 0 or 1")
    raise_for(errs)
    if req.query.get("type", "0") == "1":
        return json_response([])  # the emulator has no super reactions
    users = sorted(uid for uid in reactors(msg).get(emoji, []) if uid > int(after))[:limit]
    return json_response([emu.users[uid].to_payload() for uid in users if uid in emu.users])
