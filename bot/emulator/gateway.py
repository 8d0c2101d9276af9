"""The gateway half of the emulator: HELLO/IDENTIFY/READY/GUILD_CREATE, heartbeats, RESUME, dispatch.

Frames are sent as TEXT JSON (discord.py accepts them even though it asks for zlib-stream). Every
connection has a writer task fed by a queue, so synchronous world helpers can dispatch events.

Op 8 (REQUEST_GUILD_MEMBERS) policy: it is always answered with one GUILD_MEMBERS_CHUNK of the guild's
members (so the bot never stalls), and it is recorded as a violation unless ``allow_member_requests`` is
set on the emulator, because this project's bot is not supposed to request members.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .models import JSON, StoredMessage

if TYPE_CHECKING:
    from .server import DiscordEmulator

_log = logging.getLogger("bot.emulator.gateway")

# intents
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
GUILD_MESSAGE_REACTIONS = 1 << 10
GUILD_MESSAGE_TYPING = 1 << 11
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_MESSAGE_POLLS = 1 << 24
DIRECT_MESSAGE_POLLS = 1 << 25
GUILD_SCHEDULED_EVENTS = 1 << 16
VALID_INTENTS = sum(1 << b for b in (*range(17), 20, 21, 24, 25))

RESUMABLE_CLOSE_CODES = frozenset({4000, 4001, 4002, 4003, 4005, 4008})
SEND_LIMIT = 120
SEND_WINDOW = 60.0
BUFFER_SIZE = 2000
INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
MAX_GUILDS_PER_SHARD = 2500  # Discord: a shard with more guilds is closed with 4011 "Sharding required"
IDENTIFY_WINDOW = 5.0  # max_concurrency IDENTIFYs per rate-limit bucket per this many seconds

_GUILD_EVENTS = frozenset(
    {
        "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_PINS_UPDATE",
        "THREAD_CREATE", "THREAD_UPDATE", "THREAD_DELETE", "THREAD_LIST_SYNC", "THREAD_MEMBER_UPDATE",
    }
)  # fmt: skip
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"}


def event_intent(event: str, data: Any) -> int | None:
    """The intent an event needs (None: always delivered)."""
    if event in _GUILD_EVENTS:
        return GUILDS
    if event in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE"):
        return GUILD_MEMBERS
    if event == "GUILD_MEMBER_UPDATE":
        return None if _is_self_member(data) else GUILD_MEMBERS
    if event == "PRESENCE_UPDATE":
        return GUILD_PRESENCES
    if event in _MESSAGE_EVENTS:
        return GUILD_MESSAGES if isinstance(data, dict) and data.get("guild_id") else DIRECT_MESSAGES
    if event.startswith("MESSAGE_REACTION"):
        return GUILD_MESSAGE_REACTIONS
    if event.startswith("MESSAGE_POLL_VOTE"):
        return GUILD_MESSAGE_POLLS if isinstance(data, dict) and data.get("guild_id") else DIRECT_MESSAGE_POLLS
    if event.startswith("GUILD_SCHEDULED_EVENT_"):
        return GUILD_SCHEDULED_EVENTS
    if event == "TYPING_START":
        return GUILD_MESSAGE_TYPING if isinstance(data, dict) and data.get("guild_id") else 1 << 14
    return None


def event_guild_id(event: str, data: Any) -> int | None:
    """The guild an event belongs to (it decides the shard), or None for DMs and the like (shard 0)."""
    if not isinstance(data, dict):
        return None
    raw = data.get("id") if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") else None
    raw = raw or data.get("guild_id") or data.get("_guild_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def shard_for(guild_id: int | None, shard_count: int) -> int:
    """Discord's routing: `(guild_id >> 22) % shard_count`; events without a guild go to shard 0."""
    return 0 if guild_id is None else (guild_id >> 22) % shard_count


def _is_self_member(data: Any) -> bool:
    return isinstance(data, dict) and bool(data.get("_self"))


@dataclass(eq=False)
class GatewaySession:
    """One identified gateway session (survives disconnects until invalidated)."""

    id: str
    intents: int
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=BUFFER_SIZE))
    conn: GatewayConnection | None = None
    alive: bool = True
    resumable: bool = True
    shard: tuple[int, int] = (0, 1)
    """[shard_id, shard_count] from IDENTIFY ([0, 1] when the client does not shard)."""

    @property
    def content_intent(self) -> bool:
        return bool(self.intents & MESSAGE_CONTENT)

    def owns(self, guild_id: int | None) -> bool:
        """Does this session's shard receive the guild's events?"""
        shard_id, count = self.shard
        return shard_for(guild_id, count) == shard_id


