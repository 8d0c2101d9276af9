"""`whiplash-bot migrate-to-postgres URL`: copy an SQLite database into an empty PostgreSQL database, verified.

The copy runs in one PostgreSQL transaction: either every row of every table arrives and the check passes,
or nothing is left behind. The check compares each table's row count and a sample of rows (spread over the
table in key order) read back from PostgreSQL with the SQLite originals. The SQLite file is only read.
Reply content is copied as stored: encrypted replies stay encrypted, so DATA_KEY must stay the same.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.content_state import INDEX_HASH_KEY
from bot.storage.database import StorageError, load_migrations
from bot.storage.postgres import PostgresDatabase, create_pool
from bot.storage.urls import describe_url

log = logging.getLogger(__name__)

CHUNK = 5000  # rows per COPY
SAMPLE = 200  # rows compared per table, spread over it
# Not copied: the search index is rebuilt from the content pack (in memory on PostgreSQL), and its hash with it.
SKIPPED_META = (INDEX_HASH_KEY,)
VERSION_TABLE = "schema_version"


@dataclass(frozen=True, slots=True)
class TransferReport:
    tables: dict[str, int]  # rows copied per table
    sampled: int  # rows compared one by one

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


class TransferError(StorageError):
    """The target is not empty, or the copy did not verify; one line."""


async def target_problem(url: str) -> str | None:
    """Why the database at `url` cannot take the copy (not empty), or None. Connection problems raise StorageError."""
    pool = await create_pool(url, size=1)
    try:
        async with pool.acquire() as conn:
            tables = [
                r["table_name"]
                for r in await conn.fetch(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                    "AND table_type = 'BASE TABLE' ORDER BY table_name"
                )
            ]
            ours = schema_tables()
            for table in tables:
                if table == VERSION_TABLE:
                    continue
                if table not in ours:
                    return f"the database at {describe_url(url)} is not empty (it has a table {table!r}): use a new one"
                count = await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - a name read from the catalog
                if count:
                    return (
                        f"the database at {describe_url(url)} is not empty (table {table} has "
                        f"{count} row{'' if count == 1 else 's'}): "
                        "migrate-to-postgres only fills an empty database"
                    )
    finally:
        await pool.close()
    return None


def schema_tables() -> set[str]:
    """The tables the PostgreSQL migrations create."""
    return {
        match.group(1)
        for migration in load_migrations("postgresql")
        for match in re.finditer(r"CREATE TABLE (\w+)", migration.sql)
    }


async def _our_tables(conn: Any) -> list[Any]:
    return list(
        await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' AND table_name <> $1 ORDER BY table_name",
            VERSION_TABLE,
        )
    )


async def copy_into(source: Path, target: PostgresDatabase) -> TransferReport:
    """Copy every table of the (migrated) SQLite database `source` into the migrated, empty `target`."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        async with target.transaction() as wrapped:
            conn = wrapped.raw
            copied: dict[str, int] = {}
            sampled = 0
            for table in [r["table_name"] for r in await _our_tables(conn)]:
                columns, binary, key = await _describe(conn, table)
                count, samples = await _copy_table(reader, conn, table, columns, binary, key)
                copied[table] = count
                await _verify(reader, conn, table, columns, binary, key, count, samples)
                sampled += len(samples)
            await _move_identities(conn)
    except (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise TransferError(f"the copy was rolled back, nothing was written: {exc}") from None
    finally:
        reader.close()
    return TransferReport(copied, sampled)


async def _describe(conn: Any, table: str) -> tuple[list[str], set[str], list[str]]:
    """The table's columns (in order), which of them are BYTEA, and its primary key columns."""
    rows = await conn.fetch(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = $1 ORDER BY ordinal_position",
        table,
    )
    key = await conn.fetch(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary",
        table,
    )
    columns = [r["column_name"] for r in rows]
    binary = {r["column_name"] for r in rows if r["data_type"] == "bytea"}
    return columns, binary, [r["attname"] for r in key] or columns


def _select(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    order = ", ".join(f'"{c}"' for c in key)
    where = " WHERE key NOT IN ('" + "', '".join(SKIPPED_META) + "')" if table == "meta" else ""
    return f'SELECT {names} FROM "{table}"{where} ORDER BY {order}'  # noqa: S608 - names from the catalog


def _rows(
    reader: sqlite3.Connection, sql: str, binary: set[str], columns: Sequence[str]
) -> Iterator[list[tuple[Any, ...]]]:
    to_bytes = [i for i, c in enumerate(columns) if c in binary]
    cursor = reader.execute(sql)
    while chunk := cursor.fetchmany(CHUNK):
        if to_bytes:
            chunk = [_with_bytes(row, to_bytes) for row in chunk]
        yield chunk


def _with_bytes(row: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    """Text SQLite kept in a BLOB column (plain reply content) goes to BYTEA UTF-8 encoded."""
    values = list(row)
    for i in positions:
        if isinstance(values[i], str):
            values[i] = values[i].encode("utf-8")
    return tuple(values)


async def _copy_table(
    reader: sqlite3.Connection, conn: Any, table: str, columns: list[str], binary: set[str], key: list[str]
) -> tuple[int, list[tuple[Any, ...]]]:
    total = reader.execute(f"SELECT COUNT(*) FROM ({_select(table, columns, key)})").fetchone()[0]  # noqa: S608
    every = max(1, total // SAMPLE)
    count, samples = 0, list[tuple[Any, ...]]()
    for chunk in _rows(reader, _select(table, columns, key), binary, columns):
        await conn.copy_records_to_table(table, records=chunk, columns=columns)
        samples.extend(row for i, row in enumerate(chunk, start=count) if i % every == 0 or i == total - 1)
        count += len(chunk)
    return count, samples


async def _verify(
    reader: sqlite3.Connection,
    conn: Any,
    table: str,
    columns: list[str],
    binary: set[str],
    key: list[str],
    count: int,
    samples: list[tuple[Any, ...]],
) -> None:
    stored = await conn.fetchval(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - a name from the catalog
    if stored != count:
        raise TransferError(f"table {table}: {count} rows read but {stored} stored; the copy was rolled back")
    positions = [columns.index(c) for c in key]
    condition = " AND ".join(f'"{c}" = ${i}' for i, c in enumerate(key, start=1))
    names = ", ".join(f'"{c}"' for c in columns)
    query = f'SELECT {names} FROM "{table}" WHERE {condition}'  # noqa: S608 - names from the catalog
    for row in samples:
        found = await conn.fetchrow(query, *(row[i] for i in positions))
        if found is None or tuple(found) != row:
            ident = ", ".join(f"{key[n]}={row[i]}" for n, i in enumerate(positions))
            raise TransferError(f"table {table}: the row {ident} differs after the copy; the copy was rolled back")


async def _move_identities(conn: Any) -> None:
    """Identity columns got explicit ids: their sequences must continue after the highest copied one."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_identity = 'YES'"
    )
    for row in rows:
        table, column = row["table_name"], row["column_name"]
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence($1, $2), "  # noqa: S608 - names from the catalog
            f'COALESCE((SELECT MAX("{column}") FROM "{table}"), 0) + 1, false)',
            table,
            column,
        )
