"""Migration 0015: one index, replies_guild_day (server, post date, thread, message), serves what three did.

The retention purge now reads a server's replies by post date (up to two days past its cutoff's date) and
checks created_at on those. That is exact because a reply is never older than the day before its post's date
(a post dated D goes out at D 00:00 in its server's time zone at the earliest, UTC+14 at most). These tests
hold the purge to the old predicate alone (`created_at < cutoff`) over posts in the extreme time zones, and
pin the query plans that the index was made for.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import discord
import pytest

from bot.storage import ReplyRecord, Storage
from bot.storage.digest import DIGEST_REPLIES_SQL, WEEK_FIGURES_SQL
from bot.storage.privacy import PURGE_REPLIES_SQL, purge_post_date_bound, retention_cutoff
from bot.storage.replies import DAY_FIGURES_SQL, LAST_REPLY_ID_SQL
from bot.timeutil import snowflake_iso
from tests.backends import open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
RETENTION_DAYS = 30
ZONES = (timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), UTC, timezone(timedelta(hours=5, minutes=45)))
# Hours after the post that replies are written: at once, within the day, the next day, near TRACK_DAYS.
REPLY_AFTER_HOURS = (0, 1, 10, 23, 25, 47, 24 * 13)


def replies_around_the_cutoff() -> list[ReplyRecord]:
    """Replies to posts dated from five days before the cutoff's date to five after, in every zone above.

    Each post goes out at 00:00 local time on its date (the earliest a post of that date can go out); each reply's
    time is the time in its id, as for every reply the bot logs.
    """
    cutoff_day = (NOW - timedelta(days=RETENTION_DAYS)).date()
    records: list[ReplyRecord] = []
    serial = 0
    for offset in range(-5, 6):
        day = cutoff_day + timedelta(days=offset)
        for zone_index, zone in enumerate(ZONES):
            posted = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
            thread = discord.utils.time_snowflake(posted) + zone_index
            for hours in REPLY_AFTER_HOURS:
                serial += 1
                written = posted + timedelta(hours=hours, milliseconds=serial)
                message_id = discord.utils.time_snowflake(written) + serial % 4096
                records.append(ReplyRecord(message_id, 1, day, "p", thread, thread, 50, "andrew", None, None, "x"))
    return records


@pytest.mark.usefixtures("backend")
async def test_the_purge_removes_exactly_the_replies_older_than_the_cutoff(tmp_path: Path) -> None:
    records = replies_around_the_cutoff()
    cutoff = retention_cutoff(NOW, RETENTION_DAYS)
    expired = {r.message_id for r in records if snowflake_iso(r.message_id) < cutoff}  # the predicate alone
    # Both sides of the cutoff and of the post-date bound are populated, or the test proves nothing.
    bound = purge_post_date_bound(NOW, RETENTION_DAYS)
    assert 0 < len(expired) < len(records)
    assert any(r.post_date.isoformat() > bound for r in records)
    assert any(r.post_date.isoformat() <= bound and r.message_id not in expired for r in records)
    async with await open_db(tmp_path / "bot.db") as storage:
        await storage.guilds.guilds_seen([1], NOW)
        async with storage.transaction() as conn:
            await conn.execute("UPDATE guilds SET retention_days = ? WHERE guild_id = 1", (RETENTION_DAYS,))
        await storage.replies.apply_reply_ops(records)
        assert await storage.replies.count_replies(1) == len(records)
        assert await storage.privacy.purge_expired_replies(NOW) == len(expired)
        rows = await storage.read("SELECT message_id FROM replies WHERE guild_id = 1")
        assert {int(r[0]) for r in rows} == {r.message_id for r in records} - expired


def test_the_post_date_bound_covers_the_earliest_post_in_any_time_zone() -> None:
    """A post dated the bound's next day goes out after the cutoff even at UTC+14, so none of its replies is older."""
    for days in (1, 7, 30, 365):
        cutoff = retention_cutoff(NOW, days)
        after_bound = date.fromisoformat(purge_post_date_bound(NOW, days)) + timedelta(days=1)
        earliest = datetime(after_bound.year, after_bound.month, after_bound.day, tzinfo=timezone(timedelta(hours=14)))
        assert snowflake_iso(discord.utils.time_snowflake(earliest.astimezone(UTC))) > cutoff


async def test_one_index_serves_the_purge_a_posts_replies_and_the_figures(tmp_path: Path) -> None:
    """SQLite's plans: every query that read replies_thread, replies_guild_post or replies_guild_time."""
    storage = await Storage.open(tmp_path / "bot.db")
    await storage.close()
    conn = sqlite3.connect(tmp_path / "bot.db")
    try:
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(replies)") if row[3] == "c"}
        assert indexes == {"replies_guild_day", "replies_author_day"}  # two written per reply, not four

        def plan(sql: str, params: tuple[object, ...]) -> str:
            return "; ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))

        purge = plan(PURGE_REPLIES_SQL, (1, "d", "t"))
        assert purge == "SEARCH replies USING INDEX replies_guild_day (guild_id=? AND post_date<?)"
        day_figures = plan(DAY_FIGURES_SQL, (1, "d"))
        assert "SEARCH r USING INDEX replies_guild_day (guild_id=? AND post_date=? AND thread_id=?)" in day_figures
        for sql in (DIGEST_REPLIES_SQL, WEEK_FIGURES_SQL):
            params = (1, "d", "e", 3) if sql is DIGEST_REPLIES_SQL else (1, "d", "e")
            assert "SEARCH r USING INDEX replies_guild_day (guild_id=? AND post_date>? AND post_date<?)" in plan(
                sql, params
            )
        last = plan(LAST_REPLY_ID_SQL, (1, "d", 2, 3))
        assert "replies_guild_day (guild_id=? AND post_date=? AND thread_id=? AND message_id<?)" in last
        assert "SCAN" not in purge + day_figures + last
    finally:
        conn.close()
