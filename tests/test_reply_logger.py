"""The reply logger's bookkeeping, without Discord: which posts it tracks and how it forgets old ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord

from bot.discussion.logger import PRUNE_SLACK, TRACK_DAYS, ReplyLogger
from bot.storage import DailyPost, Storage

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
