"""Channel, message and thread routes (bot-authenticated)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import permissions as P
from ..limits import (
    CHANNEL_MESSAGE_FLAGS,
    Errors,
    new_forum_tag,
    validate_forum_post,
    validate_forum_tags,
    validate_thread_body,
)
from ..models import (
    ANNOUNCEMENT,
    ANNOUNCEMENT_THREAD,
    CATEGORY,
    FORUM,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    TEXT,
    Channel,
    StoredMessage,
)
from ..poll_limits import CANNOT_EDIT_POLL
from ..snowflake import snowflake_time
from .base import ApiError, Req, json_response, missing_access, missing_permissions, no_content, raise_for, route
from .common import apply_edit, bump_channel, check_message_body, collect_files

NONCE_WINDOW = dt.timedelta(minutes=2)
"""How long ``enforce_nonce`` remembers a nonce. Discord documents "a few minutes" and promises no more; the
emulator keeps the short end, so a bot cannot pass a test on a deduplication Discord may not do."""

if TYPE_CHECKING:
    from ..server import DiscordEmulator


def channel_for(emu: DiscordEmulator, req: Req, *, need: int = P.VIEW_CHANNEL) -> tuple[Channel, int]:
    """The channel of the route with the bot's permissions; 404 if unknown, 403 if it cannot see it."""
    channel = emu.channels.get(req.int_param("channel_id"))
    if channel is None:
        raise ApiError(404, 10003, "Unknown Channel")
    perms = emu.bot_permissions(channel)
    if not perms & P.VIEW_CHANNEL:
        raise missing_access()
    if not P.has(perms, need):
        raise missing_permissions(f"needs {P.names(need & ~perms)}")
    return channel, perms


def message_in(emu: DiscordEmulator, channel: Channel, message_id: int) -> StoredMessage:
    msg = emu.get_message(message_id)
    if msg is None or msg.channel_id != channel.id:
        raise ApiError(404, 10008, "Unknown Message")
    return msg


@route("GET", "/channels/{channel_id}")
async def get_channel(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req)
    return json_response(channel.to_payload())


