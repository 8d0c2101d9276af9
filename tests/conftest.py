"""Shared fixtures: the network guard, the content pack, the emulator and a small world in it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.content import ContentPack, default_content_dir, load_content
from bot.emulator import DiscordEmulator, netguard
from bot.timeutil import Clock
from tests import backends
from tests.harness import TOKEN, FakeClock
from tests.postgres import PostgresServer, running_server, services_required

MANAGE_GUILD = 1 << 5


@pytest.fixture(autouse=True)
def _network_guard() -> Iterator[None]:
    """Any connection to a non-loopback address fails the test."""
    with netguard.guard():
        yield


@pytest.fixture(scope="session")
def content() -> ContentPack:
    return load_content(default_content_dir())


@pytest.fixture
async def emu(clock: Clock) -> AsyncIterator[DiscordEmulator]:
    """The emulator on the test's `clock`, which `run_bot` gives the bot too: one time for both sides."""
    emulator = DiscordEmulator(token=TOKEN, clock=clock)
    # The test bot skips discord.py's 5 s pause before a re-IDENTIFY, so Discord's max_concurrency window
    # would only make it spin on Invalid Sessions; the sharding tests turn the window back on.
    emulator.identify_window = 0.0
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()
    emulator.assert_no_violations()


@dataclass
class World:
    """One server with a discussion channel, a member and a moderator."""

    guild: Any
    channel: Any
    member: Any
    moderator: Any
    mod_role: Any


@pytest.fixture
def world(emu: DiscordEmulator) -> World:
    guild = emu.add_guild("Shaffer Conservatory")
    channel = emu.add_text_channel(guild, "studio-band")
    mod_role = emu.add_role(guild, "Conductors", permissions=MANAGE_GUILD)
    member = emu.add_member(guild, "andrew")
    moderator = emu.add_member(guild, "fletcher", roles=[mod_role])
    return World(guild, channel, member, moderator, mod_role)


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock (a module whose bot runs in a subprocess overrides it with the real one)."""
    return FakeClock()


# ---- storage backends ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL for the whole session (tests/postgres.py), with a migrated template database.

    Not installed: the PostgreSQL tests skip with one line, except under WHIPLASH_REQUIRE_SERVICES=1 (CI).
    """
    try:
        with running_server() as server:
            backends.prepare_template(server)
            yield server
    except (FileNotFoundError, RuntimeError) as exc:
        if services_required():
            pytest.fail(f"PostgreSQL is required here (WHIPLASH_REQUIRE_SERVICES=1): {exc}")
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[backends.Backend]:
    """Runs the test once per storage backend; `tests.backends.open_db` and `run_bot` follow it."""
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    chosen = backends.Backend(request.param, server)
    backends.use(chosen)
    try:
        yield chosen
    finally:
        backends.use(None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked sqlite_only in a module that runs on both backends keeps only its SQLite run."""
    dropped = [
        item
        for item in items
        if item.get_closest_marker("sqlite_only") is not None
        and getattr(getattr(item, "callspec", None), "params", {}).get("backend") == "postgresql"
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A loopback port standing in for Discord (or a database): any connection to it waits in its backlog, to be
    counted."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        yield sock