@dataclass(eq=False)
class GatewayConnection:
    """One websocket connection."""

    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    queue: asyncio.Queue[str | Callable[[], None] | None] = field(default_factory=asyncio.Queue)
    session: GatewaySession | None = None
    received: deque[float] = field(default_factory=deque)
    writer: asyncio.Task[None] | None = None
    closing: bool = False
    sent_frames: list[JSON] = field(default_factory=list)


class GatewayServer:
    """Owns sessions and connections; used by :class:`~bot.emulator.server.DiscordEmulator`."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.connection_log: list[tuple[str, dict[str, str]]] = []
        """(path, query) of every websocket connection, in order."""
        self.identify_count = 0
        self.resume_count = 0
        self.session_starts = 0
        """IDENTIFYs that started a session (what `session_start_limit.remaining` counts down)."""
        self.identify_refused: list[tuple[int, int]] = []
        """[shard_id, shard_count] of each IDENTIFY answered with op 9 for exceeding max_concurrency."""
        self._bucket_identified: dict[int, float] = {}
        self.identify_payloads: list[JSON] = []
        self.client_frames: list[JSON] = []
        self._ready = asyncio.Event()
        self.last_intents: int | None = None

    # -- public helpers used by the emulator ---------------------------------------------------------------

    @property
    def active(self) -> list[GatewayConnection]:
        return [c for c in self.connections if not c.ws.closed and not c.closing]

    @property
    def current_session(self) -> GatewaySession | None:
        live = [s for s in self.sessions.values() if s.alive]
        return live[-1] if live else None

    async def wait_until_ready(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"the bot did not identify within {timeout}s") from None

    def emit(self, event: str, data: JSON, *, transform: Callable[[GatewaySession, JSON], JSON] | None = None) -> int:
        """Dispatch ``event`` to every live session whose intents allow it; returns how many sessions got it."""
        intent = event_intent(event, data)
        guild_id = event_guild_id(event, data)
        delivered = 0
        for session in list(self.sessions.values()):
            if not session.alive or not session.owns(guild_id):
                continue
            if intent is not None and not session.intents & intent:
                continue
            payload = transform(session, data) if transform else data
            self._send_dispatch(session, event, payload)
            delivered += 1
        return delivered

    def send_raw(self, obj: Any) -> None:
        """Send an arbitrary frame (already JSON-able, or a str) on every active connection."""
        text = obj if isinstance(obj, str) else json.dumps(obj)
        for conn in self.active:
            conn.queue.put_nowait(text)

    async def flush(self, timeout: float = 5.0) -> None:
        """Wait until every queued frame has been written to the sockets."""
        loop = asyncio.get_running_loop()
        futures = []
        for conn in self.active:
            fut: asyncio.Future[None] = loop.create_future()
            conn.queue.put_nowait(functools.partial(_resolve, fut))
            futures.append(fut)
        if futures:
            await asyncio.wait_for(asyncio.gather(*futures), timeout)

    async def close(self, code: int) -> None:
        """Close current connections with ``code``; non-resumable codes also end the session."""
        for conn in list(self.active):
            if conn.session is not None and code not in RESUMABLE_CLOSE_CODES:
                conn.session.alive = False
                self._ready.clear()
            await self._close(conn, code)

    def reconnect(self) -> None:
        self.send_raw({"op": 7, "d": None})

    def invalidate(self, resumable: bool, *, shard: int | None = None) -> None:
        """Op 9 Invalid Session on every connection, or only on those of shard `shard`."""
        for conn in self.active:
            if shard is not None and (conn.session is None or conn.session.shard[0] != shard):
                continue
            if conn.session is not None and not resumable:
                conn.session.alive = False
                self._ready.clear()
            conn.queue.put_nowait(json.dumps({"op": 9, "d": resumable}))

    async def shutdown(self) -> None:
        for conn in list(self.connections):
            await self._close(conn, 1001)
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await conn.writer

    # -- websocket handler ---------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=16 * 1024 * 1024)
        await ws.prepare(request)
        conn = GatewayConnection(ws=ws, path=request.path, query=dict(request.query))
        self.connections.append(conn)
        self.connection_log.append((request.path, dict(request.query)))
        conn.writer = asyncio.ensure_future(self._writer(conn))
        try:
            if request.query.get("v") != "10" or request.query.get("encoding", "json") != "json":
                self.emu.violation(f"gateway: connected with query {dict(request.query)}, expected v=10&encoding=json")
                await self._close(conn, 4012)
                return ws
            self._queue(conn, {"op": 10, "d": {"heartbeat_interval": self.emu.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type is WSMsgType.TEXT or msg.type is WSMsgType.BINARY:
                    await self._on_frame(conn, msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
                if conn.closing:
                    break
        finally:
            if conn.session is not None and not conn.closing and ws.close_code in (1000, 1001):
                conn.session.alive = False  # a client close with 1000/1001 ends the session (no RESUME)
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            conn.queue.put_nowait(None)
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await ws.close()
        return ws

    async def _writer(self, conn: GatewayConnection) -> None:
        while True:
            item = await conn.queue.get()
            if item is None:
                return
            if callable(item):
                item()
                continue
            if conn.ws.closed or conn.closing:
                continue
            try:
                await conn.ws.send_str(item)
            except (ConnectionError, RuntimeError):
                return

    def _queue(self, conn: GatewayConnection, frame: JSON) -> None:
        conn.queue.put_nowait(json.dumps(frame))

    async def _close(self, conn: GatewayConnection, code: int) -> None:
        if conn.closing or conn.ws.closed:
            conn.closing = True
            return
        if conn.writer is not None and not conn.writer.done():
            # let already-queued frames go out first, then close
            loop = asyncio.get_running_loop()
            drained: asyncio.Future[None] = loop.create_future()
            conn.queue.put_nowait(functools.partial(_resolve, drained))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(drained, 2.0)
        conn.closing = True
        with contextlib.suppress(Exception):
            await conn.ws.close(code=code, message=b"")

    def _send_dispatch(self, session: GatewaySession, event: str, data: JSON) -> None:
        session.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        session.buffer.append((session.seq, frame))
        conn = session.conn
        if conn is not None and not conn.closing:
            conn.queue.put_nowait(frame)

    # -- client frames -------------------------------------------------------------------------------------

    async def _on_frame(self, conn: GatewayConnection, raw: str | bytes) -> None:
        now = time.monotonic()
        conn.received.append(now)
        while conn.received and now - conn.received[0] > SEND_WINDOW:
            conn.received.popleft()
        if len(conn.received) > SEND_LIMIT:
            self.emu.violation(
                f"gateway: client sent {len(conn.received)} frames within {SEND_WINDOW:.0f}s (limit {SEND_LIMIT})"
            )
            await self._close(conn, 4008)
            return
        try:
            msg = json.loads(raw)
            op = msg["op"]
        except (ValueError, KeyError, TypeError):
            self.emu.violation(f"gateway: undecodable client frame {raw[:200]!r}")
            await self._close(conn, 4002)
            return
        self.client_frames.append(msg)
        data = msg.get("d")
        if op == 1:
            self._queue(conn, {"op": 11, "d": None})
            return
        if op == 2:
            await self._identify(conn, data)
            return
        if op == 6:
            await self._resume(conn, data)
            return
        if conn.session is None:
            self.emu.violation(f"gateway: op {op} sent before IDENTIFY")
            await self._close(conn, 4003)
            return
        if op == 3:
            return  # presence update: accepted and ignored
        if op == 4:
            return  # voice state update: ignored
        if op == 8:
            self._request_members(conn, data)
            return
        self.emu.violation(f"gateway: unknown opcode {op}")
        await self._close(conn, 4001)

    async def _identify(self, conn: GatewayConnection, data: Any) -> None:
        emu = self.emu
        if conn.session is not None:
            emu.violation("gateway: IDENTIFY sent twice on one connection")
            await self._close(conn, 4005)
            return
        if not isinstance(data, dict):
            await self._close(conn, 4002)
            return
        self.identify_payloads.append(data)
        if data.get("token") != emu.token:
            await self._close(conn, 4004)
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or isinstance(intents, bool) or intents < 0 or intents & ~VALID_INTENTS:
            await self._close(conn, 4013)
            return
        privileged_off = (
            (MESSAGE_CONTENT if not emu.message_content_enabled else 0)
            | (GUILD_MEMBERS if not emu.members_intent_enabled else 0)
            | (GUILD_PRESENCES if not emu.presences_intent_enabled else 0)
        )
        if intents & privileged_off:
            await self._close(conn, 4014)
            return
        shard = _shard_field(data.get("shard", [0, 1]))
        if shard is None:
            emu.violation(f"gateway: IDENTIFY with an invalid shard {data.get('shard')!r}")
            await self._close(conn, INVALID_SHARD)
            return
        owned = [g for g in emu.guilds.values() if shard_for(g.id, shard[1]) == shard[0]]
        if len(owned) > emu.max_guilds_per_shard:
            await self._close(conn, SHARDING_REQUIRED)
            return
        if not self._identify_slot(shard):
            self.identify_refused.append(shard)
            self._queue(conn, {"op": 9, "d": False})  # Discord: over max_concurrency is an Invalid Session
            return
        props = data.get("properties")
        if not isinstance(props, dict) or not {"os", "browser", "device"} <= props.keys():
            emu.violation(f"gateway: IDENTIFY properties malformed: {props!r}")
        self._ready.clear()
        session = GatewaySession(id=secrets.token_hex(16), intents=intents, shard=shard)
        self.sessions[session.id] = session
        session.conn = conn
        conn.session = session
        self.identify_count += 1
        self.session_starts += 1
        self.last_intents = intents
        ready = {
            "v": 10,
            "user": emu.bot_user,
            "guilds": [{"id": str(g.id), "unavailable": True} for g in owned],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": emu.resume_gateway_url,
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "auth": {},
            "application": {"id": str(emu.application_id), "flags": emu.application_flags},
            "_trace": ['["emulator",{}]'],
        }
        if "shard" in data:
            ready["shard"] = list(shard)
        self._send_dispatch(session, "READY", ready)
        for guild in owned:
            if not guild.unavailable:  # a guild in an outage stays unavailable: READY lists it, nothing more
                self._send_dispatch(session, "GUILD_CREATE", emu.guild_create_payload(guild, session))
        conn.queue.put_nowait(self._ready.set)
        emu.changed.notify()

    def _identify_slot(self, shard: tuple[int, int]) -> bool:
        """Take the shard's rate-limit bucket (`shard_id % max_concurrency`), free once per IDENTIFY_WINDOW."""
        bucket = shard[0] % self.emu.max_concurrency
        now = time.monotonic()
        last = self._bucket_identified.get(bucket)
        if last is not None and now - last < self.emu.identify_window:
            return False
        self._bucket_identified[bucket] = now
        return True

    async def _resume(self, conn: GatewayConnection, data: Any) -> None:
        emu = self.emu
        if not isinstance(data, dict):
            await self._close(conn, 4002)
            return
        if data.get("token") != emu.token:
            await self._close(conn, 4004)
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        if session is None or not session.alive or not session.resumable or not isinstance(seq, int):
            self._queue(conn, {"op": 9, "d": False})
            return
        oldest = session.buffer[0][0] if session.buffer else session.seq + 1
        if seq > session.seq or (seq + 1 < oldest and seq != session.seq):
            self._queue(conn, {"op": 9, "d": False})
            return
        old = session.conn
        if old is not None and old is not conn:
            await self._close(old, 4000)
        session.conn = conn
        conn.session = session
        for s, frame in list(session.buffer):
            if s > seq:
                conn.queue.put_nowait(frame)
        self.resume_count += 1
        self._send_dispatch(session, "RESUMED", {"_trace": ['["emulator",{}]']})
        conn.queue.put_nowait(emu.changed.notify)

    def _request_members(self, conn: GatewayConnection, data: Any) -> None:
        emu = self.emu
        if not emu.allow_member_requests:
            emu.violation(f"gateway: bot sent op 8 REQUEST_GUILD_MEMBERS {data!r} (the bot must not request members)")
        if not isinstance(data, dict) or conn.session is None:
            return
        guild_ids = data.get("guild_id")
        ids = guild_ids if isinstance(guild_ids, list) else [guild_ids]
        for gid in ids:
            guild = emu.guilds.get(int(gid)) if gid is not None else None
            if guild is None:
                continue
            members = [m.to_payload() for m in guild.members.values()]
            limit = data.get("limit") or 0
            query = data.get("query")
            if isinstance(query, str) and query:
                members = [m for m in members if m["user"]["username"].startswith(query)]
            if limit:
                members = members[:limit]
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            self._send_dispatch(conn.session, "GUILD_MEMBERS_CHUNK", chunk)


