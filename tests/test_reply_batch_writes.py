"""How the reply logger's batches reach SQLite (issue 16 §2): written inline on the event loop when the file is
free (stored exactly as the transaction in aiosqlite's thread stores them), never waiting there for a lock, and
batches that follow a burst instead of chasing it."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.discussion.logger import (
    FLUSH_SECONDS,
    MAX_BATCH,
    MAX_CHUNK,
    POSTGRES_FLUSH_SECONDS,
    POSTGRES_MAX_BATCH,
    ReplyLogger,
)
from bot.storage import ReplyDelete, ReplyRecord, Storage
from bot.storage import writer as writer_module
from bot.storage.database import CHECKPOINT_ROWS
from bot.timeutil import snowflake_iso, to_iso
from tests.backends import open_db
from tests.harness import eventually

START = datetime(2026, 11, 21, 9, tzinfo=UTC)
COLUMNS = (
    "message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, author_name, created_at, "
    "edited_at, content, content_enc, deleted_at"
)


def reply(i: int, content: str = "Not quite my tempo.", *, author: int = 5, name: str = "Andrew",
          edited: bool = False, upsert: bool = False) -> ReplyRecord:  # fmt: skip
    moment = START + timedelta(seconds=i, milliseconds=i % 1000)
    return ReplyRecord(
        message_id=discord.utils.time_snowflake(moment) + i,
        guild_id=1,
        post_date=date(2026, 11, 21),
        prompt_id="q000-06-break-the-spirit",
        thread_id=77,
        channel_id=77,
        author_id=author,
        author_name=name,
        created_at=moment,
        edited_at=moment + timedelta(minutes=1) if edited else None,
        content=content,
        upsert=upsert,
    )


async def stored_rows(storage: Storage) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await storage.read(f"SELECT {COLUMNS} FROM replies ORDER BY message_id")]


async def write_every_way(folder: Path, ops: list[Any]) -> dict[str, list[Any]]:
    """The rows stored by each way a batch can go: `parallel` (Database.write_parallel's thread, new replies
    only, else inline), `inline` (Database.write_inline, the writer thread unavailable) and `thread` (the
    transaction in aiosqlite's thread, the file locked for both). Each way is checked to be the one taken."""
    return {way: await write_one_way(folder / f"{way}.db", way, ops) for way in ("parallel", "inline", "thread")}


async def write_one_way(path: Path, way: str, ops: list[Any]) -> list[Any]:
    async with await Storage.open(path) as storage:
        await storage.privacy.set_optout(1, 666, True, START)
        async with storage.transaction() as conn:  # a forgotten member, and a server purged up to 09:00:01.5
            await conn.execute(
                "INSERT INTO forgotten_members (guild_id, user_id, before_id) VALUES (1, 777, ?)",
                (reply(8).message_id,),
            )
            await conn.execute(
                "INSERT INTO guilds (guild_id, joined_at, purged_before) VALUES (1, ?, ?)",
                ("2026-01-01T00:00:00Z", "2026-11-21T09:00:01.500000Z"),
            )
        taken: list[str] = []
        inline, parallel = storage.write_inline, storage.write_parallel

        async def watched_inline(work: Any) -> bool:
            if way == "thread":
                return False
            taken.append("inline")
            return await inline(work)

        async def watched_parallel(sql: str, params: Any, rows: int) -> bool:
            if way != "parallel":
                return False
            taken.append("parallel")
            return await parallel(sql, params, rows)

        storage.write_inline = watched_inline  # type: ignore[method-assign]
        storage.write_parallel = watched_parallel  # type: ignore[method-assign]
        await storage.replies.apply_reply_ops(ops)
        new_only = len(ops) <= MAX_CHUNK and all(isinstance(op, ReplyRecord) and not op.upsert for op in ops)
        expected = {"parallel": ["parallel"] if new_only else ["inline"], "inline": ["inline"], "thread": []}
        assert taken == expected[way], (way, taken)
        return await stored_rows(storage)


async def test_a_batch_is_stored_alike_in_the_writer_thread_inline_and_in_aiosqlites_thread(tmp_path: Path) -> None:
    ops: list[Any] = [
        reply(1),
        reply(2, 'quotes " and \\ back-slashes, ünïcödé, 🥁, <@123> and a\nnew line', name="Nicole ü"),
        reply(3, "", edited=True),
        reply(4, "x" * 4000),
        reply(5, "an opted-out member's reply", author=666),  # the opt-out check, inside the statement
        reply(6, "'; DROP TABLE replies; --"),
        reply(6, "a duplicate create changes nothing"),
    ]
    ops.append(ReplyDelete(1, (ops[2].message_id,), START + timedelta(hours=1)))
    ops.append(reply(7, "after a deletion"))
    ops.append(reply(2, "an edit", name="Nicole ü", edited=True, upsert=True))
    ops.append(reply(8, "written before they asked to be forgotten", author=777))
    ops.append(reply(9, "written after", author=777))
    stored_by = await write_every_way(tmp_path, ops)
    assert stored_by["parallel"] == stored_by["inline"] == stored_by["thread"]
    stored = {row[0]: row for row in stored_by["inline"]}
    refused = [reply(1), reply(5), reply(8)]  # older than the purge, opted out, forgotten
    assert not any(op.message_id in stored for op in refused)
    assert set(stored) == {reply(i).message_id for i in (2, 3, 4, 6, 7, 9)}
    assert stored[reply(3).message_id][10] is None  # deleted
    assert stored[reply(2).message_id][10] == "an edit"
    assert stored[reply(2).message_id][8] == "2026-11-21T09:00:02.002000Z"
    # edited_at: NULL for a reply never edited (the statements take '' for it, NULLIF), the time of an edit
    assert stored[reply(6).message_id][9] is None and stored[reply(7).message_id][9] is None
    assert stored[reply(2).message_id][9] == "2026-11-21T09:01:02.002000Z"


@pytest.mark.parametrize("count", [1, 3, 125, 126, 999, MAX_CHUNK])
async def test_new_replies_go_to_the_writer_thread_with_every_check_of_the_transaction(
    tmp_path: Path, count: int
) -> None:
    """A batch of new replies only is one statement in the writer thread, padded to one of PARALLEL_SIZES with
    rows of zeros that are never stored; its per-row checks refuse what the transaction refuses (a purged
    server's old replies, an opted-out member, a forgotten member's replies from before), and a create of a
    message already stored changes nothing."""
    ops: list[Any] = [reply(i, f"reply {i}", author=(666, 777, 5, 6)[i % 4], edited=i % 5 == 0) for i in range(count)]
    ops += ops[: min(count // 3, MAX_CHUNK - count)]  # created again (a replayed gateway event); a chunk at most
    stored_by = await write_every_way(tmp_path, ops)
    assert stored_by["parallel"] == stored_by["inline"] == stored_by["thread"]
    kept = [
        op
        for op in ops[:count]
        if op.author_id != 666  # opted out
        and not (op.author_id == 777 and op.message_id <= reply(8).message_id)  # forgotten, up to reply 8
        and op.created_at.isoformat() > "2026-11-21T09:00:01.5"  # the purge
    ]
    assert [row[0] for row in stored_by["parallel"]] == [op.message_id for op in kept]
    assert [row[10] for row in stored_by["parallel"]] == [op.content for op in kept]
    assert all(row[1] == 1 and row[0] > 0 for row in stored_by["parallel"])  # no padding row came through


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(texts=["before\x00after", "plain"])
@given(texts=st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=60), min_size=1, max_size=6))
def test_any_text_is_stored_exactly_either_way(texts: list[str]) -> None:
    ops = [reply(i + 10, text) for i, text in enumerate(texts)]  # after the purge, by a member not forgotten
    with tempfile.TemporaryDirectory() as folder:
        stored_by = asyncio.run(write_every_way(Path(folder), ops))
    assert stored_by["parallel"] == stored_by["inline"] == stored_by["thread"]
    via_inline = stored_by["inline"]
    kept = [
        op for op in sorted(ops, key=lambda op: op.message_id) if op.created_at.isoformat() > "2026-11-21T09:00:01.5"
    ]
    assert [row[10] for row in via_inline] == [op.content for op in kept]


# A statement that keeps the writer thread busy for about a second (SQLite counting, without the GIL).
SLOW_STATEMENT = (
    "CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
    "SELECT x FROM c"
)


async def test_the_event_loop_runs_while_the_writer_thread_runs_a_statement(tmp_path: Path) -> None:
    """The point of the writer thread: SQLite's work there leaves the event loop free (it polls for the end)."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        ticks = 0
        writing = asyncio.create_task(storage.write_parallel(SLOW_STATEMENT, (), 0))
        while not writing.done():
            ticks += 1
            await asyncio.sleep(0)
        assert await writing is True
        assert ticks > 100  # the loop went round all along (a blocked loop would count a handful)
        row = await storage.read_one("SELECT COUNT(*) FROM slow")
        assert row is not None and row[0] == 1_000_000


async def test_an_idle_event_loop_is_woken_by_the_writer_thread_not_by_its_next_poll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing else to run, the loop lets the thread have the GIL as soon as its statement ends, and the
    thread wakes the loop: the write returns although the next poll would come in an hour."""
    monkeypatch.setattr(writer_module, "POLL_SECONDS", 3600.0)
    async with await Storage.open(tmp_path / "bot.db") as storage:
        assert await asyncio.wait_for(storage.write_parallel(SLOW_STATEMENT, (), 0), 60) is True


async def test_a_cancelled_parallel_write_ends_after_its_statement_and_the_writer_goes_on(tmp_path: Path) -> None:
    """Cancelling a write in the writer thread cannot stop SQLite's step: the cancellation waits for the statement
    to end (committed), so the write lock is never released while a statement still runs; the next write works."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        writing = asyncio.create_task(storage.write_parallel(SLOW_STATEMENT, (), 0))
        await asyncio.sleep(0.05)
        writing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writing
        row = await storage.read_one("SELECT COUNT(*) FROM slow")
        assert row is not None and row[0] == 1_000_000  # the whole statement, already committed
        await storage.replies.apply_reply_ops([reply(10), reply(11)])
        assert await storage.replies.count_replies(1) == 2


async def test_a_writer_thread_that_does_not_take_its_job_hands_the_batches_to_write_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        writer = storage.statement_writer()
        assert writer is not None
        busy = asyncio.create_task(writer.execute(SLOW_STATEMENT, ()))  # the thread busy, outside the write lock
        await asyncio.sleep(0.05)
        monkeypatch.setattr(writer_module, "START_TIMEOUT", 0.05)
        assert await storage.write_parallel(SLOW_STATEMENT.replace("slow", "slower"), (), 0) is False
        taken: list[bool] = []
        inline = storage.write_inline

        async def watched(work: Any) -> bool:
            taken.append(True)
            return await inline(work)

        storage.write_inline = watched  # type: ignore[method-assign]
        await storage.replies.apply_reply_ops([reply(10)])
        assert taken == [True]  # not to the stuck writer
        assert await storage.replies.count_replies(1) == 1
        await busy


async def test_a_batch_with_more_values_than_sqlite_binds_in_a_statement_is_written_inline(tmp_path: Path) -> None:
    """SQLite before 3.32 binds 999 values a statement: a batch past the limit goes inline, a smaller one does not."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        writer = storage.statement_writer()
        assert writer is not None
        writer.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        assert writer.max_parameters == 999
        taken: list[str] = []
        inline, parallel = storage.write_inline, storage.write_parallel

        async def watched_inline(work: Any) -> bool:
            taken.append("inline")
            return await inline(work)

        async def watched_parallel(sql: str, params: Any, rows: int) -> bool:
            written = await parallel(sql, params, rows)
            taken.append(f"parallel {written}")
            return written

        storage.write_inline = watched_inline  # type: ignore[method-assign]
        storage.write_parallel = watched_parallel  # type: ignore[method-assign]
        await storage.replies.apply_reply_ops([reply(i) for i in range(10, 110)])  # 100 rows, 125 with padding
        await storage.replies.apply_reply_ops([reply(i) for i in range(110, 160)])  # 50 rows, 64 with padding
        assert taken == ["parallel False", "inline", "parallel True"]
        assert await storage.replies.count_replies(1) == 150


async def test_closing_the_database_stops_the_writer_thread(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(10)])
        writer = storage.statement_writer()
        assert writer is not None and writer.alive
    assert not writer.alive
    assert not [thread for thread in threading.enumerate() if thread.name == "sqlite-writer"]


