"""A what-if for reply logging, measured next to the real logger: the same batch written with executemany.

`Storage.apply_reply_ops` runs one `await conn.execute()` per reply, and every aiosqlite call is a
round trip to its worker thread (~100-150 µs here), so a batch costs far more than SQLite's own insert
(~6 µs a row). This variant sends each run of consecutive plain creates to SQLite in one executemany,
same SQL, same transaction; any other op falls back to the real method. It exists only to show what
the change would buy; the bot's own code is what `logging_msgs_per_s` measures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.storage import ReplyOp, ReplyRecord, Storage
from bot.storage.replies import _CREATE
from bot.timeutil import to_iso


def _params(storage: Storage, op: ReplyRecord) -> tuple[Any, ...]:
    stored, encrypted = storage.cipher.seal(op.content, op.message_id)
    return (
        op.message_id,
        op.guild_id,
        op.post_date.isoformat(),
        op.prompt_id,
        op.thread_id,
        op.channel_id,
        op.author_id,
        op.author_name,
        to_iso(op.created_at),
        to_iso(op.edited_at) if op.edited_at else None,
        stored,
        int(encrypted),
        op.guild_id,
        op.author_id,
    )


def grouped_apply(storage: Storage) -> Callable[[Sequence[ReplyOp]], Awaitable[None]]:
    original = storage.apply_reply_ops

    async def apply(ops: Sequence[ReplyOp]) -> None:
        if not all(isinstance(op, ReplyRecord) and not op.upsert for op in ops):
            await original(ops)
            return
        rows = [_params(storage, op) for op in ops if isinstance(op, ReplyRecord)]
        async with storage.transaction() as conn:
            await conn.executemany(_CREATE, rows)

    return apply
