"""Poll routes (bot-authenticated): who voted for an answer, and ending a poll early (its author only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .. import permissions as P
from ..limits import Errors
from ..poll_limits import NOT_A_POLL, POLL_EXPIRED
from ..polls import is_finalized, poll_votes
from .base import ApiError, Req, json_response, missing_permissions, raise_for, route
from .channels import channel_for, message_in

if TYPE_CHECKING:
    from ..server import DiscordEmulator


@route("GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}")
async def answer_voters(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    """`{"users": [...]}`: the voters of one answer, by user id, after `after`, at most `limit` (1-100, 25)."""
    channel, perms = channel_for(emu, req)
    if not perms & P.READ_MESSAGE_HISTORY:
        raise missing_permissions("needs READ_MESSAGE_HISTORY")
    msg = message_in(emu, channel, req.int_param("message_id"))
    if not isinstance(msg.get("poll"), dict):
        raise ApiError(404, 10008, "Unknown Message", violation=f"{req.where}: message {msg.id} has no poll")
    errs = Errors()
    raw_limit = req.query.get("limit", "25")
    limit = int(raw_limit) if raw_limit.isdigit() else -1
    if not 1 <= limit <= 100:
        errs.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.", f"is {raw_limit}, must be 1-100")
    after_raw = req.query.get("after")
    if after_raw is not None and not after_raw.isdigit():
        errs.add(("after",), "NUMBER_TYPE_COERCE", "Value is not snowflake.", f"is not a snowflake: {after_raw!r}")
    answer_id = req.int_param("answer_id")
    if answer_id not in {answer["answer_id"] for answer in msg["poll"]["answers"]}:
        errs.add(("answer_id",), "BASE_TYPE_CHOICES", "Value must be one of the poll's answers.", f"{answer_id}")
    raise_for(errs)
    after = int(after_raw) if after_raw else 0
    voters = sorted(uid for uid in poll_votes(msg).get(answer_id, []) if uid > after)[:limit]
    return json_response({"users": [emu.users[uid].to_payload() for uid in voters if uid in emu.users]})


@route("POST", "/channels/{channel_id}/polls/{message_id}/expire")
async def expire_poll(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    """End a poll now. Only its author may, and only while it runs; the message (finalized) is returned."""
    channel, _ = channel_for(emu, req)
    msg = message_in(emu, channel, req.int_param("message_id"))
    if not isinstance(msg.get("poll"), dict):
        raise ApiError(400, NOT_A_POLL, "Cannot expire a non-poll message")
    if msg.author_id != emu.bot.id:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    if is_finalized(msg):
        raise ApiError(400, POLL_EXPIRED, "Poll expired")
    emu.finalize_poll(msg, ended_at=emu.snowflakes.now())
    return json_response(emu.rest_message(msg))
