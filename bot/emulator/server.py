"""The :class:`DiscordEmulator`: an aiohttp server on 127.0.0.1 speaking Discord's REST v10 and gateway.

Typical fixture::

    emu = DiscordEmulator(token="test-token")
    await emu.start()
    discord.http.Route.BASE = emu.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(emu.gateway_url)
    ...
    await emu.stop()
    emu.assert_no_violations()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import traceback
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import BodyPartReader, web

from .core import EmulatorError
from .gateway import GatewayServer
from .inject import InjectionMixin
from .limits import DEFAULT_ATTACHMENT_LIMIT
from .models import JSON
from .recorder import FaultRule, RateLimiter, RecordedRequest, Recorder
from .rest import ApiError, Req, match_route
from .rest.base import UploadedFile, json_response
from .scheduled_events import ScheduledEventsMixin
from .snowflake import Clock

_log = logging.getLogger("bot.emulator.server")

API_PREFIX = "/api/v10"
GATEWAY_MESSAGE_CONTENT = 1 << 18
APPLICATION_COMMAND_BADGE = 1 << 23
GATEWAY_GUILD_MEMBERS = 1 << 14
GATEWAY_PRESENCE = 1 << 12


def http_date(moment: datetime) -> str:
    """An aware datetime as an HTTP date (RFC 7231 IMF-fixdate), e.g. ``Sat, 21 Nov 2026 07:00:00 GMT``."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


