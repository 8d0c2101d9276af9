"""The emulator's world model: users, guilds, roles, members, channels, threads, messages, attachments.

Model objects are plain mutable dataclasses; their ``to_payload`` methods produce the JSON objects Discord
sends. Messages are stored as :class:`StoredMessage`, a ``dict`` holding the public message payload plus
private keys that start with ``_`` (never sent to the client).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .permissions import Overwrite
from .snowflake import iso, snowflake_time

TEXT = 0
CATEGORY = 4
ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
FORUM = 15
REQUIRE_TAG = 1 << 4  # channel flag: a forum post must carry a tag
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

JSON = dict[str, Any]


@dataclass(eq=False)
class User:
    """A Discord user (``bot=True`` for the emulated bot itself)."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    def to_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "avatar_decoration_data": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
        }

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(eq=False)
class Role:
    """A guild role. The ``@everyone`` role has the guild's id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    mentionable: bool = False
    color: int = 0
    hoist: bool = False
    managed: bool = False
    bot_id: int | None = None

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            payload["tags"] = {"bot_id": str(self.bot_id)}
        return payload

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"


@dataclass(eq=False)
class Member:
    """A guild member: a :class:`User` plus guild-specific data. ``id`` is the user id."""

    user: User
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    nick: str | None = None
    timed_out_until: dt.datetime | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def to_payload(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        payload: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": iso(self.timed_out_until) if self.timed_out_until else None,
        }
        if with_user:
            payload["user"] = self.user.to_payload()
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload


@dataclass(eq=False)
class Channel:
    """A guild channel: text (0), category (4), announcement (5), forum (15) or a thread (10, 11, 12)."""

    id: int
    guild_id: int
    name: str
    type: int = TEXT
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    last_message_id: int | None = None
    # thread-only fields
    owner_id: int | None = None
    message_count: int = 0
    total_message_sent: int = 0
    member_ids: set[int] = field(default_factory=set)
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: dt.datetime | None = None
    created_at: dt.datetime | None = None
    invitable: bool = True
    # forum-only: Discord's forum tag objects (id, name, moderated, emoji_id, emoji_name), in order
    available_tags: list[JSON] = field(default_factory=list)
    flags: int = 0  # channel flags (REQUIRE_TAG on a forum)
    # forum-post-only: the ids of the parent forum's tags applied to this thread
    applied_tags: list[int] = field(default_factory=list)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_payload(self, *, with_guild_id: bool = True) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "parent_id": str(self.parent_id) if self.parent_id is not None else None,
            "flags": self.flags,
        }
        if with_guild_id:
            payload["guild_id"] = str(self.guild_id)
        if self.is_thread:
            created = self.created_at or snowflake_time(self.id)  # the emulator clock, as Discord does
            payload.update(
                {
                    "owner_id": str(self.owner_id) if self.owner_id is not None else None,
                    "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                    "message_count": self.message_count,
                    "member_count": min(len(self.member_ids), 50),
                    "total_message_sent": self.total_message_sent,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "applied_tags": [str(tag) for tag in self.applied_tags],
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": iso(self.archive_timestamp or created),
                        "locked": self.locked,
                        "create_timestamp": iso(created),
                        **({"invitable": self.invitable} if self.type == PRIVATE_THREAD else {}),
                    },
                }
            )
            return payload
        payload.update(
            {
                "position": self.position,
                "permission_overwrites": [ow.to_payload() for ow in self.overwrites],
                "nsfw": self.nsfw,
            }
        )
        if self.type == FORUM:
            payload.update(forum_fields(self))
            return payload
        if self.type != CATEGORY:
            payload.update(
                {
                    "topic": self.topic,
                    "rate_limit_per_user": self.rate_limit_per_user,
                    "last_message_id": str(self.last_message_id) if self.last_message_id else None,
                    "default_auto_archive_duration": 1440,
                    "default_thread_rate_limit_per_user": 0,
                    "last_pin_timestamp": None,
                }
            )
        return payload


def forum_fields(channel: Channel) -> JSON:
    """The fields a forum channel (type 15) carries beside the common ones, as Discord sends them."""
    return {
        "topic": channel.topic,
        "rate_limit_per_user": channel.rate_limit_per_user,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "default_auto_archive_duration": 1440,
        "default_thread_rate_limit_per_user": 0,
        "available_tags": [dict(tag) for tag in channel.available_tags],
        "default_reaction_emoji": None,
        "default_sort_order": None,
        "default_forum_layout": 0,
    }


@dataclass(eq=False)
class Guild:
    """A guild with its roles, members and channels (threads included)."""

    id: int
    name: str
    owner_id: int
    locale: str = "en-US"
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    joined_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    unavailable: bool = False  # a Discord outage: listed in READY, but no GUILD_CREATE until it ends

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def to_payload(self) -> JSON:
        """The plain guild object (REST ``GET /guilds/{id}``)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.to_payload() for r in sorted(self.roles.values(), key=lambda r: r.position)],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
        }


@dataclass(eq=False)
class StoredAttachment:
    """An uploaded or test-provided file, served by the emulator's CDN routes."""

    id: int
    filename: str
    content_type: str | None
    data: bytes
    url: str
    description: str | None = None
    ephemeral: bool = False

    @property
    def size(self) -> int:
        return len(self.data)

    def to_payload(self) -> JSON:
        payload: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type is not None:
            payload["content_type"] = self.content_type
        if self.description is not None:
            payload["description"] = self.description
        if self.ephemeral:
            payload["ephemeral"] = True
        return payload


class StoredMessage(dict[str, Any]):
    """A message as the emulator stores it: the Discord payload plus private ``_`` keys.

    Private keys: ``_pings`` (who was actually notified: ``{"everyone", "roles", "users"}``),
    ``_mention_scope`` (what ``allowed_mentions`` would have allowed, ignoring permissions),
    ``_allowed_mentions`` (as sent), ``_files`` (list of :class:`StoredAttachment`), ``_interaction_id``.
    """

    @property
    def id(self) -> int:
        return int(self["id"])

    @property
    def channel_id(self) -> int:
        return int(self["channel_id"])

    @property
    def content(self) -> str:
        return str(self.get("content", ""))

    @property
    def embeds(self) -> list[JSON]:
        return list(self.get("embeds", []))

    @property
    def components(self) -> list[JSON]:
        return list(self.get("components", []))

    @property
    def flags(self) -> int:
        return int(self.get("flags", 0))

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def author_id(self) -> int:
        return int(self["author"]["id"])

    @property
    def pings(self) -> JSON:
        """Who this message actually notified: ``{"everyone": bool, "roles": [...], "users": [...]}``."""
        return dict(self.get("_pings", {"everyone": False, "roles": [], "users": []}))

    @property
    def pinged_anyone(self) -> bool:
        p = self.pings
        return bool(p["everyone"] or p["roles"] or p["users"])

    @property
    def files(self) -> list[StoredAttachment]:
        return list(self.get("_files", []))

    def public(self) -> JSON:
        """The payload without private keys (a deep-enough copy to hand out)."""
        out: JSON = public_copy(self)
        return out


def public_copy(value: Any) -> Any:
    """Recursively copy ``value`` dropping dict keys that start with ``_``."""
    if isinstance(value, dict):
        return {k: public_copy(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(value, list):
        return [public_copy(v) for v in value]
    return value
