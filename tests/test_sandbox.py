"""`whiplash-bot sandbox` without a browser: its JSON API drives the real bot, and the CLI's bad-input lines."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox.app import Sandbox
from tests.harness import eventually
from tests.sandbox_helpers import Api, sandbox
from tests.test_cli import clean_env

__all__ = ["sandbox"]  # the fixture


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(sandbox, session)


def _ids(box: Sandbox) -> tuple[int, int, int, int, int]:
    world = box.world
    assert world is not None
    moderator, andrew, nicole, _mona = (p.id for p in world.personas)
    return world.general.id, world.daily.id, moderator, andrew, nicole


async def _embeds_after(api: Api, channel: int, viewer: int, count: int) -> list[dict[str, Any]]:
    async def enough() -> list[dict[str, Any]] | None:
        found = [m for m in await api.messages(channel, viewer) if m["embeds"] and not m["loading"]]
        return found if len(found) >= count else None

    result: list[dict[str, Any]] = await eventually(enough, timeout=10)
    return result


async def test_state_lists_the_demo_server_and_the_bots_real_commands(api: Api) -> None:
    _, _, moderator, andrew, _ = _ids(api.box)
    state = await api.get("/api/state", **{"as": str(andrew)})
    assert state["guild"]["name"] == "Whiplash Film Club"
    names = [c["name"] for c in state["channels"]]
    assert "general" in names and "daily-discussion" in names
    commands = {c["name"] for c in state["commands"]}
    assert {"film", "review", "discussion", "privacy"} <= commands
    assert "schedule" not in commands  # a member's picker hides moderator commands, like Discord's
    mod_state = await api.get("/api/state", **{"as": str(moderator)})
    assert "schedule" in {c["name"] for c in mod_state["commands"]}
    assert state["clock"]["next_post"] is not None  # the moderator's /schedule set ran at start
    assert [p["locale"] for p in state["personas"]] == ["en-US", "en-US", "de", "de"]


async def test_the_persona_panel_says_who_is_who_in_the_readers_language_without_locale_codes(api: Api) -> None:
    _, _, _, andrew, nicole = _ids(api.box)
    english = await api.get("/api/state", **{"as": str(andrew)})
    assert english["locale"] == "en-US"
    assert [p["label"] for p in english["personas"]] == [
        "Moderator · English",
        "Member · English",
        "Member · German",
        "Moderator · German",
    ]
    german = await api.get("/api/state", **{"as": str(nicole)})
    assert german["locale"] == "de"
    assert [p["label"] for p in german["personas"]] == [
        "Moderator · Englisch",
        "Mitglied · Englisch",
        "Mitglied · Deutsch",
        "Moderatorin · Deutsch",
    ]


async def test_film_info_through_the_api_answers_with_the_card_in_the_viewers_language(api: Api) -> None:
    general, _, _, andrew, nicole = _ids(api.box)
    await api.post("/api/commands", {"as": str(andrew), "channel": str(general), "command": "film info"})
    await api.post("/api/commands", {"as": str(nicole), "channel": str(general), "command": "film info"})
    cards = await _embeds_after(api, general, andrew, 2)
    fields = [{f["name"] for f in card["embeds"][0]["fields"]} for card in cards]
    assert "Main cast" in fields[0] and "Hauptbesetzung" in fields[1]
    assert cards[0]["interaction"] == {"user": "Andrew Neiman", "command": "film info"}


async def test_a_clock_jump_posts_the_daily_discussion_and_a_thread_reply_counts_in_stats(api: Api) -> None:
    general, daily, moderator, andrew, _ = _ids(api.box)
    await api.post("/api/clock", {"jump": "next"})
    posts = await _embeds_after(api, daily, andrew, 1)
    thread = posts[0]["thread"]
    assert thread is not None
    await api.post("/api/messages", {"as": str(andrew), "channel": thread["id"], "content": "Fletcher is **wrong**."})
    in_thread = await api.messages(int(thread["id"]), andrew)
    assert in_thread[0].get("starter") is True  # the thread opens with the post it started from
    assert in_thread[-1]["content"] == "Fletcher is **wrong**."

    # Gateway events reach the bot in order and /discussion stats flushes the reply logger first,
    # so the reply sent above is counted.
    await api.post("/api/commands", {"as": str(moderator), "channel": str(general), "command": "discussion stats"})
    cards = await _embeds_after(api, general, moderator, 1)
    assert cards[-1]["embeds"][0]["description"] == "1 daily question, 1 reply from 1 member."
    chart = cards[-1]["embeds"][0]["image"]["url"]
    async with api.session.get(api.box.url.rstrip("/") + chart) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert (await response.read()).startswith(b"\x89PNG")


async def test_after_the_pages_clock_jumps_the_next_daily_post_is_still_ahead(api: Api) -> None:
    """The sidebar's "Next daily post" after "+1 day" and "+1 week" (each jump passes a post time): the jump
    wakes the daily poster, which posts and moves the schedule on, before the page is told to refresh."""
    _, _, _, andrew, _ = _ids(api.box)
    for jump in ("day", "week"):
        await api.post("/api/clock", {"jump": jump})
        clock = (await api.get("/api/state", **{"as": str(andrew)}))["clock"]
        assert datetime.fromisoformat(clock["next_post"]) > datetime.fromisoformat(clock["now"]), (jump, clock)


async def test_a_button_click_goes_through_the_emulator_to_the_bot(api: Api) -> None:
    general, _, _, andrew, _ = _ids(api.box)
    await api.post("/api/commands", {"as": str(andrew), "channel": str(general), "command": "film fact"})
    first = (await _embeds_after(api, general, andrew, 1))[0]
    button = first["components"][0]["components"][0]
    await api.post("/api/click", {"as": str(andrew), "message": first["id"], "custom_id": button["custom_id"]})
    await _embeds_after(api, general, andrew, 2)


async def test_ephemeral_answers_are_seen_only_by_who_asked(api: Api) -> None:
    general, _, moderator, andrew, _ = _ids(api.box)
    await api.post("/api/commands", {"as": str(andrew), "channel": str(general), "command": "privacy status"})

    async def answered() -> list[dict[str, Any]]:
        return [m for m in await api.messages(general, andrew) if m["ephemeral"] and not m["loading"]]

    mine = await eventually(answered)
    assert mine[0]["content"] or mine[0]["embeds"]
    assert not [m for m in await api.messages(general, moderator) if m["ephemeral"]]


async def test_bad_requests_get_one_sentence_and_other_sites_are_refused(api: Api) -> None:
    general, _, _, andrew, _ = _ids(api.box)
    unknown = await api.post("/api/commands", {"as": "1", "channel": str(general), "command": "film info"}, status=400)
    assert unknown == {"error": "choose who you act as"}
    bad = await api.post(
        "/api/commands", {"as": str(andrew), "channel": str(general), "command": "film nonsense"}, status=400
    )
    assert "nonsense" in bad["error"]
    async with api.session.post(
        api.box.url + "api/clock", json={"jump": "day"}, headers={"Origin": "http://evil.example"}
    ) as response:
        assert response.status == 403
    state = await api.get("/api/state")
    assert state["clock"]["ahead_seconds"] == 0  # the refused jump did nothing


async def test_the_page_and_its_files_are_served(api: Api) -> None:
    async with api.session.get(api.box.url) as response:
        assert response.status == 200
        assert "<title>Whiplash sandbox</title>" in await response.text()
    for name in ("app.js", "app.css", "markdown.js"):
        async with api.session.get(api.box.url + "static/" + name) as response:
            assert response.status == 200
    async with api.session.get(api.box.url + "static/..%2F__init__.py") as response:
        assert response.status == 404


# ---- the command line --------------------------------------------------------------------------------

CLI = [sys.executable, "-m", "bot"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CLI, "sandbox", "--no-browser", "--port", str(port), "--data", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_env(),
            cwd=tmp_path,
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"whiplash-bot: port {port} on 127.0.0.1 is already in use; pick another with --port N"]


def test_a_bad_port_is_refused_by_the_parser(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "sandbox", "--port", "http"], capture_output=True, text=True, timeout=60, env=clean_env(), cwd=tmp_path
    )
    assert result.returncode == 2
    assert "'http' is not a port" in result.stderr


def test_the_sandbox_never_touches_the_production_database(tmp_path: Path) -> None:
    production = tmp_path / "prod" / "whiplash.db"
    env = {**clean_env(), "DATABASE_PATH": str(production), "DISCORD_TOKEN": "not.a.real.token"}
    data = tmp_path / "sandbox-data"
    process = subprocess.Popen(
        [*CLI, "sandbox", "--no-browser", "--port", str(_free_port()), "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("Sandbox ready at http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert (data / "sandbox.db").exists()
    assert not production.exists() and not production.parent.exists()


def test_data_that_would_reuse_the_production_database_is_refused(tmp_path: Path) -> None:
    env = {**clean_env(), "DATABASE_PATH": str(tmp_path / "sandbox.db")}
    result = subprocess.run(
        [*CLI, "sandbox", "--no-browser", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"whiplash-bot: --data {tmp_path} would reuse the production database {tmp_path / 'sandbox.db'}; "
        "choose another folder"
    ]


async def test_a_day_jump_wakes_the_privacy_purge_on_the_new_date(api: Api) -> None:
    bot = api.box.bot
    assert bot is not None
    purger = bot.services.purger
    runs = purger.runs
    before = api.box.clock()
    await api.post("/api/clock", {"jump": "day"})
    assert api.box.clock() - before >= timedelta(days=1)
    await eventually(lambda: purger.runs > runs)
    state = await api.get("/api/state")
    assert state["clock"]["ahead_seconds"] >= 86400
