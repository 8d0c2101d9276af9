"""Logs replies to daily posts: creates, edits and deletes, written in batches (SPEC §7).

A reply is a message in the thread of a daily post (the thread id equals the post's message id),
or a Discord reply to the daily post itself. Writes are queued and flushed in one transaction
per batch, at the latest FLUSH_SECONDS after the first queued change and on shutdown, so logging
keeps pace with discord.py's own event dispatch. Every write is idempotent on the message id.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import discord

from bot.storage import DailyPost, ReplyDelete, ReplyOp, ReplyRecord, Storage
from bot.storage.database import INTEGRITY_ERRORS, is_locked
from bot.tasks import TaskGroup

log = logging.getLogger(__name__)

# A batch waits at most FLUSH_SECONDS, or until MAX_BATCH changes are queued, and is written in transactions of
# at most MAX_CHUNK (a backlog drains in steps, also onto a nearly full disk). On SQLite a chunk of new replies is
# one statement in a writer thread (Database.write_parallel: the loop binds its values, ~2 ms for 1,000, and SQLite
# inserts them beside it, ~5 ms); any other chunk is written on the event loop (Database.write_inline: 1,000
# replies hold it ~10 ms, its COMMIT 1.1 µs a reply against 2.5 at 250 a chunk). Longer, rarer write phases cost
# the loop less than the same rows in many short ones (the parser's and SQLite's working sets stay in the caches):
# 0.25 s and 2,000 against 0.1 s and 1,000 took the logger's cost per message from 30 to 18 µs and from 53 to 32 µs
# in two side-by-side runs when every chunk was written inline (bench/README §1); with the writer thread, 0.1 s and
# 1,000 or 0.05 s and 500 were no better (0.827 and 0.823 of bare against 0.886, 30 repetitions side by side). A
# reply then reaches the database within a quarter of a second; a crash before that loses nothing the backfill
# cannot read again. Larger chunks were slower: a transaction of 4,000 replies outgrows SQLite's page cache.
FLUSH_SECONDS = 0.25
MAX_BATCH = 2000
MAX_CHUNK = 1000
# On PostgreSQL a chunk is awaited round trips that the parser overlaps; only what is still queued when a burst
# ends is not overlapped, so batches stay short there: 0.1 s and 1,000 logged at 0.84 and 0.81 of bare against
# 0.73, 0.71 and 0.70 at 0.25 s and 2,000 (medians of 5, python -m bench --only reply_logging, bench/README §1).
POSTGRES_FLUSH_SECONDS = 0.1
POSTGRES_MAX_BATCH = 1000
TRACK_DAYS = 14  # replies are logged for daily posts this recent (their threads archive after a day)
PRUNE_SLACK = 1000
# Refusals of one row rather than of the database: the chunk is split to find and drop that row.
# Not ProgrammingError or ValueError: a closed connection raises those for every row alike.
ROW_ERRORS: tuple[type[Exception], ...] = (*INTEGRITY_ERRORS, OverflowError)  # either backend's
SHUTDOWN_ATTEMPTS = 5
BACKFILL_CHANNEL_LIMIT = 500  # channel messages scanned for Discord replies to a post
RECENT_DELETES = 10_000  # message ids remembered so a late create cannot resurrect a deleted reply
LOGGED_TYPES = frozenset({discord.MessageType.default, discord.MessageType.reply})
_new_record = tuple.__new__  # a ReplyRecord from its values in field order, without the constructor's argument checks


@dataclass(frozen=True, slots=True)
class PostRef:
    """What a reply is attached to."""

    guild_id: int
    post_date: date
    prompt_id: str
    thread_id: int  # equals the daily post's message id
    channel_id: int  # the channel the daily post is in


class ReplyLogger:
    def __init__(self, storage: Storage, *, flush_seconds: float | None = None) -> None:
        self.storage = storage
        on_postgres = storage.dialect == "postgresql"
        default_flush = POSTGRES_FLUSH_SECONDS if on_postgres else FLUSH_SECONDS
        self.flush_seconds = default_flush if flush_seconds is None else flush_seconds
        self.max_batch = POSTGRES_MAX_BATCH if on_postgres else MAX_BATCH
        self._posts: dict[int, PostRef] = {}
        self._next_prune = PRUNE_SLACK
        self._optouts: set[tuple[int, int]] = set()
        self._pending: list[ReplyOp] = []
        self._writing = 0  # changes taken off the queue by a write that has not committed yet
        self._wakeup = asyncio.Event()  # something is queued
        self._batch_full = asyncio.Event()  # max_batch changes are queued
        self._deleted: OrderedDict[int, None] = OrderedDict()
        # thread id -> the oldest reply received live in the current gateway session; backfill must read
        # from before it, because replies that arrive before on_ready are written before backfill starts.
        self._first_live: dict[int, int] = {}
        self._tasks = TaskGroup("reply-logger")
        self._flush_lock = asyncio.Lock()
        self._chunk = MAX_CHUNK
        self._failure: str | None = None  # the write failure last reported, so a retry does not repeat it
        self.written = 0

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self, posts: list[DailyPost]) -> None:
        for post in posts:
            self.register_post(post)
        self._optouts = await self.storage.discussion.optouts()
        self._tasks.spawn(self._flusher(), name="reply-flusher")

    async def stop(self) -> None:
        """Stop the flusher and write whatever is still queued (giving up after a few tries).

        A chunk being written is let finish first: cancelled half-way, a PostgreSQL transaction kept its rows
        locked until asyncpg's cancellation gave up, and the final flush waited minutes for them (python -m
        bench, reply_logging on PostgreSQL).
        """
        async with self._flush_lock:
            await self._tasks.close()
        await self.flush(max_attempts=SHUTDOWN_ATTEMPTS)
        if self._pending:
            log.error("%d reply changes could not be written before shutdown", len(self._pending))

    def register_post(self, post: DailyPost) -> None:
        """Start logging replies to a daily post; posts older than TRACK_DAYS are let go."""
        if post.message_id is None:
            return
        self._posts[post.message_id] = PostRef(
            post.guild_id, post.post_date, post.prompt_id, post.message_id, post.channel_id
        )
        if len(self._posts) > self._next_prune:
            newest = discord.utils.snowflake_time(max(self._posts))
            cutoff = discord.utils.time_snowflake(newest - timedelta(days=TRACK_DAYS))
            self._posts = {tid: ref for tid, ref in self._posts.items() if tid >= cutoff}
            self._next_prune = 2 * len(self._posts) + PRUNE_SLACK

    def set_opted_out(self, guild_id: int, user_id: int, opted_out: bool) -> None:
        if opted_out:
            self._optouts.add((guild_id, user_id))
            self._pending = [op for op in self._pending if not _by(op, guild_id, user_id)]
        else:
            self._optouts.discard((guild_id, user_id))

    def post_for(self, channel_id: int, reference_id: int | None) -> PostRef | None:
        """The daily post a message in `channel_id` (replying to `reference_id`) belongs to, if any."""
        ref = self._posts.get(channel_id)
        if ref is not None:
            return ref
        if reference_id is not None:
            ref = self._posts.get(reference_id)
            if ref is not None and ref.channel_id == channel_id:
                return ref
        return None

    def session_started(self, owns: Callable[[int], bool] | None = None) -> None:
        """A new gateway session (READY): what arrives from now on is live; what was missed is backfilled.

        With several shards in one process, `owns(guild_id)` names the servers of the shard that started
        afresh: the other shards' sessions go on, and so does what they received live.
        """
        if owns is None:
            self._first_live.clear()
            return
        self._first_live = {
            thread_id: first
            for thread_id, first in self._first_live.items()
            if (ref := self._posts.get(thread_id)) is not None and not owns(ref.guild_id)
        }

    def first_live(self, thread_id: int) -> int | None:
        """The oldest reply in the thread received live in this session, if any."""
        return self._first_live.get(thread_id)

    @property
    def tracked_posts(self) -> list[PostRef]:
        return list(self._posts.values())

    # ---- events --------------------------------------------------------------------------------

    def record_message(self, message: discord.Message, *, upsert: bool = False, live: bool = True) -> bool:
        """Queue a reply if the message is one; returns whether it was queued.

        `live` is False for messages read back from history by the backfill.
        """
        channel_id = message.channel.id
        ref = self._posts.get(channel_id)  # in a daily post's thread (or forum post)
        if ref is None:  # or a Discord reply to a daily post, in the post's own channel
            reference = message.reference
            ref = self._posts.get(reference.message_id) if reference and reference.message_id else None
            if ref is None or ref.channel_id != channel_id:
                return False
        guild = message.guild
        guild_id = guild.id if guild else getattr(message.channel, "guild_id", None)
        author = message.author
        if guild_id != ref.guild_id or author.bot or message.type not in LOGGED_TYPES:
            return False
        message_id = message.id
        if live and not upsert and channel_id == ref.thread_id:
            first = self._first_live.get(channel_id)
            if first is None or message_id < first:
                self._first_live[channel_id] = message_id
        if (guild_id, author.id) in self._optouts or message_id in self._deleted:
            return False
        self._queue(
            _new_record(  # ReplyRecord's fields, in order
                ReplyRecord,
                (
                    message_id,
                    guild_id,
                    ref.post_date,
                    ref.prompt_id,
                    ref.thread_id,
                    channel_id,
                    author.id,
                    author.display_name,
                    None,  # created_at: the time in the id, worked out when written (snowflake_iso)
                    message.edited_at,
                    message.content,
                    upsert,
                ),
            )
        )
        return True

    def record_edit(self, message: discord.Message) -> bool:
        """An edit: update the stored content (or store the reply if the create was missed)."""
        if message.edited_at is None:
            return False  # an embed unfurl or thread start, not an edit of the text
        return self.record_message(message, upsert=True)

    def record_delete(self, guild_id: int | None, channel_id: int, message_ids: list[int], at: datetime) -> None:
        if guild_id is None:
            return
        for mid in message_ids:
            self._deleted[mid] = None
            self._deleted.move_to_end(mid)
        while len(self._deleted) > RECENT_DELETES:
            self._deleted.popitem(last=False)
        self._queue(ReplyDelete(guild_id, tuple(message_ids), at))

    def _queue(self, op: ReplyOp) -> None:
        pending = self._pending
        if not pending:
            self._wakeup.set()  # and the flusher again after a flush that left changes queued
        pending.append(op)
        if len(pending) >= self.max_batch:
            self._batch_full.set()

    # ---- writing -------------------------------------------------------------------------------

    async def _flusher(self) -> None:
        while True:
            await self._wakeup.wait()
            if len(self._pending) < self.max_batch:
                # Until FLUSH_SECONDS have passed or a batch is full. A timer that sets the event, not
                # asyncio.timeout(), which works by cancelling this task: nothing here is ever cancelled
                # except by stop().
                self._batch_full.clear()
                timer = asyncio.get_running_loop().call_later(self.flush_seconds, self._batch_full.set)
                try:
                    await self._batch_full.wait()
                finally:
                    timer.cancel()
            self._wakeup.clear()
            try:
                await self.flush()
            except Exception as exc:  # flush keeps its rows; the flusher must outlive any surprise
                log.error("Writing replies failed unexpectedly (%s); the changes stay queued", exc)
                await asyncio.sleep(1.0)
            if self._pending:  # queued while it wrote (_queue wakes the flusher only when the queue was empty)
                self._wakeup.set()

    async def flush(self, *, max_attempts: int | None = None) -> None:
        """Write every change queued when called, a bounded chunk per transaction; on an error keep them
        and retry.

        Changes queued while it writes wait for the next batch: a steady stream is then written as one
        transaction per FLUSH_SECONDS, not as a transaction per handful of messages (each costs the event
        loop several round trips to the database thread). The lock is held for one attempt at a time, so a
        command that flushes for fresh figures with `max_attempts` returns after that many failed attempts
        even while the flusher keeps retrying. A chunk whose write fails or is cancelled goes back to the
        front of the queue, so a shutdown in the middle of a write loses nothing: `stop()` writes it.
        """
        attempt = 0
        budget = len(self._pending)  # what this call writes; the changes behind it are the next batch's
        while budget > 0 and self._pending and (max_attempts is None or attempt < max_attempts):
            async with self._flush_lock:
                if not self._pending:
                    return
                chunk = self._pending[: min(self._chunk, budget)]
                del self._pending[: len(chunk)]
                self._writing = len(chunk)
                try:
                    await self._write(chunk)
                except BaseException as exc:
                    self._pending[:0] = chunk
                    if not isinstance(exc, Exception):
                        raise  # cancelled: the chunk is queued again for whoever flushes next
                    if _cancelling():  # asyncpg reports a query cancelled under it as TimeoutError (python -m bench)
                        raise asyncio.CancelledError from exc
                    attempt += 1
                    self._chunk = max(1, self._chunk // 2)  # a nearly full disk still takes a smaller chunk
                    self._report_failure(exc, len(self._pending), attempt)
                else:
                    budget -= len(chunk)
                    self._chunk = min(MAX_CHUNK, self._chunk * 2)
                    if self._failure is not None and not self._pending:
                        log.warning("Every queued reply change is written again")
                        self._failure = None  # the next failure is news again
                    attempt = 0  # each success starts the back-off again: a disk that frees up drains quickly
                finally:
                    self._writing = 0
            if attempt == 0:
                # A chunk written inline (Database.write_inline) holds the event loop for its few ms; between
                # the chunks of a backlog the loop gets its turn (an uncontended lock does not yield).
                await asyncio.sleep(0)
                continue
            if max_attempts is not None and attempt >= max_attempts:
                return
            await asyncio.sleep(min(0.1 * 2**attempt, 5.0))

    async def _write(self, ops: list[ReplyOp]) -> None:
        """Write `ops` in one transaction; a change the database refuses for itself is isolated and dropped.

        Errors of the database as a whole (locked, full, read-only, unreadable) propagate: every row is
        kept and retried. A row-level refusal (a constraint, an unstorable value) splits the chunk in
        halves until the one change that can never be written is found; the others are written.
        """
        try:
            await self.storage.replies.apply_reply_ops(ops)
        except ROW_ERRORS as exc:
            if len(ops) == 1:
                _report_poison(ops[0], exc)
                return
            half = len(ops) // 2
            await self._write(ops[:half])
            await self._write(ops[half:])
        else:
            self.written += sum(1 for op in ops if isinstance(op, ReplyRecord))

    def _report_failure(self, exc: Exception, count: int, attempt: int) -> None:
        """One line per kind of failure, not one per retry."""
        text = f"{type(exc).__name__}: {exc}"
        if text == self._failure:
            return
        self._failure = text
        _report_write_failure(exc, count, attempt)

    async def forget(self, guild_id: int, user_id: int, now: datetime, *, before_id: int, opt_out: bool = False) -> int:
        """Forget a member: drop their queued changes, leave tombstones for them, delete what is stored.

        A queued reply that is dropped without a trace would be read again from the thread's history by
        the backfill after a restart (or after an opt-in); its tombstone (ids and time only) stops that.
        The flush lock keeps a chunk from being written half-way through. With `opt_out` nothing of theirs
        is queued from now on. Returns the rows deleted.
        """
        async with self._flush_lock:
            if opt_out:
                self._optouts.add((guild_id, user_id))
            queued = [op for op in self._pending if isinstance(op, ReplyRecord) and _by(op, guild_id, user_id)]
            self._pending = [op for op in self._pending if not _by(op, guild_id, user_id)]
            if queued:
                await self.storage.replies.tombstone_replies(queued, now)
            deleted = await self.storage.privacy.forget_member(guild_id, user_id, before_id)
        await self.storage.scrub()
        return deleted + len({op.message_id for op in queued if not op.upsert})

    @property
    def pending(self) -> int:
        """Changes not written yet: queued, or in a write that has not committed (waiting for a lock, say)."""
        return len(self._pending) + self._writing


@dataclass
class ReactionScan:
    """The replies of one post the backfill read: their ids, and those with reactions (for the counts)."""

    read: set[int] = field(default_factory=set)
    reacted: list[discord.Message] = field(default_factory=list)


async def backfill(
    bot: discord.Client,
    logger: ReplyLogger,
    refs: list[PostRef],
    now: datetime,
    scans: dict[int, ReactionScan] | None = None,
) -> int:
    """Catch up with what happened in the posts' threads while the bot was away; returns the replies queued.

    Each thread is read from the post on, oldest first. A message newer than the newest reply logged
    before this session's first live one is a new reply; Discord replies to the post in its channel are
    all new if not stored. A stored reply whose text was edited since is updated, and one missing from a
    fully read history was deleted. Creates never overwrite (a tombstone stays a tombstone), so all of it
    is idempotent with live events. One message discord.py cannot read, or one thread that fails, is
    logged and skipped; the rest is read. With `scans`, the replies read are noted per post (thread id) so
    their reaction counts can be compared afterwards (bot.discussion.highlights).
    """
    queued = 0
    for ref in refs:
        last = await logger.storage.replies.last_reply_id(
            ref.guild_id, ref.post_date, ref.thread_id, before=logger.first_live(ref.thread_id)
        )
        thread = bot.get_channel(ref.thread_id) or bot.get_partial_messageable(ref.thread_id, guild_id=ref.guild_id)
        channel = bot.get_channel(ref.channel_id) or bot.get_partial_messageable(ref.channel_id, guild_id=ref.guild_id)
        sources: list[tuple[Any, int, int | None]] = [(thread, last or ref.thread_id, None)]
        if not isinstance(channel, discord.ForumChannel):  # a forum has no messages of its own, only its posts
            sources.append((channel, ref.thread_id, BACKFILL_CHANNEL_LIMIT))
        for source, new_after, limit in sources:
            try:
                scan = scans.setdefault(ref.thread_id, ReactionScan()) if scans is not None else None
                queued += await _catch_up(bot, logger, ref, source, new_after, limit, now, scan)
            except discord.NotFound:
                continue  # the thread or channel is gone
            except Exception as exc:  # one thread must not stop the others
                log.warning("Backfill of post %s stopped early in channel %s: %s", ref.thread_id, source.id, exc)
    return queued


async def _catch_up(
    bot: discord.Client,
    logger: ReplyLogger,
    ref: PostRef,
    source: Any,
    new_after: int,
    limit: int | None,
    now: datetime,
    scan: ReactionScan | None = None,
) -> int:
    """Compare one channel's history since the post with the replies stored from it; queue the differences."""
    stored = await logger.storage.replies.live_replies(ref.guild_id, ref.post_date, ref.thread_id, source.id)
    seen: set[int] = set()
    queued = 0
    read = 0
    async for message_id, message in _history(bot, source, ref.thread_id, limit):
        read += 1
        seen.add(message_id)
        if message is None:
            continue
        is_reply = message_id in stored
        if message_id in stored:
            edited = stored[message_id]
            if message.edited_at is not None and (edited is None or message.edited_at > edited):
                logger.record_message(message, upsert=True, live=False)
        elif message_id > new_after:
            is_reply = logger.record_message(message, live=False)
            queued += is_reply
        if scan is not None and is_reply:
            scan.read.add(message_id)
            if message.reactions:
                scan.reacted.append(message)
    # Missing from the history means deleted only if the whole history since the post was read, and the bot
    # may read it: without Read Message History, Discord answers an empty list rather than an error.
    if (limit is None or read < limit) and _may_read_history(bot, ref):
        gone = sorted(mid for mid in stored if mid not in seen)
        if gone:
            logger.record_delete(ref.guild_id, source.id, gone, now)
    return queued


