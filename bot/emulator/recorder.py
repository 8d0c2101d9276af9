"""Request recording, fault injection and rate limiting for the REST side."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from .core import Notifier
from .rest.base import UploadedFile


@dataclass
class RecordedRequest:
    """One REST request as the emulator saw it, with the status it answered."""

    method: str
    path: str
    """Path below the API base, e.g. ``/channels/123/messages``."""
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    status: int
    time: float
    """``time.monotonic()`` when the request arrived."""
    at: dt.datetime
    """The emulator clock when the request arrived."""
    response: Any = None
    route: str | None = None
    """The matched route template (``POST /channels/{channel_id}/messages``) or None."""

    def matches(self, method: str, path_regex: str) -> bool:
        return (method in ("*", self.method)) and re.search(path_regex, self.path) is not None


@dataclass
class FaultRule:
    """An injected failure (see :meth:`DiscordEmulator.fail`)."""

    method: str
    path_regex: str
    status: int
    times: int
    retry_after: float
    code: int | None
    global_: bool
    hits: int = 0
    lose_response: bool = False
    """Handle the request for real, then answer with the failure: the response "got lost" on the way back."""

    @property
    def remaining(self) -> int:
        return self.times - self.hits

    def matches(self, method: str, path: str) -> bool:
        return self.remaining > 0 and method in (self.method, "*") and re.search(self.path_regex, path) is not None

    def body(self) -> dict[str, Any]:
        if self.status == 429:
            out: dict[str, Any] = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.global_,
            }
            if self.code is not None:
                out["code"] = self.code
            return out
        defaults = {403: (50013, "Missing Permissions"), 404: (0, "404: Not Found"), 401: (0, "401: Unauthorized")}
        code, message = defaults.get(self.status, (0, f"{self.status}: Injected failure"))
        return {"message": message, "code": self.code if self.code is not None else code}

    def headers(self) -> dict[str, str]:
        if self.status != 429:
            return {}
        headers = {"Retry-After": f"{self.retry_after}", "X-RateLimit-Scope": "global" if self.global_ else "user"}
        if self.global_:
            headers["X-RateLimit-Global"] = "true"
        return headers


class Recorder:
    """Keeps :class:`RecordedRequest` objects and lets tests wait for them."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.changed = Notifier()

    def add(self, req: RecordedRequest) -> None:
        self.requests.append(req)
        self.changed.notify()

    def matching(self, method: str, path_regex: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, path_regex)]

    async def wait_for(
        self,
        method: str,
        path_regex: str,
        predicate: Any = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> RecordedRequest:
        def found() -> RecordedRequest | None:
            hits = [r for r in self.matching(method, path_regex) if predicate is None or predicate(r)]
            return hits[count - 1] if len(hits) >= count else None

        return await self.changed.wait_for(found, timeout, f"{count} request(s) {method} {path_regex}")


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass
class RateLimiter:
    """Per-route buckets (with Discord-like headers) and an optional global requests-per-second limit."""

    route_limit: int = 50
    route_window: float = 1.0
    global_limit: int | None = None
    _windows: dict[str, _Window] = field(default_factory=dict)
    _global: deque[float] = field(default_factory=deque)
    global_hits: int = 0
    route_hits: int = 0

    @staticmethod
    def bucket_hash(bucket: str) -> str:
        return hashlib.sha1(bucket.encode(), usedforsecurity=False).hexdigest()[:16]

    def check_global(self) -> float | None:
        """None if allowed, else seconds until a slot frees up."""
        if not self.global_limit:
            return None
        now = time.monotonic()
        while self._global and now - self._global[0] >= 1.0:
            self._global.popleft()
        if len(self._global) >= self.global_limit:
            self.global_hits += 1
            return max(0.001, 1.0 - (now - self._global[0]))
        self._global.append(now)
        return None

    def take(self, bucket: str, major: str) -> tuple[dict[str, str], float | None]:
        """Consume one request of ``bucket``/``major``: (headers, retry_after if exhausted)."""
        now = time.monotonic()
        key = f"{bucket}:{major}"
        window = self._windows.get(key)
        if window is None or now - window.started >= self.route_window:
            window = self._windows[key] = _Window(started=now)
        reset_after = max(0.0, self.route_window - (now - window.started))
        retry = None
        if window.used >= self.route_limit:
            retry = max(0.001, reset_after)
            self.route_hits += 1
        else:
            window.used += 1
        remaining = max(0, self.route_limit - window.used)
        headers = {
            "X-RateLimit-Limit": str(self.route_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{math.ceil(reset_after * 1000) / 1000:.3f}",
            "X-RateLimit-Bucket": self.bucket_hash(bucket),
        }
        return headers, retry