async def test_write_parallel_never_waits_for_a_lock_another_connection_holds(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        await storage.replies.apply_reply_ops([reply(10)])
        locker = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            assert await storage.write_parallel("CREATE TABLE never_made (x)", (), 0) is False
        finally:
            locker.execute("COMMIT")
            locker.close()
        assert await storage.write_parallel("CREATE TABLE made (x)", (), 0) is True
        names = [row[0] for row in await storage.read("SELECT name FROM sqlite_master WHERE type = 'table'")]
        assert "made" in names and "never_made" not in names


async def test_write_inline_never_waits_for_a_lock_another_connection_holds(tmp_path: Path) -> None:
    """While another connection holds the write lock, write_inline writes nothing and says so at once (the
    caller then waits in aiosqlite's thread); it would otherwise block the event loop for the busy timeout."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        ran: list[str] = []
        assert await storage.write_inline(lambda conn: ran.append("free")) is True
        locker = sqlite3.connect(tmp_path / "bot.db", timeout=0, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            assert await storage.write_inline(lambda conn: ran.append("locked")) is False
            waiting = asyncio.create_task(storage.replies.apply_reply_ops([reply(1)]))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # the batch waits in aiosqlite's thread, the loop runs on
        finally:
            locker.execute("COMMIT")
            locker.close()
        await waiting
        assert ran == ["free"]
        assert await storage.replies.count_replies(1) == 1


async def test_a_flush_writes_its_snapshot_and_leaves_later_changes_to_the_next_batch(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=60)
        writes: list[int] = []
        write = logger._write

        async def watched(ops: list[Any]) -> None:
            writes.append(len(ops))
            if len(writes) == 1:
                for i in range(10):  # replies arriving while the first batch is written
                    logger._queue(reply(1000 + i))
            await write(ops)

        logger._write = watched  # type: ignore[method-assign]
        for i in range(30):
            logger._queue(reply(i))
        await logger.flush()
        assert writes == [30]  # one transaction; the ten that came meanwhile wait for the next batch
        assert logger.pending == 10
        assert await storage.replies.count_replies(1) == 30


@pytest.mark.usefixtures("backend")
async def test_a_full_batch_is_written_without_waiting_for_the_flush_interval(tmp_path: Path) -> None:
    """SQLite batches are longer than PostgreSQL's (bot/discussion/logger.py: what each backend's writes cost)."""
    async with await open_db(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=3600)
        on_postgres = storage.dialect == "postgresql"
        assert logger.max_batch == (POSTGRES_MAX_BATCH if on_postgres else MAX_BATCH)
        assert ReplyLogger(storage).flush_seconds == (POSTGRES_FLUSH_SECONDS if on_postgres else FLUSH_SECONDS)
        await logger.start([])
        try:
            for i in range(logger.max_batch - 1):
                logger._queue(reply(i))
            await asyncio.sleep(0.2)
            assert await storage.replies.count_replies(1) == 0  # below a batch: waits for the interval
            logger._queue(reply(logger.max_batch))

            async def written() -> bool:
                return await storage.replies.count_replies(1) == logger.max_batch

            await eventually(written)
        finally:
            await logger.stop()


async def test_a_backlog_written_inline_lets_the_event_loop_run_between_chunks(tmp_path: Path) -> None:
    """Each chunk is written on the event loop's thread; a backlog of many chunks must not hold the loop for
    all of them (heartbeats and commands wait meanwhile): other tasks run between every two chunks."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=3600)
        for i in range(5 * MAX_CHUNK):
            logger._queue(reply(i))
        ticks: list[int] = []
        done = False

        async def ticker() -> None:
            while not done:
                ticks.append(len(ticks))
                await asyncio.sleep(0)

        chunks: list[int] = []
        write = logger._write

        async def watched(ops: list[Any]) -> None:
            chunks.append(len(ticks))
            await write(ops)

        logger._write = watched  # type: ignore[method-assign]
        running = asyncio.create_task(ticker())
        await logger.flush()
        done = True
        await running
        assert len(chunks) >= 5
        assert all(later > earlier for earlier, later in itertools.pairwise(chunks)), chunks  # the loop ran between
        assert await storage.replies.count_replies(1) == 5 * MAX_CHUNK


