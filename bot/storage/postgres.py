"""PostgreSQL as the storage backend, through asyncpg (DATABASE_URL=postgresql://…).

The feature stores keep one SQL text for both backends, written with `?` placeholders; `to_dollar` turns
them into PostgreSQL's `$1, $2 …` here, in one place. `PgConnection` gives a transaction's body the same
calls aiosqlite's connection has (`execute` awaited or used as `async with`, `executemany`, a cursor
with `rowcount`, `fetchone`, `fetchall`), so no store needs to know which backend it runs on.

Writes of one process go one transaction at a time (an asyncio lock, as on SQLite), so a store behaves the
same in-process on both backends; what several processes do at once is made safe where it can happen
(the day's claim, a reply stored twice, batches in key order). Reads use the pool, committed data only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import asyncpg

from bot.crypto import ContentCipher
from bot.storage.database import Database, Row, StorageError, load_migrations

if TYPE_CHECKING:
    from bot.storage.database import Connection

log = logging.getLogger(__name__)

POOL_SIZE = 4
CONNECT_TIMEOUT = 10.0
# Serialises migrations of several processes starting at once (pg_advisory_xact_lock takes a bigint).
MIGRATION_LOCK = 0x5748_4950_4C41_5348  # "WHIPLASH"
VERSION_TABLE = "schema_version"  # PostgreSQL's PRAGMA user_version: one row
_COUNT = re.compile(r"(\d+)$")


@functools.lru_cache(maxsize=1024)
def to_dollar(sql: str) -> str:
    """`?` placeholders to `$1, $2 …`, leaving any `?` inside a quoted literal or identifier alone."""
    out: list[str] = []
    number = 0
    quote: str | None = None
    for char in sql:
        if quote is not None:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def _returns_rows(sql: str) -> bool:
    text = sql.lstrip().upper()
    return text.startswith(("SELECT", "WITH", "VALUES")) or " RETURNING " in text


def _rowcount(status: str) -> int:
    """The row count of a command tag ("INSERT 0 1", "UPDATE 3", "DELETE 0"); -1 when it has none."""
    match = _COUNT.search(status or "")
    return int(match.group(1)) if match else -1


def describe_url(url: str) -> str:
    """The URL without its password, for messages an operator reads."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"
    except ValueError:
        return "the PostgreSQL URL"


class PgCursor:
    """The result of one statement: its rows (SELECT or RETURNING) and how many rows it touched."""

    lastrowid = None  # PostgreSQL has none: the stores use RETURNING

    def __init__(self, rows: Sequence[Row], rowcount: int) -> None:
        self._rows = list(rows)
        self._next = 0
        self.rowcount = rowcount

    async def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[Row]:
        rest = self._rows[self._next :]
        self._next = len(self._rows)
        return rest

    def __aiter__(self) -> AsyncIterator[Row]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Row]:
        while (row := await self.fetchone()) is not None:
            yield row


