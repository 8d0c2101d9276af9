"""Reactions: who reacted with what on a stored message, and the gateway events members' reactions produce.

A message keeps its reactions in the private ``_reactors`` key (emoji -> user ids, in the order they reacted);
its public ``reactions`` array (counts, ``me`` for the bot, as Discord sends in message objects) is rebuilt
from it on every change and left out when there are none. Emoji are written as in Discord's routes: the
unicode character, or ``name:id`` for a custom emoji. MESSAGE_REACTION_* events reach only sessions with the
guild message reactions intent (``gateway.event_intent``).
"""

from __future__ import annotations

import re

from . import permissions as P
from .core import ChannelLike, EmulatorError, UserLike
from .models import JSON, Channel, StoredMessage
from .world import WorldMixin

MAX_UNIQUE_REACTIONS = 20  # distinct emoji on one message (Discord: error 30010 beyond)
_CUSTOM = re.compile(r"^(?P<name>[\w~]{1,32}):(?P<id>\d{15,21})$")


def emoji_payload(emoji: str) -> JSON:
    """The partial emoji object for a route-style emoji (``⭐`` or ``name:id``)."""
    custom = _CUSTOM.match(emoji)
    if custom:
        return {"id": custom.group("id"), "name": custom.group("name"), "animated": False}
    return {"id": None, "name": emoji}


def valid_emoji(emoji: str) -> bool:
    """A unicode emoji (no ASCII letters or digits, at most a few code points) or ``name:id``."""
    if _CUSTOM.match(emoji):
        return True
    return 0 < len(emoji) <= 16 and not any(c.isascii() and (c.isalnum() or c in ":/ ") for c in emoji)


def reactors(msg: StoredMessage) -> dict[str, list[int]]:
    """The message's reactions: emoji -> user ids (mutable; call :func:`refresh` after changing it)."""
    found: dict[str, list[int]] = msg.setdefault("_reactors", {})
    return found


def refresh(msg: StoredMessage, bot_id: int) -> None:
    """Rebuild the public ``reactions`` array from ``_reactors``."""
    table = {emoji: users for emoji, users in reactors(msg).items() if users}
    msg["_reactors"] = table
    if not table:
        msg.pop("reactions", None)
        return
    msg["reactions"] = [
        {
            "count": len(users),
            "count_details": {"burst": 0, "normal": len(users)},
            "me": bot_id in users,
            "me_burst": False,
            "emoji": emoji_payload(emoji),
            "burst_colors": [],
        }
        for emoji, users in table.items()
    ]


