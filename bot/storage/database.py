"""The SQLite connection: pragmas, numbered migrations and transactions.

One aiosqlite connection serves the whole process. Writes go through `transaction()`, which holds
an asyncio lock so that statements of concurrent coroutines never interleave inside a transaction.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Self

import aiosqlite

from bot.crypto import ContentCipher
from bot.storage.guard import describe_os_error

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000


class StorageError(Exception):
    """The database cannot be used (unreadable, newer than this program, failed migration)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The numbered `.sql` files shipped in bot/storage/migrations, in order, checked for gaps."""
    folder = resources.files("bot.storage").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StorageError(f"migration {migration.name} is out of sequence: expected number {expected:04d}")
    return found


class Database:
    """Owns the aiosqlite connection. Feature query mixins build on `read`, `read_one` and `transaction`."""

    def __init__(self, conn: aiosqlite.Connection, path: str, cipher: ContentCipher) -> None:
        self._conn = conn
        self.path = path
        self.cipher = cipher
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, data_key: bytes | None = None) -> Self:
        """Open (creating the parent folder), set the pragmas and apply pending migrations."""
        target = str(path)
        if target != ":memory:":
            try:
                Path(target).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(describe_os_error(exc, Path(target))) from None
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database at {target}: {exc}") from None
        conn.row_factory = sqlite3.Row
        db = cls(conn, target, ContentCipher(data_key))
        try:
            await db._configure()
            await db.migrate()
        except sqlite3.Error as exc:
            # Raised by the first statements: a read-only folder (no room for -wal/-shm), a full disk, a
            # file that is not a database. One sentence for the operator instead of a traceback.
            await conn.close()
            raise StorageError(f"cannot use the database at {target}: {exc}") from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        await self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path != ":memory:":
            await self._conn.execute("PRAGMA journal_mode = WAL")
        await self._conn.execute("PRAGMA synchronous = NORMAL")
        await self._conn.execute("PRAGMA foreign_keys = ON")

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        row = await self.read_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction; returns the new version."""
        migrations = load_migrations()
        current = await self.schema_version()
        latest = migrations[-1].version if migrations else 0
        if current > latest:
            raise StorageError(
                f"the database is at schema version {current}, newer than this program's {latest}: upgrade the bot"
            )
        pending = [m for m in migrations if m.version > current]
        if not pending:
            return current
        script = "BEGIN IMMEDIATE;\n"
        for migration in pending:
            script += migration.sql.rstrip().rstrip(";") + ";\n"
        # user_version cannot take a parameter; the value is an int we computed, not user input.
        script += f"PRAGMA user_version = {latest};\nCOMMIT;\n"
        async with self._write_lock:
            try:
                await self._conn.executescript(script)
            except sqlite3.Error as exc:
                if self._conn.in_transaction:
                    await self._conn.rollback()
                names = ", ".join(m.name for m in pending)
                raise StorageError(f"applying migrations {names} failed: {exc}") from None
        log.info("Database %s migrated from version %d to %d", self.path, current, latest)
        return latest

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception; one writer at a time."""
        async with self._write_lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.rollback()
                raise
            else:
                await self._conn.commit()

    async def read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        rows = await self._conn.execute_fetchall(sql, tuple(params))
        return list(rows)

    async def read_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def backup_to(self, target: Path) -> None:
        """A consistent online copy of the whole database (SQLite's backup API)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise StorageError(f"{target} already exists: choose a new file name for the backup")
        dest = sqlite3.connect(str(target))
        try:
            await self._conn.backup(dest)
        finally:
            dest.close()
