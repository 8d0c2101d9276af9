"""Route registry, request object, error type and response helpers for the REST emulation."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiMapping

from ..limits import Errors

if TYPE_CHECKING:
    from ..server import DiscordEmulator

JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    field: str
    filename: str
    content_type: str | None
    data: bytes

    @property
    def index(self) -> int | None:
        m = re.fullmatch(r"files\[(\d+)\]", self.field)
        return int(m.group(1)) if m else None


@dataclass
class Req:
    """A parsed API request handed to route handlers."""

    method: str
    path: str
    params: dict[str, str]
    query: MultiMapping[str]
    json: Any
    files: list[UploadedFile] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    raw_size: int = 0

    @property
    def where(self) -> str:
        return f"{self.method} {self.path}"

    def int_param(self, name: str) -> int:
        return int(self.params[name])

    def body(self) -> dict[str, Any]:
        """The JSON body as an object (400 if it is not one)."""
        if self.json is None:
            return {}
        if not isinstance(self.json, dict):
            raise ApiError(
                400, 50109, "The request body contains invalid JSON.", violation="body must be a JSON object"
            )
        return self.json

    def flag(self, name: str) -> bool:
        """A boolean query parameter (``with_response=1``, ``wait=true``)."""
        return self.query.get(name, "").lower() in ("1", "true")


class ApiError(Exception):
    """An error answer. ``violation`` (if set) is also recorded as a test-failing violation."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: dict[str, Any] | None = None,
        violation: str | Sequence[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.violations: list[str] = [violation] if isinstance(violation, str) else list(violation or [])

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            out["errors"] = self.errors
        return out


def raise_for(errs: Errors) -> None:
    """Turn collected field errors into a 400 Invalid Form Body (code 50035) with violations."""
    if errs:
        raise ApiError(400, 50035, "Invalid Form Body", errors=errs.tree(), violation=errs.describe())


def not_found(code: int, what: str) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def missing_permissions(detail: str) -> ApiError:
    err = ApiError(403, 50013, "Missing Permissions")
    err.detail = detail  # type: ignore[attr-defined]
    return err


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON with ``Content-Type: application/json`` exactly (discord.py compares it with ``==``)."""
    return web.Response(body=json.dumps(data).encode(), status=status, headers={**JSON_HEADERS, **(headers or {})})


def no_content() -> web.Response:
    return web.Response(status=204)


Handler = Callable[["DiscordEmulator", Req], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RouteDef:
    """One REST route. ``auth``: bot token required (interaction callbacks and webhooks have none)."""

    method: str
    template: str
    handler: Handler
    auth: bool
    major: str | None
    regex: re.Pattern[str]

    @property
    def bucket(self) -> str:
        return f"{self.method} {self.template}"


ROUTES: list[RouteDef] = []


def _compile(template: str) -> re.Pattern[str]:
    def placeholder(m: re.Match[str]) -> str:
        name = m.group(1)
        return f"(?P<{name}>\\d+)" if name.endswith("_id") else f"(?P<{name}>[^/]+)"

    pattern = re.sub(r"\\\{(\w+)\\\}", placeholder, re.escape(template))
    return re.compile(f"^{pattern}$")


def route(method: str, template: str, *, auth: bool = True, major: str | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for ``method template`` (``{name}`` placeholders)."""

    def deco(fn: Handler) -> Handler:
        if major is None:
            found = re.search(r"\{(channel_id|guild_id|webhook_id|interaction_id)\}", template)
            chosen = found.group(1) if found else None
        else:
            chosen = major
        ROUTES.append(RouteDef(method, template, fn, auth, chosen, _compile(template)))
        return fn

    return deco


def match_route(method: str, path: str) -> tuple[RouteDef | None, dict[str, str], bool]:
    """(route, params, path_known). ``path_known`` is True if the path exists with another method."""
    path_known = False
    for r in ROUTES:
        m = r.regex.match(path)
        if m is None:
            continue
        if r.method == method:
            return r, m.groupdict(), True
        path_known = True
    return None, {}, path_known
