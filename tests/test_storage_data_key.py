"""DATA_KEY at start-up against real SQLite files: encrypting what was stored before, refusing a wrong key,
and exports that survive one unreadable row."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.storage import ReplyDelete, ReplyRecord, Storage, StorageError

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))
CANARY = "zq-plain-canary"


def reply(mid: int, guild: int = 1) -> ReplyRecord:
    return ReplyRecord(mid, guild, date(2026, 11, 21), "p", 9, 9, 50, "andrew", NOW, None, f"{CANARY} {mid}")


def raw_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("bot.db"))


def stored_rows(db: Path) -> list[tuple[int, object, int]]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.execute("SELECT message_id, content, content_enc FROM replies ORDER BY message_id"))
    finally:
        conn.close()


async def seed_plain(db: Path) -> None:
    async with await Storage.open(db) as storage:
        await storage.apply_reply_ops([reply(1), reply(2), reply(3), reply(4, guild=2)])
        await storage.apply_reply_ops([ReplyDelete(1, (3,), NOW)])  # a tombstone: no content to encrypt


async def test_setting_data_key_later_encrypts_the_replies_already_stored(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await seed_plain(db)
    assert CANARY.encode() in raw_bytes(tmp_path)
    async with await Storage.open(db, data_key=KEY) as storage:
        assert storage.cipher.encrypts
        assert await storage.get_reply_content(1, 1) == f"{CANARY} 1"
        assert await storage.get_reply_content(2, 4) == f"{CANARY} 4"
        assert [r.content for r in [row async for row in storage.export_rows(1)]] == [f"{CANARY} 1", f"{CANARY} 2"]
    assert [(mid, enc) for mid, _, enc in stored_rows(db)] == [(1, 1), (2, 1), (3, 0), (4, 1)]
    assert CANARY.encode() not in raw_bytes(tmp_path)  # no plain copy left in the file's free space
    async with await Storage.open(db, data_key=KEY) as storage:
        assert await storage.prepare_data_key() == 0  # idempotent: nothing left to encrypt


async def test_a_changed_or_missing_key_is_refused_at_start(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    await seed_plain(db)
    async with await Storage.open(db, data_key=KEY):
        pass
    with pytest.raises(StorageError, match="DATA_KEY is not the key"):
        await Storage.open(db, data_key=os.urandom(32))
    with pytest.raises(StorageError, match="DATA_KEY is not set"):
        await Storage.open(db)
    async with await Storage.open(db, check_data_key=False) as storage:  # a backup copies without reading
        await storage.backup_to(tmp_path / "copy.db")
    assert [(mid, enc) for mid, _, enc in stored_rows(db)] == [(1, 1), (2, 1), (3, 0), (4, 1)]  # nothing changed
    conn = sqlite3.connect(db)
    try:
        (check,) = conn.execute("SELECT value FROM meta WHERE key = 'data_key.check'").fetchone()
    finally:
        conn.close()
    assert KEY.hex() not in check and len(check) == 64  # a check value, never the key


async def test_a_database_encrypted_before_the_check_value_existed_is_checked_by_a_reply(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await Storage.open(db, data_key=KEY) as storage:
        await storage.apply_reply_ops([reply(1)])
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM meta WHERE key = 'data_key.check'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="DATA_KEY is not the key"):
        await Storage.open(db, data_key=os.urandom(32))
    async with await Storage.open(db, data_key=KEY) as storage:
        assert await storage.get_reply_content(1, 1) == f"{CANARY} 1"


async def test_without_encrypted_replies_the_key_can_be_dropped(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await Storage.open(db, data_key=KEY):
        pass  # a key was set, but nothing was ever stored with it
    async with await Storage.open(db) as storage:
        assert not storage.cipher.encrypts
    async with await Storage.open(db, data_key=os.urandom(32)):
        pass


async def test_one_unreadable_reply_does_not_block_the_export(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    async with await Storage.open(db, data_key=KEY) as storage:
        await storage.apply_reply_ops([reply(1), reply(2), reply(3)])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE replies SET content = substr(content, 1, length(content) - 1) WHERE message_id = 2")
    conn.commit()
    conn.close()
    async with await Storage.open(db, data_key=KEY) as storage:
        unreadable: list[int] = []
        rows = [row async for row in storage.export_rows(1, unreadable=unreadable)]
        assert [row.message_id for row in rows] == [1, 3] and unreadable == [2]
