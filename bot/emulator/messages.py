"""Building, storing and dispatching messages (shared by REST handlers and injection helpers)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from . import permissions as P
from .core import EmulatorCore
from .gateway import MESSAGE_CONTENT, blank_message, blank_message_for
from .mentions import compute_mentions
from .models import EPHEMERAL, JSON, Channel, StoredAttachment, StoredMessage, User
from .poll_limits import poll_object
from .snowflake import snowflake_time

REPLY = 19
DEFAULT = 0
CHAT_INPUT_COMMAND = 20
THREAD_STARTER_MESSAGE = 21


class MessagesMixin(EmulatorCore):
    """Message construction with mentions and the MESSAGE_CONTENT rule."""

    def build_message(
        self,
        *,
        channel: Channel,
        author: User,
        body: JSON,
        files: Sequence[StoredAttachment] = (),
        webhook_like: bool = False,
        msg_type: int | None = None,
        extra_flags: int = 0,
        interaction: JSON | None = None,
        message_id: int | None = None,
    ) -> StoredMessage:
        """A full message object from a create body (``content``, ``embeds``, ``components``, ...)."""
        mid = message_id or self.new_id()
        flags = int(body.get("flags") or 0) | extra_flags
        ref_msg: StoredMessage | None = None
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            ref_msg = self.get_message(int(reference["message_id"]))
        if msg_type is None:
            msg_type = REPLY if ref_msg is not None else DEFAULT
        msg = StoredMessage(
            {
                "id": str(mid),
                "type": msg_type,
                "channel_id": str(channel.id),
                "author": author.to_payload(),
                "content": body.get("content") or "",
                "timestamp": self.now_iso(),
                "edited_timestamp": None,
                "tts": bool(body.get("tts", False)),
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [f.to_payload() for f in files],
                "embeds": [normalize_embed(e) for e in body.get("embeds") or []],
                "components": number_components(copy.deepcopy(body.get("components") or [])),
                "pinned": False,
                "flags": flags,
                "_guild_id": channel.guild_id,
                "_files": list(files),
                "_allowed_mentions": body.get("allowed_mentions"),
            }
        )
        if body.get("nonce") is not None:
            msg["nonce"] = body["nonce"]
        if isinstance(body.get("poll"), dict):
            msg["poll"] = poll_object(body["poll"], snowflake_time(mid))
        if webhook_like:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = interaction
        if ref_msg is not None:
            msg["message_reference"] = {
                "type": 0,
                "message_id": str(ref_msg.id),
                "channel_id": str(ref_msg.channel_id),
                "guild_id": str(channel.guild_id),
            }
            msg["referenced_message"] = ref_msg.public()
        if channel.is_thread:
            msg["position"] = channel.total_message_sent
        self.apply_mentions(msg, author=author, channel=channel, webhook_like=webhook_like, replied=ref_msg)
        return msg

    def apply_mentions(
        self,
        msg: StoredMessage,
        *,
        author: User,
        channel: Channel,
        webhook_like: bool,
        replied: StoredMessage | None = None,
    ) -> None:
        """(Re)compute ``mentions``/``mention_roles``/``mention_everyone`` and the private ``_pings``."""
        guild = self.guilds.get(channel.guild_id)
        perms = self.permissions_for(author.id, channel) if guild is not None and author.id in guild.members else 0

        def role_mentionable(role_id: int) -> bool | None:
            role = guild.roles.get(role_id) if guild else None
            return None if role is None else role.mentionable

        result = compute_mentions(
            msg.get("content"),
            msg.get("_allowed_mentions"),
            webhook_like=webhook_like,
            can_mention_everyone=bool(perms & P.MENTION_EVERYONE),
            role_is_mentionable=role_mentionable,
            user_exists=lambda uid: uid in self.users,
            replied_user_id=replied.author_id if replied is not None else None,
            author_id=author.id,
        )
        msg["mentions"] = [self.users[u].to_payload() for u in result.scope_users if u in self.users]
        msg["mention_roles"] = [str(r) for r in result.scope_roles]
        msg["mention_everyone"] = result.everyone
        msg["_mention_scope"] = result.scope
        pings = result.pings
        if msg.flags & EPHEMERAL:
            pings = {"everyone": False, "roles": [], "users": []}
        msg["_pings"] = pings

    # -- gateway -------------------------------------------------------------------------------------------

    def gateway_message(self, msg: StoredMessage) -> JSON:
        """The MESSAGE_CREATE/UPDATE payload: public fields plus ``guild_id``, ``member`` and mention members."""
        data = msg.public()
        guild = self.guilds.get(int(msg.get("_guild_id") or 0))
        if guild is None or msg.ephemeral:
            return data
        data["guild_id"] = str(guild.id)
        author = guild.members.get(msg.author_id)
        if author is not None and "webhook_id" not in msg:
            data["member"] = author.to_payload(with_user=False)
        for user in data.get("mentions", []):
            member = guild.members.get(int(user["id"]))
            if member is not None:
                user["member"] = member.to_payload(with_user=False)
        channel = self.channels.get(msg.channel_id)
        if channel is not None:
            data["channel_type"] = channel.type
        return data

    def dispatch_message(self, event: str, msg: StoredMessage) -> None:
        """Send MESSAGE_CREATE/MESSAGE_UPDATE, blanked per session without the MESSAGE_CONTENT intent."""
        if msg.ephemeral:
            return
        payload = self.gateway_message(msg)
        bot_id = self.bot.id
        self.gateway.emit(event, payload, transform=lambda s, d: blank_message_for(s, bot_id, d))

    # -- REST reads ----------------------------------------------------------------------------------------

    @property
    def rest_content_allowed(self) -> bool:
        """REST reads blank content when the portal intent is off or the bot identified without it."""
        intents = self.gateway.last_intents
        return self.message_content_enabled and (intents is None or bool(intents & MESSAGE_CONTENT))

    def rest_message(self, msg: StoredMessage) -> JSON:
        data = msg.public()
        if self.rest_content_allowed:
            return data
        data["_guild_id"] = msg.get("_guild_id")
        out = blank_message(data, self.bot.id)
        out.pop("_guild_id", None)
        return dict(out)


def normalize_embed(embed: Any) -> Any:
    """Embeds come back from Discord with ``type: rich`` (and unchanged otherwise)."""
    if isinstance(embed, dict):
        out = dict(embed)
        out.setdefault("type", "rich")
        return out
    return embed


def number_components(components: list[Any], start: int = 1) -> list[Any]:
    """Assign the numeric ``id`` Discord gives every component (depth-first), keeping given ids."""
    counter = [start]

    def walk(items: list[Any]) -> None:
        for comp in items:
            if not isinstance(comp, dict):
                continue
            if "id" not in comp:
                comp["id"] = counter[0]
            counter[0] += 1
            if isinstance(comp.get("components"), list):
                walk(comp["components"])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    walk([comp[key]])

    walk(components)
    return components


def find_component(components: list[Any], custom_id: str) -> JSON | None:
    """The component with ``custom_id`` anywhere in a (nested) component list."""
    for comp in components:
        if not isinstance(comp, dict):
            continue
        if comp.get("custom_id") == custom_id:
            return comp
        if isinstance(comp.get("components"), list):
            found = find_component(comp["components"], custom_id)
            if found is not None:
                return found
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                found = find_component([comp[key]], custom_id)
                if found is not None:
                    return found
    return None
