"""The sandbox: the emulator, the real bot and the page's JSON/WebSocket API in one process.

Everything listens on 127.0.0.1 only. The bot gets its own SQLite file (never DATABASE_PATH's) and the
same clock as the emulator, so jumping the clock moves Discord and the bot together.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import SecretStr

from bot.client import WhiplashBot
from bot.config import Settings
from bot.content import ContentPack
from bot.emulator import DiscordEmulator, EmulatorError
from bot.emulator.commands import command_allowed, find_command
from bot.emulator.interactions import InteractionHandle
from bot.emulator.models import Member
from bot.hooks import point_at
from bot.sandbox import views
from bot.sandbox.clock import SandboxClock
from bot.sandbox.events import events_view, wake_watch_parties
from bot.sandbox.world import SCHEDULE_TIME, SCHEDULE_ZONE, DemoWorld, Persona, build_demo_world
from bot.storage import Storage
from bot.tasks import TaskGroup

log = logging.getLogger(__name__)

DB_NAME = "sandbox.db"
JUMPS = {"day": timedelta(days=1), "week": timedelta(days=7)}
STATIC = resources.files("bot.sandbox") / "static"
STATIC_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}


class SandboxError(Exception):
    """A problem the operator can fix (port in use, ...); its message is one line."""


class SandboxBot(WhiplashBot):
    """The real bot; only the 5-second pause before a re-IDENTIFY is skipped (the emulator never limits it)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None

    async def operator_hints(self) -> None:
        """Nothing to tell: the sandbox syncs its commands itself, and its bot is invited already."""
        return None


