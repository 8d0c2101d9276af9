"""Shared pieces of the browser tests: Chromium via Playwright against the sandbox page.

Import the fixtures into a test module (`from tests.browser_helpers import chromium, page, sandbox`) and re-export
them in `__all__`. Screenshots go to artifacts/screenshots/ (git-ignored); with WHIPLASH_DOCS_SCREENSHOTS=1 the
README's are also written to docs/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.app import Sandbox
from tests.harness import eventually
from tests.sandbox_helpers import sandbox

__all__ = [
    "act_as",
    "answer_daily_posts",
    "chromium",
    "open_channel",
    "page",
    "reveal_spoilers",
    "run_command",
    "sandbox",
    "shot",
]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS = ROOT / "docs"
TIMEOUT_MS = 15_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
def chromium() -> Path:
    reason = _missing()
    if reason is not None:
        if os.environ.get("WHIPLASH_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and WHIPLASH_REQUIRE_SERVICES=1 requires the browser tests to run")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
async def page(chromium: Path, sandbox: Sandbox) -> AsyncIterator[Any]:
    """The sandbox page, loaded; fails the test on any script error in the page."""
    from playwright.async_api import async_playwright

    errors: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="Europe/Berlin")
            context.set_default_timeout(TIMEOUT_MS)
            tab = await context.new_page()
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            await tab.goto(sandbox.url)
            await tab.wait_for_selector("#loading", state="hidden")
            yield tab
        finally:
            await browser.close()
    assert not errors, f"script errors in the page: {errors}"


async def shot(page: Any, name: str, *, docs: bool = False) -> None:
    """Save a screenshot as a test artifact (and into docs/ when regenerating the README's)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(150)  # let images decode and the list scroll
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    if docs and os.environ.get("WHIPLASH_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(exist_ok=True)
        await page.screenshot(path=str(DOCS / f"sandbox-{name}.png"))


async def act_as(page: Any, name: str) -> None:
    await page.click(f"#personas .persona:has-text('{name}')")
    await page.wait_for_selector(f"#personas .persona.active:has-text('{name}')")


async def open_channel(page: Any, name: str) -> None:
    await page.click(f"#channels .channel:has-text('{name}')")
    await page.wait_for_function("n => document.querySelector('#channel-name').textContent === n", arg=name)


async def run_command(page: Any, typed: str, **options: str) -> None:
    """Type `/typed`, pick the first match, fill the options, send."""
    await page.fill("#composer", f"/{typed}")
    await page.wait_for_selector("#command-picker .pick[data-path]")
    await page.press("#composer", "Enter")
    await page.wait_for_selector("#command-form .cmd-name")
    for name, value in options.items():
        await page.fill(f"#command-form [name='{name}']", value)
    await page.click("#command-form .send")
    await page.wait_for_selector("#command-form", state="hidden")


async def reveal_spoilers(page: Any) -> None:
    """Click every spoiler, as a reader would before a screenshot."""
    hidden = page.locator(".spoiler:not(.revealed)")
    for _ in range(await hidden.count()):
        await hidden.first.click()


async def answer_daily_posts(sandbox: Sandbox, days: Sequence[Sequence[tuple[str, str]]]) -> None:
    """Jump the sandbox's clock to the next daily post once per entry of `days`, and post that day's answers
    (persona display name, text) in the post's thread through the page's API, as the page itself would."""
    world = sandbox.world
    assert world is not None
    people = {p.member.user.global_name or p.member.user.username: p.id for p in world.personas}
    reader = str(next(iter(people.values())))
    base = sandbox.url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        for day, answers in enumerate(days):
            async with session.post(f"{base}/api/clock", json={"jump": "next"}) as response:
                assert response.status == 200, await response.text()

            async def thread_of_post(day: int = day) -> str | None:
                query = {"channel": str(world.daily.id), "as": reader}
                async with session.get(f"{base}/api/messages", params=query) as response:
                    posts = [m for m in (await response.json())["messages"] if m.get("thread")]
                return str(posts[-1]["thread"]["id"]) if len(posts) > day else None

            thread = await eventually(thread_of_post, timeout=10)
            for who, text in answers:
                body = {"as": str(people[who]), "channel": thread, "content": text}
                async with session.post(f"{base}/api/messages", json=body) as response:
                    assert response.status == 200, await response.text()
