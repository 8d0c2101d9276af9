"""The daily discussion: schedules, the daily post, reply logging, stats and export.

The services come built from `bot.services` (bot/services.py); `DiscussionEvents` runs the logger and the poster.
"""

from __future__ import annotations

from bot.client import WhiplashBot
from cogs.discussion._discussion import DiscussionCommands
from cogs.discussion._events import DiscussionEvents
from cogs.discussion._polls import PollEvents
from cogs.discussion._schedule import ScheduleCommands


async def setup(bot: WhiplashBot) -> None:
    services = bot.services
    await bot.add_cog(DiscussionEvents(bot, services.logger, services.poster))
    await bot.add_cog(
        DiscussionCommands(bot, services.pool, services.logger, highlight_count=bot.storage.count_highlights)
    )
    await bot.add_cog(ScheduleCommands(bot, services.poster))
    await bot.add_cog(PollEvents(bot, services.poll_results))
