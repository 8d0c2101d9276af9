"""What the page is sent: emulator state turned into small JSON views (names resolved, files linked).

The page never sees private emulator keys; attachment links point at the sandbox's own origin.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from bot.emulator import Channel, DiscordEmulator, Guild, StoredAttachment, StoredMessage, User, permissions
from bot.emulator.interactions import InteractionRecord

JSON = dict[str, Any]
THREAD_STARTER = 21
FORUM = 15
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def content_type(att: StoredAttachment) -> str:
    """The file's type; from its name when the uploader sent none (discord.py sends none for its files)."""
    declared = (att.content_type or "").split(";")[0].strip()
    if declared and declared != "application/octet-stream":
        return declared
    return mimetypes.guess_type(att.filename)[0] or "application/octet-stream"


def attachment_link(att: StoredAttachment) -> str:
    """Where the page fetches a file the emulator stored (served by the sandbox, same origin)."""
    return f"/api/attachments/{att.id}"


def display_name(emu: DiscordEmulator, guild: Guild, user_id: int) -> str:
    """Nickname, else global name, else username (what Discord's client shows)."""
    member = guild.members.get(user_id)
    user: User | None = member.user if member is not None else emu.users.get(user_id)
    if user is None:
        return "Unknown user"
    if member is not None and member.nick:
        return member.nick
    return user.global_name or user.username


def role_colour(guild: Guild, user_id: int) -> int:
    """The colour of the member's highest coloured role (0: none)."""
    member = guild.members.get(user_id)
    if member is None:
        return 0
    roles = sorted((guild.roles[r] for r in member.roles if r in guild.roles), key=lambda r: r.position)
    coloured = [r.color for r in roles if r.color]
    return coloured[-1] if coloured else 0


def names(emu: DiscordEmulator, guild: Guild) -> JSON:
    """Id → name maps for rendering `<@id>`, `<@&id>` and `<#id>` mentions."""
    return {
        "users": {str(uid): display_name(emu, guild, uid) for uid in guild.members},
        "roles": {str(r.id): {"name": r.name, "color": r.color} for r in guild.roles.values() if r.id != guild.id},
        "channels": {str(c.id): c.name for c in guild.channels.values()},
    }


def channel_list(emu: DiscordEmulator, guild: Guild, viewer: int) -> list[JSON]:
    """Text channels and their threads the viewer can see, in sidebar order, with categories."""
    visible = [c for c in guild.channels.values() if emu.permissions_for(viewer, c) & permissions.VIEW_CHANNEL]
    categories = {c.id: c.name for c in guild.channels.values() if c.type == 4}
    texts = sorted((c for c in visible if c.type in (0, 5, FORUM)), key=lambda c: (c.parent_id or 0, c.position, c.id))
    out: list[JSON] = []
    for channel in texts:
        threads = sorted((t for t in visible if t.is_thread and t.parent_id == channel.id), key=lambda t: t.id)
        out.append(
            {
                **_channel(channel),
                "category": categories.get(channel.parent_id or 0),
                "threads": [_channel(t) for t in threads],
            }
        )
    return out


def _channel(channel: Channel) -> JSON:
    return {
        "id": str(channel.id),
        "name": channel.name,
        "topic": channel.topic,
        "type": channel.type,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "archived": channel.archived,
        "locked": channel.locked,
        "message_count": channel.message_count,
    }


def message_view(emu: DiscordEmulator, guild: Guild, msg: StoredMessage) -> JSON:
    """One message as the page renders it (a thread's starter message shows the message it started from)."""
    ref = msg.get("message_reference")
    if msg.get("type") == THREAD_STARTER and isinstance(ref, dict):
        parent = emu.get_message(int(ref["message_id"]))
        if parent is not None:
            return {**_message_view(emu, guild, parent), "id": str(msg.id), "thread": None, "starter": True}
    return _message_view(emu, guild, msg)


def _message_view(emu: DiscordEmulator, guild: Guild, msg: StoredMessage) -> JSON:
    files = msg.files
    by_name = {f.filename: f for f in files}
    embedded: set[int] = set()
    embeds = [_embed(e, by_name, embedded) for e in msg.embeds]
    author_id = msg.author_id
    view: JSON = {
        "id": str(msg.id),
        "channel_id": str(msg.channel_id),
        "type": msg.get("type", 0),
        "author": {
            "id": str(author_id),
            "name": display_name(emu, guild, author_id),
            "bot": bool(msg["author"].get("bot")),
            "color": role_colour(guild, author_id),
        },
        "content": msg.content,
        "timestamp": msg.get("timestamp"),
        "edited": msg.get("edited_timestamp") is not None,
        "embeds": embeds,
        "attachments": [_file(f) for f in files if f.id not in embedded],
        "components": msg.components,
        "ephemeral": msg.ephemeral,
        "loading": msg.loading,
        "interaction": _interaction(emu, guild, msg),
        "thread": _thread(emu, msg),
        "reply_to": _reply(emu, guild, msg),
        "reactions": [
            {"emoji": emoji, "count": len(users), "users": [str(u) for u in users]}
            for emoji, users in (msg.get("_reactors") or {}).items()
            if users
        ],
    }
    return view


