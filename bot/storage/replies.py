"""Logged replies: batched writes, export rows and participation figures (SPEC §7)."""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3
from bisect import bisect_left
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from bot.crypto import DecryptionError
from bot.storage.database import Row, StorageError
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, snowflake_iso, to_iso

if TYPE_CHECKING:
    from bot.storage.database import Connection

log = logging.getLogger(__name__)

KEY_CHECK = "data_key.check"  # meta key: the DATA_KEY's check value (crypto.ContentCipher.key_check)
ENCRYPT_BATCH = 500


class ReplyRecord(NamedTuple):
    """A reply to store. `upsert` (from an edit) replaces content of a live row; a create never does.

    A NamedTuple, as the reply logger makes one per logged message: from its values in field order with
    tuple.__new__, 0.13 µs against 0.39 for a slots dataclass (timeit), and a batch unpacks it in one step.
    """

    message_id: int
    guild_id: int
    post_date: date
    prompt_id: str
    thread_id: int
    channel_id: int
    author_id: int
    author_name: str
    created_at: datetime | None  # None: the time in the message's id, as for every Discord message (snowflake_iso)
    edited_at: datetime | None
    content: str
    upsert: bool = False


@dataclass(frozen=True, slots=True)
class ReplyDelete:
    guild_id: int
    message_ids: tuple[int, ...]
    deleted_at: datetime


ReplyOp = ReplyRecord | ReplyDelete


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One row of the export, in SPEC §7's column order."""

    post_date: str
    prompt_id: str
    message_id: int
    thread_id: int
    author_id: int
    author_name: str
    created_at: str
    edited_at: str | None  # None for a reply never edited: null in JSONL, an empty cell in CSV
    content: str
    highlighted: bool = False  # a moderator highlighted it (SPEC §11)
    reaction_count: int = 0  # members' reactions on it, one per member and emoji


