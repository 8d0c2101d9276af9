"""The SQLite connection: pragmas, numbered migrations and transactions (the embedded default backend).

`bot.storage.postgres.PostgresDatabase` is the second backend: it overrides the few methods below that
talk to the connection (open, transaction, read, migrate …), and the feature stores run on either one.

One aiosqlite connection writes. Writes go through `transaction()`, which holds an asyncio lock so
that statements of concurrent coroutines never interleave inside a transaction, and which leaves the
connection outside any transaction whatever await it is cancelled at. Reads go through a second,
read-only connection (WAL lets it read while the writer writes), so they only ever see committed data.
The reply logger's batches have two connections of their own, under the same lock: `write_inline` on the
event loop's thread, and `write_parallel` in a writer thread (bot.storage.writer).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, Self

import aiosqlite

from bot.crypto import ContentCipher
from bot.storage.guard import describe_os_error
from bot.storage.writer import StatementWriter, WriterStopped

if TYPE_CHECKING:
    from typing import TypeAlias

    from bot.storage.postgres import PgConnection

    # What a transaction hands its body: aiosqlite's connection, or the PostgreSQL adapter with the same calls.
    Connection: TypeAlias = aiosqlite.Connection | PgConnection

log = logging.getLogger(__name__)

Dialect = Literal["sqlite", "postgresql"]
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
# Rows written inline (Database.write_inline) or in the writer thread (write_parallel) between two checkpoints
# of the write-ahead log, which run in aiosqlite's thread: a checkpoint ends in an fsync, which the event loop
# must not wait for.
CHECKPOINT_ROWS = 5000


def is_locked(exc: sqlite3.OperationalError) -> bool:
    """SQLite's answer when another connection holds the lock (SQLITE_BUSY, SQLITE_LOCKED): routine, not broken."""
    return "locked" in str(exc) or "busy" in str(exc)


class StorageError(Exception):
    """The database cannot be used (unreadable, newer than this program, failed migration)."""


class Row(Protocol):
    """A result row of either backend (sqlite3.Row, asyncpg.Record): by column name or position."""

    def __getitem__(self, key: Any, /) -> Any: ...


class RowRefused(Exception):
    """PostgreSQL refused a statement for its row (asyncpg's integrity or data error, kept as `__cause__`).

    The PostgreSQL backend raises this instead of asyncpg's classes, so that naming them here does not
    import asyncpg into a bot running on SQLite.
    """