class DiscordEmulator(ScheduledEventsMixin, InjectionMixin):
    """A loopback Discord (REST v10 + gateway) for end-to-end tests of a real discord.py client.

    See the package docstring for the full API. Everything runs in the test's event loop.
    """

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
        """``clock`` returns an aware UTC datetime and drives snowflakes and timestamps (default: real time).

        ``*_intent_enabled`` are the Developer Portal toggles (a privileged intent requested while off → close
        4014). ``interaction_deadline`` is Discord's 3 s initial-response window. ``allow_member_requests``
        stops op 8 from being recorded as a violation.
        """
        super().__init__(
            token,
            message_content_enabled,
            clock,
            members_intent_enabled=members_intent_enabled,
            presences_intent_enabled=presences_intent_enabled,
            heartbeat_interval_ms=heartbeat_interval_ms,
            interaction_deadline=interaction_deadline,
            application_name=application_name,
            bot_username=bot_username,
            attachment_size_limit=attachment_size_limit,
            allow_member_requests=allow_member_requests,
        )
        self.gateway = GatewayServer(self)
        self.recorder = Recorder()
        self.limiter = RateLimiter()
        self.faults: list[FaultRule] = []
        self.latency: float = 0.0
        """Seconds of delay added to every REST request."""
        self.command_creates: dict[tuple[int, Any], int] = {}
        self.sync_count = 0
        self.typing_count = 0
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.on_response_prepare.append(self._stamp_date)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/gateway-resume", self.gateway.handle)
        app.router.add_route("*", "/api/{tail:.*}", self._api)
        app.router.add_get("/attachments/{scope}/{attachment_id}/{filename}", self._cdn)
        app.router.add_get("/ephemeral-attachments/{scope}/{attachment_id}/{filename}", self._cdn)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._port = int(port)
        self._base_url = f"http://127.0.0.1:{self._port}"
        self.watch_poll_expiry()

    async def stop(self) -> None:
        """Close gateway connections and the server; pending deadline timers are cancelled."""
        self.unwatch_poll_expiry()
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.gateway.shutdown()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise EmulatorError("the emulator is not started")
        return self._port

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway-resume"

    # -- gateway controls ------------------------------------------------------------------------------

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        """Wait until the bot identified and every GUILD_CREATE has been written to the socket."""
        await self.gateway.wait_until_ready(timeout)

    async def wait_until(self, predicate: Any, timeout: float = 5.0, what: str = "a condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked whenever emulator state changes)."""
        return await self.changed.wait_for(predicate, timeout, what)

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait_until(lambda: self.resume_count >= count, timeout, f"{count} RESUME(s)")

    async def wait_for_identify(self, count: int = 1, timeout: float = 10.0) -> None:
        await self.wait_until(lambda: self.identify_count >= count, timeout, f"{count} IDENTIFY(s)")

    async def close_gateway(self, code: int = 4000) -> None:
        """Close the bot's connection with ``code`` (4000 is resumable; 4004, 4010-4014 are fatal)."""
        await self.gateway.close(code)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT (the client reconnects and resumes)."""
        self.gateway.reconnect()
        await self.gateway.flush()

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; with ``resumable=False`` the session is gone and the bot re-identifies."""
        self.gateway.invalidate(resumable)
        await self.gateway.flush()

    # -- recorder and faults ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.recorder.requests

    def requests_matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests with ``method`` (or ``"*"``) whose path matches ``path_regex`` (re.search)."""
        return self.recorder.matching(method, path_regex)

    async def wait_for_request(
        self, method: str, path_regex: str, predicate: Any = None, timeout: float = 5.0, count: int = 1
    ) -> RecordedRequest:
        """Wait for the ``count``-th completed request matching method, path and ``predicate(req)``; return it."""
        return await self.recorder.wait_for(method, path_regex, predicate, timeout, count)

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        retry_after: float = 0.05,
        code: int | None = None,
        global_: bool = False,
        lose_response: bool = False,
    ) -> FaultRule:
        """Answer the next ``times`` matching requests with ``status`` (429 carries retry_after/global).

        With ``lose_response`` the request is carried out first and only its answer is replaced, like a
        5xx from a proxy after Discord already created the message.
        """
        rule = FaultRule(method, path_regex, status, times, retry_after, code, global_, lose_response=lose_response)
        self.faults.append(rule)
        return rule

    @property
    def global_rate_limit(self) -> int | None:
        """Requests per second allowed across bot routes (None: unlimited); beyond → 429 global."""
        return self.limiter.global_limit

    @global_rate_limit.setter
    def global_rate_limit(self, value: int | None) -> None:
        self.limiter.global_limit = value

    @property
    def route_rate_limit(self) -> tuple[int, float]:
        """(requests, window seconds) per route bucket and major parameter; default (50, 1.0)."""
        return self.limiter.route_limit, self.limiter.route_window

    @route_rate_limit.setter
    def route_rate_limit(self, value: tuple[int, float]) -> None:
        self.limiter.route_limit, self.limiter.route_window = value

    # -- application -----------------------------------------------------------------------------------

    @property
    def application_flags(self) -> int:
        flags = APPLICATION_COMMAND_BADGE
        if self.message_content_enabled:
            flags |= GATEWAY_MESSAGE_CONTENT
        if self.members_intent_enabled:
            flags |= GATEWAY_GUILD_MEMBERS
        if self.presences_intent_enabled:
            flags |= GATEWAY_PRESENCE
        return flags

    def application_payload(self) -> JSON:
        """GET /oauth2/applications/@me."""
        return {
            "id": str(self.application_id),
            "name": self.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": self.bot.to_payload(),
            "owner": self.owner.to_payload(),
            "team": None,
            "verify_key": self.verify_key,
            "flags": self.application_flags,
            "rpc_origins": [],
            "terms_of_service_url": None,
            "privacy_policy_url": None,
            "guild_id": None,
            "primary_sku_id": None,
            "slug": None,
            "cover_image": None,
            "tags": [],
            "install_params": None,
            "custom_install_url": None,
            "integration_types_config": {"0": {}},
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "event_webhooks_url": None,
            "event_webhooks_status": 1,
            "event_webhooks_types": [],
        }

    # -- HTTP plumbing ---------------------------------------------------------------------------------

    async def _stamp_date(self, request: web.Request, response: web.StreamResponse) -> None:
        """Every response's ``Date`` is the emulator's clock (RFC 7231), as Discord's is its own: the bot reads it."""
        response.headers["Date"] = http_date(self.clock())

    async def _read_body(self, request: web.Request) -> tuple[Any, list[UploadedFile], int, str | None]:
        """(json, files, size, problem)."""
        if request.content_type.startswith("multipart/"):
            payload: Any = None
            files: list[UploadedFile] = []
            size = 0
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    return None, files, size, "nested multipart bodies are not supported"
                data = await part.read(decode=False)
                size += len(data)
                name = part.name or ""
                if name == "payload_json":
                    try:
                        payload = json.loads(data)
                    except ValueError:
                        return None, files, size, "payload_json is not valid JSON"
                else:
                    files.append(
                        UploadedFile(
                            field=name,
                            filename=part.filename or "file",
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    )
            return payload, files, size, None
        raw = await request.read()
        if not raw:
            return None, [], 0, None
        if request.content_type != "application/json":
            return None, [], len(raw), f"body sent with Content-Type {request.content_type!r}"
        try:
            return json.loads(raw), [], len(raw), None
        except ValueError:
            return None, [], len(raw), "body is not valid JSON"

    async def _api(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        at = self.snowflakes.now()
        method = request.method
        full = request.path
        path = full[len(API_PREFIX) :] if full.startswith(API_PREFIX + "/") else full
        body, files, size, problem = await self._read_body(request)
        route = None
        response: web.StreamResponse
        resp_json: Any = None
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            self.expire_due_polls()  # Discord ends a poll at its expiry, whoever asks first
            if not full.startswith(API_PREFIX + "/"):
                raise ApiError(404, 0, "404: Not Found", violation=f"request outside {API_PREFIX}")
            if problem:
                raise ApiError(400, 50109, "The request body contains invalid JSON.", violation=problem)
            route, params, known = match_route(method, path)
            if route is None:
                if known:
                    raise ApiError(405, 0, "405: Method Not Allowed", violation="method not allowed on this route")
                raise ApiError(404, 0, "404: Not Found", violation="unknown route (the emulator does not serve it)")
            if route.auth:
                auth = request.headers.get("Authorization")
                if auth is None or not auth.startswith("Bot "):
                    raise ApiError(
                        401,
                        0,
                        "401: Unauthorized",
                        violation=f"bot route without 'Authorization: Bot <token>' (got {auth!r})",
                    )
                if auth != f"Bot {self.token}":
                    raise ApiError(401, 0, "401: Unauthorized")
            lost: FaultRule | None = None
            for rule in self.faults:
                if rule.matches(method, path):
                    rule.hits += 1
                    if rule.lose_response:
                        lost = rule
                        break
                    resp_json = rule.body()
                    response = json_response(resp_json, rule.status, {**rule.headers(), "Via": "1.1 google"})
                    return response
            if route.auth:
                wait = self.limiter.check_global()
                if wait is not None:
                    resp_json = {
                        "message": "You are being rate limited.",
                        "retry_after": round(wait, 3),
                        "global": True,
                    }
                    headers = {
                        "Retry-After": f"{wait:.3f}",
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                        "Via": "1.1 google",
                    }
                    response = json_response(resp_json, 429, headers)
                    return response
            major = params.get(route.major, "") if route.major else ""
            if route.major == "webhook_id":
                major = f"{major}:{params.get('webhook_token', '')}"
            if route.major == "interaction_id":
                major = f"{major}:{params.get('interaction_token', '')}"
            rl_headers, retry = self.limiter.take(route.bucket, major)
            rl_headers["Via"] = "1.1 google"
            if retry is not None:
                resp_json = {"message": "You are being rate limited.", "retry_after": round(retry, 3), "global": False}
                response = json_response(
                    resp_json, 429, {**rl_headers, "Retry-After": f"{retry:.3f}", "X-RateLimit-Scope": "user"}
                )
                return response
            req = Req(
                method=method,
                path=path,
                params=params,
                query=request.query,
                json=body,
                files=files,
                headers=dict(request.headers),
                raw_size=size,
            )
            response = await route.handler(self, req)
            if lost is not None:
                resp_json = lost.body()
                return json_response(resp_json, lost.status, {**lost.headers(), "Via": "1.1 google"})
            for k, v in rl_headers.items():
                response.headers[k] = v
            if isinstance(response, web.Response) and response.body is not None and response.status != 204:
                with contextlib.suppress(ValueError, TypeError):
                    resp_json = json.loads(bytes(response.body))  # type: ignore[arg-type]
            return response
        except ApiError as err:
            for v in err.violations:
                self.violation(f"{method} {path}: {v}")
            resp_json = err.body()
            response = json_response(resp_json, err.status, {"Via": "1.1 google"})
            return response
        except Exception:
            tb = traceback.format_exc()
            self.violation(f"{method} {path}: emulator internal error\n{tb}")
            resp_json = {"message": "Emulator internal error (see violations)", "code": 0}
            response = json_response(resp_json, 400, {"Via": "1.1 google"})
            return response
        finally:
            status = response.status if "response" in locals() else 0
            self.recorder.add(
                RecordedRequest(
                    method=method,
                    path=path,
                    query=dict(request.query),
                    json=body,
                    files=files,
                    headers=dict(request.headers),
                    status=status,
                    time=started,
                    at=at,
                    response=resp_json,
                    route=route.bucket if route is not None else None,
                )
            )

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        try:
            att = self.attachments.get(int(request.match_info["attachment_id"]))
        except ValueError:
            att = None
        if att is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=att.data, headers={"Content-Type": att.content_type or "application/octet-stream"})

    async def _unknown(self, request: web.Request) -> web.StreamResponse:
        self.violation(f"{request.method} {request.path}: request to an unknown path (not API, gateway or CDN)")
        return json_response({"message": "404: Not Found", "code": 0}, 404)
