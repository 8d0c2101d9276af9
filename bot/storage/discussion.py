"""Queries for schedules, daily posts, the prompt queue and logged replies (SPEC §6, §7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.sharding import ALL_SHARDS, ShardScope
from bot.storage.database import Row
from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import from_iso, to_iso

PostStatus = Literal["claimed", "sent", "failed"]
CLAIM_LOCK = 0x5750  # the `serialize` scope of a server's daily-post claims


@dataclass(frozen=True, slots=True)
class Schedule:
    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    days: int
    ping_role_id: int | None
    moderator_role_id: int | None
    log_channel_id: int | None
    paused: bool
    next_run_at: int
    updated_at: datetime
    version: int = 0  # bumped by every change; the poster's compare-and-set on next_run_at checks it
    language: str | None = None  # 'en'/'de' for the server's posts; None follows the server's preferred locale
    poll_hours: int = 24  # how long a stance poll sent with the daily post runs (migration 0012)


@dataclass(frozen=True, slots=True)
class DailyPost:
    guild_id: int
    post_date: date
    number: int
    prompt_id: str
    channel_id: int
    nonce: str
    status: PostStatus
    message_id: int | None
    thread_id: int | None
    claimed_at: datetime
    posted_at: datetime | None
    attempts: int
    error: str | None
    error_reported: bool
    timezone: str | None = None  # the schedule's zone when the day was claimed (None: claimed before it was kept)


def _schedule(r: Row) -> Schedule:
    return Schedule(
        guild_id=r["guild_id"],
        channel_id=r["channel_id"],
        local_time=r["local_time"],
        timezone=r["timezone"],
        days=r["days"],
        ping_role_id=r["ping_role_id"],
        moderator_role_id=r["moderator_role_id"],
        log_channel_id=r["log_channel_id"],
        paused=bool(r["paused"]),
        next_run_at=r["next_run_at"],
        updated_at=from_iso(r["updated_at"]),
        version=r["version"],
        language=r["language"],
        poll_hours=r["poll_hours"],
    )


def _post(row: Row) -> DailyPost:
    posted = row["posted_at"]
    return DailyPost(
        guild_id=row["guild_id"],
        post_date=date.fromisoformat(row["post_date"]),
        number=row["number"],
        prompt_id=row["prompt_id"],
        channel_id=row["channel_id"],
        nonce=row["nonce"],
        status=row["status"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        claimed_at=from_iso(row["claimed_at"]),
        posted_at=from_iso(posted) if posted else None,
        attempts=row["attempts"],
        error=row["error"],
        error_reported=bool(row["error_reported"]),
        timezone=row["timezone"],
    )


class DiscussionStore(Store):
    # ---- schedules -------------------------------------------------------------------------

    async def save_schedule(self, schedule: Schedule) -> None:
        """Create or replace the server's schedule; a replaced schedule gets the next version."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO schedules (guild_id, channel_id, local_time, timezone, days, ping_role_id, "
                "moderator_role_id, log_channel_id, paused, next_run_at, updated_at, language, poll_hours) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
                "channel_id = excluded.channel_id, local_time = excluded.local_time, timezone = excluded.timezone, "
                "days = excluded.days, ping_role_id = excluded.ping_role_id, "
                "moderator_role_id = excluded.moderator_role_id, log_channel_id = excluded.log_channel_id, "
                "paused = excluded.paused, next_run_at = excluded.next_run_at, updated_at = excluded.updated_at, "
                "language = excluded.language, poll_hours = excluded.poll_hours, version = schedules.version + 1",
                (
                    schedule.guild_id,
                    schedule.channel_id,
                    schedule.local_time,
                    schedule.timezone,
                    schedule.days,
                    schedule.ping_role_id,
                    schedule.moderator_role_id,
                    schedule.log_channel_id,
                    int(schedule.paused),
                    schedule.next_run_at,
                    to_iso(schedule.updated_at),
                    schedule.language,
                    schedule.poll_hours,
                ),
            )

    async def get_schedule(self, guild_id: int) -> Schedule | None:
        row = await self.read_one("SELECT * FROM schedules WHERE guild_id = ?", (guild_id,))
        return _schedule(row) if row else None

    async def due_schedules(self, now_ts: int, limit: int, shards: ShardScope = ALL_SHARDS) -> list[Schedule]:
        """Unpaused schedules whose next run is at or before `now_ts`, oldest first (uses schedules_due).

        Only the servers of `shards`: another process posts for the rest, and filtering in SQL keeps a batch
        from filling up with their due schedules while that process is down.
        """
        rows = await self.read(
            "SELECT * FROM schedules WHERE paused = 0 AND next_run_at <= ? "
            "AND ? LIKE '%,' || CAST(((guild_id >> 22) % ?) AS TEXT) || ',%' ORDER BY next_run_at LIMIT ?",
            (now_ts, shards.sql_ids(), shards.count, limit),
        )
        return [_schedule(row) for row in rows]

    async def next_due_after(self, now_ts: int) -> int | None:
        """The earliest next run of an unpaused schedule after `now_ts`, or None (a MIN on schedules_due)."""
        row = await self.read_one(
            "SELECT MIN(next_run_at) FROM schedules WHERE paused = 0 AND next_run_at > ?", (now_ts,)
        )
        return None if row is None or row[0] is None else int(row[0])

    async def set_next_run(self, guild_id: int, next_run_at: int, version: int) -> bool:
        """Advance the next run if the schedule is still at `version` (compare-and-set).

        False when the schedule changed (or went) since it was read: the change's own next run stands.
        """
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE schedules SET next_run_at = ? WHERE guild_id = ? AND version = ?",
                (next_run_at, guild_id, version),
            )
            return cursor.rowcount > 0

    async def set_paused(self, guild_id: int, paused: bool, next_run_at: int, now: datetime) -> bool:
        """Pause or resume; False when the server has no schedule."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE schedules SET paused = ?, next_run_at = ?, updated_at = ?, version = version + 1 "
                "WHERE guild_id = ?",
                (int(paused), next_run_at, to_iso(now), guild_id),
            )
            return cursor.rowcount > 0

    # ---- daily posts -----------------------------------------------------------------------

    async def get_post(self, guild_id: int, post_date: date) -> DailyPost | None:
        row = await self.read_one(
            "SELECT * FROM daily_posts WHERE guild_id = ? AND post_date = ?",
            (guild_id, post_date.isoformat()),
        )
        return _post(row) if row else None

    async def claim_post(
        self,
        guild_id: int,
        post_date: date,
        prompt_id: str,
        channel_id: int,
        nonce: str,
        now: datetime,
        timezone: str | None = None,
    ) -> tuple[DailyPost, bool]:
        """Claim the server's post for the day (a local date of `timezone`) before sending it.

        Returns the day's row and whether this call created it; an existing claim is returned as is,
        which is what makes a double tick or a restart unable to post the day twice.

        Several processes may race for the same server (PostgreSQL): claims of one server take turns
        (`serialize`), so the running number, MAX+1, is read by one claim at a time (else two claims of
        different days could both take it, and one would fail on UNIQUE (guild_id, number)), and the day's
        key makes the first claim win and the others return it.
        """
        async with self.transaction() as conn:
            await self.serialize(conn, CLAIM_LOCK, guild_id)
            cursor = await conn.execute(
                "INSERT INTO daily_posts (guild_id, post_date, number, prompt_id, channel_id, nonce, status, "
                "claimed_at, timezone) SELECT ?, ?, COALESCE(MAX(number), 0) + 1, ?, ?, ?, 'claimed', ?, ? "
                "FROM daily_posts WHERE guild_id = ? ON CONFLICT (guild_id, post_date) DO NOTHING",
                (guild_id, post_date.isoformat(), prompt_id, channel_id, nonce, to_iso(now), timezone, guild_id),
            )
            created = cursor.rowcount > 0
            async with conn.execute(
                "SELECT * FROM daily_posts WHERE guild_id = ? AND post_date = ?",
                (guild_id, post_date.isoformat()),
            ) as rows:
                row = await rows.fetchone()
        assert row is not None
        return _post(row), created

    async def latest_post(self, guild_id: int) -> DailyPost | None:
        """The server's most recent day that went out or may have (claimed or sent; failed days never did)."""
        row = await self.read_one(
            "SELECT * FROM daily_posts WHERE guild_id = ? AND status != 'failed' ORDER BY number DESC LIMIT 1",
            (guild_id,),
        )
        return _post(row) if row else None

    async def retry_claim(self, guild_id: int, post_date: date, channel_id: int, now: datetime) -> None:
        """Turn a failed day back into a claim (a moderator's post-now, or a transient error's retry).

        `error_reported` stays: the log channel hears of a day's failure once, however often it is retried (the
        moderator who retries with post-now reads the outcome in their answer).
        """
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET status = 'claimed', channel_id = ?, claimed_at = ?, error = NULL "
                "WHERE guild_id = ? AND post_date = ? AND status = 'failed'",
                (channel_id, to_iso(now), guild_id, post_date.isoformat()),
            )

    async def mark_sent(self, guild_id: int, post_date: date, message_id: int, now: datetime) -> None:
        """The post exists on Discord: record it and take its prompt off the queue."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET status = 'sent', message_id = ?, posted_at = ?, error = NULL, "
                "attempts = attempts + 1 WHERE guild_id = ? AND post_date = ?",
                (message_id, to_iso(now), guild_id, post_date.isoformat()),
            )
            await conn.execute(
                "DELETE FROM prompt_queue WHERE guild_id = ? AND prompt_id = "
                "(SELECT prompt_id FROM daily_posts WHERE guild_id = ? AND post_date = ?)",
                (guild_id, guild_id, post_date.isoformat()),
            )

    async def set_thread(self, guild_id: int, post_date: date, thread_id: int) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET thread_id = ? WHERE guild_id = ? AND post_date = ?",
                (thread_id, guild_id, post_date.isoformat()),
            )

    async def record_post_error(
        self, guild_id: int, post_date: date, error: str, *, failed: bool, reported: bool = False
    ) -> None:
        """Record why a send or thread creation failed; `failed` gives the day up (no resend).

        A day's failure already reported stays reported: retries must not tell the moderators again.
        """
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET error = ?, attempts = attempts + 1, "
                "error_reported = CASE WHEN error_reported > ? THEN error_reported ELSE ? END, "
                "status = CASE WHEN ? = 1 THEN 'failed' ELSE status END WHERE guild_id = ? AND post_date = ?",
                (error, int(reported), int(reported), int(failed), guild_id, post_date.isoformat()),
            )

    async def mark_error_reported(self, guild_id: int, post_date: date) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE daily_posts SET error_reported = 1 WHERE guild_id = ? AND post_date = ?",
                (guild_id, post_date.isoformat()),
            )

    async def unreported_errors(self, guild_id: int) -> list[DailyPost]:
        rows = await self.read(
            "SELECT * FROM daily_posts WHERE guild_id = ? AND error IS NOT NULL "
            "AND error_reported = 0 ORDER BY post_date",
            (guild_id,),
        )
        return [_post(row) for row in rows]

    async def posts_since(self, since: datetime) -> list[DailyPost]:
        """Posts that exist on Discord, posted at or after `since` (thread cache, backfill)."""
        rows = await self.read(
            "SELECT * FROM daily_posts WHERE message_id IS NOT NULL AND posted_at >= ? ORDER BY posted_at",
            (to_iso(since),),
        )
        return [_post(row) for row in rows]

    async def recent_posts(self, guild_id: int, limit: int) -> list[DailyPost]:
        rows = await self.read(
            "SELECT * FROM daily_posts WHERE guild_id = ? ORDER BY post_date DESC LIMIT ?",
            (guild_id, limit),
        )
        return [_post(row) for row in rows]

    async def prompt_last_used(self, guild_id: int) -> dict[str, datetime]:
        """When each prompt was last posted in the server (posts that reached Discord)."""
        rows = await self.read(
            "SELECT prompt_id, MAX(posted_at) AS last FROM daily_posts "
            "WHERE guild_id = ? AND status = 'sent' GROUP BY prompt_id",
            (guild_id,),
        )
        return {row["prompt_id"]: from_iso(row["last"]) for row in rows}

    async def prompt_use_counts(self, guild_id: int) -> dict[str, int]:
        rows = await self.read(
            "SELECT prompt_id, COUNT(*) AS n FROM daily_posts WHERE guild_id = ? AND status = 'sent' "
            "GROUP BY prompt_id",
            (guild_id,),
        )
        return {row["prompt_id"]: row["n"] for row in rows}

    # ---- the moderator queue ---------------------------------------------------------------

    async def queue_prompt(self, guild_id: int, prompt_id: str, now: datetime) -> int:
        """Put a prompt at the end of the queue (once); returns its 1-based place."""
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO prompt_queue (guild_id, prompt_id, queued_at, position) "
                "SELECT ?, ?, ?, COALESCE(MAX(position), 0) + 1 FROM prompt_queue WHERE guild_id = ? "
                "ON CONFLICT (guild_id, prompt_id) DO NOTHING",
                (guild_id, prompt_id, to_iso(now), guild_id),
            )
            async with conn.execute(
                "SELECT COUNT(*) FROM prompt_queue WHERE guild_id = ? AND position <= "
                "(SELECT position FROM prompt_queue WHERE guild_id = ? AND prompt_id = ?)",
                (guild_id, guild_id, prompt_id),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def queued_prompts(self, guild_id: int) -> list[str]:
        rows = await self.read("SELECT prompt_id FROM prompt_queue WHERE guild_id = ? ORDER BY position", (guild_id,))
        return [row["prompt_id"] for row in rows]

    # ---- opt-outs --------------------------------------------------------------------------

    async def optouts(self) -> set[tuple[int, int]]:
        """Every (guild_id, user_id) that opted out, for the reply logger's in-memory check."""
        rows = await self.read("SELECT guild_id, user_id FROM optouts")
        return {(row["guild_id"], row["user_id"]) for row in rows}

    async def is_opted_out(self, guild_id: int, user_id: int) -> bool:
        row = await self.read_one("SELECT 1 FROM optouts WHERE guild_id = ? AND user_id = ?", (guild_id, user_id))
        return row is not None


def days_to_mask(days: Iterable[int]) -> int:
    """Weekday numbers (0 = Monday) to the stored bitmask."""
    mask = 0
    for day in days:
        mask |= 1 << day
    return mask


def mask_to_days(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask & (1 << day))


# The schedule, the daily posts and the queue name no member; they go with the server.
DELETION = Deletion(
    feature="discussion",
    guild=(
        "DELETE FROM daily_posts WHERE guild_id = ?",
        "DELETE FROM prompt_queue WHERE guild_id = ?",
        "DELETE FROM schedules WHERE guild_id = ?",
    ),
)
