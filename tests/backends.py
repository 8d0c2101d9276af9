"""Run a test against both storage backends: SQLite files in tmp_path, and databases in a throwaway PostgreSQL.

The `backend` fixture (tests/conftest.py) is parametrized "sqlite" / "postgresql". While it is active,
`open_db(path)` and the harness's `run_bot` route a database path to that backend: on PostgreSQL each
distinct path gets its own fresh database (copied from a migrated template), and the same path gives the
same database again, so a test that restarts the bot on `tmp_path / "bot.db"` restarts it on one database.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage import Storage, open_storage
from bot.storage.postgres import PostgresStorage
from tests.postgres import PostgresServer

TEMPLATE = "whiplash_template"


@dataclass
class Backend:
    """The backend of the running test; `target(path)` is what `open_storage` gets for a database path."""

    name: str
    server: PostgresServer | None = None
    _databases: dict[Path, str] = field(default_factory=dict)

    async def target(self, path: Path | str) -> Path | str:
        if self.server is None:
            return path
        key = Path(path)
        if key not in self._databases:
            self._databases[key] = await create_database(self.server)
        return self._databases[key]

    async def open(self, path: Path | str, **options: Any) -> Storage:
        return await open_storage(await self.target(path), **options)


_current: Backend = Backend("sqlite")


def use(backend: Backend | None) -> None:
    """Make `backend` the one `open_db` and `run_bot` use (None: back to SQLite)."""
    global _current
    _current = backend or Backend("sqlite")


def current() -> Backend:
    return _current


async def open_db(path: Path | str, **options: Any) -> Storage:
    """`Storage.open(path)` on the current test's backend."""
    return await _current.open(path, **options)


async def create_database(server: PostgresServer, *, template: str = TEMPLATE) -> str:
    """A new database (a copy of `template`: migrated and empty; template0: nothing in it); returns its URL."""
    name = server.next_name()
    conn = await asyncpg.connect(server.url("postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return server.url(name)


def prepare_template(server: PostgresServer) -> None:
    """The migrated, empty database every test database is copied from (once per session)."""

    async def build() -> None:
        conn = await asyncpg.connect(server.url("postgres"))
        try:
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        storage = await PostgresStorage.open(server.url(TEMPLATE))
        await storage.close()

    asyncio.run(build())