# A statement refused for its row (a constraint, a value out of range), on either backend.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, sqlite3.DataError, RowRefused)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """The numbered `.sql` files of a dialect, in order, checked for gaps.

    SQLite's live in bot/storage/migrations (where they always were: existing databases count them by
    PRAGMA user_version), PostgreSQL's twins of the same numbers in bot/storage/migrations/postgresql.
    """
    folder = resources.files("bot.storage").joinpath("migrations")
    if dialect == "postgresql":
        folder = folder.joinpath("postgresql")
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

    dialect: Dialect = "sqlite"
    blob_keeps_text = True  # blob() returns text as it is: a caller with much text may skip the call

    def __init__(self, conn: aiosqlite.Connection, path: str, cipher: ContentCipher) -> None:
        self._conn = conn
        self._reader = conn  # until open() adds the read-only connection (an in-memory database keeps one)
        self.path = path
        self.cipher = cipher
        self._write_lock = asyncio.Lock()
        self._inline: sqlite3.Connection | None = None  # see write_inline
        self._writer: StatementWriter | None = None  # see write_parallel
        self._writer_stuck = False  # the writer thread did not take a job: write_parallel is off (see there)
        self._rows_since_checkpoint = 0  # written by write_inline or write_parallel since the last checkpoint
        self._checkpointing: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, path: Path | str, *, data_key: bytes | None = None) -> Self:
        """Open (creating the parent folder), set the pragmas and apply pending migrations."""
        return await cls._open(str(path), data_key)

    @classmethod
    async def _open(cls, target: str, data_key: bytes | None) -> Self:
        """The backend's own opening; `Storage.open` calls this, so a backend subclass overrides it."""
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
            await db._open_reader()
        except sqlite3.Error as exc:
            # Raised by the first statements: a read-only folder (no room for -wal/-shm), a full disk, a
            # file that is not a database. One sentence for the operator instead of a traceback.
            await db.close()
            raise StorageError(f"cannot use the database at {target}: {exc}") from None
        except BaseException:
            await db.close()
            raise
        return db

    async def _open_reader(self) -> None:
        """The connection reads use: it sees committed data only, never the writer's open transaction."""
        if self.path == ":memory:":
            return  # a second connection would be a different, empty database
        self._reader = await self._connect_reader()

    async def _connect_reader(self) -> aiosqlite.Connection:
        """A read-only connection to the file, with the bot's pragmas (the shared reader, or a stream's own)."""
        try:
            reader = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database at {self.path}: {exc}") from None
        reader.row_factory = sqlite3.Row
        try:
            await _connection_pragmas(reader)
            await reader.execute("PRAGMA query_only = 1")
        except BaseException:
            await reader.close()
            raise
        return reader

    async def _configure(self) -> None:
        await _connection_pragmas(self._conn)
        if self.path != ":memory:":
            await self._conn.execute("PRAGMA journal_mode = WAL")

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        if self._checkpointing is not None:
            await self._checkpointing
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        if self._reader is not self._conn:
            await self._reader.close()
        await self._conn.close()

    async def write_inline(self, work: Callable[[sqlite3.Connection], None]) -> bool:
        """Run `work` in one transaction on the event loop's own thread, if the file can be written right now.

        For the reply logger's batches that are not new replies only (those go to write_parallel), chunks of at
        most 1,000 rows (~10 ms). Measured with `python -m bench --only reply_logging` (bench/README §1):
        SQLite's work in aiosqlite's thread slowed the event loop by more than the work itself (the threads
        share the machine's cores and hand the GIL back and forth for every row), so the batch is done here,
        where it costs the loop just its own time. It never waits: when another connection holds the write lock
        (a backup, the sqlite3 shell, a second process) nothing is written and it returns False, and the
        caller takes `transaction()`, which waits in aiosqlite's thread. On an in-memory database (one
        connection only) it returns False too. Errors inside `work` roll back and propagate as usual. Every
        CHECKPOINT_ROWS rows, the write-ahead log is checkpointed in aiosqlite's thread.
        """
        if self.path == ":memory:":
            return False
        async with self._write_lock:
            conn = self._inline if self._inline is not None else self._open_inline()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if is_locked(exc):
                    return False
                raise
            before = conn.total_changes
            try:
                work(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._count_written(conn.total_changes - before)
        return True

    def _count_written(self, rows: int) -> None:
        """Rows written by write_inline or write_parallel: every CHECKPOINT_ROWS, a checkpoint in aiosqlite's thread."""
        self._rows_since_checkpoint += rows
        if self._rows_since_checkpoint >= CHECKPOINT_ROWS and self._checkpointing is None:
            self._rows_since_checkpoint = 0
            self._checkpointing = asyncio.get_running_loop().create_task(self._checkpoint())

    async def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database file, in aiosqlite's thread (PASSIVE: nobody waits)."""
        try:
            await self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as exc:
            log.warning("Checkpointing the database's write-ahead log failed (tried again later): %s", exc)
        finally:
            self._checkpointing = None

    async def write_parallel(self, sql: str, params: Sequence[Any], rows: int) -> bool:
        """Run one statement (its own transaction) in a writer thread while the event loop goes on; True once
        it has committed, False (nothing written) if it could not run there: the caller writes another way.

        For the reply logger's batches of new replies: one INSERT of up to 1,000 rows, whose SQLite work (the
        rows, their indexes, the COMMIT) runs on the machine's other core instead of the loop's
        (bot.storage.writer says how the GIL is handed over). False while another connection holds the write
        lock (it never waits for it, like write_inline), on an in-memory database, for more parameters than this
        SQLite binds in one statement (999 before 3.32), and once the thread has not taken a job. `rows` counts
        towards the next checkpoint of the write-ahead log. Errors of the statement propagate.
        """
        async with self._write_lock:
            writer = self.statement_writer()
            if writer is None or len(params) > writer.max_parameters:
                return False
            try:
                await writer.execute(sql, params)
            except WriterStopped:
                self._writer_stuck = True  # batches go inline from now on
                return False
            except sqlite3.OperationalError as exc:
                if is_locked(exc):
                    return False
                raise
            self._count_written(rows)
        return True

    def statement_writer(self) -> StatementWriter | None:
        """The writer thread of write_parallel, started if need be; None on an in-memory database or once stuck."""
        if self._writer is not None and self._writer.alive:
            return self._writer
        if self._writer_stuck or self.path == ":memory:":
            return None
        self._writer = StatementWriter(self._side_connection(check_same_thread=False))
        return self._writer

    def _open_inline(self) -> sqlite3.Connection:
        self._inline = self._side_connection()
        return self._inline

    def _side_connection(self, *, check_same_thread: bool = True) -> sqlite3.Connection:
        """A connection of the reply logger's batches (write_inline, write_parallel): never waits for a lock
        (the caller then takes transaction()), never checkpoints (_checkpoint does, in aiosqlite's thread, so
        nobody waits for its fsync)."""
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=0, check_same_thread=check_same_thread)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        conn.execute("PRAGMA busy_timeout = 0")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        return conn

    def inline_connection(self) -> sqlite3.Connection | None:
        """The connection write_inline uses, once opened (tests set fault pragmas on every connection)."""
        return self._inline

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
    async def transaction(self) -> AsyncIterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception; one writer at a time.

        Safe under cancellation at every await: a statement keeps running in aiosqlite's thread after its
        await is cancelled, so the rollback is queued behind it (ROLLBACK is a no-op if BEGIN never ran or
        COMMIT already did) and is itself run to the end before the cancellation goes on.
        """
        async with self._write_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                await self._conn.execute("COMMIT")
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        """ROLLBACK, queued behind any statement still running; waited for even through a cancellation."""
        cancelled = False
        while True:
            try:
                await self._conn.rollback()
            except asyncio.CancelledError:
                # The ROLLBACK still runs in aiosqlite's thread; the next one, queued behind it, says when.
                cancelled = True
                continue
            except Exception as exc:  # the original error is what the caller needs to see
                log.warning("Rolling back a transaction failed: %s", exc)
            break
        if cancelled:
            raise asyncio.CancelledError

    async def scrub(self) -> None:
        """Move the write-ahead log into the database file and empty it, so deleted text is gone from both.

        With secure_delete the database file holds no deleted text; the -wal file still holds the
        pages as they were before the delete until a checkpoint copies them over and truncates it.
        """
        async with self._write_lock:
            row = await (await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()
        if row is not None and row[0]:
            log.warning("The database's write-ahead log could not be emptied now (a reader was busy)")

    async def read(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        rows = await self._reader.execute_fetchall(sql, tuple(params))
        return list(rows)

    async def read_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of a one-row query, read in one step on the reader's thread.

        A statement that has started and not finished holds its connection's read transaction open, and every
        other read on that connection sees the same, older snapshot: a cursor kept open across an await (execute,
        then fetchone, then close) once made the poster reload a post it had just marked sent as still unsent.
        """
        rows = await self._reader.execute_fetchall(sql, tuple(params))
        for row in rows:
            return row
        return None

    async def stream(self, sql: str, params: Iterable[Any] = ()) -> AsyncIterator[Row]:
        """The rows of a long read one by one, without holding them all in memory (e.g. an export).

        On a connection of its own, closed when the stream ends: its open statement holds a read transaction
        for as long as the caller takes, and on the shared reader every other read would see that snapshot.
        """
        if self.path == ":memory:":  # one connection is the whole database
            async with self._reader.execute(sql, tuple(params)) as cursor:
                async for row in cursor:
                    yield row
            return
        conn = await self._connect_reader()
        try:
            async with conn.execute(sql, tuple(params)) as cursor:
                async for row in cursor:
                    yield row
        finally:
            await conn.close()

    def blob(self, value: str | bytes | None) -> str | bytes | None:
        """A value for a BLOB column: SQLite keeps text as text (PostgreSQL's BYTEA needs bytes)."""
        return value

    async def serialize(self, conn: Connection, scope: int, key: int) -> None:
        """Inside a transaction: wait until no other transaction holds (scope, key), and hold it to the end.

        Nothing to do on SQLite, where BEGIN IMMEDIATE already lets one writer in at a time, across processes.
        """

    async def search_index(self) -> Database:
        """The SQLite database holding the review search index (FTS5): this one; see PostgresDatabase."""
        return self

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


# The settings each connection needs for itself (journal_mode belongs to the file).
_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    # Deleted text is overwritten, not left in free pages (PRIVACY.md: forget leaves no trace).
    "PRAGMA secure_delete = ON",
)


async def _connection_pragmas(conn: aiosqlite.Connection) -> None:
    for pragma in _PRAGMAS:
        await conn.execute(pragma)