class Sandbox:
    """Start with :meth:`start`, stop with :meth:`stop`; :attr:`url` is the page."""

    def __init__(self, content: ContentPack, data_dir: Path, *, clock: SandboxClock | None = None) -> None:
        self.content = content
        self.data_dir = data_dir
        self.clock = clock or SandboxClock()
        self.token = f"sandbox.{secrets.token_urlsafe(24)}"
        self.emu = DiscordEmulator(token=self.token, clock=self.clock, bot_username="Whiplash")
        self.world: DemoWorld | None = None
        self.bot: SandboxBot | None = None
        self.storage: Storage | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._tasks = TaskGroup("sandbox")
        self._sockets: set[web.WebSocketResponse] = set()
        self._modals_done: set[int] = set()
        self._ready = asyncio.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    # ---- lifecycle ------------------------------------------------------------------------------

    async def start(self, port: int) -> None:
        """Bind the page first (a port in use fails before anything starts), then Discord and the bot."""
        await self._serve(port)
        await self.emu.start()
        self.world = build_demo_world(self.emu)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            discord_token=SecretStr(self.token),
            database_path=self.data_dir / DB_NAME,
            discord_api_base=self.emu.api_base,
            discord_gateway_url=self.emu.gateway_url,
            dev_guild_id=None,
            data_key=None,
        )
        point_at(settings.discord_api_base, settings.discord_gateway_url)
        self.storage = await Storage.open(settings.database_path)
        self.bot = SandboxBot(
            settings=settings, storage=self.storage, content=self.content, clock=self.clock, guild_ready_timeout=0.05
        )
        runner = self._tasks.spawn(self.bot.start(self.token), name="sandbox-bot")
        ready = self._tasks.spawn(self.bot.wait_until_ready(), name="sandbox-bot-ready")
        await asyncio.wait({runner, ready}, return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            ready.cancel()
            runner.result()
            raise SandboxError("the bot stopped before it was ready")
        await self.bot.tree.sync()
        await self._set_schedule()
        self._tasks.spawn(self._broadcast_changes(), name="sandbox-push")
        self._ready.set()

    async def stop(self) -> None:
        """Close the page's sockets, the bot, its database and the emulator."""
        for ws in list(self._sockets):
            await ws.close()
        if self.bot is not None:
            await self.bot.close()
        await self._tasks.close()
        if self.storage is not None:
            await self.storage.close()
        await self.emu.stop()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _serve(self, port: int) -> None:
        app = web.Application(middlewares=[_same_origin], client_max_size=16 * 1024 * 1024)
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/ws", self._ws)
        app.router.add_get("/api/state", self._state)
        app.router.add_get("/api/messages", self._messages)
        app.router.add_post("/api/messages", self._send)
        app.router.add_post("/api/commands", self._command)
        app.router.add_post("/api/autocomplete", self._autocomplete)
        app.router.add_post("/api/click", self._click)
        app.router.add_post("/api/react", self._react)
        app.router.add_post("/api/vote", self._vote)
        app.router.add_post("/api/apps", self._apps)
        app.router.add_post("/api/modal", self._modal)
        app.router.add_post("/api/clock", self._jump)
        app.router.add_get("/api/attachments/{id}", self._attachment)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno == errno.EADDRINUSE:
                raise SandboxError(f"port {port} on 127.0.0.1 is already in use; pick another with --port N") from None
            raise SandboxError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        self.port = int(self._runner.addresses[0][1])

    async def _set_schedule(self) -> None:
        """The moderator runs the real `/schedule set`, as they would in Discord."""
        world = self._world()
        handle = await self.emu.invoke(
            world.guild,
            world.daily,
            world.moderator.member,
            "schedule set",
            {"channel": world.daily, "time": SCHEDULE_TIME, "timezone": SCHEDULE_ZONE},
        )
        await handle.message(timeout=10)

    # ---- clock ----------------------------------------------------------------------------------

    async def next_post_at(self) -> datetime | None:
        schedule = await self._storage().discussion.get_schedule(self._world().guild.id)
        if schedule is None or schedule.paused:
            return None
        return datetime.fromtimestamp(schedule.next_run_at, UTC)

    async def jump(self, kind: str) -> datetime:
        """Move the clock ("next" scheduled post, a "day", a "week"), then wake the scheduler and the purge."""
        if kind == "next":
            target = await self.next_post_at()
            if target is not None:
                self.clock.jump_to(target + timedelta(seconds=1))
        elif kind in JUMPS:
            self.clock.jump(JUMPS[kind])
        else:
            raise ValueError(f"unknown jump {kind!r}: use next, day or week")
        return await self._after_jump()

    async def jump_to(self, moment: datetime) -> datetime:
        """Move the clock to `moment` (tests: a watch party's reminder or showtime), and wake everything the
        page's jumps wake: moving the clock alone leaves the daily poster asleep until its next re-read, and
        the sidebar's "Next daily post" in the past."""
        self.clock.jump_to(moment)
        return await self._after_jump()

    async def _after_jump(self) -> datetime:
        """The clock has moved (SandboxClock cannot tell sleepers): wake the purge and the watch parties, let the
        daily poster post what became due, then refresh the pages."""
        services = self._bot().services
        services.purger.wake()
        wake_watch_parties(self._bot())
        await services.poster.tick()
        self._push()
        return self.clock()

    # ---- pushing changes ------------------------------------------------------------------------

    async def _broadcast_changes(self) -> None:
        while True:
            await self.emu.changed.next_change()
            await asyncio.sleep(0.03)  # coalesce a burst of changes into one refresh of the page
            self._push()

    def _push(self) -> None:
        for ws in list(self._sockets):
            if ws.closed:
                self._sockets.discard(ws)
                continue
            self._tasks.spawn(_send_quietly(ws, {"type": "changed"}), name="sandbox-ws-send")

    # ---- accessors --------------------------------------------------------------------------------

    def _world(self) -> DemoWorld:
        if self.world is None:
            raise web.HTTPServiceUnavailable(text="the sandbox is starting")
        return self.world

    def _bot(self) -> SandboxBot:
        if self.bot is None:
            raise web.HTTPServiceUnavailable(text="the sandbox is starting")
        return self.bot

    def _storage(self) -> Storage:
        if self.storage is None:
            raise web.HTTPServiceUnavailable(text="the sandbox is starting")
        return self.storage

    def _persona_of(self, value: Any) -> Persona:
        """The demo member the page acts as (only the demo personas can be driven)."""
        world = self._world()
        try:
            persona = world.persona(int(value))
        except (TypeError, ValueError):
            persona = None
        if persona is None:
            raise _bad("choose who you act as")
        return persona

    # ---- page and static files ------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return _static_file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return _static_file(request.match_info["name"])

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=20)
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            async for message in ws:
                if message.type == WSMsgType.ERROR:
                    break
        finally:
            self._sockets.discard(ws)
        return ws

    async def _attachment(self, request: web.Request) -> web.StreamResponse:
        try:
            att = self.emu.attachments.get(int(request.match_info["id"]))
        except ValueError:
            att = None
        if att is None:
            raise web.HTTPNotFound(text="no such file")
        kind = views.content_type(att)
        disposition = "inline" if kind in views.IMAGE_TYPES else "attachment"
        return web.Response(
            body=att.data,
            content_type=kind,
            headers={"Content-Disposition": f'{disposition}; filename="{att.filename}"'},
        )

    # ---- reading --------------------------------------------------------------------------------

    async def _state(self, request: web.Request) -> web.StreamResponse:
        if not self._ready.is_set():
            return web.json_response({"ready": False}, status=503)
        world = self._world()
        viewer = self._persona_of(request.query.get("as", world.moderator.id))
        member = viewer.member
        next_post = await self.next_post_at()
        return web.json_response(
            {
                "ready": True,
                "guild": {"id": str(world.guild.id), "name": world.guild.name},
                "me": str(member.id),
                "locale": viewer.locale,
                "personas": [
                    {
                        "id": str(p.id),
                        "name": views.display_name(self.emu, world.guild, p.id),
                        "label": p.label(viewer.locale),
                        "locale": p.locale,
                        "color": views.role_colour(world.guild, p.id),
                    }
                    for p in world.personas
                ],
                "channels": views.channel_list(self.emu, world.guild, member.id),
                "default_channel": str(world.general.id),
                "names": views.names(self.emu, world.guild),
                "commands": _visible_commands(self.emu, world, member),
                "message_commands": _visible_commands(self.emu, world, member, command_type=3),
                "clock": {
                    "now": self.clock().isoformat(),
                    "ahead_seconds": int(self.clock.offset.total_seconds()),
                    "next_post": next_post.isoformat() if next_post else None,
                },
                "violations": list(self.emu.violations),
                "modal": self._open_modal(member.id),
                "events": events_view(self.emu, world.guild),
            }
        )

    def _open_modal(self, user_id: int) -> views.JSON | None:
        for rec in reversed(list(self.emu.interactions.values())):
            if rec.user_id == user_id and rec.callback_type == 9 and rec.id not in self._modals_done:
                body = rec.callback_body or {}
                return {"interaction": str(rec.id), **dict(body.get("data") or {})}
        return None

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        world = self._world()
        viewer = self._persona_of(request.query.get("as"))
        channel = self._channel(request.query.get("channel"), viewer.member.id)
        messages = [views.message_view(self.emu, world.guild, m) for m in self.emu.messages_in(channel)]
        seen = {m["id"] for m in messages}
        pending: list[views.JSON] = []
        for rec in self.emu.interactions.values():
            if rec.user_id != viewer.member.id or rec.channel_id != channel:
                continue
            mine = [] if rec.original is None or rec.original_deleted else [rec.original]
            for msg in [*mine, *rec.followups]:
                if msg.ephemeral and str(msg.id) not in seen:
                    seen.add(str(msg.id))
                    messages.append(views.message_view(self.emu, world.guild, msg))
            waiting = views.pending_view(self.emu, world.guild, rec)
            if waiting is not None:
                pending.append(waiting)
        messages.sort(key=lambda m: int(m["id"]))
        answer: views.JSON = {"channel": str(channel), "messages": messages, "pending": pending}
        forum = self.emu.get_channel(channel)
        if forum.type == views.FORUM:  # a forum shows its posts, not messages
            answer["forum"] = views.forum_view(self.emu, world.guild, forum)
        return web.json_response(answer)

    def _channel(self, value: Any, viewer: int) -> int:
        world = self._world()
        try:
            channel = self.emu.get_channel(int(value))
        except (TypeError, ValueError, EmulatorError):
            raise _bad("unknown channel") from None
        if channel.guild_id != world.guild.id or not self.emu.permissions_for(viewer, channel) & (1 << 10):
            raise _bad("you cannot see that channel")
        return channel.id

    # ---- acting -----------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        channel = self._channel(body.get("channel"), viewer.member.id)
        content = str(body.get("content") or "").strip()
        if not content:
            raise _bad("type a message first")
        reply_to = body.get("reply_to")
        with _emulator_errors():
            msg = await self.emu.send_user_message(
                channel, viewer.member, content, reference_message_id=int(reply_to) if reply_to else None
            )
        return web.json_response({"id": str(msg.id)})

    async def _command_request(self, request: web.Request) -> tuple[dict[str, Any], Persona, int, str]:
        """What a command or autocomplete request names: its body, who acts, where, and the command path."""
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        channel = self._channel(body.get("channel"), viewer.member.id)
        return body, viewer, channel, str(body.get("command") or "")

    async def _command(self, request: web.Request) -> web.StreamResponse:
        body, viewer, channel, path = await self._command_request(request)
        world = self._world()
        with _emulator_errors():
            options = self._options(path, body.get("options") or {})
            handle = await self.emu.invoke(world.guild, channel, viewer.member, path, options, locale=viewer.locale)
        return web.json_response({"interaction": str(handle.id)})

    async def _autocomplete(self, request: web.Request) -> web.StreamResponse:
        body, viewer, channel, path = await self._command_request(request)
        world = self._world()
        with _emulator_errors():
            options = self._options(path, body.get("options") or {}, partial=True)
            options.pop(str(body.get("focused")), None)
            choices = await self.emu.autocomplete(
                world.guild,
                channel,
                viewer.member,
                path,
                str(body.get("focused")),
                str(body.get("value") or ""),
                options,
                locale=viewer.locale,
                timeout=4,
            )
        return web.json_response({"choices": choices})

    def _options(self, path: str, raw: Any, *, partial: bool = False) -> dict[str, Any]:
        """Page values (strings, ids, uploaded files) converted to what the registered option types need."""
        if not isinstance(raw, dict):
            raise _bad("options must be an object")
        leaf = find_command(self.emu, self._world().guild, path).leaf
        specs = {o["name"]: o for o in leaf.get("options") or []}
        out: dict[str, Any] = {}
        for name, value in raw.items():
            spec = specs.get(name)
            if spec is None or value in (None, ""):
                continue
            try:
                out[name] = self._option_value(spec, value)
            except (TypeError, ValueError):
                if not partial:
                    raise _bad(f"“{value}” is not a valid value for {name}") from None
        return out

    def _option_value(self, spec: dict[str, Any], value: Any) -> Any:
        kind = spec["type"]
        if kind == 4:
            return int(value)
        if kind == 10:
            return float(value)
        if kind == 5:
            return value in (True, "true", "True", "1")
        if kind in (6, 7, 8, 9):
            return int(value)
        if kind == 11:
            if not isinstance(value, dict):
                raise ValueError("attachment")
            data = base64.b64decode(str(value.get("data") or ""), validate=True)
            kind_of = str(value.get("content_type") or "application/octet-stream")
            return self.emu.make_attachment(str(value.get("filename") or "file"), data, kind_of)
        return str(value)

    async def _click(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        values = body.get("values")
        with _emulator_errors():
            handle = await self.emu.click(
                int(body.get("message") or 0),
                str(body.get("custom_id") or ""),
                viewer.member,
                values=list(values) if isinstance(values, list) else None,
                locale=viewer.locale,
            )
        return web.json_response({"interaction": str(handle.id)})

    async def _vote(self, request: web.Request) -> web.StreamResponse:
        """The persona votes for an answer of a poll, or takes their vote back (a click on their own answer)."""
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        channel = self._channel(body.get("channel"), viewer.member.id)
        message, answer = int(body.get("message") or 0), int(body.get("answer") or 0)
        with _emulator_errors():
            if viewer.member.id in self.emu.poll_voters(message, answer):
                await self.emu.unvote_poll(channel, message, viewer.member)
            else:
                await self.emu.vote_poll(channel, message, viewer.member, answer)
        self._push()
        return web.json_response({"ok": True})

    async def _react(self, request: web.Request) -> web.StreamResponse:
        """The persona adds the emoji to a message, or takes theirs back (a click on a reaction, as in Discord)."""
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        channel = self._channel(body.get("channel"), viewer.member.id)
        message, emoji = int(body.get("message") or 0), str(body.get("emoji") or "")
        with _emulator_errors():
            if viewer.member.id in self.emu.reaction_users(message, emoji):
                await self.emu.remove_user_reaction(channel, message, viewer.member, emoji)
            else:
                await self.emu.add_user_reaction(channel, message, viewer.member, emoji)
        self._push()
        return web.json_response({"ok": True})

    async def _apps(self, request: web.Request) -> web.StreamResponse:
        """The persona picks a message menu command (right-click → Apps) on a message."""
        body, viewer, channel, name = await self._command_request(request)
        world = self._world()
        with _emulator_errors():
            handle = await self.emu.invoke_message_command(
                world.guild, channel, viewer.member, name, int(body.get("message") or 0), locale=viewer.locale
            )
        return web.json_response({"interaction": str(handle.id)})

    async def _modal(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        viewer = self._persona_of(body.get("as"))
        rec = self.emu.interactions.get(int(body.get("interaction") or 0))
        if rec is None or rec.user_id != viewer.member.id or rec.callback_type != 9:
            raise _bad("that form is no longer open")
        self._modals_done.add(rec.id)
        if body.get("cancel"):
            self._push()
            return web.json_response({"interaction": None})
        values = body.get("values") or {}
        with _emulator_errors():
            handle = await self.emu.submit_modal(
                InteractionHandle(self.emu, rec),
                {str(k): str(v) for k, v in dict(values).items()},
                viewer.member,
                locale=viewer.locale,
            )
        return web.json_response({"interaction": str(handle.id)})

    async def _jump(self, request: web.Request) -> web.StreamResponse:
        body = await _json(request)
        try:
            now = await self.jump(str(body.get("jump")))
        except ValueError as exc:
            raise _bad(str(exc)) from None
        return web.json_response({"now": now.isoformat()})


def _visible_commands(
    emu: DiscordEmulator, world: DemoWorld, member: Member, *, command_type: int = 1
) -> list[views.JSON]:
    """The registered commands (guild ones first, like Discord) that this member's picker (or Apps menu) shows."""
    registered = [*emu.guild_commands.get(world.guild.id, []), *emu.global_commands]
    out: list[views.JSON] = []
    seen: set[str] = set()
    for command in registered:
        if command.get("type", 1) != command_type or command["name"] in seen:
            continue
        seen.add(command["name"])
        if command_allowed(emu, world.guild, member, command, world.general.id):
            out.append(command)
    return out


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only this page may drive the sandbox: no other site's scripts (CSRF) or rebound host names."""
    host = request.host.split(":")[0]
    if host not in ("127.0.0.1", "localhost"):
        raise web.HTTPForbidden(text="the sandbox answers only on 127.0.0.1")
    origin = request.headers.get("Origin")
    if origin is not None and origin not in (f"http://{request.host}",):
        raise web.HTTPForbidden(text="requests from other sites are refused")
    response: web.StreamResponse = await handler(request)
    return response


@contextlib.contextmanager
def _emulator_errors() -> Any:
    """What the Discord client would refuse (bad option, no permission) comes back as a 400 with a sentence."""
    try:
        yield
    except EmulatorError as exc:
        raise _bad(str(exc)) from None


def _bad(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=_dumps({"error": message}), content_type="application/json")


def _dumps(value: Any) -> str:
    return json.dumps(value)


async def _json(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise _bad("send JSON")
    try:
        body = await request.json()
    except ValueError:
        raise _bad("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad("the body must be a JSON object")
    return body


def _static_file(name: str) -> web.StreamResponse:
    suffix = Path(name).suffix
    item = STATIC / name
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES or not item.is_file():
        raise web.HTTPNotFound(text="no such file")
    return web.Response(
        body=item.read_bytes(),
        content_type=STATIC_TYPES[suffix],
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def _send_quietly(ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.send_json(payload)
