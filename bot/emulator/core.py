"""Shared state and helpers of the emulator (the base of :class:`~bot.emulator.server.DiscordEmulator`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from . import permissions as P
from .gateway import IDENTIFY_WINDOW, MAX_GUILDS_PER_SHARD
from .limits import DEFAULT_ATTACHMENT_LIMIT
from .models import JSON, Channel, Guild, Member, Role, StoredAttachment, StoredMessage, User
from .snowflake import Clock, SnowflakeFactory, iso, utc_now

if TYPE_CHECKING:
    from .gateway import GatewayServer
    from .interactions import InteractionRecord
    from .recorder import Recorder

_log = logging.getLogger("bot.emulator")

T = TypeVar("T")

POLL = 0.01

UserLike = User | Member | int
GuildLike = Guild | int
ChannelLike = Channel | int
RoleLike = Role | int


class EmulatorError(AssertionError):
    """A test used the emulator wrongly (unknown command, option of the wrong type, unknown channel, ...)."""


@dataclass
class Notifier:
    """A tiny 'something changed' broadcast used to wait for conditions on emulator state."""

    _event: asyncio.Event = field(default_factory=asyncio.Event)

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def next_change(self) -> None:
        """Wait for the next :meth:`notify` (for watchers that push state elsewhere, like the sandbox page)."""
        await self._event.wait()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        """Wait until ``predicate()`` returns a truthy value and return it; AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            event = self._event
            # Re-check on every state change, and at least every POLL seconds for predicates that look at
            # state outside the emulator (e.g. what the bot has received).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, POLL))