@settings(max_examples=500)
@example(snowflake=0)
@example(snowflake=discord.utils.time_snowflake(datetime(2026, 11, 21, 9, tzinfo=UTC)))  # a whole second
@given(snowflake=st.integers(min_value=0, max_value=2**63 - 1))
def test_snowflake_iso_is_to_iso_of_discord_pys_created_at(snowflake: int) -> None:
    """The logger stores a reply's time from its id (no datetime per message): the same text as before."""
    assert snowflake_iso(snowflake) == to_iso(discord.utils.snowflake_time(snowflake))
    assert snowflake_iso(snowflake) == snowflake_iso(snowflake)  # from the cache of seconds, too


async def test_the_write_ahead_log_is_checkpointed_off_the_event_loop(tmp_path: Path) -> None:
    """The inline connection never checkpoints (a checkpoint ends in an fsync the loop would wait for): the
    rows stay in the write-ahead log until CHECKPOINT_ROWS have been written, then a PASSIVE checkpoint in
    aiosqlite's thread copies them into the database file."""
    db = tmp_path / "bot.db"
    async with await Storage.open(db) as storage:
        written = 0
        await storage.replies.apply_reply_ops([reply(i) for i in range(MAX_CHUNK)])
        written += MAX_CHUNK
        size = db.stat().st_size
        while written + MAX_CHUNK < CHECKPOINT_ROWS:
            await storage.replies.apply_reply_ops([reply(i) for i in range(written, written + MAX_CHUNK)])
            written += MAX_CHUNK
        await asyncio.sleep(0.2)
        assert db.stat().st_size == size  # everything still in the log: no checkpoint on the event loop
        await storage.replies.apply_reply_ops([reply(i) for i in range(written, written + MAX_CHUNK)])
        written += MAX_CHUNK
        await eventually(lambda: db.stat().st_size > size)  # copied into the file, by the checkpoint task
        assert await storage.replies.count_replies(1) == written