EXPORT_COLUMNS = tuple(ExportRow.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class DayFigures:
    post_date: date
    prompt_id: str
    replies: int
    participants: int


@dataclass(frozen=True, slots=True)
class Participant:
    author_id: int
    author_name: str
    replies: int


_INSERT = (
    "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
    "author_name, created_at, edited_at, content, content_enc) "
    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ? "
    "WHERE NOT EXISTS (SELECT 1 FROM optouts WHERE guild_id = ? AND user_id = ?) "
    "AND NOT EXISTS (SELECT 1 FROM forgotten_members WHERE guild_id = ? AND user_id = ? AND before_id >= ?) "
    "AND ? >= COALESCE((SELECT purged_before FROM guilds WHERE guild_id = ?), '') "
)
_CREATE = _INSERT + "ON CONFLICT (message_id) DO NOTHING"
_DELETE = (
    "UPDATE replies SET content = NULL, content_enc = 0, author_name = NULL, deleted_at = ? "
    "WHERE message_id = ? AND guild_id = ?"
)
_UPSERT = (
    _INSERT + "ON CONFLICT (message_id) DO UPDATE SET content = excluded.content, "
    "content_enc = excluded.content_enc, edited_at = excluded.edited_at, author_name = excluded.author_name "
    "WHERE replies.deleted_at IS NULL AND replies.guild_id = excluded.guild_id"
)


# Each post's replies through replies_guild_day (server, post date, thread): the post's replies only.
# A constant, so the benchmark can show its query plan.
DAY_FIGURES_SQL = (
    "SELECT p.post_date, p.prompt_id, COUNT(r.message_id) AS replies, "
    "COUNT(DISTINCT r.author_id) AS participants FROM daily_posts AS p "
    "LEFT JOIN replies AS r ON r.guild_id = p.guild_id AND r.post_date = p.post_date "
    "AND r.thread_id = p.message_id "
    "AND r.deleted_at IS NULL "
    "WHERE p.guild_id = ? AND p.post_date >= ? AND p.status = 'sent' "
    "GROUP BY p.post_date, p.prompt_id ORDER BY p.post_date"
)


# Where the backfill resumes in a post's thread (a constant, so a test can show its query plan).
LAST_REPLY_ID_SQL = (
    "SELECT MAX(message_id) FROM replies WHERE guild_id = ? AND post_date = ? AND thread_id = ? "
    "AND channel_id = thread_id AND message_id < ?"
)


# _CREATE without its per-row checks: write_inline's batches check once per server instead (_admitted).
_CREATE_ADMITTED = (
    "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
    "author_name, created_at, edited_at, content, content_enc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?) "
    "ON CONFLICT (message_id) DO NOTHING"
)


# A batch of new replies as one statement in the writer thread (Database.write_parallel): _INSERT's checks for
# every row, over a VALUES list of one of PARALLEL_SIZES rows. A batch is padded to the next size with rows of
# zeros, which `column1 > 0` leaves out, so that each size is prepared once (the writer connection's statement
# cache keeps them): preparing a statement lets go of the GIL too, and each hand-over of the GIL costs the
# event loop (bot.storage.writer). Padding costs at most as many rows of zeros as the batch has, bound as ints.
PARALLEL_SIZES = (1, 2, 4, 8, 16, 32, 64, 125, 250, 500, 1000)
_PAD = (0,) * 12


_VALUES_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_VALUES_INSERT = (
    "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
    "author_name, created_at, edited_at, content, content_enc) "
    "SELECT column1, column2, column3, column4, column5, column6, column7, column8, column9, "
    "NULLIF(column10, ''), column11, column12 FROM (VALUES {rows}) "
    "WHERE column1 > 0 "
    "AND NOT EXISTS (SELECT 1 FROM optouts WHERE guild_id = column2 AND user_id = column7) "
    "AND NOT EXISTS (SELECT 1 FROM forgotten_members WHERE guild_id = column2 AND user_id = column7 "
    "AND before_id >= column1) "
    "AND column9 >= COALESCE((SELECT purged_before FROM guilds WHERE guild_id = column2), '') "
    "ON CONFLICT (message_id) DO NOTHING"
)


_CREATE_VALUES = {size: _VALUES_INSERT.format(rows=", ".join([_VALUES_ROW] * size)) for size in PARALLEL_SIZES}


def _with_checks(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A reply's twelve values followed by the parameters of _INSERT's checks: opted out, forgotten, purged."""
    return (*row, row[1], row[6], row[1], row[6], row[0], row[8], row[1])


def _apply_inline(conn: sqlite3.Connection, runs: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
    for sql, rows in runs:
        if sql is _CREATE:
            conn.executemany(_CREATE_ADMITTED, _admitted(conn, rows))
        else:
            conn.executemany(sql, rows if sql is _DELETE else [_with_checks(row) for row in rows])


def _admitted(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows _INSERT's checks let in (not opted out, not forgotten, not older than the server's purge),
    read once per server and author of the batch rather than three lookups per row: ~3 µs a reply less
    (bench/README §1). Inside write_inline's transaction, so nothing changes between check and insert."""
    authors: dict[int, set[int]] = {}
    for guild_id, author_id in set(map(itemgetter(1, 6), rows)):
        authors.setdefault(guild_id, set()).add(author_id)
    refused: set[tuple[int, int]] = set()
    forgotten: dict[tuple[int, int], int] = {}
    purged: dict[int, str] = {}
    for guild_id, members in authors.items():
        ids = json.dumps(sorted(members))
        for (user_id,) in conn.execute(
            "SELECT user_id FROM optouts WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?))",
            (guild_id, ids),
        ):
            refused.add((guild_id, user_id))
        for user_id, before_id in conn.execute(
            "SELECT user_id, before_id FROM forgotten_members "
            "WHERE guild_id = ? AND user_id IN (SELECT value FROM json_each(?))",
            (guild_id, ids),
        ):
            forgotten[guild_id, user_id] = before_id
        cutoff = conn.execute("SELECT purged_before FROM guilds WHERE guild_id = ?", (guild_id,)).fetchone()
        if cutoff is not None and cutoff[0]:
            purged[guild_id] = cutoff[0]
    if not refused and not forgotten and not purged:
        return rows  # nobody of the batch opted out or was forgotten, and no server was purged
    return [
        row
        for row in rows
        if (row[1], row[6]) not in refused
        and forgotten.get((row[1], row[6]), -1) < row[0]
        and row[8] >= purged.get(row[1], "")
    ]


class ReplyStore(Store):
    async def apply_reply_ops(self, ops: Sequence[ReplyOp]) -> None:
        """Apply creates, edits and deletes in order, in one transaction. Idempotent per message.

        Consecutive changes of the same kind go to SQLite as one executemany: each aiosqlite call is a
        round trip to its worker thread, which costs far more than the row itself.

        The changes are applied in message id order (each message's own changes keep their order; a change
        touches its message's row only): two processes writing overlapping batches then lock the rows in the
        same order and cannot deadlock on PostgreSQL.
        """
        # sort() is stable: one message's own changes stay in the order they happened.
        changes = self._changes(ops)
        changes.sort(key=itemgetter(0))
        runs = [(sql, [change[2] for change in run]) for sql, run in groupby(changes, key=itemgetter(1))]

        if len(runs) == 1 and runs[0][0] is _CREATE and await self._write_parallel(runs[0][1]):
            return  # new replies only (most batches): SQLite's work on the other core
        if await self.db.write_inline(lambda conn: _apply_inline(conn, runs)):  # SQLite, the file free
            return
        async with self.transaction() as conn:
            for sql, rows in runs:
                await conn.executemany(sql, rows if sql is _DELETE else [_with_checks(row) for row in rows])

    async def _write_parallel(self, rows: list[tuple[Any, ...]]) -> bool:
        """New replies in one statement of the writer thread (Database.write_parallel); False: not written."""
        count = len(rows)
        if count > PARALLEL_SIZES[-1]:
            return False
        size = PARALLEL_SIZES[bisect_left(PARALLEL_SIZES, count)]
        params = list(chain.from_iterable(rows))
        if size > count:
            params.extend(_PAD * (size - count))
        return await self.db.write_parallel(_CREATE_VALUES[size], params, count)

    async def tombstone_replies(self, records: Sequence[ReplyRecord], now: datetime) -> None:
        """Store replies that were never written as tombstones only (ids and times; no author, name or text).

        Used when a member is forgotten while their replies wait in memory: the tombstone keeps the
        backfill from logging them again from the thread's history, as for a stored reply.
        """
        rows = [
            (
                r.message_id,
                r.guild_id,
                r.post_date.isoformat(),
                r.prompt_id,
                r.thread_id,
                r.channel_id,
                to_iso(r.created_at) if r.created_at else snowflake_iso(r.message_id),
                to_iso(now),
            )
            for r in sorted(records, key=lambda r: r.message_id)  # key order: see apply_reply_ops
        ]
        async with self.transaction() as conn:
            await conn.executemany(
                "INSERT INTO replies (message_id, guild_id, post_date, prompt_id, thread_id, channel_id, author_id, "
                "created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (message_id) DO NOTHING",
                rows,
            )

    def _changes(self, ops: Sequence[ReplyOp]) -> list[tuple[int, str, tuple[Any, ...]]]:
        """(message id, statement, values) for each row the ops change: a reply's twelve column values (the
        parameters of _INSERT's checks are added where a statement has them), a deletion's parameters.

        Every logged reply passes here, so it is one loop (0.6 µs a reply against 2.0 before; timeit, batches of
        1,000). An unedited reply's edited_at is '' (the statements store NULLIF(?, '')): binding None costs Python
        3.11's sqlite3 module an adapter lookup that formats and drops an AttributeError, ~3,000 instructions a
        reply (callgrind of python -m bench's reply_logging rig), 0.5 µs of the ~1 µs its twelve values take.
        """
        seal, blob = self.cipher.seal, self.db.blob
        as_is = not self.cipher.encrypts and self.db.blob_keeps_text  # neither sealed nor converted
        days: dict[date, str] = {}  # date.isoformat() formats through PyUnicode_FromFormat: ~3,000 instructions
        changes: list[tuple[int, str, tuple[Any, ...]]] = []
        add = changes.append
        for op in ops:
            if isinstance(op, ReplyRecord):
                (message_id, guild_id, day, prompt_id, thread_id, channel_id, author_id, author_name, created, edited,
                 content, upsert) = op  # fmt: skip
                stored: str | bytes | None
                if as_is:
                    stored, encrypted = content, 0
                else:
                    sealed, was_sealed = seal(content, message_id)
                    stored, encrypted = blob(sealed), 1 if was_sealed else 0
                post_date = days.get(day)
                if post_date is None:
                    post_date = days[day] = day.isoformat()
                add(
                    (
                        message_id,
                        _UPSERT if upsert else _CREATE,
                        (
                            message_id,
                            guild_id,
                            post_date,
                            prompt_id,
                            thread_id,
                            channel_id,
                            author_id,
                            author_name,
                            to_iso(created) if created else snowflake_iso(message_id),
                            to_iso(edited) if edited else "",
                            stored,
                            encrypted,
                        ),
                    )
                )
            else:
                deleted_at = to_iso(op.deleted_at)
                for mid in op.message_ids:
                    add((mid, _DELETE, (deleted_at, mid, op.guild_id)))
        return changes

    async def prepare_data_key(self) -> int:
        """At start-up: make the stored replies match DATA_KEY; returns how many were encrypted now.

        With a key, replies stored in plain text (before the key was set) are encrypted, all in one
        transaction. A key that does not open the encrypted replies, or no key while there are any, stops
        the start with a StorageError naming DATA_KEY: nothing would be readable, and mixing two keys would
        make the older replies unreadable for good.
        """
        async with self.transaction() as conn:
            async with conn.execute("SELECT value FROM meta WHERE key = ?", (KEY_CHECK,)) as cursor:
                row = await cursor.fetchone()
            stored = row[0] if row else None
            async with conn.execute(
                "SELECT message_id, content FROM replies WHERE content_enc = 1 AND content IS NOT NULL LIMIT 1"
            ) as cursor:
                sample = await cursor.fetchone()
            check = self.cipher.key_check
            if check is None:
                if sample is not None:
                    raise StorageError(
                        "the stored replies are encrypted but DATA_KEY is not set: set the DATA_KEY they were "
                        "encrypted with"
                    )
                await conn.execute("DELETE FROM meta WHERE key = ?", (KEY_CHECK,))  # nothing encrypted is left
                return 0
            if sample is not None and not self._opens(stored, check, sample):
                raise StorageError(
                    "DATA_KEY is not the key the stored replies were encrypted with: set that key again "
                    "(it is not kept in the database, so it cannot be recovered from there)"
                )
            encrypted = await self._encrypt_plain_rows(conn)
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (KEY_CHECK, check),
            )
        if encrypted:
            log.info("Encrypted %d replies stored before DATA_KEY was set", encrypted)
        return encrypted

    def _opens(self, stored: str | None, check: str, sample: Row) -> bool:
        """Whether this key is the one of the encrypted replies: by the stored check value, else by trying one."""
        if stored is not None:
            return hmac.compare_digest(stored, check)
        try:
            self.cipher.open(sample["content"], True, sample["message_id"])
        except DecryptionError:
            return False
        return True

    async def _encrypt_plain_rows(self, conn: Connection) -> int:
        """Seal every reply stored in plain text, in batches, inside the caller's transaction."""
        count, after = 0, -(2**63)
        while True:
            async with conn.execute(
                "SELECT message_id, content FROM replies WHERE content_enc = 0 AND content IS NOT NULL "
                "AND message_id > ? ORDER BY message_id LIMIT ?",
                (after, ENCRYPT_BATCH),
            ) as cursor:
                rows = list(await cursor.fetchall())
            if not rows:
                return count
            sealed = []
            for row in rows:
                text = self.cipher.open(row["content"], False, row["message_id"]) or ""
                sealed.append((self.blob(self.cipher.seal(text, row["message_id"])[0]), row["message_id"]))
            await conn.executemany("UPDATE replies SET content = ?, content_enc = 1 WHERE message_id = ?", sealed)
            count += len(rows)
            after = rows[-1]["message_id"]

    async def last_reply_id(
        self, guild_id: int, post_date: date, thread_id: int, *, before: int | None = None
    ) -> int | None:
        """The newest logged message id in a daily post's thread (backfill resumes after it), below `before`."""
        row = await self.read_one(
            LAST_REPLY_ID_SQL, (guild_id, post_date.isoformat(), thread_id, before if before is not None else 2**63 - 1)
        )
        return int(row[0]) if row and row[0] is not None else None

    async def live_replies(
        self, guild_id: int, post_date: date, thread_id: int, channel_id: int
    ) -> dict[int, datetime | None]:
        """The post's stored, not deleted replies written in `channel_id`: message id -> when last edited."""
        rows = await self.read(
            "SELECT message_id, edited_at FROM replies WHERE guild_id = ? AND post_date = ? AND thread_id = ? "
            "AND channel_id = ? AND deleted_at IS NULL",
            (guild_id, post_date.isoformat(), thread_id, channel_id),
        )
        return {int(r["message_id"]): from_iso(r["edited_at"]) if r["edited_at"] else None for r in rows}

    async def count_replies(self, guild_id: int, *, include_deleted: bool = False) -> int:
        sql = (
            "SELECT COUNT(*) FROM replies WHERE guild_id = ?"
            if include_deleted
            else "SELECT COUNT(*) FROM replies WHERE guild_id = ? AND deleted_at IS NULL"
        )
        row = await self.read_one(sql, (guild_id,))
        return int(row[0]) if row else 0

    async def get_reply_content(self, guild_id: int, message_id: int) -> str | None:
        row = await self.read_one(
            "SELECT content, content_enc FROM replies WHERE guild_id = ? AND message_id = ?", (guild_id, message_id)
        )
        if row is None:
            return None
        return self.cipher.open(row["content"], bool(row["content_enc"]), message_id)

    async def export_rows(self, guild_id: int, *, unreadable: list[int] | None = None) -> AsyncIterator[ExportRow]:
        """Every live reply of the server, oldest post first, content decrypted.

        With `unreadable`, a reply whose content cannot be decrypted (tampered with, or sealed with another
        key) is left out and its message id appended there, so that one bad row does not block the rest;
        without it, DecryptionError is raised.
        """
        rows = self.stream(
            "SELECT post_date, prompt_id, message_id, thread_id, author_id, author_name, created_at, edited_at, "
            "content, content_enc, "
            "EXISTS (SELECT 1 FROM reply_highlights AS h WHERE h.guild_id = replies.guild_id "
            "AND h.message_id = replies.message_id) AS highlighted, "
            "(SELECT COUNT(*) FROM reply_reactions AS x WHERE x.guild_id = replies.guild_id "
            "AND x.message_id = replies.message_id) AS reaction_count "
            "FROM replies WHERE guild_id = ? AND deleted_at IS NULL "
            "ORDER BY post_date, created_at, message_id",
            (guild_id,),
        )
        async for row in rows:
            try:
                export = self._export_row(row)
            except DecryptionError:
                if unreadable is None:
                    raise
                unreadable.append(row["message_id"])
                continue
            yield export

    def _export_row(self, row: Row) -> ExportRow:
        content = self.cipher.open(row["content"], bool(row["content_enc"]), row["message_id"])
        return ExportRow(
            post_date=row["post_date"],
            prompt_id=row["prompt_id"],
            message_id=row["message_id"],
            thread_id=row["thread_id"],
            author_id=row["author_id"],
            author_name=row["author_name"] or "",
            created_at=row["created_at"],
            edited_at=row["edited_at"],
            content=content or "",
            highlighted=bool(row["highlighted"]),
            reaction_count=int(row["reaction_count"]),
        )

    async def day_figures(self, guild_id: int, since: date) -> list[DayFigures]:
        """Replies and participants for each daily post since `since` (posts without replies included)."""
        rows = await self.read(
            DAY_FIGURES_SQL,
            (guild_id, since.isoformat()),
        )
        return [
            DayFigures(date.fromisoformat(r["post_date"]), r["prompt_id"], r["replies"], r["participants"])
            for r in rows
        ]

    async def participant_count(self, guild_id: int, since: date) -> int:
        row = await self.read_one(
            "SELECT COUNT(DISTINCT author_id) FROM replies WHERE guild_id = ? AND post_date >= ? "
            "AND deleted_at IS NULL",
            (guild_id, since.isoformat()),
        )
        return int(row[0]) if row else 0

    async def top_participants(self, guild_id: int, since: date, limit: int = 5) -> list[Participant]:
        rows = await self.read(
            "SELECT author_id, MAX(author_name) AS name, COUNT(*) AS n FROM replies "
            "WHERE guild_id = ? AND post_date >= ? AND deleted_at IS NULL "
            "GROUP BY author_id ORDER BY n DESC, author_id LIMIT ?",
            (guild_id, since.isoformat(), limit),
        )
        return [Participant(r["author_id"], r["name"] or "", r["n"]) for r in rows]


# A member's replies go with them (their name and text with the row); a server's go with the server.
DELETION = Deletion(
    feature="replies",
    member=("DELETE FROM replies WHERE guild_id = ? AND author_id = ?",),
    guild=("DELETE FROM replies WHERE guild_id = ?",),
)
