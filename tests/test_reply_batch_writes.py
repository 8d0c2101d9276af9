"""How the reply logger's batches reach SQLite (issue 16 §2): one statement over a JSON array of rows,
stored exactly as the per-row executemany stores them, and batches that follow a burst instead of chasing it."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import bot.storage.replies as replies_module
from bot.discussion.logger import MAX_BATCH, ReplyLogger
from bot.storage import ReplyDelete, ReplyRecord, Storage
from tests.harness import eventually

START = datetime(2026, 11, 21, 9, tzinfo=UTC)
COLUMNS = (
    "message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, author_name, created_at, "
    "edited_at, content, content_enc, deleted_at"
)


def reply(i: int, content: str = "Not quite my tempo.", *, author: int = 5, name: str = "Andrew", guild: int = 1,
          edited: bool = False, upsert: bool = False) -> ReplyRecord:  # fmt: skip
    moment = START + timedelta(seconds=i, milliseconds=i % 1000)
    return ReplyRecord(
        message_id=discord.utils.time_snowflake(moment) + i,
        guild_id=guild,
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


async def write_both_ways(folder: Path, ops: list[Any], monkeypatch: Any) -> tuple[list[Any], list[Any], int]:
    """The rows stored through the JSON statement and through executemany, and how often JSON was used."""
    used = 0
    packer = replies_module._json_rows

    def counting(rows: list[tuple[Any, ...]]) -> str | None:
        nonlocal used
        packed = packer(rows)
        used += packed is not None
        return packed

    results = []
    for name, pack in (("json", counting), ("many", lambda rows: None)):
        monkeypatch.setattr(replies_module, "_json_rows", pack)
        async with await Storage.open(folder / f"{name}.db") as storage:
            await storage.privacy.set_optout(1, 666, True, START)
            await storage.replies.apply_reply_ops(ops)
            results.append(await stored_rows(storage))
    return results[0], results[1], used


async def test_the_json_statement_stores_what_executemany_stores(tmp_path: Path, monkeypatch: Any) -> None:
    ops: list[Any] = [
        reply(1),
        reply(2, 'quotes " and \\ back-slashes, ünïcödé, 🥁, <@123> and a\nnew line', name="Nicole ü"),
        reply(3, "", edited=True),
        reply(4, "x" * 4000),
        reply(5, "an opted-out member's reply", author=666),  # the optout check, inside the statement
        reply(6, "'; DROP TABLE replies; --"),
        reply(6, "a duplicate create changes nothing"),
    ]
    ops.append(ReplyDelete(1, (ops[0].message_id,), START + timedelta(hours=1)))
    ops.append(reply(7, "after a deletion"))
    via_json, via_many, used = await write_both_ways(tmp_path, ops, monkeypatch)
    assert used >= 1  # the creates went through the JSON statement
    assert via_json == via_many
    assert len(via_json) == 6 and via_json[0][10] is None  # deleted; the opted-out member's reply never stored
    assert via_json[1][10] == ops[1].content and via_json[1][8] == "2026-11-21T09:00:02.002000Z"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(texts=["before\x00after", "plain"])
@given(texts=st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=60), min_size=1, max_size=6))
def test_any_text_is_stored_exactly_either_way(texts: list[str], monkeypatch: Any) -> None:
    """Every character a message can hold (NUL too: SQLite's JSON would end the text there, so such a batch
    goes the executemany way) comes back as it was sent."""
    ops = [reply(i, text) for i, text in enumerate(texts)]
    with tempfile.TemporaryDirectory() as folder:
        via_json, via_many, _ = asyncio.run(write_both_ways(Path(folder), ops, monkeypatch))
    assert via_json == via_many
    assert [row[10] for row in via_json] == [op.content for op in sorted(ops, key=lambda op: op.message_id)]


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


async def test_a_full_batch_is_written_without_waiting_for_the_flush_interval(tmp_path: Path) -> None:
    async with await Storage.open(tmp_path / "bot.db") as storage:
        logger = ReplyLogger(storage, flush_seconds=3600)
        await logger.start([])
        try:
            for i in range(MAX_BATCH - 1):
                logger._queue(reply(i))
            await asyncio.sleep(0.2)
            assert await storage.replies.count_replies(1) == 0  # below a batch: waits for the interval
            logger._queue(reply(MAX_BATCH))

            async def written() -> bool:
                return await storage.replies.count_replies(1) == MAX_BATCH

            await eventually(written)
        finally:
            await logger.stop()
