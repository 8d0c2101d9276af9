"""Helpers shared by the message-creating routes (channels, interaction callbacks, webhooks)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..limits import Errors, validate_files, validate_message_body
from ..messages import normalize_embed, number_components
from ..models import Channel, StoredAttachment, StoredMessage
from .base import ApiError, Req, raise_for

if TYPE_CHECKING:
    from ..server import DiscordEmulator


def check_message_body(
    emu: DiscordEmulator,
    req: Req,
    body: dict[str, Any],
    *,
    allowed_flags: int,
    editing: bool = False,
    attachment_limit: int | None = None,
) -> None:
    """Validate a message body and its uploaded files; raises 400 (and records violations)."""
    errs = Errors()
    has_files = bool(req.files)
    check_body = dict(body)
    if has_files and not check_body.get("attachments"):
        check_body["attachments"] = [{"id": i} for i in range(len(req.files))]
    validate_message_body(errs, check_body, allowed_flags=allowed_flags, editing=editing)
    limit = attachment_limit or emu.attachment_size_limit
    validate_files(
        errs,
        [(f.field, f.filename, len(f.data)) for f in req.files],
        per_file_limit=limit,
        total_bytes=req.raw_size,
    )
    for f in req.files:
        if f.index is None:
            errs.add(
                (f.field,), "UNKNOWN_FIELD", "Unknown multipart field", f"multipart field {f.field!r} is not files[n]"
            )
    raise_for(errs)


def collect_files(
    emu: DiscordEmulator,
    req: Req,
    body: dict[str, Any],
    *,
    scope_id: int,
    ephemeral: bool = False,
    keep: list[StoredAttachment] | None = None,
) -> list[StoredAttachment]:
    """Store uploaded ``files[n]`` as attachments (with filename/description from ``attachments``).

    For edits, ``keep`` are the message's current attachments; those whose id appears in the body's
    ``attachments`` list are kept (all are kept when the list is absent).
    """
    meta: dict[int, dict[str, Any]] = {}
    keep_ids: set[int] | None = None
    if isinstance(body.get("attachments"), list):
        keep_ids = set()
        for item in body["attachments"]:
            if not isinstance(item, dict) or item.get("id") is None:
                continue
            try:
                ident = int(item["id"])
            except (TypeError, ValueError):
                continue
            meta[ident] = item
            keep_ids.add(ident)
    out: list[StoredAttachment] = []
    for att in keep or []:
        if keep_ids is None or att.id in keep_ids:
            out.append(att)
    uploaded_indexes = {f.index for f in req.files}
    if keep is not None and keep_ids is not None:
        known = {a.id for a in keep} | {i for i in uploaded_indexes if i is not None}
        unknown = [i for i in keep_ids if i not in known]
        if unknown:
            raise ApiError(400, 50035, "Invalid Form Body", violation=f"attachments reference unknown ids {unknown}")
    for f in req.files:
        info = meta.get(f.index if f.index is not None else -1, {})
        filename = info.get("filename") or f.filename
        out.append(
            emu.new_attachment(
                filename,
                f.data,
                f.content_type,
                scope_id=scope_id,
                ephemeral=ephemeral,
                description=info.get("description"),
            )
        )
    return out


def bump_channel(emu: DiscordEmulator, channel: Channel, msg: StoredMessage) -> None:
    """Update last_message_id / thread counters after a message is posted; unarchive threads."""
    channel.last_message_id = msg.id
    if channel.is_thread:
        channel.message_count += 1
        channel.total_message_sent += 1
        if channel.archived and not channel.locked:
            channel.archived = False
            channel.archive_timestamp = emu.snowflakes.now()
            emu.gateway.emit("THREAD_UPDATE", channel.to_payload())


def apply_edit(
    emu: DiscordEmulator,
    msg: StoredMessage,
    req: Req,
    body: dict[str, Any],
    *,
    channel: Channel,
    webhook_like: bool,
    finishing_defer: bool = False,
) -> None:
    """Apply an edit body to a stored message (content, embeds, components, flags, files, mentions)."""
    if "content" in body:
        msg["content"] = body["content"] or ""
    if "embeds" in body:
        msg["embeds"] = [normalize_embed(e) for e in body["embeds"] or []]
    if "components" in body:
        msg["components"] = number_components(copy.deepcopy(body["components"] or []))
    if "flags" in body and body["flags"] is not None:
        keep = msg.flags & ((1 << 6) | (1 << 15))  # ephemeral and components-v2 cannot be changed
        msg["flags"] = keep | (int(body["flags"]) & ~(1 << 6))
    if finishing_defer:
        msg["flags"] = msg.flags & ~(1 << 7)
    if req.files or "attachments" in body:
        files = collect_files(emu, req, body, scope_id=channel.id, ephemeral=msg.ephemeral, keep=list(msg.files))
        msg["_files"] = files
        msg["attachments"] = [f.to_payload() for f in files]
    if "allowed_mentions" in body:
        msg["_allowed_mentions"] = body["allowed_mentions"]
    author = emu.users.get(msg.author_id, emu.bot)
    replied = None
    ref = msg.get("message_reference")
    if isinstance(ref, dict) and ref.get("message_id"):
        replied = emu.get_message(int(ref["message_id"]))
    emu.apply_mentions(msg, author=author, channel=channel, webhook_like=webhook_like, replied=replied)
    if not finishing_defer:
        msg["edited_timestamp"] = emu.now_iso()
    emu.changed.notify()
