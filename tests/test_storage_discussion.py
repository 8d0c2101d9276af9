"""Discussion storage against real databases (SQLite files and PostgreSQL): claims, the queue, reply ops, encryption."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.crypto import DecryptionError
from bot.storage import ReplyDelete, ReplyRecord, Schedule, Storage, StorageError
from tests.backends import Backend, open_db

pytestmark = pytest.mark.usefixtures("backend")

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 21)


def reply(mid: int, *, guild: int = 1, author: int = 50, content: str = "hello", upsert: bool = False) -> ReplyRecord:
    return ReplyRecord(
        message_id=mid,
        guild_id=guild,
        post_date=DAY,
        prompt_id="p1",
        thread_id=900,
        channel_id=900,
        author_id=author,
        author_name="drummer",
        created_at=NOW,
        edited_at=None,
        content=content,
        upsert=upsert,
    )


@pytest.fixture
async def storage(tmp_path: Path, backend: Backend):  # type: ignore[no-untyped-def]
    async with await open_db(tmp_path / "bot.db") as db:
        assert db.dialect == backend.name
        yield db


async def test_claim_is_once_per_server_and_day(storage: Storage) -> None:
    first, created = await storage.discussion.claim_post(1, DAY, "p1", 10, "n1", NOW)
    assert created and first.number == 1 and first.status == "claimed"
    again, created = await storage.discussion.claim_post(1, DAY, "p2", 10, "n2", NOW)
    assert not created and again.prompt_id == "p1" and again.nonce == "n1"
    other, created = await storage.discussion.claim_post(2, DAY, "p2", 20, "n3", NOW)
    assert created and other.number == 1  # numbers run per server
    nxt, _ = await storage.discussion.claim_post(1, DAY + timedelta(days=1), "p2", 10, "n4", NOW)
    assert nxt.number == 2


async def test_sent_post_leaves_the_queue_and_counts_as_used(storage: Storage) -> None:
    assert await storage.discussion.queue_prompt(1, "p7", NOW) == 1
    assert await storage.discussion.queue_prompt(1, "p8", NOW) == 2
    assert await storage.discussion.queue_prompt(1, "p7", NOW) == 1  # queued once
    await storage.discussion.claim_post(1, DAY, "p7", 10, "n", NOW)
    await storage.discussion.mark_sent(1, DAY, 555, NOW)
    assert await storage.discussion.queued_prompts(1) == ["p8"]
    assert await storage.discussion.prompt_last_used(1) == {"p7": NOW}
    post = await storage.discussion.get_post(1, DAY)
    assert post is not None and post.status == "sent" and post.message_id == 555


async def test_failed_day_can_be_reclaimed(storage: Storage) -> None:
    await storage.discussion.claim_post(1, DAY, "p1", 10, "n", NOW)
    await storage.discussion.record_post_error(1, DAY, "Missing Permissions", failed=True)
    post = await storage.discussion.get_post(1, DAY)
    assert post is not None and post.status == "failed" and post.error == "Missing Permissions"
    assert [p.post_date for p in await storage.discussion.unreported_errors(1)] == [DAY]
    await storage.discussion.retry_claim(1, DAY, 11, NOW)
    post = await storage.discussion.get_post(1, DAY)
    assert post is not None and post.status == "claimed" and post.channel_id == 11 and post.error is None


async def test_due_schedules_only_returns_due_unpaused(storage: Storage) -> None:
    for guild, at, paused in [(1, 100, False), (2, 200, False), (3, 50, True), (4, 300, False)]:
        await storage.discussion.save_schedule(
            Schedule(guild, 10, "09:00", "UTC", 127, None, None, None, paused, at, NOW)
        )
    due = await storage.discussion.due_schedules(200, limit=10)
    assert [s.guild_id for s in due] == [1, 2]


async def test_reply_ops_are_idempotent_and_ordered(storage: Storage) -> None:
    await storage.replies.apply_reply_ops([reply(1), reply(1, content="duplicate delivery"), reply(2)])
    assert await storage.replies.count_replies(1) == 2
    assert await storage.replies.get_reply_content(1, 1) == "hello"
    await storage.replies.apply_reply_ops([reply(1, upsert=True, content="edited")])
    assert await storage.replies.get_reply_content(1, 1) == "edited"
    await storage.replies.apply_reply_ops([ReplyDelete(1, (1,), NOW)])
    assert await storage.replies.count_replies(1) == 1
    assert await storage.replies.get_reply_content(1, 1) is None
    # A replayed create after the delete does not bring the content back.
    await storage.replies.apply_reply_ops([reply(1), reply(1, upsert=True, content="late edit")])
    assert await storage.replies.get_reply_content(1, 1) is None


async def test_reply_ops_are_scoped_to_their_server(storage: Storage) -> None:
    await storage.replies.apply_reply_ops([reply(1, guild=1)])
    await storage.replies.apply_reply_ops([ReplyDelete(2, (1,), NOW)])
    assert await storage.replies.get_reply_content(1, 1) == "hello"
    await storage.replies.apply_reply_ops([reply(1, guild=2, upsert=True, content="an edit naming another server")])
    assert await storage.replies.get_reply_content(1, 1) == "hello"


async def test_opted_out_member_is_never_written(storage: Storage) -> None:
    async with storage.transaction() as conn:
        await conn.execute("INSERT INTO optouts VALUES (1, 50, 'x')")
    await storage.replies.apply_reply_ops([reply(1, author=50), reply(2, author=51)])
    assert await storage.replies.count_replies(1) == 1


async def test_export_rows_follow_the_spec_columns(storage: Storage) -> None:
    await storage.replies.apply_reply_ops([reply(3, content='a, "quoted"\nline')])
    rows = [row async for row in storage.replies.export_rows(1)]
    assert len(rows) == 1
    row = rows[0]
    assert (row.post_date, row.prompt_id, row.message_id, row.thread_id, row.author_id) == (
        "2026-11-21",
        "p1",
        3,
        900,
        50,
    )
    assert row.created_at == "2026-11-21T09:00:00Z" and row.edited_at is None
    assert row.content == 'a, "quoted"\nline'


async def test_encrypted_content_is_not_in_the_file(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "enc.db"
    secret = "my very private reply about Fletcher"
    async with await open_db(path, data_key=key) as db:
        await db.replies.apply_reply_ops([reply(1, content=secret)])
        assert await db.replies.get_reply_content(1, 1) == secret
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in raw
    with pytest.raises(StorageError, match="DATA_KEY"):  # another key is refused at start, before any read
        await open_db(path, data_key=os.urandom(32))
    async with await open_db(path, data_key=os.urandom(32), check_data_key=False) as db:
        with pytest.raises(DecryptionError):
            await db.replies.get_reply_content(1, 1)