class EmulatorCore:
    """State and low-level helpers shared by the world, REST, gateway and injection code."""

    def __init__(
        self,
        token: str = "test-token",
        message_content_enabled: bool = True,
        clock: Clock | None = None,
        *,
        members_intent_enabled: bool = True,
        presences_intent_enabled: bool = True,
        heartbeat_interval_ms: int = 5000,
        interaction_deadline: float = 3.0,
        application_name: str = "Whiplash",
        bot_username: str = "whiplash-bot",
        attachment_size_limit: int = DEFAULT_ATTACHMENT_LIMIT,
        allow_member_requests: bool = False,
    ) -> None:
        self.token = token
        self.message_content_enabled = message_content_enabled
        self.members_intent_enabled = members_intent_enabled
        self.presences_intent_enabled = presences_intent_enabled
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.application_name = application_name
        self.attachment_size_limit = attachment_size_limit
        self.allow_member_requests = allow_member_requests
        """If False (default), an op 8 REQUEST_GUILD_MEMBERS is recorded as a violation (it is answered anyway)."""
        self.recommended_shards: int | None = None
        """GET /gateway/bot's `shards`; None: Discord's rule, one per 1000 guilds and at least one."""
        self.max_concurrency = 1
        """IDENTIFYs allowed per rate-limit bucket (`shard_id % max_concurrency`) per `identify_window` s."""
        self.identify_window = IDENTIFY_WINDOW
        self.max_guilds_per_shard = MAX_GUILDS_PER_SHARD
        self.session_start_total = 1000
        """`session_start_limit.total`: IDENTIFYs per day (RESUMEs do not count)."""
        self.clock: Clock = clock or utc_now
        self.snowflakes = SnowflakeFactory(self.clock)

        self.bot = User(id=self.snowflakes.next(), username=bot_username, bot=True)
        self.application_id: int = self.bot.id
        self.owner = User(id=self.snowflakes.next(), username="app-owner")
        self.verify_key = secrets.token_hex(32)

        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.attachments: dict[int, StoredAttachment] = {}
        self._messages: dict[int, list[StoredMessage]] = {}
        self._message_index: dict[int, StoredMessage] = {}
        self.ephemeral_messages: dict[int, StoredMessage] = {}
        """Ephemeral interaction messages by id (they are never in a channel's history)."""
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self.command_permissions: dict[tuple[int, int], list[JSON]] = {}
        """An admin's overrides per (guild id, command id or application id), set in Server Settings → Integrations."""
        self.interactions: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self.violations: list[str] = []
        self.changed = Notifier()
        self._base_url = ""
        self._background: set[asyncio.Task[Any]] = set()

        # set by the concrete emulator
        self.gateway: GatewayServer
        self.recorder: Recorder

    # -- basics -------------------------------------------------------------------------------------------

    @property
    def bot_user(self) -> JSON:
        """The bot's user object (as GET /users/@me returns it)."""
        return {**self.bot.to_payload(), "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None}

    def now_iso(self) -> str:
        return iso(self.snowflakes.now())

    def new_id(self) -> int:
        return self.snowflakes.next()

    def violation(self, text: str) -> None:
        """Record a protocol/limit violation (tests call :meth:`assert_no_violations` at teardown)."""
        _log.warning("emulator violation: %s", text)
        self.violations.append(text)
        self.changed.notify()

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every recorded violation."""
        if self.violations:
            listing = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Discord emulator violation(s):\n{listing}")

    def clear_violations(self) -> list[str]:
        """Forget recorded violations (for tests that provoke them on purpose); returns them."""
        out, self.violations = self.violations, []
        return out

    def spawn(self, coro: Awaitable[T]) -> asyncio.Task[T]:
        task: asyncio.Task[T] = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # -- lookups ------------------------------------------------------------------------------------------

    def get_guild(self, guild: GuildLike) -> Guild:
        gid = guild if isinstance(guild, int) else guild.id
        try:
            return self.guilds[gid]
        except KeyError:
            raise EmulatorError(f"unknown guild {gid}") from None

    def get_channel(self, channel: ChannelLike) -> Channel:
        cid = channel if isinstance(channel, int) else channel.id
        try:
            return self.channels[cid]
        except KeyError:
            raise EmulatorError(f"unknown channel {cid}") from None

    def get_user(self, user: UserLike) -> User:
        if isinstance(user, Member):
            return user.user
        if isinstance(user, User):
            return user
        try:
            return self.users[user]
        except KeyError:
            raise EmulatorError(f"unknown user {user}") from None

    def member_of(self, guild: GuildLike, user: UserLike) -> Member | None:
        g = self.get_guild(guild)
        uid = user if isinstance(user, int) else user.id
        return g.members.get(uid)

    def bot_member(self, guild: GuildLike) -> Member:
        member = self.member_of(guild, self.bot.id)
        assert member is not None
        return member

    # -- permissions --------------------------------------------------------------------------------------

    def guild_permissions(self, guild: GuildLike, user: UserLike) -> int:
        """Guild-level (base) permissions of a member; 0 for non-members."""
        g = self.get_guild(guild)
        member = self.member_of(g, user)
        if member is None:
            return 0
        return P.base_permissions(
            user_id=member.id,
            owner_id=g.owner_id,
            everyone_permissions=g.everyone.permissions,
            role_permissions=(g.roles[r].permissions for r in member.roles if r in g.roles),
        )

    def permissions_for(self, member: UserLike, channel: ChannelLike) -> int:
        """The member's effective permissions in ``channel`` (threads use their parent), like Discord."""
        ch = self.get_channel(channel)
        g = self.get_guild(ch.guild_id)
        m = self.member_of(g, member)
        if m is None:
            return 0
        base = self.guild_permissions(g, m)
        target = self.channels[ch.parent_id] if ch.is_thread and ch.parent_id in self.channels else ch
        overwrites = list(target.overwrites)  # category overwrites are copied at creation, not inherited live
        perms = P.apply_overwrites(base, guild_id=g.id, user_id=m.id, role_ids=m.roles, overwrites=overwrites)
        perms = P.apply_implicit(perms, is_thread=ch.is_thread)
        if m.timed_out_until is not None and m.timed_out_until > self.snowflakes.now() and not base & P.ADMINISTRATOR:
            perms &= P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY  # timed-out members keep only these
        if ch.is_thread and perms and ch.type == 12 and m.id not in ch.member_ids and not perms & P.MANAGE_THREADS:
            return 0  # private threads are only visible to their members and thread managers
        return perms

    def bot_permissions(self, channel: ChannelLike) -> int:
        return self.permissions_for(self.bot.id, channel)

    # -- message store -------------------------------------------------------------------------------------

    def messages_in(self, channel: ChannelLike) -> list[StoredMessage]:
        """Stored (non-ephemeral) messages of a channel or thread, oldest first."""
        cid = channel if isinstance(channel, int) else channel.id
        return list(self._messages.get(cid, []))

    def get_message(self, message_id: int) -> StoredMessage | None:
        return self._message_index.get(message_id)

    @property
    def threads(self) -> list[Channel]:
        """All threads in all guilds (oldest first)."""
        return sorted((c for c in self.channels.values() if c.is_thread), key=lambda c: c.id)

    def store_message(self, msg: StoredMessage) -> None:
        self._messages.setdefault(msg.channel_id, []).append(msg)
        self._message_index[msg.id] = msg
        self.changed.notify()

    def unstore_message(self, message_id: int) -> StoredMessage | None:
        msg = self._message_index.pop(message_id, None)
        if msg is not None:
            bucket = self._messages.get(msg.channel_id, [])
            bucket[:] = [m for m in bucket if m.id != message_id]
            self.changed.notify()
        return msg

    # -- attachments ---------------------------------------------------------------------------------------

    def attachment_url(self, kind: str, scope_id: int, attachment_id: int, filename: str) -> str:
        return f"{self._base_url}/{kind}/{scope_id}/{attachment_id}/{quote(filename)}"

    def new_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None,
        *,
        scope_id: int,
        ephemeral: bool = False,
        description: str | None = None,
    ) -> StoredAttachment:
        att_id = self.new_id()
        kind = "ephemeral-attachments" if ephemeral else "attachments"
        att = StoredAttachment(
            id=att_id,
            filename=filename,
            content_type=content_type,
            data=data,
            url=self.attachment_url(kind, scope_id, att_id, filename),
            description=description,
            ephemeral=ephemeral,
        )
        self.attachments[att_id] = att
        return att

    def make_attachment(
        self, filename: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredAttachment:
        """A file a user 'uploads' as an ATTACHMENT option; served from the emulator's CDN route."""
        return self.new_attachment(filename, data, content_type, scope_id=self.application_id, ephemeral=True)
