"""Things users do, injected over the gateway: messages, edits, deletes, slash commands, clicks, modals."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from typing import Any

from . import permissions as P
from .commands import OptionBuilder, ResolvedCommand, check_default_permissions, find_command, registered_command
from .core import ChannelLike, EmulatorError, GuildLike, UserLike
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionHandle,
    InteractionRecord,
)
from .messages import find_component
from .models import JSON, Channel, Guild, Member, StoredAttachment, StoredMessage
from .polls import PollsMixin
from .rest.common import bump_channel


class InjectionMixin(PollsMixin):
    """Helpers that create proper payloads, dispatch them and return handles."""

    # -- messages --------------------------------------------------------------------------------------

    async def send_user_message(
        self,
        channel: ChannelLike,
        user: UserLike,
        content: str = "",
        reference_message_id: int | None = None,
        mentions: Sequence[UserLike] | None = None,
        type: int | None = None,
        *,
        embeds: Sequence[JSON] = (),
        attachments: Sequence[StoredAttachment] = (),
        check_permissions: bool = True,
    ) -> StoredMessage:
        """A member posts a message: stored, then MESSAGE_CREATE (with guild_id and member) is sent.

        Mentions are parsed from ``content`` (``<@id>``, ``<@&id>``, ``@everyone``); ``mentions`` replaces the
        user mention list explicitly. ``check_permissions`` refuses posts Discord would refuse.
        """
        ch = self.get_channel(channel)
        author = self.get_user(user)
        member = self.member_of(ch.guild_id, author)
        if member is None:
            raise EmulatorError(f"{author.username} is not a member of the channel's guild")
        if check_permissions:
            perms = self.permissions_for(member, ch)
            send_bit = P.SEND_MESSAGES_IN_THREADS if ch.is_thread else P.SEND_MESSAGES
            if not P.has(perms, P.VIEW_CHANNEL | send_bit):
                raise EmulatorError(f"{author.username} cannot post in #{ch.name} (permissions {perms})")
            if ch.is_thread and ch.locked and not perms & P.MANAGE_THREADS:
                raise EmulatorError(f"#{ch.name} is locked")
        body: JSON = {"content": content, "embeds": list(embeds)}
        if reference_message_id is not None:
            ref = self.get_message(reference_message_id)
            if ref is None:
                raise EmulatorError(f"unknown message {reference_message_id} to reply to")
            body["message_reference"] = {"message_id": str(reference_message_id)}
        msg = self.build_message(channel=ch, author=author, body=body, files=list(attachments), msg_type=type)
        if mentions is not None:
            msg["mentions"] = [self.get_user(u).to_payload() for u in mentions]
            msg["_pings"]["users"] = [self.get_user(u).id for u in mentions]
        if ch.is_thread:
            ch.member_ids.add(author.id)
        self.store_message(msg)
        bump_channel(self, ch, msg)  # type: ignore[arg-type]
        self.dispatch_message("MESSAGE_CREATE", msg)
        await self.gateway.flush()
        return msg

    async def edit_user_message(
        self,
        channel: ChannelLike,
        message: StoredMessage | int,
        content: str,
        *,
        embeds: Sequence[JSON] | None = None,
    ) -> StoredMessage:
        """The author edits a message: MESSAGE_UPDATE with the FULL message and ``edited_timestamp`` set."""
        ch = self.get_channel(channel)
        msg = self._stored(ch, message)
        msg["content"] = content
        if embeds is not None:
            msg["embeds"] = list(embeds)
        msg["edited_timestamp"] = self.now_iso()
        self.apply_mentions(msg, author=self.users[msg.author_id], channel=ch, webhook_like=False)
        self.dispatch_message("MESSAGE_UPDATE", msg)
        self.changed.notify()
        await self.gateway.flush()
        return msg

    def _stored(self, ch: Channel, message: StoredMessage | int) -> StoredMessage:
        mid = message if isinstance(message, int) else message.id
        msg = self.get_message(mid)
        if msg is None or msg.channel_id != ch.id:
            raise EmulatorError(f"message {mid} is not stored in #{ch.name}")
        return msg

    async def delete_message(self, channel: ChannelLike, message: StoredMessage | int) -> None:
        """Delete a stored message: MESSAGE_DELETE ``{id, channel_id, guild_id}`` and removal from the store."""
        ch = self.get_channel(channel)
        msg = self._stored(ch, message)
        self.unstore_message(msg.id)
        if ch.is_thread and ch.message_count:
            ch.message_count -= 1
        self.gateway.emit("MESSAGE_DELETE", {"id": str(msg.id), "channel_id": str(ch.id), "guild_id": str(ch.guild_id)})
        await self.gateway.flush()

    async def bulk_delete(self, channel: ChannelLike, ids: Sequence[int]) -> None:
        """MESSAGE_DELETE_BULK for stored messages of the channel."""
        ch = self.get_channel(channel)
        for mid in ids:
            self.unstore_message(mid)
        self.gateway.emit(
            "MESSAGE_DELETE_BULK",
            {"ids": [str(i) for i in ids], "channel_id": str(ch.id), "guild_id": str(ch.guild_id)},
        )
        await self.gateway.flush()

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send a raw dispatch (``op 0``) with a proper sequence number to every live session."""
        self.gateway.emit(event, data)
        await self.gateway.flush()

    async def dispatch_raw_frame(self, obj: Any) -> None:
        """Send an arbitrary frame (a dict, or a str sent verbatim) – for malformed-payload tests."""
        self.gateway.send_raw(obj)
        await self.gateway.flush()

    async def flush(self) -> None:
        """Wait until every queued gateway frame has been written."""
        await self.gateway.flush()

    # -- interactions ----------------------------------------------------------------------------------

    def _interaction_base(
        self, itype: int, guild: Guild, channel: Channel, member: Member, data: JSON, locale: str
    ) -> JSON:
        iid = self.new_id()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(60)
        channel_payload = channel.to_payload()
        channel_payload["permissions"] = str(self.permissions_for(member, channel))
        return {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": member.to_payload(permissions=self.permissions_for(member, channel)),
            "token": token,
            "version": 1,
            "app_permissions": str(self.bot_permissions(channel)),
            "locale": locale,
            "guild_locale": guild.locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": self.attachment_size_limit,
        }

    def _start_interaction(self, payload: JSON, name: str, member: Member, **extra: Any) -> InteractionHandle:
        rec = InteractionRecord(
            id=int(payload["id"]),
            token=payload["token"],
            type=payload["type"],
            name=name,
            payload=payload,
            guild_id=int(payload["guild_id"]),
            channel_id=int(payload["channel_id"]),
            user_id=member.id,
            created=asyncio.get_running_loop().time(),
            **extra,
        )
        self.interactions[rec.id] = rec
        self._interactions_by_token[rec.token] = rec
        if not self.gateway.emit("INTERACTION_CREATE", payload):
            raise EmulatorError("no live gateway session to deliver the interaction to (is the bot connected?)")
        self.spawn(self._deadline(rec))
        return InteractionHandle(self, rec)  # type: ignore[arg-type]

    async def _deadline(self, rec: InteractionRecord) -> None:
        await asyncio.sleep(self.interaction_deadline)
        if not rec.responded and not rec.deadline_missed:
            rec.deadline_missed = True
            self.violation(f"{rec.label} was not answered within {self.interaction_deadline}s (Discord's deadline)")

    def _invoker(self, guild: GuildLike, channel: ChannelLike, user: UserLike) -> tuple[Guild, Channel, Member]:
        g = self.get_guild(guild)
        ch = self.get_channel(channel)
        if ch.guild_id != g.id:
            raise EmulatorError(f"#{ch.name} is not in guild {g.name!r}")
        member = self.member_of(g, user)
        if member is None:
            raise EmulatorError(f"{self.get_user(user).username} is not a member of {g.name!r}")
        if not self.permissions_for(member, ch) & P.VIEW_CHANNEL:
            raise EmulatorError(f"{member.user.username} cannot see #{ch.name}")
        return g, ch, member

    async def invoke(
        self,
        guild: GuildLike,
        channel: ChannelLike,
        user: UserLike,
        command: str,
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        *,
        bypass_default_permissions: bool = False,
    ) -> InteractionHandle:
        """A member runs a slash command (``"group sub"`` paths allowed); returns an :class:`InteractionHandle`."""
        g, ch, member = self._invoker(guild, channel, user)
        resolved = find_command(self, g, command)  # type: ignore[arg-type]
        if not bypass_default_permissions:
            check_default_permissions(self, resolved, g, member, ch.id)  # type: ignore[arg-type]
        builder = OptionBuilder(self, g, ch, member)  # type: ignore[arg-type]
        opts, _ = builder.build(resolved, dict(options or {}))
        data: JSON = {"id": resolved.command["id"], "name": resolved.command["name"], "type": 1}
        if opts:
            data["options"] = opts
        if builder.resolved:
            data["resolved"] = builder.resolved
        if resolved.guild_scoped:
            data["guild_id"] = str(g.id)
        payload = self._interaction_base(APPLICATION_COMMAND, g, ch, member, data, locale)
        handle = self._start_interaction(payload, " ".join(resolved.path), member)
        await self.gateway.flush()
        return handle

    async def invoke_message_command(
        self,
        guild: GuildLike,
        channel: ChannelLike,
        user: UserLike,
        name: str,
        message: StoredMessage | int,
        locale: str = "en-US",
        *,
        bypass_default_permissions: bool = False,
    ) -> InteractionHandle:
        """A member picks the message context-menu command ``name`` (Apps → name) on a stored message.

        The type 3 (MESSAGE) command's interaction carries ``target_id`` and the message in
        ``resolved.messages``. ``channel`` is where the member is; Discord's client only offers messages shown
        there, but the emulator sends any stored message so a bot's own checks can be tested.
        """
        g, ch, member = self._invoker(guild, channel, user)
        command, guild_scoped = registered_command(self, g, name, command_type=3)  # type: ignore[arg-type]
        resolved = ResolvedCommand(command=command, guild_scoped=guild_scoped, path=[name], leaf=command)
        if not bypass_default_permissions:
            check_default_permissions(self, resolved, g, member, ch.id)  # type: ignore[arg-type]
        target = self._find_message_anywhere(message)
        if target.ephemeral:
            raise EmulatorError("context menus are not offered on ephemeral messages")
        data: JSON = {
            "id": resolved.command["id"],
            "name": resolved.command["name"],
            "type": 3,
            "target_id": str(target.id),
            "resolved": {"messages": {str(target.id): self.rest_message(target)}},
        }
        if resolved.guild_scoped:
            data["guild_id"] = str(g.id)
        payload = self._interaction_base(APPLICATION_COMMAND, g, ch, member, data, locale)
        handle = self._start_interaction(payload, resolved.command["name"], member)
        await self.gateway.flush()
        return handle

    async def autocomplete(
        self,
        guild: GuildLike,
        channel: ChannelLike,
        user: UserLike,
        command: str,
        focused: str,
        value: str = "",
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        *,
        timeout: float = 5.0,
        bypass_default_permissions: bool = False,
    ) -> list[JSON]:
        """A member types into an autocomplete option; returns the choices of the bot's type-8 answer."""
        handle = await self.start_autocomplete(
            guild,
            channel,
            user,
            command,
            focused,
            value,
            options,
            locale,
            bypass_default_permissions=bypass_default_permissions,
        )
        return await handle.choices(timeout)

    async def start_autocomplete(
        self,
        guild: GuildLike,
        channel: ChannelLike,
        user: UserLike,
        command: str,
        focused: str,
        value: str = "",
        options: dict[str, Any] | None = None,
        locale: str = "en-US",
        *,
        bypass_default_permissions: bool = False,
    ) -> InteractionHandle:
        """Like :meth:`autocomplete` but returns the handle instead of waiting for the choices."""
        g, ch, member = self._invoker(guild, channel, user)
        resolved = find_command(self, g, command)  # type: ignore[arg-type]
        if not bypass_default_permissions:  # a command the client does not show cannot be typed into either
            check_default_permissions(self, resolved, g, member, ch.id)  # type: ignore[arg-type]
        builder = OptionBuilder(self, g, ch, member)  # type: ignore[arg-type]
        opts, focused_type = builder.build(resolved, dict(options or {}), focused=focused, focused_value=value)
        data: JSON = {"id": resolved.command["id"], "name": resolved.command["name"], "type": 1, "options": opts}
        if builder.resolved:
            data["resolved"] = builder.resolved
        if resolved.guild_scoped:
            data["guild_id"] = str(g.id)
        payload = self._interaction_base(AUTOCOMPLETE, g, ch, member, data, locale)
        handle = self._start_interaction(payload, " ".join(resolved.path), member, option_type=focused_type)
        await self.gateway.flush()
        return handle

    def _find_message_anywhere(self, message: StoredMessage | int) -> StoredMessage:
        mid = message if isinstance(message, int) else message.id
        msg = self.get_message(mid) or self.ephemeral_messages.get(mid)
        if msg is None:
            raise EmulatorError(f"message {mid} is not stored (deleted, or never sent)")
        return msg

    async def click(
        self,
        message: StoredMessage | int,
        custom_id: str,
        user: UserLike,
        values: Sequence[Any] | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A member clicks a button or picks select values on a stored bot message (type 3 interaction)."""
        msg = self._find_message_anywhere(message)
        ch = self.get_channel(msg.channel_id)
        g, ch, member = self._invoker(ch.guild_id, ch, user)
        if msg.author_id != self.bot.id:
            raise EmulatorError("components can only be used on the bot's own messages")
        comp = find_component(msg.get("components") or [], custom_id)
        if comp is None:
            raise EmulatorError(f"no component with custom_id {custom_id!r} on message {msg.id}")
        if comp.get("disabled"):
            raise EmulatorError(f"component {custom_id!r} is disabled")
        ctype = comp["type"]
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        if "id" in comp:
            data["id"] = comp["id"]
        if ctype == 2:
            if values is not None:
                raise EmulatorError("buttons take no values")
        else:
            data.update(self._select_values(g, ch, member, comp, list(values or [])))
        payload = self._interaction_base(MESSAGE_COMPONENT, g, ch, member, data, locale)
        payload["message"] = self.rest_message(msg)
        handle = self._start_interaction(payload, custom_id, member, component_message_id=msg.id)
        await self.gateway.flush()
        return handle

    def _select_values(self, g: Guild, ch: Channel, member: Member, comp: JSON, values: list[Any]) -> JSON:
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise EmulatorError(f"select {comp['custom_id']!r} needs {lo}-{hi} values, got {len(values)}")
        if comp["type"] == 3:
            allowed = [o["value"] for o in comp.get("options") or []]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise EmulatorError(f"select {comp['custom_id']!r}: {bad} are not options {allowed}")
            return {"values": list(values)}
        builder = OptionBuilder(self, g, ch, member)  # type: ignore[arg-type]
        kind = {5: 6, 6: 8, 7: 9, 8: 7}[comp["type"]]
        spec = {"name": comp["custom_id"], "type": kind}
        ids = [builder.convert(f"select {comp['custom_id']!r}", spec, v) for v in values]
        return {"values": ids, "resolved": builder.resolved}

    async def submit_modal(
        self,
        handle: InteractionHandle,
        values: dict[str, str],
        user: UserLike | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Submit the modal the bot opened in ``handle`` (text inputs by custom_id); returns the new handle."""
        modal = await handle.modal()
        rec = handle.record
        g, ch, member = self._invoker(rec.guild_id or 0, rec.channel_id, user if user is not None else rec.user_id)
        unknown = set(values)
        components: list[JSON] = []
        for row in modal.get("components") or []:
            if row.get("type") == 1:
                inner = [self._modal_value(c, values, unknown) for c in row.get("components") or []]
                components.append({"type": 1, "components": inner})
            elif row.get("type") == 18 and isinstance(row.get("component"), dict):
                components.append({"type": 18, "component": self._modal_value(row["component"], values, unknown)})
        if unknown:
            raise EmulatorError(f"modal {modal.get('custom_id')!r} has no inputs {sorted(unknown)}")
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        payload = self._interaction_base(MODAL_SUBMIT, g, ch, member, data, locale)
        extra: dict[str, Any] = {}
        if rec.component_message_id is not None:
            source = self._find_message_anywhere(rec.component_message_id)
            payload["message"] = self.rest_message(source)
            extra["component_message_id"] = source.id
        new = self._start_interaction(payload, modal["custom_id"], member, **extra)
        await self.gateway.flush()
        return new

    @staticmethod
    def _modal_value(item: JSON, values: dict[str, str], unknown: set[str]) -> JSON:
        cid = str(item.get("custom_id"))
        if item.get("type") != 4:
            return {"type": item.get("type"), "custom_id": cid, "values": []}
        value = values.get(cid, str(item.get("value") or ""))
        unknown.discard(cid)
        if item.get("required", True) and not value:
            raise EmulatorError(f"text input {cid!r} is required")
        if item.get("max_length") is not None and len(value) > item["max_length"]:
            raise EmulatorError(f"text input {cid!r} is longer than {item['max_length']}")
        if item.get("min_length") and len(value) < item["min_length"]:
            raise EmulatorError(f"text input {cid!r} is shorter than {item['min_length']}")
        return {"type": 4, "custom_id": cid, "value": value}

    def unanswered_interactions(self) -> list[InteractionRecord]:
        return [r for r in self.interactions.values() if not r.responded]
