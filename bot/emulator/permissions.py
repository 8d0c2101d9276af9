"""Discord permission bits and the permission computation Discord performs.

The algorithm follows https://discord.com/developers/docs/topics/permissions (base permissions from
``@everyone`` and the member's roles, then channel overwrites for ``@everyone``, the member's roles and the
member), plus Discord's implicit rules: no ``VIEW_CHANNEL`` means no permission in the channel, and without
``SEND_MESSAGES`` (``SEND_MESSAGES_IN_THREADS`` in threads) the message-sending companions are removed too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

CREATE_INSTANT_INVITE: Final = 1 << 0
KICK_MEMBERS: Final = 1 << 1
BAN_MEMBERS: Final = 1 << 2
ADMINISTRATOR: Final = 1 << 3
MANAGE_CHANNELS: Final = 1 << 4
MANAGE_GUILD: Final = 1 << 5
ADD_REACTIONS: Final = 1 << 6
VIEW_AUDIT_LOG: Final = 1 << 7
PRIORITY_SPEAKER: Final = 1 << 8
STREAM: Final = 1 << 9
VIEW_CHANNEL: Final = 1 << 10
SEND_MESSAGES: Final = 1 << 11
SEND_TTS_MESSAGES: Final = 1 << 12
MANAGE_MESSAGES: Final = 1 << 13
EMBED_LINKS: Final = 1 << 14
ATTACH_FILES: Final = 1 << 15
READ_MESSAGE_HISTORY: Final = 1 << 16
MENTION_EVERYONE: Final = 1 << 17
USE_EXTERNAL_EMOJIS: Final = 1 << 18
VIEW_GUILD_INSIGHTS: Final = 1 << 19
CONNECT: Final = 1 << 20
SPEAK: Final = 1 << 21
MUTE_MEMBERS: Final = 1 << 22
DEAFEN_MEMBERS: Final = 1 << 23
MOVE_MEMBERS: Final = 1 << 24
USE_VAD: Final = 1 << 25
CHANGE_NICKNAME: Final = 1 << 26
MANAGE_NICKNAMES: Final = 1 << 27
MANAGE_ROLES: Final = 1 << 28
MANAGE_WEBHOOKS: Final = 1 << 29
MANAGE_GUILD_EXPRESSIONS: Final = 1 << 30
USE_APPLICATION_COMMANDS: Final = 1 << 31
REQUEST_TO_SPEAK: Final = 1 << 32
MANAGE_EVENTS: Final = 1 << 33
MANAGE_THREADS: Final = 1 << 34
CREATE_PUBLIC_THREADS: Final = 1 << 35
CREATE_PRIVATE_THREADS: Final = 1 << 36
USE_EXTERNAL_STICKERS: Final = 1 << 37
SEND_MESSAGES_IN_THREADS: Final = 1 << 38
USE_EMBEDDED_ACTIVITIES: Final = 1 << 39
MODERATE_MEMBERS: Final = 1 << 40
VIEW_CREATOR_MONETIZATION_ANALYTICS: Final = 1 << 41
USE_SOUNDBOARD: Final = 1 << 42
CREATE_GUILD_EXPRESSIONS: Final = 1 << 43
CREATE_EVENTS: Final = 1 << 44
USE_EXTERNAL_SOUNDS: Final = 1 << 45
SEND_VOICE_MESSAGES: Final = 1 << 46
SET_VOICE_CHANNEL_STATUS: Final = 1 << 48
SEND_POLLS: Final = 1 << 49
USE_EXTERNAL_APPS: Final = 1 << 50
PIN_MESSAGES: Final = 1 << 51
BYPASS_SLOWMODE: Final = 1 << 52

ALL_PERMISSIONS: Final = (1 << 53) - 1 - (1 << 47)
"""Every defined permission bit (bit 47 is unassigned)."""

DEFAULT_EVERYONE_PERMISSIONS: Final = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | USE_VAD
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | REQUEST_TO_SPEAK
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | USE_EXTERNAL_STICKERS
    | SEND_MESSAGES_IN_THREADS
    | USE_EMBEDDED_ACTIVITIES
    | USE_SOUNDBOARD
    | USE_EXTERNAL_SOUNDS
    | SEND_VOICE_MESSAGES
    | SET_VOICE_CHANNEL_STATUS
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)
"""What ``@everyone`` gets in a newly created guild (no MENTION_EVERYONE, no TTS)."""

_SEND_COMPANIONS: Final = SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES

OVERWRITE_ROLE: Final = 0
OVERWRITE_MEMBER: Final = 1


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def to_payload(self) -> dict[str, object]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


def base_permissions(
    *,
    user_id: int,
    owner_id: int | None,
    everyone_permissions: int,
    role_permissions: Iterable[int],
) -> int:
    """Guild-level permissions: owner gets all, then @everyone | roles, ADMINISTRATOR gets all."""
    if owner_id is not None and user_id == owner_id:
        return ALL_PERMISSIONS
    perms = everyone_permissions
    for value in role_permissions:
        perms |= value
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return perms


def apply_overwrites(
    base: int,
    *,
    guild_id: int,
    user_id: int,
    role_ids: Iterable[int],
    overwrites: Iterable[Overwrite],
) -> int:
    """Apply channel overwrites in Discord's order: @everyone, the member's roles (combined), the member."""
    if base & ADMINISTRATOR:
        return ALL_PERMISSIONS
    by_key = {(ow.type, ow.id): ow for ow in overwrites}
    perms = base
    everyone = by_key.get((OVERWRITE_ROLE, guild_id))
    if everyone is not None:
        perms &= ~everyone.deny
        perms |= everyone.allow
    allow = deny = 0
    for role_id in role_ids:
        ow = by_key.get((OVERWRITE_ROLE, role_id))
        if ow is not None:
            allow |= ow.allow
            deny |= ow.deny
    perms &= ~deny
    perms |= allow
    member = by_key.get((OVERWRITE_MEMBER, user_id))
    if member is not None:
        perms &= ~member.deny
        perms |= member.allow
    return perms


def apply_implicit(perms: int, *, is_thread: bool) -> int:
    """Discord's implicit rules inside a channel (administrators are exempt)."""
    if perms & ADMINISTRATOR:
        return ALL_PERMISSIONS
    if not perms & VIEW_CHANNEL:
        return 0
    send_bit = SEND_MESSAGES_IN_THREADS if is_thread else SEND_MESSAGES
    if not perms & send_bit:
        perms &= ~_SEND_COMPANIONS
    return perms


def has(perms: int, bits: int) -> bool:
    """True if every bit of ``bits`` is set in ``perms``."""
    return perms & bits == bits


_NAMES: Final = {
    name: value
    for name, value in globals().items()
    if name.isupper() and isinstance(value, int) and name not in {"ALL_PERMISSIONS", "OVERWRITE_ROLE"}
}


def names(perms: int) -> list[str]:
    """Human-readable names of the bits in ``perms`` (for error messages)."""
    return [
        name
        for name, value in _NAMES.items()
        if value and value & (value - 1) == 0 and perms & value and not name.startswith(("DEFAULT", "OVERWRITE"))
    ]
