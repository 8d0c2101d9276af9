"""PostgreSQL beside SQLite: one schema in two dialects, migrations, connection errors, and exactly once when
several processes (here: several pools, each with its own connections) share one database."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import ReplyDelete, ReplyRecord, Storage, StorageError, load_migrations, open_storage
from bot.storage.database import INTEGRITY_ERRORS
from bot.storage.postgres import PostgresStorage, to_dollar
from tests.backends import create_database
from tests.postgres import PostgresServer

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 21)
PROCESSES = 6


# ---- one schema, two dialects ----------------------------------------------------------------------------

# Tables only one side has: SQLite's FTS5 search index (in-process SQLite on PostgreSQL too) and its shadow
# tables; PostgreSQL's version row (SQLite keeps the version in PRAGMA user_version).
SQLITE_ONLY = ("excerpt_search",)
POSTGRES_ONLY = ("schema_version",)
# Integer columns holding Discord ids (snowflakes, 64 bits) or unix seconds are BIGINT on PostgreSQL.
BIGINT_NAMES = frozenset({"created_by", "next_run_at", "expires_at"})
TYPE_MAP = {"TEXT": "text", "BLOB": "bytea"}


def postgres_type(sqlite_type: str, column: str) -> str:
    """The declared mapping of SQLite's column types to PostgreSQL's."""
    if sqlite_type == "INTEGER":
        return "bigint" if column.endswith("_id") or column in BIGINT_NAMES else "integer"
    return TYPE_MAP[sqlite_type]


@dataclass(frozen=True)
class Table:
    columns: tuple[tuple[str, str, bool], ...]  # (name, PostgreSQL type, nullable), in declared order
    primary_key: tuple[str, ...]
    indexes: frozenset[tuple[tuple[str, ...], bool, bool]]  # (columns, unique, partial), PRIMARY KEY excluded
    foreign_keys: frozenset[tuple[tuple[str, ...], str, tuple[str, ...]]]
    checks: frozenset[tuple[str, ...]]  # each CHECK constraint by the columns it reads (sorted)


def sqlite_schema(path: Path) -> dict[str, Table]:
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            if not r[0].startswith(SQLITE_ONLY)
        ]
        tables = {}
        for name in names:
            info = conn.execute(f"PRAGMA table_info({name})").fetchall()
            # A PRIMARY KEY column cannot hold NULL on PostgreSQL; SQLite's table_info says notnull only if declared.
            columns = tuple((c[1], postgres_type(c[2], c[1]), not (c[3] or c[5])) for c in info)
            primary_key = tuple(c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5]))
            indexes = set()
            for index in conn.execute(f"PRAGMA index_list({name})").fetchall():
                _, index_name, unique, origin, partial = index
                if origin == "pk":
                    continue
                cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({index_name})"))
                indexes.add((cols, bool(unique), bool(partial)))
            fks = {((fk[3],), fk[2], (fk[4],)) for fk in conn.execute(f"PRAGMA foreign_key_list({name})").fetchall()}
            (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            checks = sqlite_checks(sql, {c[1] for c in info})
            tables[name] = Table(columns, primary_key, frozenset(indexes), frozenset(fks), checks)
        return tables
    finally:
        conn.close()


def sqlite_checks(create_table: str, columns: set[str]) -> frozenset[tuple[str, ...]]:
    """The CHECK constraints in an SQLite CREATE TABLE (ALTER TABLE ADD COLUMN appends to it), by the columns
    each reads: SQLite keeps no catalogue of them, and the two dialects word the same check differently."""
    found = set()
    for match in re.finditer(r"\bCHECK\s*\(", create_table, re.IGNORECASE):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(create_table[end], 0)
            end += 1
        expression = re.sub(r"'[^']*'", "", create_table[match.end() : end - 1])  # no words inside literals
        found.add(tuple(sorted({word for word in re.findall(r"[A-Za-z_]\w*", expression) if word in columns})))
    return frozenset(found)


async def postgres_schema(url: str) -> dict[str, Table]:
    conn = await asyncpg.connect(url)
    try:
        cols = await conn.fetch(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        )
        indexes = await conn.fetch(
            "SELECT t.relname AS table_name, i.indisprimary, i.indisunique, i.indpred IS NOT NULL AS partial, "
            "ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS columns "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace s ON s.oid = t.relnamespace "
            "WHERE s.nspname = 'public'"
        )
        fks = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS target, "
            "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey)) AS cols, "
            "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = c.confrelid AND attnum = ANY(c.confkey)) AS refs "
            "FROM pg_constraint c WHERE c.contype = 'f'"
        )
        checks = await conn.fetch(
            "SELECT c.conrelid::regclass::text AS table_name, ARRAY(SELECT attname FROM pg_attribute "
            "WHERE attrelid = c.conrelid AND attnum = ANY(c.conkey) ORDER BY attname) AS cols "
            "FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace "
            "WHERE c.contype = 'c' AND c.conrelid <> 0 AND s.nspname = 'public'"
        )
    finally:
        await conn.close()
    tables: dict[str, Table] = {}
    for name in sorted({r["table_name"] for r in cols} - set(POSTGRES_ONLY)):
        columns = tuple(
            (r["column_name"], r["data_type"], r["is_nullable"] == "YES") for r in cols if r["table_name"] == name
        )
        mine = [r for r in indexes if r["table_name"] == name]
        primary = next((tuple(r["columns"]) for r in mine if r["indisprimary"]), ())
        others = frozenset((tuple(r["columns"]), r["indisunique"], r["partial"]) for r in mine if not r["indisprimary"])
        foreign = frozenset((tuple(r["cols"]), r["target"], tuple(r["refs"])) for r in fks if r["table_name"] == name)
        checked = frozenset(tuple(r["cols"]) for r in checks if r["table_name"] == name)
        tables[name] = Table(columns, primary, others, foreign, checked)
    return tables


def test_every_sqlite_migration_has_a_postgresql_twin() -> None:
    """A migration added for SQLite must be ported (bot/storage/migrations/postgresql/, same number and name)."""
    sqlite_names = [m.name for m in load_migrations("sqlite")]
    postgres_names = [m.name for m in load_migrations("postgresql")]
    assert postgres_names == sqlite_names


async def test_both_dialects_end_at_the_same_schema(tmp_path: Path, pg_server: PostgresServer) -> None:
    async with await Storage.open(tmp_path / "bot.db"):
        pass
    url = await create_database(pg_server, template="template0")
    async with await open_storage(url) as storage:
        assert await storage.schema_version() == len(load_migrations("postgresql"))
    sqlite, postgres = sqlite_schema(tmp_path / "bot.db"), await postgres_schema(url)
    assert sorted(postgres) == sorted(sqlite)
    assert sum(len(table.checks) for table in sqlite.values()) >= 20  # the CHECK parser found them
    for name, table in sqlite.items():
        assert postgres[name] == table, name


# ---- migrations and the version check --------------------------------------------------------------------


async def test_a_newer_postgresql_database_is_refused_in_one_line(pg_server: PostgresServer) -> None:
    url = await create_database(pg_server)
    conn = await asyncpg.connect(url)
    await conn.execute("UPDATE schema_version SET version = 999")
    await conn.close()
    with pytest.raises(StorageError, match="newer than this program") as caught:
        await open_storage(url)
    assert "\n" not in str(caught.value)


async def test_processes_starting_together_migrate_once(pg_server: PostgresServer) -> None:
    url = await create_database(pg_server, template="template0")
    opened = await asyncio.gather(*(open_storage(url) for _ in range(4)))
    try:
        assert {await s.schema_version() for s in opened} == {len(load_migrations("postgresql"))}
    finally:
        for storage in opened:
            await storage.close()


# ---- bad DATABASE_URL: one line, no password ------------------------------------------------------------


async def test_a_wrong_password_is_one_line_without_the_password(pg_server: PostgresServer) -> None:
    url = pg_server.url("postgres", password="s3cret-wrong")
    with pytest.raises(StorageError) as caught:
        await open_storage(url)
    message = str(caught.value)
    assert "password" in message and "s3cret-wrong" not in message and "\n" not in message
    assert message.startswith("DATABASE_URL")


async def test_an_unreachable_server_is_one_line() -> None:
    with pytest.raises(StorageError, match=r"cannot reach PostgreSQL at postgresql://u@127\.0\.0\.1:1/db") as caught:
        await open_storage("postgresql://u:pw@127.0.0.1:1/db")
    assert "pw" not in str(caught.value).replace("PostgreSQL", "")


@pytest.mark.parametrize("url", ["postgresql://u@127.0.0.1:notaport/db", "mysql://u@localhost/db", "sqlite:///"])
async def test_a_malformed_url_is_one_line(url: str) -> None:
    with pytest.raises(StorageError, match="DATABASE_URL"):
        await open_storage(url)


def test_placeholders_become_numbered_outside_quotes() -> None:
    assert to_dollar("SELECT ? , '?', \"a?\" FROM t WHERE a = ? AND b = ?") == (
        "SELECT $1 , '?', \"a?\" FROM t WHERE a = $2 AND b = $3"
    )


# ---- exactly once across processes ----------------------------------------------------------------------


async def _processes(url: str, count: int = PROCESSES) -> list[Storage]:
    """`count` storages on one database, each with its own pool: what separate processes would hold."""
    return list(await asyncio.gather(*(open_storage(url) for _ in range(count))))


async def _close(storages: list[Storage]) -> None:
    for storage in storages:
        await storage.close()


async def test_a_day_raced_by_many_processes_is_claimed_once(pg_server: PostgresServer) -> None:
    storages = await _processes(await create_database(pg_server))
    try:
        for round_ in range(5):
            day = DAY + timedelta(days=round_)
            results = await asyncio.gather(
                *(s.discussion.claim_post(1, day, f"p{i}", 10, f"n{round_}-{i}", NOW) for i, s in enumerate(storages))
            )
            assert sum(created for _, created in results) == 1
            assert len({post.nonce for post, _ in results}) == 1  # every process sees the winner's claim
        numbers = sorted(p.number for p in await storages[0].discussion.recent_posts(1, 10))
        assert numbers == [1, 2, 3, 4, 5]
    finally:
        await _close(storages)


async def test_different_days_raced_by_many_processes_all_get_their_own_number(pg_server: PostgresServer) -> None:
    """MAX(number)+1 read by several processes at once picks one number twice: the loser claims again."""
    storages = await _processes(await create_database(pg_server))
    try:
        for round_ in range(3):
            results = await asyncio.gather(
                *(
                    s.discussion.claim_post(1, DAY + timedelta(days=round_ * PROCESSES + i), "p", 10, f"n{i}", NOW)
                    for i, s in enumerate(storages)
                )
            )
            assert all(created for _, created in results)
        numbers = sorted(p.number for p in await storages[0].discussion.recent_posts(1, 100))
        assert numbers == list(range(1, 3 * PROCESSES + 1))
    finally:
        await _close(storages)


def _reply(mid: int, *, content: str = "hello") -> ReplyRecord:
    return ReplyRecord(mid, 1, DAY, "p", 900, 900, 50, "andrew", NOW, None, content)


async def test_replies_delivered_to_two_processes_are_stored_once_without_deadlock(pg_server: PostgresServer) -> None:
    """Both processes get the same burst (in different orders): each reply once, no deadlock, no error."""
    first, second = storages = await _processes(await create_database(pg_server), 2)
    try:
        for round_ in range(4):
            ids = list(range(round_ * 1000 + 1, round_ * 1000 + 301))
            ops_one: list[Any] = [_reply(mid) for mid in ids] + [ReplyDelete(1, tuple(ids[:10]), NOW)]
            ops_two: list[Any] = [_reply(mid) for mid in reversed(ids)] + [ReplyDelete(1, tuple(ids[-10:]), NOW)]
            await asyncio.gather(first.replies.apply_reply_ops(ops_one), second.replies.apply_reply_ops(ops_two))
        assert await first.replies.count_replies(1, include_deleted=True) == 4 * 300
        assert await first.replies.count_replies(1) == 4 * 280
    finally:
        await _close(storages)


async def test_a_cancelled_transaction_leaves_nothing_behind(pg_server: PostgresServer) -> None:
    """Cancelled while a statement runs on the server: rolled back, and the next write works."""
    async with await open_storage(await create_database(pg_server)) as storage:
        assert isinstance(storage, PostgresStorage)
        started = asyncio.Event()

        async def slow_write() -> None:
            async with storage.transaction() as conn:
                await conn.execute(
                    "INSERT INTO optouts (guild_id, user_id, opted_out_at) VALUES (?, ?, ?)", (1, 7, "x")
                )
                started.set()
                await conn.execute("SELECT pg_sleep(30)")

        task = asyncio.create_task(slow_write())
        await started.wait()
        await asyncio.sleep(0.05)  # the pg_sleep is running on the server now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await storage.privacy.set_optout(1, 8, True, NOW)
        assert not await storage.discussion.is_opted_out(1, 7)
        assert await storage.discussion.is_opted_out(1, 8)


@pytest.mark.parametrize(
    ("row", "cause"),
    [((1, 7, "again"), asyncpg.UniqueViolationError), ((1, None, "x"), asyncpg.NotNullViolationError)],
    ids=["duplicate key", "null"],
)
async def test_a_row_postgresql_refuses_is_an_integrity_error_of_either_backend(
    pg_server: PostgresServer, row: tuple[Any, ...], cause: type[Exception]
) -> None:
    """The reply logger isolates a row the database refuses by INTEGRITY_ERRORS, which names no asyncpg class."""
    async with await open_storage(await create_database(pg_server)) as storage:
        await storage.privacy.set_optout(1, 7, True, NOW)
        with pytest.raises(INTEGRITY_ERRORS) as refused:
            async with storage.transaction() as conn:
                await conn.executemany("INSERT INTO optouts (guild_id, user_id, opted_out_at) VALUES (?, ?, ?)", [row])
        assert isinstance(refused.value.__cause__, cause)
        assert await storage.discussion.is_opted_out(1, 7)  # rolled back, the connection still works


async def test_scrub_after_a_deletion_vacuums_the_replies(
    pg_server: PostgresServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with await open_storage(await create_database(pg_server)) as storage:
        await storage.replies.apply_reply_ops([_reply(1), _reply(2)])
        await storage.privacy.forget_member(1, 50, before_id=10)
        await storage.scrub()
        assert "Could not VACUUM" not in caplog.text
        row = await storage.read_one("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'replies'")
        assert row is not None and row[0] is not None  # a VACUUM of its own, not autovacuum's


# ---- one process per shard ------------------------------------------------------------------------------


async def test_a_shard_is_run_by_one_process_at_a_time(pg_server: PostgresServer) -> None:
    from bot.storage.guard import InstanceError
    from bot.storage.postgres import ShardLease

    url = await create_database(pg_server)
    first = await ShardLease.acquire(url, 4, [0, 1])
    try:
        with pytest.raises(InstanceError, match="shard 1 is already run by another process") as caught:
            await ShardLease.acquire(url, 4, [1, 2])
        assert "\n" not in str(caught.value)
        other = await ShardLease.acquire(url, 4, [2, 3])  # the rest of the shards: fine
        with pytest.raises(InstanceError, match="SHARD_COUNT=4, not 8"):
            await ShardLease.acquire(url, 8, [5])
        await other.release()
    finally:
        await first.release()
    again = await ShardLease.acquire(url, 4, [1, 2])  # released (a killed process's session ends the same way)
    await again.release()


async def test_the_shard_lease_of_a_machine_that_vanished_ends_within_about_a_minute(pg_server: PostgresServer) -> None:
    """The lease ends when PostgreSQL notices its connection is dead. A killed process closes it at once; a
    machine that died or was cut off closes nothing, and by default the server only probes after two hours of
    silence (Linux's tcp_keepalive_time). The lease's session asks the server to probe it far sooner."""
    from bot.storage.postgres import ShardLease

    url = await create_database(pg_server)
    lease = await ShardLease.acquire(url, 2, [1])
    try:
        conn = lease._conn  # the lease's own session: its settings are visible to itself only
        idle, interval, count = [
            int(await conn.fetchval(f"SHOW {name}"))
            for name in ("tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count")
        ]
    finally:
        await lease.release()
    assert min(idle, interval, count) > 0 and idle + interval * count <= 90
