"""DATA_KEY at start-up against real databases (SQLite files and PostgreSQL): encrypting what was stored
before, refusing a wrong key, and exports that survive one unreadable row."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.storage import ReplyDelete, ReplyRecord, StorageError
from tests.backends import Backend, open_db

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))
CANARY = "zq-plain-canary"


def reply(mid: int, guild: int = 1) -> ReplyRecord:
    return ReplyRecord(mid, guild, date(2026, 11, 21), "p", 9, 9, 50, "andrew", NOW, None, f"{CANARY} {mid}")


def raw_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("bot.db"))


pytestmark = pytest.mark.usefixtures("backend")


async def stored_rows(db: Path) -> list[tuple[int, object, int]]:
    async with await open_db(db, check_data_key=False) as storage:
        rows = await storage.read("SELECT message_id, content, content_enc FROM replies ORDER BY message_id")
    return [(row[0], row[1], row[2]) for row in rows]


async def tamper(db: Path, sql: str) -> None:
    """Change the stored rows behind the bot's back (what a broken disk or an attacker might do)."""
    async with await open_db(db, check_data_key=False) as storage, storage.transaction() as conn:
        await conn.execute(sql)


async def seed_plain(db: Path) -> None:
    async with await open_db(db) as storage:
        await storage.replies.apply_reply_ops([reply(1), reply(2), reply(3), reply(4, guild=2)])
        await storage.replies.apply_reply_ops([ReplyDelete(1, (3,), NOW)])  # a tombstone: no content to encrypt


async def test_setting_data_key_later_encrypts_the_replies_already_stored(tmp_path: Path, backend: Backend) -> None:
    db = tmp_path / "bot.db"
    await seed_plain(db)
    if backend.name == "sqlite":
        assert CANARY.encode() in raw_bytes(tmp_path)
    async with await open_db(db, data_key=KEY) as storage:
        assert storage.cipher.encrypts
        assert await storage.replies.get_reply_content(1, 1) == f"{CANARY} 1"
        assert await storage.replies.get_reply_content(2, 4) == f"{CANARY} 4"
        assert [r.content for r in [row async for row in storage.replies.export_rows(1)]] == [
            f"{CANARY} 1",
            f"{CANARY} 2",
        ]
    assert [(mid, enc) for mid, _, enc in await stored_rows(db)] == [(1, 1), (2, 1), (3, 0), (4, 1)]
    if backend.name == "sqlite":
        assert CANARY.encode() not in raw_bytes(tmp_path)  # no plain copy left in the file's free space
    async with await open_db(db, data_key=KEY) as storage:
        assert await storage.replies.prepare_data_key() == 0  # idempotent: nothing left to encrypt


async def test_a_changed_or_missing_key_is_refused_at_start(tmp_path: Path, backend: Backend) -> None:
    db = tmp_path / "bot.db"
    await seed_plain(db)
    async with await open_db(db, data_key=KEY):
        pass
    with pytest.raises(StorageError, match="DATA_KEY is not the key"):
        await open_db(db, data_key=os.urandom(32))
    with pytest.raises(StorageError, match="DATA_KEY is not set"):
        await open_db(db)
    if backend.name == "sqlite":
        async with await open_db(db, check_data_key=False) as storage:  # a backup copies without reading
            await storage.backup_to(tmp_path / "copy.db")
    assert [(mid, enc) for mid, _, enc in await stored_rows(db)] == [(1, 1), (2, 1), (3, 0), (4, 1)]  # nothing changed
    async with await open_db(db, check_data_key=False) as storage:
        (check,) = await storage.read_one("SELECT value FROM meta WHERE key = 'data_key.check'") or ("",)
    assert KEY.hex() not in check and len(check) == 64  # a check value, never the key


async def test_a_database_encrypted_before_the_check_value_existed_is_checked_by_a_reply(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await open_db(db, data_key=KEY) as storage:
        await storage.replies.apply_reply_ops([reply(1)])
    await tamper(db, "DELETE FROM meta WHERE key = 'data_key.check'")
    with pytest.raises(StorageError, match="DATA_KEY is not the key"):
        await open_db(db, data_key=os.urandom(32))
    async with await open_db(db, data_key=KEY) as storage:
        assert await storage.replies.get_reply_content(1, 1) == f"{CANARY} 1"


async def test_without_encrypted_replies_the_key_can_be_dropped(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await open_db(db, data_key=KEY):
        pass  # a key was set, but nothing was ever stored with it
    async with await open_db(db) as storage:
        assert not storage.cipher.encrypts
    async with await open_db(db, data_key=os.urandom(32)):
        pass


async def test_one_unreadable_reply_does_not_block_the_export(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await open_db(db, data_key=KEY) as storage:
        await storage.replies.apply_reply_ops([reply(1), reply(2), reply(3)])
    await tamper(db, "UPDATE replies SET content = substr(content, 1, length(content) - 1) WHERE message_id = 2")
    async with await open_db(db, data_key=KEY) as storage:
        unreadable: list[int] = []
        rows = [row async for row in storage.replies.export_rows(1, unreadable=unreadable)]
        assert [row.message_id for row in rows] == [1, 3] and unreadable == [2]
