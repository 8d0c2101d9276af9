"""The daily discussion: schedules, the daily post, reply logging, stats and export.

The services are built here and handed to each cog, so the cogs stay Discord glue.
"""

from __future__ import annotations

from bot.client import WhiplashBot
from bot.discussion.digest import DigestPoster
from bot.discussion.logger import ReplyLogger
from bot.discussion.pool import PromptPool
from bot.discussion.poster import DailyPoster
from cogs.discussion._discussion import DiscussionCommands
from cogs.discussion._events import DiscussionEvents
from cogs.discussion._schedule import ScheduleCommands


async def setup(bot: WhiplashBot) -> None:
    pool = PromptPool(bot.content, bot.storage)
    logger = ReplyLogger(bot.storage)
    poster = DailyPoster(
        bot,
        pool,
        on_posted=logger.register_post,
        tick_seconds=bot.scheduler_tick_seconds,
        clock_check=bot.clock_check,
    )
    poster.digest = DigestPoster(poster)
    await bot.add_cog(DiscussionEvents(bot, logger, poster))
    await bot.add_cog(DiscussionCommands(bot, pool, logger, highlight_count=bot.storage.count_highlights))
    await bot.add_cog(ScheduleCommands(bot, poster))
