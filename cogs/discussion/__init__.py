"""The daily discussion: schedules, the daily post, reply logging, stats and export.

The services come built from `bot.services` (bot/services.py) and the feature stores from `bot.storage`, handed to
each cog here; `DiscussionEvents` runs the logger and the poster.
"""

from __future__ import annotations

from bot.client import WhiplashBot
from cogs.discussion._discussion import DiscussionCommands
from cogs.discussion._events import DiscussionEvents
from cogs.discussion._schedule import ScheduleCommands


async def setup(bot: WhiplashBot) -> None:
    services, storage = bot.services, bot.storage
    await bot.add_cog(DiscussionEvents(bot, services.logger, services.poster, discussion=storage.discussion))
    await bot.add_cog(
        DiscussionCommands(
            bot,
            services.pool,
            services.logger,
            highlight_count=storage.highlights.count_highlights,
            discussion=storage.discussion,
            replies=storage.replies,
            streaks=storage.streaks,
        )
    )
    await bot.add_cog(
        ScheduleCommands(
            bot,
            services.poster,
            discussion=storage.discussion,
            moderation=storage.moderation,
            digest=storage.digest,
        )
    )
