"""The reply logger without Discord: which posts it tracks, how it forgets old ones, how it writes under faults."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.discussion.logger import PRUNE_SLACK, TRACK_DAYS, ReplyLogger
from bot.storage import DailyPost, ReplyRecord, Storage
from tests.harness import eventually, pragma_on_every_writer

START = datetime(2026, 1, 1, 9, tzinfo=UTC)


def post(guild: int, day: int) -> DailyPost:
    moment = START + timedelta(days=day)
    mid = discord.utils.time_snowflake(moment) + guild  # unique per server, same moment
    return DailyPost(guild, moment.date(), day + 1, "p", 10, "n", "sent", mid, mid, moment, moment, 1, None, False)


async def test_old_posts_are_let_go_and_recent_ones_kept(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage)
        guilds = PRUNE_SLACK // 10 + 1
        for day in range(30):
            for guild in range(guilds):
                logger.register_post(post(guild, day))
        tracked = {ref.post_date for ref in logger.tracked_posts}
        newest = START.date() + timedelta(days=29)
        assert newest in tracked
        assert min(tracked) >= newest - timedelta(days=TRACK_DAYS + 1)  # pruning runs in steps
        assert len(logger.tracked_posts) <= guilds * (2 * (TRACK_DAYS + 1)) + PRUNE_SLACK


async def test_post_for_matches_threads_and_direct_replies_only(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage)
        p = post(1, 0)
        logger.register_post(p)
        assert p.message_id is not None
        assert logger.post_for(p.message_id, None) is not None  # in the thread (thread id == post id)
        assert logger.post_for(10, p.message_id) is not None  # a Discord reply in the post's channel
        assert logger.post_for(11, p.message_id) is None  # a reference from another channel
        assert logger.post_for(10, None) is None
        assert date(2026, 1, 1) == logger.post_for(10, p.message_id).post_date  # type: ignore[union-attr]


# ---- writing under faults (issue 10 §2) -------------------------------------------------------------


def record(i: int, content: str | None = None, author: int = 5) -> ReplyRecord:
    moment = START + timedelta(seconds=i)
    return ReplyRecord(
        message_id=discord.utils.time_snowflake(moment) + i,
        guild_id=1,
        post_date=START.date(),
        prompt_id="p",
        thread_id=77,
        channel_id=77,
        author_id=author,
        author_name="member",
        created_at=moment,
        edited_at=None,
        content=content if content is not None else f"reply #{i}",
    )


async def test_a_shutdown_in_the_middle_of_a_write_still_writes_every_queued_reply(tmp_path: Path) -> None:
    """stop() cancels the flusher while it is inside a write transaction (seen by SQLite's trace hook).

    The transaction that can be cancelled half-way is the one in aiosqlite's thread, which batches take when
    another connection holds the write lock (a batch written inline on the event loop cannot be interrupted;
    a cancelled write in the writer thread waits for its statement: tests/test_reply_batch_writes.py).
    """
    async with await Storage.open(tmp_path / "bot.db") as storage:

        async def locked_elsewhere(*args: Any) -> bool:
            return False

        storage.write_inline = locked_elsewhere  # type: ignore[method-assign]
        storage.write_parallel = locked_elsewhere  # type: ignore[method-assign]
        logger = ReplyLogger(storage, flush_seconds=0)
        loop = asyncio.get_running_loop()
        writing = asyncio.Event()

        def on_statement(sql: str) -> None:
            if sql.startswith("INSERT INTO replies"):
                loop.call_soon_threadsafe(writing.set)

        await storage._conn.set_trace_callback(on_statement)
        await logger.start([])
        for i in range(999):
            logger._queue(record(i))
        await writing.wait()
        await logger.stop()
        await storage._conn.set_trace_callback(None)
        assert await storage.replies.count_replies(1) == 999
        assert logger.pending == 0


async def test_the_flusher_outlives_a_row_the_database_refuses_and_writes_the_others(
    tmp_path: Path, caplog: Any
) -> None:
    """A trigger makes SQLite refuse one reply (IntegrityError): the others are written, it is logged once."""
    caplog.set_level(logging.WARNING)
    async with await Storage.open(tmp_path / "bot.db") as storage:
        async with storage.transaction() as conn:
            await conn.execute(
                "CREATE TRIGGER poison BEFORE INSERT ON replies WHEN NEW.content = 'poison' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a trigger'); END"
            )
        logger = ReplyLogger(storage, flush_seconds=0)
        await logger.start([])
        bad = record(50, "poison")
        for i in range(100):
            logger._queue(bad if i == 50 else record(i))

        async def drained() -> bool:
            return logger.pending == 0 and await storage.replies.count_replies(1) == 99

        await eventually(drained)
        logger._queue(record(200))  # the flusher is still alive: later replies are written
        await eventually(lambda: logger.written == 100)
        await logger.stop()
        assert await storage.replies.count_replies(1) == 100
        assert await storage.replies.get_reply_content(1, bad.message_id) is None
    refusals = [r for r in caplog.records if str(bad.message_id) in r.getMessage()]
    assert len(refusals) == 1 and "refused by a trigger" in refusals[0].getMessage()


async def test_changes_waiting_on_a_locked_database_count_as_pending(tmp_path: Path) -> None:
    """A chunk taken off the queue sits in a write that waits for another connection's lock (up to the busy
    timeout): it is still unwritten, so `pending` counts it (highlights flush first when anything is pending)."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0)
        locker = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        for i in range(30):
            logger._queue(record(i))
        flushing = asyncio.create_task(logger.flush())
        try:
            await eventually(lambda: not logger._pending)  # the whole backlog is one chunk, now in the write
            assert logger.pending == 30
        finally:
            locker.execute("COMMIT")
            locker.close()
        await flushing
        assert logger.pending == 0
        assert await storage.replies.count_replies(1) == 30