def _embed(embed: JSON, by_name: dict[str, StoredAttachment], embedded: set[int]) -> JSON:
    out = dict(embed)
    for key in ("image", "thumbnail"):
        part = out.get(key)
        if isinstance(part, dict) and str(part.get("url", "")).startswith("attachment://"):
            att = by_name.get(str(part["url"])[len("attachment://") :])
            if att is not None:
                embedded.add(att.id)
                out[key] = {**part, "url": attachment_link(att)}
    return out


def _file(att: StoredAttachment) -> JSON:
    return {
        "id": str(att.id),
        "filename": att.filename,
        "url": attachment_link(att),
        "size": att.size,
        "image": content_type(att) in IMAGE_TYPES,
    }


def _interaction(emu: DiscordEmulator, guild: Guild, msg: StoredMessage) -> JSON | None:
    rec: InteractionRecord | None = emu.interactions.get(int(msg.get("_interaction_id") or 0))
    if rec is None or rec.type != 2:
        return None
    data = rec.payload.get("data") or {}
    if data.get("type") == 3:  # a message menu: Discord shows its (localized) name, without a slash
        name = menu_name(emu, guild, str(data.get("id")), str(rec.payload.get("locale") or ""), rec.name)
        return {"user": display_name(emu, guild, rec.user_id), "command": name, "menu": True}
    return {"user": display_name(emu, guild, rec.user_id), "command": rec.name}


def menu_name(emu: DiscordEmulator, guild: Guild, command_id: str, locale: str, default: str) -> str:
    """A message menu's name in the member's Discord language, as their client shows it."""
    for command in [*emu.guild_commands.get(guild.id, []), *emu.global_commands]:
        if str(command.get("id")) == command_id:
            localized = command.get("name_localizations") or {}
            return str(localized.get(locale) or localized.get(locale.split("-")[0]) or command["name"])
    return default


def _thread(emu: DiscordEmulator, msg: StoredMessage) -> JSON | None:
    thread = emu.channels.get(msg.id)
    if thread is None or not thread.is_thread or thread.id == msg.channel_id:  # a forum post's own first message
        return None
    return {"id": str(thread.id), "name": thread.name, "message_count": thread.message_count}


def _reply(emu: DiscordEmulator, guild: Guild, msg: StoredMessage) -> JSON | None:
    ref = msg.get("message_reference")
    if msg.get("type") != 19 or not isinstance(ref, dict):
        return None
    target = emu.get_message(int(ref["message_id"]))
    if target is None:
        return {"author": None, "content": "Original message was deleted"}
    return {"author": display_name(emu, guild, target.author_id), "content": target.content[:120]}


def pending_view(emu: DiscordEmulator, guild: Guild, rec: InteractionRecord) -> JSON | None:
    """What the invoker sees of an interaction with no message yet: waiting, or Discord's failure line."""
    if rec.type not in (2, 3, 5) or rec.original is not None or rec.followups:
        return None
    if rec.callback_type is not None and not rec.deadline_missed:
        return None
    state = "failed" if rec.deadline_missed else "sending"
    return {
        "id": str(rec.id),
        "pending": state,
        "command": rec.name if rec.type == 2 else None,
        "user": display_name(emu, guild, rec.user_id),
    }


# ---- forum channels ---------------------------------------------------------------------------------------


def forum_view(emu: DiscordEmulator, guild: Guild, forum: Channel) -> JSON:
    """A forum as its channel page shows it: its tags and its posts, newest first, each with its title, tags,
    author, first message and reply count (the first message is the post's own, not a reply)."""
    tags = {int(tag["id"]): tag["name"] for tag in forum.available_tags}
    posts = []
    for thread in sorted((t for t in emu.threads if t.parent_id == forum.id), key=lambda t: t.id, reverse=True):
        first = emu.get_message(thread.id)
        posts.append(
            {
                "id": str(thread.id),
                "title": thread.name,
                "tags": [tags[tag] for tag in thread.applied_tags if tag in tags],
                "replies": max(thread.message_count - 1, 0),
                "first": _message_view(emu, guild, first) if first is not None else None,
            }
        )
    return {"tags": list(tags.values()), "posts": posts}