def _shard_field(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard` as (shard_id, shard_count), or None when it is not `[id, count]` with 0 <= id < count."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        return None
    shard_id, count = value
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (shard_id, count)):
        return None
    if not 0 <= shard_id < count:
        return None
    return shard_id, count


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def blank_message_for(session: GatewaySession, bot_id: int, data: JSON) -> JSON:
    """Apply the MESSAGE_CONTENT rule to a message payload for one session."""
    if session.content_intent:
        return data
    return blank_message(data, bot_id)


def blank_message(data: JSON, bot_id: int) -> JSON:
    """Blank content/embeds/attachments/components unless the bot wrote or is mentioned in the message.

    DMs are exempt (they carry no ``guild_id``/``_guild_id``); the referenced message is blanked by the same rule.
    """
    if not (data.get("guild_id") or data.get("_guild_id")):
        return data
    author = data.get("author") or {}
    mentioned = any(str(u.get("id")) == str(bot_id) for u in data.get("mentions") or [])
    out = dict(data)
    if str(author.get("id")) != str(bot_id) and not mentioned:
        out.update({"content": "", "embeds": [], "attachments": [], "components": []})
        out.pop("poll", None)
    ref = data.get("referenced_message")
    if isinstance(ref, dict):
        out["referenced_message"] = blank_message(
            {**ref, "_guild_id": data.get("guild_id") or data.get("_guild_id")}, bot_id
        )
        out["referenced_message"].pop("_guild_id", None)
    if isinstance(data, StoredMessage):
        return StoredMessage(out)
    return out