class _Statement:
    """`await conn.execute(…)` and `async with conn.execute(…) as cursor`, as aiosqlite allows both."""

    def __init__(self, run: Any) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, PgCursor]:
        result: PgCursor = yield from self._run.__await__()
        return result

    async def __aenter__(self) -> PgCursor:
        result: PgCursor = await self._run
        return result

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """One pooled asyncpg connection inside a transaction, with aiosqlite's calls."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Statement:
        return _Statement(self._execute(sql, tuple(parameters)))

    async def _execute(self, sql: str, params: tuple[Any, ...]) -> PgCursor:
        query = to_dollar(sql)
        if _returns_rows(sql):
            rows = await self._conn.fetch(query, *params)
            return PgCursor(rows, len(rows))
        status = await self._conn.execute(query, *params)
        return PgCursor([], _rowcount(status))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self._conn.executemany(to_dollar(sql), batch)

    @property
    def raw(self) -> Any:
        """The asyncpg connection (COPY in migrate-to-postgres, schema reads in tests)."""
        return self._conn


def _connect_problem(url: str, exc: BaseException) -> str:
    """One line for the operator: which server, and what went wrong, never the password."""
    where = describe_url(url)
    if isinstance(exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError):
        return f"DATABASE_URL: PostgreSQL at {where} refused the user name or password: {exc}"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"DATABASE_URL: {exc} at {where}: create it first (createdb)"
    if isinstance(exc, TimeoutError):
        return f"DATABASE_URL: PostgreSQL at {where} did not answer within {CONNECT_TIMEOUT:.0f} s"
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        return f"DATABASE_URL: cannot reach PostgreSQL at {where}: {reason}"
    if isinstance(exc, ValueError | asyncpg.ClientConfigurationError):
        return f"DATABASE_URL is not a valid PostgreSQL URL ({where}): {exc}"
    return f"DATABASE_URL: cannot use PostgreSQL at {where}: {exc}"


async def create_pool(url: str, *, size: int = POOL_SIZE) -> Any:
    """An asyncpg pool on `url`, or StorageError with one line saying why not."""
    try:
        return await asyncpg.create_pool(url, min_size=1, max_size=size, timeout=CONNECT_TIMEOUT, command_timeout=60)
    except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise StorageError(_connect_problem(url, exc)) from None


class PostgresDatabase(Database):
    """The Database calls on a PostgreSQL pool; everything above them (the stores) is shared with SQLite."""

    dialect = "postgresql"

    def __init__(self, pool: Any, url: str, cipher: ContentCipher) -> None:
        self._pool = pool
        self.path = describe_url(url)
        self.url = url
        self.cipher = cipher
        self._write_lock = asyncio.Lock()
        self._search: Database | None = None
        self._search_lock = asyncio.Lock()

    @classmethod
    async def _open(cls, target: str, data_key: bytes | None) -> Self:
        pool = await create_pool(target)
        db = cls(pool, target, ContentCipher(data_key))
        try:
            await db.migrate()
        except asyncpg.PostgresError as exc:
            await db.close()
            raise StorageError(f"cannot use the database at {db.path}: {exc}") from None
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        if self._search is not None:
            await self._search.close()
            self._search = None
        await self._pool.close()

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await read_version(conn)

    async def migrate(self) -> int:
        """Apply every pending migration in one transaction, one process at a time; returns the new version."""
        migrations = load_migrations("postgresql")
        latest = migrations[-1].version if migrations else 0
        async with self._write_lock, self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = await read_version(conn)
            if current > latest:
                raise StorageError(
                    f"the database is at schema version {current}, newer than this program's {latest}: upgrade the bot"
                )
            pending = [m for m in migrations if m.version > current]
            if not pending:
                return current
            for migration in pending:
                try:
                    await conn.execute(migration.sql)
                except asyncpg.PostgresError as exc:
                    raise StorageError(f"applying migration postgresql/{migration.name} failed: {exc}") from None
            await conn.execute("DELETE FROM schema_version")
            await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", latest)
        log.info("Database %s migrated from version %d to %d", self.path, current, latest)
        return latest

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """BEGIN … COMMIT on a pooled connection, rolled back on any exception; one writer of this process at a time.

        Cancellation at any await leaves no transaction open: asyncpg's transaction rolls back on the way out,
        a statement still running is cancelled on the server first, and the pool's release (shielded from the
        cancellation) rolls back whatever a cancelled COMMIT left, before the connection is used again.
        """
        async with self._write_lock, self._pool.acquire() as conn, conn.transaction():
            yield PgConnection(conn)

    async def read(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        rows: list[Row] = await self._pool.fetch(to_dollar(sql), *params)
        return rows

    async def read_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        row: Row | None = await self._pool.fetchrow(to_dollar(sql), *params)
        return row

    async def stream(self, sql: str, params: Iterable[Any] = ()) -> AsyncIterator[Row]:
        """A server-side cursor in a read-only transaction, 500 rows per round trip."""
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            async for row in conn.cursor(to_dollar(sql), *params, prefetch=500):
                yield row

    async def serialize(self, conn: Connection, scope: int, key: int) -> None:
        """A transaction-scoped advisory lock: processes doing the same (scope, key) take turns."""
        await conn.execute("SELECT pg_advisory_xact_lock(?, ?)", (scope, key % 2**31))

    def blob(self, value: str | bytes | None) -> str | bytes | None:
        """BYTEA takes bytes: plain text goes in UTF-8 encoded (the cipher reads both back as text)."""
        return value.encode("utf-8") if isinstance(value, str) else value

    async def search_index(self) -> Database:
        """The review search stays SQLite FTS5, in memory: it indexes the shipped content pack only."""
        async with self._search_lock:
            if self._search is None:
                self._search = await Database.open(":memory:")
            return self._search

    async def scrub(self) -> None:
        """After a deletion for privacy: VACUUM the replies at once instead of waiting for autovacuum.

        It removes the deleted row versions from the table's pages for reuse; unlike SQLite's secure_delete
        it does not promise the bytes are overwritten at once (PRIVACY.md says so).
        """
        try:
            await self._pool.execute("VACUUM replies")
        except asyncpg.PostgresError as exc:
            log.warning("Could not VACUUM the replies after a deletion: %s", exc)

    async def backup_to(self, target: Any) -> None:
        raise StorageError(
            "backup works on the SQLite database only: for PostgreSQL use pg_dump (e.g. pg_dump -Fc -f FILE URL)"
        )


async def read_version(conn: Any) -> int:
    """The schema version recorded in a PostgreSQL database (0: none yet)."""
    exists = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", VERSION_TABLE)
    if not exists:
        return 0
    value = await conn.fetchval("SELECT MAX(version) FROM schema_version")
    return int(value or 0)


SHARD_LOCK = 0x5753  # advisory lock scope: one lock per shard id
SHARD_COUNT_LOCK = 0x5743  # advisory lock scope: the SHARD_COUNT every process must share


class ShardLease:
    """The shards this process runs on a PostgreSQL database, held with session advisory locks.

    PostgreSQL's side of "one instance per shard" (SQLite's is guard.InstanceLock): the locks live on a
    connection of their own, kept open while the bot runs, and go when it closes, also when the process is
    killed (the server ends the session). A second process asking for a shard already held, or running with
    a different SHARD_COUNT, is refused with one line.
    """

    def __init__(self, conn: Any, shard_ids: tuple[int, ...]) -> None:
        self._conn = conn
        self.shard_ids = shard_ids

    @classmethod
    async def acquire(cls, url: str, shard_count: int, shard_ids: Iterable[int]) -> ShardLease:
        """Take every shard of `shard_ids` (of `shard_count`), or raise InstanceError (or StorageError)."""
        from bot.storage.guard import InstanceError

        try:
            conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(_connect_problem(url, exc)) from None
        wanted = tuple(sorted(set(shard_ids)))
        try:
            await conn.execute("SELECT pg_advisory_lock_shared($1, $2)", SHARD_COUNT_LOCK, shard_count)
            others = await conn.fetch(
                "SELECT DISTINCT objid::bigint AS count FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 "
                "AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                SHARD_COUNT_LOCK,
            )
            counts = sorted({int(r["count"]) for r in others} - {shard_count})
            if counts:
                raise InstanceError(
                    f"another process runs this database with SHARD_COUNT={counts[0]}, not {shard_count}: "
                    "every process must use the same SHARD_COUNT"
                )
            for shard in wanted:  # in order, so two processes asking for overlapping ranges cannot deadlock
                if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SHARD_LOCK, shard):
                    raise InstanceError(
                        f"shard {shard} is already run by another process on this database: "
                        "give each process its own SHARD_IDS"
                    )
        except BaseException:
            await conn.close()
            raise
        return cls(conn, wanted)

    async def release(self) -> None:
        """Give the shards up (closing the connection drops its locks)."""
        await self._conn.close()


def is_postgres_url(value: str) -> bool:
    """Whether a DATABASE_URL names PostgreSQL (postgresql:// or postgres://)."""
    return value.startswith(("postgresql://", "postgres://"))
