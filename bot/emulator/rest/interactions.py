"""Interaction callbacks and the interaction webhook (follow-ups, @original). These routes carry no auth."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..interactions import ALLOWED_CALLBACKS, APPLICATION_COMMAND, CALLBACK_NAMES, InteractionRecord
from ..limits import INTERACTION_MESSAGE_FLAGS, Errors, validate_autocomplete_result, validate_modal
from ..messages import CHAT_INPUT_COMMAND, DEFAULT
from ..models import EPHEMERAL, LOADING, Channel, StoredMessage
from ..snowflake import snowflake_time
from .base import ApiError, Req, json_response, no_content, raise_for, route
from .common import apply_edit, bump_channel, check_message_body, collect_files

if TYPE_CHECKING:
    from ..server import DiscordEmulator

TOKEN_LIFETIME = dt.timedelta(minutes=15)


def _record_for_callback(emu: DiscordEmulator, req: Req) -> InteractionRecord:
    rec = emu.interactions.get(req.int_param("interaction_id"))
    if rec is None or rec.token != req.params["interaction_token"]:
        raise ApiError(404, 10062, "Unknown interaction", violation="callback for an unknown interaction id/token")
    return rec


def _metadata(emu: DiscordEmulator, rec: InteractionRecord, **extra: Any) -> dict[str, Any]:
    user = emu.users[rec.user_id]
    meta: dict[str, Any] = {
        "id": str(rec.id),
        "type": rec.type,
        "user": user.to_payload(),
        "authorizing_integration_owners": {"0": str(rec.guild_id)} if rec.guild_id else {"1": str(user.id)},
    }
    if rec.type == APPLICATION_COMMAND:
        meta["name"] = rec.name
        meta["command_type"] = 1
    if rec.component_message_id is not None:
        meta["interacted_message_id"] = str(rec.component_message_id)
    meta.update(extra)
    return meta


def _new_interaction_message(
    emu: DiscordEmulator,
    req: Req,
    rec: InteractionRecord,
    data: dict[str, Any],
    *,
    ephemeral: bool,
    extra_flags: int = 0,
    followup_of: StoredMessage | None = None,
) -> StoredMessage:
    channel = emu.channels[rec.channel_id]
    files = collect_files(emu, req, data, scope_id=channel.id, ephemeral=ephemeral)
    extra = {"original_response_message_id": str(followup_of.id)} if followup_of is not None else {}
    msg = emu.build_message(
        channel=channel,
        author=emu.bot,
        body=data,
        files=files,
        webhook_like=True,
        msg_type=CHAT_INPUT_COMMAND if rec.type == APPLICATION_COMMAND else DEFAULT,
        extra_flags=extra_flags | (EPHEMERAL if ephemeral else 0),
        interaction=_metadata(emu, rec, **extra),
    )
    msg["_interaction_id"] = rec.id
    return msg


def _publish(emu: DiscordEmulator, channel: Channel, msg: StoredMessage) -> None:
    """Store and dispatch a non-ephemeral interaction message (ephemeral ones stay with the interaction)."""
    if msg.ephemeral:
        emu.ephemeral_messages[msg.id] = msg
        emu.changed.notify()
        return
    emu.store_message(msg)
    bump_channel(emu, channel, msg)
    emu.dispatch_message("MESSAGE_CREATE", msg)


def _response_body(
    emu: DiscordEmulator, rec: InteractionRecord, ctype: int, message: StoredMessage | None
) -> dict[str, Any]:
    interaction: dict[str, Any] = {"id": str(rec.id), "type": rec.type}
    if rec.type == APPLICATION_COMMAND:
        interaction["activity_instance_id"] = None
    if message is not None:
        interaction["response_message_id"] = str(message.id)
        interaction["response_message_loading"] = message.loading
        interaction["response_message_ephemeral"] = message.ephemeral
    resource: dict[str, Any] = {"type": ctype}
    if message is not None and ctype in (4, 5, 7):
        resource["message"] = emu.rest_message(message)
    return {"interaction": interaction, "resource": resource}


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
async def interaction_callback(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    rec = _record_for_callback(emu, req)
    loop = asyncio.get_running_loop()
    elapsed = loop.time() - rec.created
    if elapsed > emu.interaction_deadline:
        rec.deadline_missed = True
        raise ApiError(
            404,
            10062,
            "Unknown interaction",
            violation=f"{rec.label} answered after {elapsed:.2f}s (deadline {emu.interaction_deadline}s)",
        )
    if rec.responded:
        raise ApiError(
            400,
            40060,
            "Interaction has already been acknowledged.",
            violation=f"{rec.label} received a second initial response",
        )
    body = req.body()
    ctype = body.get("type")
    allowed = ALLOWED_CALLBACKS.get(rec.type, frozenset())
    if ctype not in allowed:
        raise ApiError(
            400,
            50035,
            "Invalid Form Body",
            errors={
                "type": {
                    "_errors": [
                        {"code": "INTERACTION_RESPONSE_TYPE_INVALID", "message": "Invalid interaction response type"}
                    ]
                }
            },
            violation=f"type {ctype!r} ({_callback_name(ctype)}) cannot answer {rec.label}; allowed {sorted(allowed)}",
        )
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise ApiError(400, 50035, "Invalid Form Body", violation="callback data must be an object")
    channel = emu.channels[rec.channel_id]
    message: StoredMessage | None = None
    if ctype == 4:
        check_message_body(
            emu, req, data, allowed_flags=INTERACTION_MESSAGE_FLAGS, attachment_limit=emu.attachment_size_limit
        )
        message = _new_interaction_message(emu, req, rec, data, ephemeral=bool(int(data.get("flags") or 0) & EPHEMERAL))
        rec.original = message
        rec.ephemeral = message.ephemeral
    elif ctype == 5:
        flags = int(data.get("flags") or 0)
        if flags & ~EPHEMERAL or set(data) - {"flags"}:
            raise ApiError(
                400, 50035, "Invalid Form Body", violation=f"a defer may only carry flags=EPHEMERAL, got {data!r}"
            )
        message = _new_interaction_message(
            emu, req, rec, {"content": ""}, ephemeral=bool(flags & EPHEMERAL), extra_flags=LOADING
        )
        rec.original = message
        rec.ephemeral = message.ephemeral
        rec.loading = True
    elif ctype in (6, 7):
        if rec.component_message_id is None:
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                violation=f"{CALLBACK_NAMES[ctype]} needs a component message ({rec.label})",
            )
        target = emu.get_message(rec.component_message_id) or emu.ephemeral_messages.get(rec.component_message_id)
        if target is None:
            raise ApiError(404, 10008, "Unknown Message")
        rec.original = target
        rec.ephemeral = target.ephemeral
        if ctype == 7:
            check_message_body(emu, req, data, allowed_flags=INTERACTION_MESSAGE_FLAGS, editing=True)
            apply_edit(emu, target, req, data, channel=channel, webhook_like=True)
            rec.original_edits += 1
            emu.dispatch_message("MESSAGE_UPDATE", target)
        message = target
    elif ctype == 8:
        errs = Errors()
        validate_autocomplete_result(errs, data, option_type=rec.option_type)
        raise_for(errs)
        rec.choices = list(data.get("choices") or [])
    elif ctype == 9:
        errs = Errors()
        validate_modal(errs, data)
        raise_for(errs)
        rec.modal = data
    rec.callback_type = ctype
    rec.callback_body = {"type": ctype, "data": _public_data(data)}
    rec.callback_at = loop.time()
    if message is not None and ctype in (4, 5):
        _publish(emu, channel, message)
    emu.changed.notify()
    if not req.flag("with_response"):
        return no_content()
    return json_response(_response_body(emu, rec, ctype, message))


def _callback_name(ctype: Any) -> str:
    return CALLBACK_NAMES.get(ctype, "?") if isinstance(ctype, int) else "?"


def _public_data(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)


# -- webhook (follow-ups and @original) ----------------------------------------------------------------------------


def _record_for_webhook(emu: DiscordEmulator, req: Req) -> InteractionRecord:
    webhook_id = req.int_param("webhook_id")
    rec = emu._interactions_by_token.get(req.params["webhook_token"])
    if webhook_id != emu.application_id or rec is None:
        raise ApiError(
            404, 10015, "Unknown Webhook", violation="webhook id/token does not belong to an interaction of this app"
        )
    age = emu.snowflakes.now() - snowflake_time(rec.id)
    if age > TOKEN_LIFETIME:
        raise ApiError(
            401, 50027, "Invalid Webhook Token", violation=f"{rec.label}: token used after {age} (lifetime 15 min)"
        )
    if rec.type == 4 or rec.callback_type in (8, 9):
        raise ApiError(
            400, 50035, "Invalid Form Body", violation=f"{rec.label}: webhook used after an autocomplete/modal response"
        )
    return rec


def _find_message(emu: DiscordEmulator, rec: InteractionRecord, message_id: str) -> StoredMessage:
    if message_id == "@original":
        if rec.original is None or rec.original_deleted:
            raise ApiError(
                404,
                10008,
                "Unknown Message",
                violation=None if rec.responded else f"{rec.label}: @original used before the initial response",
            )
        return rec.original
    mid = int(message_id)
    if rec.original is not None and rec.original.id == mid and not rec.original_deleted:
        return rec.original
    for msg in rec.followups:
        if msg.id == mid:
            return msg
    raise ApiError(404, 10008, "Unknown Message")


@route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
async def create_followup(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    rec = _record_for_webhook(emu, req)
    if not rec.responded:
        raise ApiError(
            404, 10015, "Unknown Webhook", violation=f"{rec.label}: follow-up sent before the initial response"
        )
    body = req.body()
    check_message_body(emu, req, body, allowed_flags=INTERACTION_MESSAGE_FLAGS)
    channel = emu.channels[rec.channel_id]
    if rec.callback_type == 5 and rec.loading and rec.original is not None:
        # Discord: the first follow-up after a defer edits the "thinking" message (its ephemeral state stays).
        msg = rec.original
        apply_edit(emu, msg, req, body, channel=channel, webhook_like=True, finishing_defer=True)
        rec.loading = False
        rec.original_edits += 1
        rec.followup_replaced_original = True
        emu.dispatch_message("MESSAGE_UPDATE", msg)
    else:
        ephemeral = bool(int(body.get("flags") or 0) & EPHEMERAL)
        msg = _new_interaction_message(emu, req, rec, body, ephemeral=ephemeral, followup_of=rec.original)
        rec.followups.append(msg)
        _publish(emu, channel, msg)
    emu.changed.notify()
    if not req.flag("wait"):
        return no_content()
    return json_response(emu.rest_message(msg))


@route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_ref}", auth=False)
async def get_webhook_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    rec = _record_for_webhook(emu, req)
    return json_response(emu.rest_message(_find_message(emu, rec, req.params["message_ref"])))


@route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_ref}", auth=False)
async def edit_webhook_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    rec = _record_for_webhook(emu, req)
    msg = _find_message(emu, rec, req.params["message_ref"])
    body = req.body()
    check_message_body(emu, req, body, allowed_flags=INTERACTION_MESSAGE_FLAGS, editing=True)
    channel = emu.channels[rec.channel_id]
    finishing = msg is rec.original and rec.loading
    apply_edit(emu, msg, req, body, channel=channel, webhook_like=True, finishing_defer=finishing)
    if msg is rec.original:
        rec.loading = False
        rec.original_edits += 1
    emu.dispatch_message("MESSAGE_UPDATE", msg)
    emu.changed.notify()
    return json_response(emu.rest_message(msg))


@route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_ref}", auth=False)
async def delete_webhook_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    rec = _record_for_webhook(emu, req)
    msg = _find_message(emu, rec, req.params["message_ref"])
    if msg is rec.original:
        rec.original_deleted = True
    if msg.ephemeral:
        emu.ephemeral_messages.pop(msg.id, None)
        msg["_deleted"] = True
    else:
        await emu.delete_message(msg.channel_id, msg.id)
    emu.changed.notify()
    return no_content()
