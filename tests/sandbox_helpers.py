"""Shared pieces of the sandbox tests: an in-process sandbox fixture and small API helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.content import ContentPack
from bot.sandbox.app import Sandbox
from bot.sandbox.clock import SandboxClock
from bot.sandbox.world import SCHEDULE_ZONE
from bot.timeutil import Clock, utcnow


def early_morning() -> Clock:
    """Real time moved on to the next 06:00 in the demo server's zone, running from there.

    The demo's daily post is at 09:00; a schedule set again after 09:00 posts today's question at once (a
    changed schedule never skips today), so a test started at 09:30 would see one post more than at 08:30.
    Starting every sandbox test at the same hour of the day makes the page's day the same whenever it runs.
    """
    now = utcnow()
    local = now.astimezone(ZoneInfo(SCHEDULE_ZONE))
    morning = datetime.combine(local.date() + timedelta(days=1), time(6, 0), ZoneInfo(SCHEDULE_ZONE))
    shift = morning - now
    return lambda: utcnow() + shift


@pytest.fixture
async def sandbox(content: ContentPack, tmp_path: Path) -> AsyncIterator[Sandbox]:
    """A started sandbox on a free port; fails the test on any Discord emulator violation."""
    box = Sandbox(content, tmp_path / "sandbox", clock=SandboxClock(early_morning()))
    await box.start(0)
    try:
        yield box
    finally:
        await box.stop()
    box.emu.assert_no_violations()


class Api:
    """The page's JSON API, as the page calls it."""

    def __init__(self, box: Sandbox, session: aiohttp.ClientSession) -> None:
        self.box = box
        self.session = session

    async def get(self, path: str, **query: Any) -> Any:
        async with self.session.get(self.box.url.rstrip("/") + path, params=query) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any], *, status: int = 200) -> Any:
        async with self.session.post(self.box.url.rstrip("/") + path, json=body) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def messages(self, channel: int, as_: int) -> list[dict[str, Any]]:
        data = await self.get("/api/messages", channel=str(channel), **{"as": str(as_)})
        return list(data["messages"])