def _may_read_history(bot: discord.Client, ref: PostRef) -> bool:
    """Whether the bot can read the post's channel history (threads inherit it); False when unknown."""
    channel = bot.get_channel(ref.channel_id)
    if not isinstance(channel, discord.abc.GuildChannel) or channel.guild.me is None:
        return False
    return channel.permissions_for(channel.guild.me).read_message_history


async def _history(
    bot: discord.Client, source: Any, after: int, limit: int | None
) -> AsyncIterator[tuple[int, discord.Message | None]]:
    """A channel's messages after `after`, oldest first; None for one discord.py cannot read.

    discord.py's own `history()` ends for good at the first message it fails to parse (a field another
    Discord-compatible server sends differently), so the pages are fetched here and parsed one by one.
    """
    while limit is None or limit > 0:
        retrieve = 100 if limit is None else min(limit, 100)
        page = await bot.http.logs_from(source.id, retrieve, after=after)
        if limit is not None:
            limit -= len(page)
        for raw in sorted(page, key=lambda m: int(m["id"])):
            message_id = int(raw["id"])
            after = max(after, message_id)
            try:
                message: discord.Message | None = bot._connection.create_message(channel=source, data=raw)
            except Exception as exc:
                log.warning(
                    "Backfill skipped message %s in channel %s: it cannot be read (%s: %s)",
                    message_id,
                    source.id,
                    type(exc).__name__,
                    exc,
                )
                message = None
            yield message_id, message
        if len(page) < retrieve:
            return


def _report_write_failure(exc: Exception, count: int, attempt: int) -> None:
    """A busy database is routine (warning); one that cannot be written at all needs the operator (error)."""
    if isinstance(exc, sqlite3.OperationalError) and is_locked(exc):
        log.warning("Could not write %d reply changes (%s); retry %d", count, exc, attempt)
    else:
        log.error(
            "The database cannot be written (%s): %d reply changes are kept in memory and retried (attempt %d). "
            "Check that the database file and its folder are writable and that the disk has space.",
            exc,
            count,
            attempt,
        )


def _report_poison(op: ReplyOp, exc: Exception) -> None:
    what = f"reply {op.message_id}" if isinstance(op, ReplyRecord) else f"deletion of {list(op.message_ids)}"
    log.error("The database refuses to store %s in server %s (%s): it is skipped", what, op.guild_id, exc)


def _cancelling() -> bool:
    """Whether the running task has been asked to stop (by `stop()`, say)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _by(op: ReplyOp, guild_id: int, user_id: int) -> bool:
    return isinstance(op, ReplyRecord) and op.guild_id == guild_id and op.author_id == user_id