@route("PATCH", "/channels/{channel_id}")
async def edit_channel(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    body = req.body()
    errs = Errors()
    if "name" in body:
        errs.string(("name",), body["name"], min_len=1, max_len=100, required=True)
    if channel.is_thread:
        if "auto_archive_duration" in body or "rate_limit_per_user" in body:
            validate_thread_body(errs, {"name": body.get("name", channel.name), **body}, from_message=True)
        raise_for(errs)
        is_owner = channel.owner_id == emu.bot.id
        needs_manage = "locked" in body or "rate_limit_per_user" in body or not is_owner
        if needs_manage and not perms & P.MANAGE_THREADS:
            raise missing_permissions("needs MANAGE_THREADS")
        if "name" in body:
            channel.name = body["name"]
        if "archived" in body:
            channel.archived = bool(body["archived"])
            channel.archive_timestamp = emu.snowflakes.now()
        if "locked" in body:
            channel.locked = bool(body["locked"])
        if body.get("auto_archive_duration") is not None:
            channel.auto_archive_duration = int(body["auto_archive_duration"])
        if body.get("rate_limit_per_user") is not None:
            channel.rate_limit_per_user = int(body["rate_limit_per_user"])
        emu.gateway.emit("THREAD_UPDATE", channel.to_payload())
    else:
        tags = _check_available_tags(errs, channel, body)
        raise_for(errs)
        if not perms & P.MANAGE_CHANNELS:
            raise missing_permissions("needs MANAGE_CHANNELS")
        if "name" in body:
            channel.name = body["name"]
        if "topic" in body:
            channel.topic = body["topic"]
        if tags is not None:
            _set_available_tags(emu, channel, tags)
        emu.gateway.emit("CHANNEL_UPDATE", channel.to_payload())
    emu.changed.notify()
    return json_response(channel.to_payload())


def _check_available_tags(errs: Errors, channel: Channel, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The new ``available_tags`` of a forum (None when the body does not set them); only forums have tags."""
    if "available_tags" not in body:
        return None
    if channel.type != FORUM:
        errs.add(("available_tags",), "UNKNOWN_FIELD", "Only forum channels have tags", f"#{channel.name} is no forum")
        return None
    return validate_forum_tags(errs, body["available_tags"])


def _set_available_tags(emu: DiscordEmulator, forum: Channel, tags: list[dict[str, Any]]) -> None:
    """Replace a forum's tags as Discord does: a tag with a known id keeps it, any other gets a new id, and a
    tag left out is removed from the forum and from every post that carried it."""
    known = {int(tag["id"]) for tag in forum.available_tags}
    updated = []
    for tag in tags:
        tag_id = int(tag["id"]) if tag.get("id") is not None and int(tag["id"]) in known else emu.new_id()
        item = new_forum_tag(tag_id, tag["name"], moderated=bool(tag.get("moderated", False)))
        item["emoji_id"] = str(tag["emoji_id"]) if tag.get("emoji_id") else None
        item["emoji_name"] = tag.get("emoji_name") or None
        updated.append(item)
    forum.available_tags = updated
    kept = {int(tag["id"]) for tag in updated}
    for thread in emu.threads:
        if thread.parent_id == forum.id and set(thread.applied_tags) - kept:
            thread.applied_tags = [tag for tag in thread.applied_tags if tag in kept]
            emu.gateway.emit("THREAD_UPDATE", thread.to_payload())


@route("DELETE", "/channels/{channel_id}")
async def delete_channel(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    need = P.MANAGE_THREADS if channel.is_thread else P.MANAGE_CHANNELS
    if not perms & need:
        raise missing_permissions(f"needs {P.names(need)}")
    payload = channel.to_payload()
    emu.delete_channel(channel)
    return json_response(payload)


# -- messages --------------------------------------------------------------------------------------------------


def _check_can_send(emu: DiscordEmulator, channel: Channel, perms: int, body: dict[str, Any], has_files: bool) -> None:
    if channel.type in (CATEGORY, FORUM):  # a forum takes posts (Start Thread in Forum), not messages
        raise ApiError(400, 50008, "Cannot send messages in a non-text channel")
    send_bit = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
    if not perms & send_bit:
        raise missing_permissions(f"needs {P.names(send_bit)}")
    if body.get("embeds") and not perms & P.EMBED_LINKS:
        raise missing_permissions("embeds need EMBED_LINKS")
    if has_files and not perms & P.ATTACH_FILES:
        raise missing_permissions("files need ATTACH_FILES")
    if body.get("poll") is not None and not perms & P.SEND_POLLS:
        raise missing_permissions("polls need SEND_POLLS")
    if body.get("tts") and not perms & P.SEND_TTS_MESSAGES:
        body["tts"] = False
    if channel.is_thread and channel.archived and channel.locked and not perms & P.MANAGE_THREADS:
        raise ApiError(400, 50083, "Thread is archived")


@route("POST", "/channels/{channel_id}/messages")
async def create_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    body = req.body()
    check_message_body(emu, req, body, allowed_flags=CHANNEL_MESSAGE_FLAGS)
    _check_can_send(emu, channel, perms, body, bool(req.files))
    reference = body.get("message_reference")
    if isinstance(reference, dict) and reference.get("message_id") is not None:
        ref = emu.get_message(int(reference["message_id"]))
        ref_channel = int(reference.get("channel_id") or channel.id)
        if (ref is None or ref.channel_id != ref_channel) and reference.get("fail_if_not_exists", True):
            raise ApiError(
                400,
                50035,
                "Invalid Form Body",
                errors={
                    "message_reference": {
                        "_errors": [{"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                    }
                },
            )
        if not perms & P.READ_MESSAGE_HISTORY:
            raise missing_permissions("replies need READ_MESSAGE_HISTORY")
    nonce = body.get("nonce")
    if nonce is not None and body.get("enforce_nonce"):
        existing = _recent_with_nonce(emu, channel, nonce)
        if existing is not None:
            return json_response(emu.rest_message(existing))
    files = collect_files(emu, req, body, scope_id=channel.id)
    msg = emu.build_message(channel=channel, author=emu.bot, body=body, files=files)
    channel.member_ids.add(emu.bot.id)
    emu.store_message(msg)
    if "poll" in msg:
        emu.track_poll(msg)
    bump_channel(emu, channel, msg)
    emu.dispatch_message("MESSAGE_CREATE", msg)
    return json_response(emu.rest_message(msg))


def _recent_with_nonce(emu: DiscordEmulator, channel: Channel, nonce: Any) -> StoredMessage | None:
    """The bot's message in `channel` sent with `nonce` within the last NONCE_WINDOW of the emulator's clock."""
    since = emu.snowflakes.now() - NONCE_WINDOW
    for existing in reversed(emu.messages_in(channel)):
        if snowflake_time(existing.id) < since:
            return None  # older messages are past the window too
        if existing.get("nonce") == nonce and existing.author_id == emu.bot.id:
            return existing
    return None


@route("GET", "/channels/{channel_id}/messages")
async def get_messages(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    errs = Errors()
    raw_limit = req.query.get("limit", "50")
    try:
        limit = int(raw_limit)
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        errs.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.", f"is {raw_limit}, must be 1-100")
    anchors = [k for k in ("before", "after", "around") if k in req.query]
    if len(anchors) > 1:
        errs.add(
            (anchors[1],), "QUERY_EXCLUSIVE", "before, after and around are mutually exclusive", f"combined {anchors}"
        )
    for key in anchors:
        if not req.query[key].isdigit():
            errs.add((key,), "NUMBER_TYPE_COERCE", "Value is not snowflake.", f"is not a snowflake: {req.query[key]!r}")
    raise_for(errs)
    if channel.type == FORUM:  # a forum's messages live in its posts (threads)
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    if not perms & P.READ_MESSAGE_HISTORY:
        return json_response([])
    msgs = emu.messages_in(channel)  # oldest first
    if not anchors:
        selected = msgs[-limit:]
    elif anchors[0] == "before":
        pivot = int(req.query["before"])
        selected = [m for m in msgs if m.id < pivot][-limit:]
    elif anchors[0] == "after":
        pivot = int(req.query["after"])
        selected = [m for m in msgs if m.id > pivot][:limit]
    else:
        pivot = int(req.query["around"])
        half = limit // 2
        older = [m for m in msgs if m.id < pivot][-half:] if half else []
        newer = [m for m in msgs if m.id >= pivot][: limit - len(older)]
        selected = older + newer
    newest_first = sorted(selected, key=lambda m: m.id, reverse=True)
    return json_response([emu.rest_message(m) for m in newest_first])


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def get_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    if not perms & P.READ_MESSAGE_HISTORY:
        raise missing_permissions("needs READ_MESSAGE_HISTORY")
    msg = message_in(emu, channel, req.int_param("message_id"))
    return json_response(emu.rest_message(msg))


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def edit_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    msg = message_in(emu, channel, req.int_param("message_id"))
    body = req.body()
    if msg.author_id != emu.bot.id:
        if set(body) - {"flags"}:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        if not perms & P.MANAGE_MESSAGES:
            raise missing_permissions("needs MANAGE_MESSAGES")
    if "poll" in body:  # Discord: a poll is part of the message it was created with, never changed after
        raise ApiError(400, CANNOT_EDIT_POLL, "Cannot edit a poll message", violation="edit: a poll cannot be edited")
    check_message_body(emu, req, body, allowed_flags=CHANNEL_MESSAGE_FLAGS, editing=True)
    if body.get("embeds") and not perms & P.EMBED_LINKS:
        raise missing_permissions("embeds need EMBED_LINKS")
    if req.files and not perms & P.ATTACH_FILES:
        raise missing_permissions("files need ATTACH_FILES")
    apply_edit(emu, msg, req, body, channel=channel, webhook_like="webhook_id" in msg)
    emu.dispatch_message("MESSAGE_UPDATE", msg)
    return json_response(emu.rest_message(msg))


@route("DELETE", "/channels/{channel_id}/messages/{message_id}")
async def delete_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    msg = message_in(emu, channel, req.int_param("message_id"))
    if msg.author_id != emu.bot.id and not perms & P.MANAGE_MESSAGES:
        raise missing_permissions("deleting others' messages needs MANAGE_MESSAGES")
    await emu.delete_message(channel, msg.id)
    return no_content()


@route("POST", "/channels/{channel_id}/messages/bulk-delete")
async def bulk_delete(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    if not perms & P.MANAGE_MESSAGES:
        raise missing_permissions("needs MANAGE_MESSAGES")
    body = req.body()
    errs = Errors()
    ids = errs.array(("messages",), body.get("messages"), max_items=100, min_items=2)
    if body.get("messages") is None:
        errs.add(("messages",), "BASE_TYPE_REQUIRED", "This field is required", "is required")
    raise_for(errs)
    parsed = [int(i) for i in ids]
    if len(set(parsed)) != len(parsed):
        raise ApiError(400, 50035, "Invalid Form Body", violation="bulk-delete: duplicate message ids")
    cutoff = emu.snowflakes.now() - dt.timedelta(days=14)
    if any(snowflake_time(i) < cutoff for i in parsed):
        raise ApiError(
            400,
            50034,
            "You can only bulk delete messages that are under 14 days old.",
            violation="bulk-delete: message older than 14 days",
        )
    existing = [i for i in parsed if (m := emu.get_message(i)) is not None and m.channel_id == channel.id]
    await emu.bulk_delete(channel, existing)
    return no_content()


# -- threads ---------------------------------------------------------------------------------------------------------


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def thread_from_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    body = req.body()
    errs = Errors()
    validate_thread_body(errs, body, from_message=True)
    raise_for(errs)
    if channel.type not in (TEXT, ANNOUNCEMENT):
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    msg = message_in(emu, channel, req.int_param("message_id"))
    if not perms & P.CREATE_PUBLIC_THREADS:
        raise missing_permissions("needs CREATE_PUBLIC_THREADS")
    if msg.id in emu.channels or msg.get("thread"):
        raise ApiError(400, 160004, "A thread has already been created for this message")
    thread_type = ANNOUNCEMENT_THREAD if channel.type == ANNOUNCEMENT else PUBLIC_THREAD
    thread = emu.create_thread(
        channel,
        body["name"],
        owner_id=emu.bot.id,
        thread_type=thread_type,
        thread_id=msg.id,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        starter=msg,
    )
    return json_response(thread.to_payload())


@route("POST", "/channels/{channel_id}/threads")
async def thread_without_message(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    body = req.body()
    if channel.type == FORUM:
        return _forum_post(emu, req, channel, perms, body)
    errs = Errors()
    validate_thread_body(errs, body, from_message=False)
    raise_for(errs)
    if channel.type not in (TEXT, ANNOUNCEMENT):
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    thread_type = int(body.get("type") or PRIVATE_THREAD)
    need = P.CREATE_PRIVATE_THREADS if thread_type == PRIVATE_THREAD else P.CREATE_PUBLIC_THREADS
    if not perms & need:
        raise missing_permissions(f"needs {P.names(need)}")
    thread = emu.create_thread(
        channel,
        body["name"],
        owner_id=emu.bot.id,
        thread_type=thread_type,
        auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        invitable=bool(body.get("invitable", True)),
    )
    return json_response(thread.to_payload())


def _forum_post(emu: DiscordEmulator, req: Req, forum: Channel, perms: int, body: dict[str, Any]) -> web.StreamResponse:
    """Start Thread in Forum: the post (a public thread) and its first message in one request; the thread's
    id is the message's. Creating a post needs Send Messages ("Create Posts"); every applied tag must exist
    on the forum, and a moderated tag needs Manage Threads."""
    errs = Errors()
    validate_forum_post(errs, body)
    raise_for(errs)
    message = dict(body["message"])
    check_message_body(emu, req, message, allowed_flags=CHANNEL_MESSAGE_FLAGS)
    if not perms & P.SEND_MESSAGES:
        raise missing_permissions("creating a forum post needs SEND_MESSAGES")
    if message.get("embeds") and not perms & P.EMBED_LINKS:
        raise missing_permissions("embeds need EMBED_LINKS")
    if req.files and not perms & P.ATTACH_FILES:
        raise missing_permissions("files need ATTACH_FILES")
    if not (message.get("content") or message.get("embeds") or req.files or message.get("sticker_ids")):
        raise ApiError(400, 50006, "Cannot send an empty message")
    tags = {int(tag["id"]): tag for tag in forum.available_tags}
    applied = [int(tag) for tag in body.get("applied_tags") or []]
    unknown = [tag for tag in applied if tag not in tags]
    if unknown or len(set(applied)) != len(applied):
        raise ApiError(400, 50035, "Invalid Form Body", violation=f"forum post: unknown or repeated tags {applied}")
    if any(tags[tag].get("moderated") for tag in applied) and not perms & P.MANAGE_THREADS:
        raise missing_permissions("a moderated tag needs MANAGE_THREADS")
    if forum.flags & REQUIRE_TAG and not applied:
        raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
    files = collect_files(emu, req, message, scope_id=forum.id)
    thread, msg = emu.create_forum_post(
        forum, body["name"], author=emu.bot, body=message, applied_tags=applied, files=files
    )
    payload = thread.to_payload()
    payload["message"] = emu.rest_message(msg)
    return json_response(payload)


@route("GET", "/channels/{channel_id}/threads/archived/public")
async def archived_public_threads(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req, need=P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY)
    limit = int(req.query.get("limit", "50"))
    threads = [t for t in emu.threads if t.parent_id == channel.id and t.archived and t.type != PRIVATE_THREAD]
    threads.sort(key=lambda t: t.archive_timestamp or dt.datetime.min.replace(tzinfo=dt.UTC), reverse=True)
    if "before" in req.query:
        before = dt.datetime.fromisoformat(req.query["before"])
        threads = [t for t in threads if t.archive_timestamp is not None and t.archive_timestamp < before]
    page = threads[:limit]
    return json_response({"threads": [t.to_payload() for t in page], "members": [], "has_more": len(threads) > limit})


@route("PUT", "/channels/{channel_id}/thread-members/@me")
async def join_thread(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, _ = channel_for(emu, req)
    if not channel.is_thread:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    if channel.archived:
        raise ApiError(400, 50083, "Thread is archived")
    channel.member_ids.add(emu.bot.id)
    return no_content()


@route("POST", "/channels/{channel_id}/typing")
async def typing(emu: DiscordEmulator, req: Req) -> web.StreamResponse:
    channel, perms = channel_for(emu, req)
    send_bit = P.SEND_MESSAGES_IN_THREADS if channel.is_thread else P.SEND_MESSAGES
    if not perms & send_bit:
        raise missing_permissions(f"needs {P.names(send_bit)}")
    emu.typing_count += 1
    return no_content()
