"""The storage core against real databases (SQLite files, PostgreSQL): pragmas, migrations, transactions, backup."""

from __future__ import annotations

import re
import sqlite3
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage import StorageError, load_migrations
from bot.storage.guilds import PAGE
from tests.backends import open_db

pytestmark = pytest.mark.usefixtures("backend")

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.mark.sqlite_only
async def test_open_creates_folder_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "bot.db"
    async with await open_db(path) as storage:
        assert await storage.schema_version() == len(load_migrations())
        row = await storage.read_one("PRAGMA journal_mode")
        assert row is not None and row[0] == "wal"
        row = await storage.read_one("PRAGMA foreign_keys")
        assert row is not None and row[0] == 1
    assert path.exists()


async def test_ready_holds_a_page_of_servers_at_a_time_not_all_of_them(tmp_path: Path) -> None:
    """The peak of what READY's bookkeeping allocates grows by the sorted ids, not by every server's rows.

    Counted by tracemalloc (every Python allocation, exactly; not the noisy RSS). With all servers' parameters
    and rows at once it was 240 bytes a server on SQLite and 300 on PostgreSQL; a page at a time, under 30.
    """

    async def peak(servers: int) -> int:
        ids = [(n << 22) | 5 for n in range(1, servers + 1)]
        async with await open_db(tmp_path / f"{servers}.db") as storage:
            await storage.guilds.guilds_seen(ids, NOW)  # known from an earlier run, as on every restart
            tracemalloc.start()
            try:
                assert await storage.guilds.guilds_ready(ids, NOW) == []
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    few, many = 2 * PAGE, 10 * PAGE
    per_server = (await peak(many) - await peak(few)) / (many - few)
    assert per_server < 64, f"{per_server:.0f} bytes a server"  # 14 on SQLite, 28 on PostgreSQL


async def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


async def test_reopen_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with await open_db(path) as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
    async with await open_db(path) as storage:
        assert (await storage.guilds.get_guild(1)) is not None
        assert await storage.schema_version() == len(load_migrations())


@pytest.mark.sqlite_only
async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StorageError, match="newer than this program"):
        await open_db(path)


async def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        with pytest.raises(RuntimeError):
            async with storage.transaction() as conn:
                await conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (7, "x"))
                raise RuntimeError("boom")
        assert await storage.guilds.get_guild(7) is None


async def test_guild_removal_and_return(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([5], NOW)
        await storage.guilds.guild_removed(5, NOW)
        record = await storage.guilds.get_guild(5)
        assert record is not None and record.removed_at == NOW
        await storage.guilds.guilds_seen([5], NOW)
        record = await storage.guilds.get_guild(5)
        assert record is not None and record.removed_at is None and record.retention_days == 365


@pytest.mark.sqlite_only
async def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([11, 12], NOW)
        await storage.backup_to(tmp_path / "copy.db")
        with pytest.raises(StorageError, match="already exists"):
            await storage.backup_to(tmp_path / "copy.db")
    copy = sqlite3.connect(tmp_path / "copy.db")
    ids = sorted(row[0] for row in copy.execute("SELECT guild_id FROM guilds"))
    copy.close()
    assert ids == [11, 12]


def test_no_statement_reads_the_database_clock() -> None:
    """Every time comes from the bot's clock: the database's own `now` would ignore a test clock and a skew check."""
    root = Path(__file__).resolve().parent.parent
    sources = [*root.glob("bot/**/*.py"), *root.glob("bot/**/*.sql"), *root.glob("cogs/**/*.py")]
    pattern = re.compile(
        r"'now'|CURRENT_(TIMESTAMP|DATE|TIME)\b|\b(julianday|unixepoch)\s*\(|(?<![.\w])now\s*\(\s*\)"
        r"|\b(clock|statement|transaction)_timestamp\s*\(",
        re.IGNORECASE,
    )
    found = [
        f"{p.relative_to(root)}:{n}"
        for p in sources
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert sources and found == []
