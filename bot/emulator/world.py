"""Test helpers that shape the emulated world (guilds, channels, roles, members, overwrites, threads).

Changes made while the bot is connected are dispatched like Discord would (GUILD_CREATE, CHANNEL_CREATE,
GUILD_ROLE_CREATE, GUILD_MEMBER_UPDATE, THREAD_CREATE, GUILD_DELETE, CHANNEL_DELETE, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from . import permissions as P
from .commands import registered_command
from .core import ChannelLike, EmulatorError, GuildLike, RoleLike, UserLike
from .gateway import GUILD_MEMBERS, GatewaySession
from .limits import MAX_FORUM_TAGS, new_forum_tag
from .messages import THREAD_STARTER_MESSAGE, MessagesMixin
from .models import (
    CATEGORY,
    FORUM,
    JSON,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    TEXT,
    Channel,
    Guild,
    Member,
    Role,
    StoredMessage,
    User,
)
from .permissions import OVERWRITE_MEMBER, OVERWRITE_ROLE, Overwrite


class WorldMixin(MessagesMixin):
    """World-building helpers (synchronous; gateway events are queued and sent in order)."""

    thread_starter_messages: bool = True
    """Store a THREAD_STARTER_MESSAGE (type 21) as the first message of a thread started from a message."""

    # -- users and guilds ------------------------------------------------------------------------------

    def add_user(self, username: str, *, global_name: str | None = None, bot: bool = False) -> User:
        """A user that is not (yet) a member of any guild."""
        user = User(id=self.new_id(), username=username, global_name=global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        owner_id: UserLike | None = None,
        locale: str = "en-US",
        *,
        everyone_permissions: int = P.DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int | None = None,
    ) -> Guild:
        """A guild with ``@everyone`` (Discord's defaults), an owner member and the bot as a member.

        ``bot_permissions`` (optional) creates the bot's managed role with those permissions, like inviting
        the bot with a permissions integer. Sends GUILD_CREATE if the bot is connected.
        """
        guild = Guild(id=self.new_id(), name=name, owner_id=0, locale=locale, joined_at=self.snowflakes.now())
        guild.roles[guild.id] = Role(id=guild.id, guild_id=guild.id, name="@everyone", permissions=everyone_permissions)
        self.guilds[guild.id] = guild
        if owner_id is None:
            owner = self.add_user(f"{name.lower().replace(' ', '-')}-owner")
        else:
            owner = self.get_user(owner_id)
        guild.owner_id = owner.id
        guild.members[owner.id] = Member(user=owner, guild_id=guild.id, joined_at=self.snowflakes.now())
        bot_member = Member(user=self.bot, guild_id=guild.id, joined_at=self.snowflakes.now())
        guild.members[self.bot.id] = bot_member
        if bot_permissions is not None:
            role = self._new_role(guild, self.bot.username, bot_permissions, managed=True)
            role.bot_id = self.bot.id
            bot_member.roles.append(role.id)
        for session in list(self.gateway.sessions.values()):
            if session.alive and session.owns(guild.id):
                payload = self.guild_create_payload(guild, session)
                del payload["unavailable"]  # a join, not an outage ending: discord.py fires on_guild_join
                self.gateway._send_dispatch(session, "GUILD_CREATE", payload)
        self.changed.notify()
        return guild

    def remove_guild(self, guild: GuildLike) -> None:
        """The bot leaves (or is kicked from) the guild: GUILD_DELETE without ``unavailable``."""
        g = self.get_guild(guild)
        for cid in list(g.channels):
            self._forget_channel(cid)
        del self.guilds[g.id]
        self.guild_commands.pop(g.id, None)
        for key in [k for k in self.command_permissions if k[0] == g.id]:
            del self.command_permissions[key]
        self.gateway.emit("GUILD_DELETE", {"id": str(g.id)})
        self.changed.notify()

    def set_guild_unavailable(self, guild: GuildLike) -> None:
        """An outage: GUILD_DELETE with ``unavailable: true`` (the guild stays in the world).

        Until `set_guild_available`, a new session's READY lists the guild as unavailable (like every
        guild) but no GUILD_CREATE follows for it, as on Discord during an outage.
        """
        g = self.get_guild(guild)
        g.unavailable = True
        self.gateway.emit("GUILD_DELETE", {"id": str(g.id), "unavailable": True})

    def set_guild_available(self, guild: GuildLike) -> None:
        """The outage ends: GUILD_CREATE with ``unavailable: false`` (discord.py fires on_guild_available)."""
        g = self.get_guild(guild)
        g.unavailable = False
        for session in list(self.gateway.sessions.values()):
            if session.alive and session.owns(g.id):
                self.gateway._send_dispatch(session, "GUILD_CREATE", self.guild_create_payload(g, session))
        self.changed.notify()

    # -- roles and members -----------------------------------------------------------------------------

    def _new_role(
        self,
        guild: Guild,
        name: str,
        permissions: int,
        *,
        mentionable: bool = False,
        managed: bool = False,
        color: int = 0,
        hoist: bool = False,
    ) -> Role:
        position = max((r.position for r in guild.roles.values()), default=0) + 1
        role = Role(
            id=self.new_id(),
            guild_id=guild.id,
            name=name,
            permissions=permissions,
            position=position,
            mentionable=mentionable,
            managed=managed,
            color=color,
            hoist=hoist,
        )
        guild.roles[role.id] = role
        return role

    def add_role(
        self,
        guild: GuildLike,
        name: str,
        permissions: int = 0,
        mentionable: bool = False,
        *,
        color: int = 0,
        hoist: bool = False,
    ) -> Role:
        """A new role (GUILD_ROLE_CREATE)."""
        g = self.get_guild(guild)
        role = self._new_role(g, name, permissions, mentionable=mentionable, color=color, hoist=hoist)
        self.gateway.emit("GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_payload()})
        return role

    def update_role(
        self, role: Role, *, permissions: int | None = None, mentionable: bool | None = None, name: str | None = None
    ) -> Role:
        """Change a role (GUILD_ROLE_UPDATE)."""
        if permissions is not None:
            role.permissions = permissions
        if mentionable is not None:
            role.mentionable = mentionable
        if name is not None:
            role.name = name
        self.gateway.emit("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": role.to_payload()})
        return role

    def set_command_permissions(
        self,
        guild: GuildLike,
        command: str,
        *,
        roles: Mapping[RoleLike, bool] | None = None,
        users: Mapping[UserLike, bool] | None = None,
        channels: Mapping[ChannelLike, bool] | None = None,
        command_type: int = 1,
    ) -> None:
        """An admin's overrides for one top-level command in Server Settings → Integrations (replacing earlier ones).

        ``command_type=3`` names a message context-menu command ("Highlight reply").

        ``roles={moderators: True}`` gives that role access to a command whose ``default_member_permissions``
        its members lack; ``False`` takes access away. Sends APPLICATION_COMMAND_PERMISSIONS_UPDATE.
        """
        g = self.get_guild(guild)
        registered, _ = registered_command(self, g, command.lstrip("/"), command_type=command_type)  # type: ignore[arg-type]
        command_id = int(registered["id"])
        entries: list[JSON] = []
        for role, allowed in (roles or {}).items():
            rid = role if isinstance(role, int) else role.id
            if rid not in g.roles:
                raise EmulatorError(f"role {rid} is not in guild {g.name!r}")
            entries.append({"id": str(rid), "type": 1, "permission": allowed})
        for user, allowed in (users or {}).items():
            entries.append({"id": str(self.get_user(user).id), "type": 2, "permission": allowed})
        for channel, allowed in (channels or {}).items():
            entries.append({"id": str(self.get_channel(channel).id), "type": 3, "permission": allowed})
        self.command_permissions[(g.id, command_id)] = entries
        payload = {"id": str(command_id), "application_id": str(self.application_id), "guild_id": str(g.id)}
        self.gateway.emit("APPLICATION_COMMAND_PERMISSIONS_UPDATE", {**payload, "permissions": entries})
        self.changed.notify()

    def _role_ids(self, guild: Guild, roles: Iterable[RoleLike]) -> list[int]:
        out = []
        for r in roles:
            rid = r if isinstance(r, int) else r.id
            if rid not in guild.roles:
                raise EmulatorError(f"role {rid} is not in guild {guild.name!r}")
            if rid != guild.id:
                out.append(rid)
        return out

    def add_member(
        self,
        guild: GuildLike,
        username: str | User,
        roles: Iterable[RoleLike] = (),
        *,
        nick: str | None = None,
        global_name: str | None = None,
    ) -> Member:
        """A guild member (a new user unless a :class:`User` is passed); permissions come from its roles."""
        g = self.get_guild(guild)
        user = username if isinstance(username, User) else self.add_user(username, global_name=global_name)
        self.users[user.id] = user
        member = Member(
            user=user, guild_id=g.id, roles=self._role_ids(g, roles), nick=nick, joined_at=self.snowflakes.now()
        )
        g.members[user.id] = member
        self.gateway.emit("GUILD_MEMBER_ADD", {**member.to_payload(), "guild_id": str(g.id)})
        return member

    def set_member_roles(self, guild: GuildLike, member: UserLike, roles: Iterable[RoleLike]) -> Member:
        """Replace a member's roles (GUILD_MEMBER_UPDATE)."""
        g = self.get_guild(guild)
        m = self.member_of(g, member)
        if m is None:
            raise EmulatorError(f"{member!r} is not a member of {g.name!r}")
        m.roles = self._role_ids(g, roles)
        payload: JSON = {**m.to_payload(), "guild_id": str(g.id)}
        if m.id == self.bot.id:
            payload["_self"] = True
        self.gateway.emit("GUILD_MEMBER_UPDATE", payload, transform=_strip_private)
        return m

    def timeout_member(self, guild: GuildLike, member: UserLike, until: dt.datetime | None) -> Member:
        """Time a member out until ``until`` (None lifts it): only VIEW_CHANNEL and READ_MESSAGE_HISTORY remain."""
        g = self.get_guild(guild)
        m = self.member_of(g, member)
        if m is None:
            raise EmulatorError(f"{member!r} is not a member of {g.name!r}")
        m.timed_out_until = until
        payload: JSON = {**m.to_payload(), "guild_id": str(g.id)}
        if m.id == self.bot.id:
            payload["_self"] = True
        self.gateway.emit("GUILD_MEMBER_UPDATE", payload, transform=_strip_private)
        return m

    def set_bot_roles(self, guild: GuildLike, *roles: RoleLike) -> Member:
        """Give the bot exactly these roles in ``guild`` (managed bot role kept)."""
        g = self.get_guild(guild)
        managed = [r for r in self.bot_member(g).roles if g.roles[r].managed]
        return self.set_member_roles(g, self.bot.id, [*managed, *roles])

    def give_bot_role(self, guild: GuildLike, name: str, permissions: int) -> Role:
        """Convenience: create a role with ``permissions`` and add it to the bot."""
        role = self.add_role(guild, name, permissions)
        g = self.get_guild(guild)
        self.set_member_roles(g, self.bot.id, [*self.bot_member(g).roles, role.id])
        return role

    # -- channels --------------------------------------------------------------------------------------

    def add_category(self, guild: GuildLike, name: str) -> Channel:
        return self._add_channel(guild, name, CATEGORY, parent=None, topic=None)

    def add_text_channel(
        self,
        guild: GuildLike,
        name: str,
        parent: ChannelLike | None = None,
        *,
        category: ChannelLike | None = None,
        topic: str | None = None,
        type: int = TEXT,
    ) -> Channel:
        """A text (or announcement, ``type=5``) channel, optionally in a category (overwrites are copied)."""
        return self._add_channel(guild, name, type, parent=parent or category, topic=topic)

    def add_forum_channel(
        self,
        guild: GuildLike,
        name: str,
        *,
        tags: Iterable[str] = (),
        category: ChannelLike | None = None,
        topic: str | None = None,
        moderated: Iterable[str] = (),
        require_tag: bool = False,
    ) -> Channel:
        """A forum channel (type 15) with the server's own tags `tags` (as a moderator made them in the client);
        those also in `moderated` only members with Manage Threads may apply; `require_tag`: every post needs one."""
        forum = self._add_channel(guild, name, FORUM, parent=category, topic=topic)
        staff = set(moderated)
        forum.available_tags = [new_forum_tag(self.new_id(), tag, moderated=tag in staff) for tag in tags]
        forum.flags = REQUIRE_TAG if require_tag else 0
        if len(forum.available_tags) > MAX_FORUM_TAGS:
            raise EmulatorError(f"a forum has at most {MAX_FORUM_TAGS} tags")
        self.gateway.emit("CHANNEL_UPDATE", forum.to_payload())
        return forum

    def create_forum_post(
        self,
        forum: ChannelLike,
        name: str,
        *,
        author: UserLike,
        body: JSON,
        applied_tags: Iterable[int] = (),
        files: Iterable[Any] = (),
    ) -> tuple[Channel, StoredMessage]:
        """A forum post: a public thread and its starter message in one step, the thread's id the message's.

        THREAD_CREATE (``newly_created``) goes out first, then MESSAGE_CREATE of the starter message in the
        thread, as Discord sends them. There is no THREAD_STARTER_MESSAGE: the post's first message is the
        thread's own.
        """
        par = self.get_channel(forum)
        if par.type != FORUM:
            raise EmulatorError(f"#{par.name} is not a forum")
        user = self.get_user(author)
        post_id = self.new_id()
        thread = self.create_thread(par, name, owner_id=user.id, thread_id=post_id, applied_tags=list(applied_tags))
        msg = self.build_message(channel=thread, author=user, body=body, files=list(files), message_id=post_id)
        thread.member_ids.add(user.id)
        self.store_message(msg)
        thread.last_message_id = msg.id
        thread.message_count += 1
        thread.total_message_sent += 1
        par.last_message_id = post_id
        self.dispatch_message("MESSAGE_CREATE", msg)
        return thread, msg

    def _add_channel(
        self, guild: GuildLike, name: str, ctype: int, *, parent: ChannelLike | None, topic: str | None
    ) -> Channel:
        g = self.get_guild(guild)
        parent_ch = self.get_channel(parent) if parent is not None else None
        if parent_ch is not None and parent_ch.type != CATEGORY:
            raise EmulatorError(f"parent {parent_ch.name!r} is not a category")
        position = sum(1 for c in g.channels.values() if not c.is_thread and c.type == ctype)
        channel = Channel(
            id=self.new_id(),
            guild_id=g.id,
            name=name,
            type=ctype,
            position=position,
            parent_id=parent_ch.id if parent_ch else None,
            topic=topic,
            overwrites=list(parent_ch.overwrites) if parent_ch else [],
        )
        g.channels[channel.id] = channel
        self.channels[channel.id] = channel
        self.gateway.emit("CHANNEL_CREATE", channel.to_payload())
        self.changed.notify()
        return channel

    def set_overwrite(
        self, channel: ChannelLike, target: Role | Member | User | int, allow: int = 0, deny: int = 0
    ) -> Overwrite:
        """Set (replace) the overwrite for a role or member on a channel (CHANNEL_UPDATE).

        An int target is a role id if the guild has such a role, else a member id.
        """
        ch = self.get_channel(channel)
        if ch.is_thread:
            raise EmulatorError("threads have no overwrites; set them on the parent channel")
        g = self.get_guild(ch.guild_id)
        if isinstance(target, Role):
            kind, tid = OVERWRITE_ROLE, target.id
        elif isinstance(target, Member | User):
            kind, tid = OVERWRITE_MEMBER, target.id
        else:
            kind, tid = (OVERWRITE_ROLE, target) if target in g.roles else (OVERWRITE_MEMBER, target)
        ow = Overwrite(id=tid, type=kind, allow=allow, deny=deny)
        ch.overwrites = [o for o in ch.overwrites if (o.type, o.id) != (kind, tid)] + [ow]
        self.gateway.emit("CHANNEL_UPDATE", ch.to_payload())
        self.changed.notify()
        return ow

    def clear_overwrite(self, channel: ChannelLike, target: Role | Member | User | int) -> None:
        ch = self.get_channel(channel)
        tid = target if isinstance(target, int) else target.id
        ch.overwrites = [o for o in ch.overwrites if o.id != tid]
        self.gateway.emit("CHANNEL_UPDATE", ch.to_payload())

    def delete_channel(self, channel: ChannelLike) -> None:
        """Delete a channel or thread (CHANNEL_DELETE / THREAD_DELETE); REST then answers 404 code 10003."""
        ch = self.get_channel(channel)
        if ch.is_thread:
            payload = {"id": str(ch.id), "guild_id": str(ch.guild_id), "parent_id": str(ch.parent_id), "type": ch.type}
            self._forget_channel(ch.id)
            self.gateway.emit("THREAD_DELETE", payload)
        else:
            payload = ch.to_payload()
            for thread in [t for t in self.threads if t.parent_id == ch.id]:
                self._forget_channel(thread.id)
            self._forget_channel(ch.id)
            self.gateway.emit("CHANNEL_DELETE", payload)
        self.changed.notify()

    def _forget_channel(self, channel_id: int) -> None:
        ch = self.channels.pop(channel_id, None)
        if ch is None:
            return
        guild = self.guilds.get(ch.guild_id)
        if guild is not None:
            guild.channels.pop(channel_id, None)
        for msg in self._messages.pop(channel_id, []):
            self._message_index.pop(msg.id, None)

    # -- threads ---------------------------------------------------------------------------------------

    def create_thread(
        self,
        parent: ChannelLike,
        name: str,
        *,
        owner_id: int,
        thread_type: int = PUBLIC_THREAD,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
        rate_limit_per_user: int = 0,
        starter: StoredMessage | None = None,
        invitable: bool = True,
        archived: bool = False,
        applied_tags: list[int] | None = None,
    ) -> Channel:
        """Create a thread and dispatch THREAD_CREATE (``newly_created``) and, for a starter message, MESSAGE_UPDATE."""
        par = self.get_channel(parent)
        now = self.snowflakes.now()
        thread = Channel(
            id=thread_id or self.new_id(),
            guild_id=par.guild_id,
            name=name,
            type=thread_type,
            parent_id=par.id,
            owner_id=owner_id,
            member_ids={owner_id},
            auto_archive_duration=auto_archive_duration,
            rate_limit_per_user=rate_limit_per_user,
            created_at=now,
            archive_timestamp=now,
            invitable=invitable,
            archived=archived,
            applied_tags=list(applied_tags or []),
        )
        self.guilds[par.guild_id].channels[thread.id] = thread
        self.channels[thread.id] = thread
        payload = thread.to_payload()
        payload["newly_created"] = True
        if owner_id == self.bot.id:
            payload["member"] = self.thread_member_payload(thread)
        self.gateway.emit("THREAD_CREATE", payload)
        if starter is not None:
            starter["thread"] = thread.to_payload()
            self.dispatch_message("MESSAGE_UPDATE", starter)
            if self.thread_starter_messages:
                first = StoredMessage(
                    {
                        "id": str(self.new_id()),
                        "type": THREAD_STARTER_MESSAGE,
                        "channel_id": str(thread.id),
                        "author": self.users[starter.author_id].to_payload(),
                        "content": "",
                        "timestamp": self.now_iso(),
                        "edited_timestamp": None,
                        "tts": False,
                        "mention_everyone": False,
                        "mentions": [],
                        "mention_roles": [],
                        "attachments": [],
                        "embeds": [],
                        "components": [],
                        "pinned": False,
                        "flags": 0,
                        "position": 0,
                        "message_reference": {
                            "type": 0,
                            "message_id": str(starter.id),
                            "channel_id": str(par.id),
                            "guild_id": str(par.guild_id),
                        },
                        "_guild_id": par.guild_id,
                        "_pings": {"everyone": False, "roles": [], "users": []},
                    }
                )
                self.store_message(first)
                self.dispatch_message("MESSAGE_CREATE", first)
        self.changed.notify()
        return thread

    def add_thread(
        self,
        parent: ChannelLike,
        name: str,
        owner: UserLike | None = None,
        *,
        private: bool = False,
        archived: bool = False,
        auto_archive_duration: int = 1440,
    ) -> Channel:
        """A thread created by a user (or the bot when ``owner`` is None and you want it pre-existing)."""
        owner_id = self.get_user(owner).id if owner is not None else self.bot.id
        return self.create_thread(
            parent,
            name,
            owner_id=owner_id,
            thread_type=PRIVATE_THREAD if private else PUBLIC_THREAD,
            auto_archive_duration=auto_archive_duration,
            archived=archived,
        )

    def archive_thread(self, thread: ChannelLike, *, locked: bool = False, archived: bool = True) -> Channel:
        """Archive (or unarchive) a thread as Discord's auto-archiver or a moderator would (THREAD_UPDATE)."""
        th = self.get_channel(thread)
        if not th.is_thread:
            raise EmulatorError(f"{th.name!r} is not a thread")
        th.archived = archived
        th.locked = locked
        th.archive_timestamp = self.snowflakes.now()
        self.gateway.emit("THREAD_UPDATE", th.to_payload())
        self.changed.notify()
        return th

    def thread_member_payload(self, thread: Channel) -> JSON:
        return {"id": str(thread.id), "user_id": str(self.bot.id), "join_timestamp": self.now_iso(), "flags": 1}

    # -- GUILD_CREATE ----------------------------------------------------------------------------------

    def event_payloads(self, guild_id: int) -> list[JSON]:
        """The guild's scheduled events for GUILD_CREATE (bot/emulator/scheduled_events.py fills it in)."""
        return []

    def guild_create_payload(self, guild: Guild, session: GatewaySession) -> JSON:
        """Everything discord.py needs to build the guild (roles, channels, active threads, members, ...)."""
        payload = guild.to_payload()
        members = guild.members.values() if session.intents & GUILD_MEMBERS else [guild.members[self.bot.id]]
        threads = []
        for t in guild.channels.values():
            if t.is_thread and not t.archived and self.bot_permissions(t) & P.VIEW_CHANNEL:
                data = t.to_payload()
                if self.bot.id in t.member_ids:
                    data["member"] = self.thread_member_payload(t)
                threads.append(data)
        payload.update(
            {
                "joined_at": guild.joined_at.isoformat(),
                "large": len(guild.members) >= 250,
                "unavailable": False,
                "member_count": len(guild.members),
                "members": [m.to_payload() for m in members],
                "channels": [c.to_payload(with_guild_id=False) for c in guild.channels.values() if not c.is_thread],
                "threads": threads,
                "voice_states": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": self.event_payloads(guild.id),
                "soundboard_sounds": [],
                "embedded_activities": [],
                "lazy": True,
                "application_command_counts": {},
            }
        )
        return payload


def _strip_private(session: GatewaySession, data: JSON) -> JSON:
    return {k: v for k, v in data.items() if not k.startswith("_")}