async def test_stop_ends_the_flusher_even_when_the_driver_reports_its_cancellation_as_another_error(
    tmp_path: Path,
) -> None:
    """asyncpg turns a query cancelled under it into TimeoutError (its rollback waits for the cancellation with a
    timeout): the flusher, cancelled mid-write, must end all the same and not retry for ever (closing its task
    group hung), with the chunk back in the queue."""
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0)
        write = logger._write
        entered = asyncio.Event()

        async def cancelled_as_timeout(ops: list[Any]) -> None:
            entered.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                raise TimeoutError from None

        logger._write = cancelled_as_timeout  # type: ignore[method-assign]
        await logger.start([])
        for i in range(5):
            logger._queue(reply(i))
        await asyncio.wait_for(entered.wait(), 5)
        await asyncio.wait_for(logger._tasks.close(), 5)  # what a shutdown of the bot's tasks does
        assert logger.pending == 5
        logger._write = write  # type: ignore[method-assign]
        await logger.stop()
        assert logger.pending == 0
        assert await storage.replies.count_replies(1) == 5


async def test_stop_lets_a_chunk_being_written_finish_instead_of_cancelling_it(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=0)
        write = logger._write
        entered, release = asyncio.Event(), asyncio.Event()
        outcomes: list[str] = []

        async def slow(ops: list[Any]) -> None:
            entered.set()
            try:
                await release.wait()
                await write(ops)
                outcomes.append("written")
            except asyncio.CancelledError:
                outcomes.append("cancelled")
                raise

        logger._write = slow  # type: ignore[method-assign]
        await logger.start([])
        for i in range(5):
            logger._queue(reply(i))
        await asyncio.wait_for(entered.wait(), 5)
        stopping = asyncio.create_task(logger.stop())
        await asyncio.sleep(0.1)
        assert not stopping.done()  # waits for the chunk
        release.set()
        await asyncio.wait_for(stopping, 5)
        assert outcomes == ["written"]
        assert await storage.replies.count_replies(1) == 5