class ReactionsMixin(WorldMixin):
    """Members react; the bot's own reactions come through the REST routes in ``rest/reactions.py``."""

    def reaction_event(self, event: str, channel: Channel, msg: StoredMessage, user_id: int, emoji: str) -> JSON:
        """The MESSAGE_REACTION_ADD/REMOVE payload (ADD carries the member and the message's author)."""
        data: JSON = {
            "user_id": str(user_id),
            "channel_id": str(channel.id),
            "message_id": str(msg.id),
            "guild_id": str(channel.guild_id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        if event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = str(msg.author_id)
            data["burst_colors"] = []
            member = self.member_of(channel.guild_id, user_id)
            if member is not None:
                data["member"] = member.to_payload()
        return data

    def _reaction_target(self, channel: ChannelLike, message: StoredMessage | int) -> tuple[Channel, StoredMessage]:
        ch = self.get_channel(channel)
        mid = message if isinstance(message, int) else message.id
        msg = self.get_message(mid)
        if msg is None or msg.channel_id != ch.id:
            raise EmulatorError(f"message {mid} is not stored in #{ch.name}")
        return ch, msg

    def apply_reaction(self, channel: Channel, msg: StoredMessage, user_id: int, emoji: str) -> bool:
        """Add ``user_id``'s reaction (False if it was there); emits MESSAGE_REACTION_ADD when added."""
        table = reactors(msg)
        users = table.setdefault(emoji, [])
        if user_id in users:
            return False
        if len(users) == 0 and len([e for e, u in table.items() if u]) >= MAX_UNIQUE_REACTIONS:
            table.pop(emoji, None)
            raise EmulatorError(f"message {msg.id} already has {MAX_UNIQUE_REACTIONS} different reactions")
        users.append(user_id)
        refresh(msg, self.bot.id)
        event = self.reaction_event("MESSAGE_REACTION_ADD", channel, msg, user_id, emoji)
        self.gateway.emit("MESSAGE_REACTION_ADD", event)
        self.changed.notify()
        return True

    def withdraw_reaction(self, channel: Channel, msg: StoredMessage, user_id: int, emoji: str) -> bool:
        """Remove ``user_id``'s reaction (False if there was none); emits MESSAGE_REACTION_REMOVE when removed."""
        users = reactors(msg).get(emoji, [])
        if user_id not in users:
            return False
        users.remove(user_id)
        refresh(msg, self.bot.id)
        self.gateway.emit(
            "MESSAGE_REACTION_REMOVE", self.reaction_event("MESSAGE_REACTION_REMOVE", channel, msg, user_id, emoji)
        )
        self.changed.notify()
        return True

    def clear_message_reactions(self, channel: Channel, msg: StoredMessage, emoji: str | None = None) -> None:
        """Remove every reaction (MESSAGE_REACTION_REMOVE_ALL) or every one with ``emoji`` (…_REMOVE_EMOJI)."""
        base: JSON = {"channel_id": str(channel.id), "message_id": str(msg.id), "guild_id": str(channel.guild_id)}
        if emoji is None:
            msg["_reactors"] = {}
            refresh(msg, self.bot.id)
            self.gateway.emit("MESSAGE_REACTION_REMOVE_ALL", base)
        else:
            reactors(msg).pop(emoji, None)
            refresh(msg, self.bot.id)
            self.gateway.emit("MESSAGE_REACTION_REMOVE_EMOJI", {**base, "emoji": emoji_payload(emoji)})
        self.changed.notify()

    # -- what members do -----------------------------------------------------------------------------------

    async def add_user_reaction(
        self, channel: ChannelLike, message: StoredMessage | int, user: UserLike, emoji: str
    ) -> JSON:
        """A member reacts; returns the MESSAGE_REACTION_ADD payload (to deliver it again: ``emu.dispatch``).

        Refused like Discord's client: an emoji new on the message needs Add Reactions, any reaction needs
        Read Message History, and a message holds at most 20 different emoji.
        """
        ch, msg = self._reaction_target(channel, message)
        member = self.member_of(ch.guild_id, user)
        if member is None:
            raise EmulatorError(f"{self.get_user(user).username} is not a member of the channel's guild")
        if not valid_emoji(emoji):
            raise EmulatorError(f"{emoji!r} is not an emoji")
        perms = self.permissions_for(member, ch)
        if not P.has(perms, P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY):
            raise EmulatorError(f"{member.user.username} cannot react in #{ch.name}")
        if ch.is_thread and ch.archived:
            raise EmulatorError(f"#{ch.name} is archived: nobody can react there")
        if not reactors(msg).get(emoji) and not perms & P.ADD_REACTIONS:
            raise EmulatorError(f"{member.user.username} cannot add new reactions in #{ch.name}")
        self.apply_reaction(ch, msg, member.id, emoji)
        await self.gateway.flush()
        return self.reaction_event("MESSAGE_REACTION_ADD", ch, msg, member.id, emoji)

    async def remove_user_reaction(
        self, channel: ChannelLike, message: StoredMessage | int, user: UserLike, emoji: str
    ) -> JSON:
        """A member takes their reaction back; returns the MESSAGE_REACTION_REMOVE payload."""
        ch, msg = self._reaction_target(channel, message)
        uid = self.get_user(user).id
        if not self.withdraw_reaction(ch, msg, uid, emoji):
            raise EmulatorError(f"user {uid} has no {emoji} reaction on message {msg.id}")
        await self.gateway.flush()
        return self.reaction_event("MESSAGE_REACTION_REMOVE", ch, msg, uid, emoji)

    async def remove_all_reactions(self, channel: ChannelLike, message: StoredMessage | int) -> None:
        """A moderator clears every reaction of a message in the client (MESSAGE_REACTION_REMOVE_ALL)."""
        ch, msg = self._reaction_target(channel, message)
        self.clear_message_reactions(ch, msg)
        await self.gateway.flush()

    async def remove_reaction_emoji(self, channel: ChannelLike, message: StoredMessage | int, emoji: str) -> None:
        """A moderator removes one emoji's reactions from a message (MESSAGE_REACTION_REMOVE_EMOJI)."""
        ch, msg = self._reaction_target(channel, message)
        self.clear_message_reactions(ch, msg, emoji)
        await self.gateway.flush()

    def reaction_users(self, message: StoredMessage | int, emoji: str) -> list[int]:
        """Who reacted to a stored message with ``emoji`` (for assertions)."""
        msg = self.get_message(message if isinstance(message, int) else message.id)
        if msg is None:
            raise EmulatorError(f"message {message!r} is not stored")
        return list(reactors(msg).get(emoji, []))