async def test_replies_queued_behind_a_flush_are_written_without_another_message(tmp_path: Path) -> None:
    """The flusher is woken when the queue goes from empty to not empty. Replies queued while its flush waits
    for the flush lock (a member being forgotten holds it) join a queue that is not empty, and that flush writes
    only what was queued when it began: the flusher's next round writes them, not some later reply's."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0.01)
        await logger.start([])
        async with logger._flush_lock:
            logger._queue(record(1))
            await eventually(lambda: not logger._wakeup.is_set())  # the flusher's flush waits for the lock
            logger._queue(record(100))
            logger._queue(record(101))
        await eventually(lambda: logger.pending == 0)
        assert await storage.replies.count_replies(1) == 3
        await logger.stop()


async def test_a_failing_database_is_reported_once_and_every_reply_kept_until_it_recovers(
    tmp_path: Path, caplog: Any
) -> None:
    """`PRAGMA query_only` makes every write fail as a read-only file does (the tests run as root)."""
    caplog.set_level(logging.WARNING)
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0)
        await logger.start([])
        await pragma_on_every_writer(storage, "PRAGMA query_only = 1")
        for i in range(20):
            logger._queue(record(i))
        await eventually(lambda: "readonly" in caplog.text)
        for _ in range(3):  # three more failed attempts (each one sleeps a little longer)
            await logger.flush(max_attempts=1)
        assert logger.pending == 20
        await pragma_on_every_writer(storage, "PRAGMA query_only = 0")

        async def stored() -> bool:
            return await storage.replies.count_replies(1) == 20

        await eventually(stored, timeout=10)
        await logger.stop()
    failures = [r for r in caplog.records if "readonly" in r.getMessage()]
    assert len(failures) == 1, [r.getMessage() for r in failures]


async def test_a_backlog_drains_onto_a_nearly_full_disk_as_space_returns(tmp_path: Path) -> None:
    """A full disk is simulated with `PRAGMA max_page_count`: SQLite then answers SQLITE_FULL exactly as on
    a full file system. Space comes back in steps, each far too small for the whole backlog at once."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0)
        await logger.start([])
        row = await storage.read_one("PRAGMA page_count")
        assert row is not None
        limit = int(row[0]) + 4
        await pragma_on_every_writer(storage, f"PRAGMA max_page_count = {limit}")
        backlog = [record(i, f"reply #{i} " + "x" * 400) for i in range(600)]  # ~70 pages
        for op in backlog:
            logger._queue(op)
        progress = [0]

        async def more_stored() -> bool:
            count = await storage.replies.count_replies(1)
            if count > progress[-1]:
                progress.append(count)
                return True
            return False

        while logger.pending:
            await eventually(more_stored, timeout=20)  # drains as far as the space allows, without a restart
            limit += 8
            await pragma_on_every_writer(storage, f"PRAGMA max_page_count = {limit}")
        await logger.stop()
        assert await storage.replies.count_replies(1) == 600
        assert len(progress) > 3  # it got there in several steps, never needing room for all at once


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real, tiny file system (tmpfs, mounted as root); skipped where mounting is not permitted."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(disk: Path, leave: int) -> Path:
    """Take all free space on `disk` but `leave` bytes, with a filler file the test then shrinks."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    os.truncate(filler, filler.stat().st_size - leave)
    return filler


async def test_a_backlog_drains_onto_a_real_full_file_system_as_space_is_freed(tmp_path: Path, caplog: Any) -> None:
    """The database on a 4 MB tmpfs, filled up: SQLite gets ENOSPC from the kernel (SQLITE_FULL). The operator
    then frees space in steps, each far too small for the whole backlog in one transaction.

    The WAL is checkpointed every 64 pages instead of SQLite's 1000 (4 MB) so that the log is reused
    within the small disk; the bot's behaviour does not depend on that number."""
    caplog.set_level(logging.WARNING)
    with small_disk(tmp_path / "disk", "4m") as disk:
        async with await Storage.open(disk / "bot.db") as storage:
            await pragma_on_every_writer(storage, "PRAGMA wal_autocheckpoint = 64")
            logger = ReplyLogger(storage, flush_seconds=0)
            await logger.start([])
            filler = fill(disk, leave=8192)
            for i in range(600):
                logger._queue(record(i, f"reply #{i} " + "x" * 400))  # ~300 KB of WAL in one transaction
            await eventually(lambda: "full" in caplog.text, timeout=10)
            counts = [await storage.replies.count_replies(1)]
            while logger.pending:
                assert filler.stat().st_size > 0, counts
                os.truncate(filler, max(0, filler.stat().st_size - 64 * 1024))

                async def more_stored() -> bool:
                    return logger.pending == 0 or await storage.replies.count_replies(1) > counts[-1]

                await eventually(more_stored, timeout=20)  # drains as far as the space allows, no restart
                counts.append(await storage.replies.count_replies(1))
            await logger.stop()
            assert await storage.replies.count_replies(1) == 600
    print(f"stored after each step: {counts}")
    assert len(counts) > 3, counts  # it got there in several steps, never needing room for all at once
    assert sum("full" in r.getMessage() for r in caplog.records) == 1  # one line, not one per retry
