"""The services the cogs share, built once per bot and handed to them.

`WhiplashBot.setup_hook` calls `build_services` before any extension loads; each extension's `setup()` takes
what it needs from `bot.services`. No cog looks another cog up to reach its service.

Who starts and stops what (the cog that runs a service owns its loop, mirrored in cog_load/cog_unload):
- the reply logger and the daily poster: `DiscussionEvents` (poster stopped before the logger's final flush);
- the retention purge: `Privacy`;
- the stance polls' result collector: `PollEvents`;
- the watch parties: `WatchPartyCommands` (cogs/watchparty.py).

Each service is handed the feature stores it uses (`bot.storage.discussion`, `bot.storage.privacy`, ...), not
the whole storage, except the reply logger, which also needs the connection's `scrub`.
A new feature with a shared service adds a field here, builds it in `build_services`, and its cog starts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clockcheck import ClockCheck
from bot.discussion.digest import DigestPoster
from bot.discussion.logger import ReplyLogger
from bot.discussion.polls import PollResults
from bot.discussion.pool import PromptPool
from bot.discussion.poster import DailyPoster
from bot.pacing import DEFAULT_RATE
from bot.privacy import RetentionPurger
from bot.watchparty import WatchParties

if TYPE_CHECKING:
    from bot.client import WhiplashBot


@dataclass(frozen=True, slots=True)
class Services:
    """One instance of each shared service."""

    pool: PromptPool
    """The server's prompts as the poster and /prompts see them (read from storage on every call)."""
    logger: ReplyLogger
    """Writes the replies to the daily posts; keeps the opt-outs it checks in memory."""
    poster: DailyPoster
    """The daily post's scheduler; registers each post it makes with the logger."""
    purger: RetentionPurger
    """The daily retention purge; woken when a server's retention gets shorter."""
    clock_check: ClockCheck
    """Discord's clock against the bot's (built with the bot: its HTTP trace feeds it)."""
    poll_results: PollResults
    """Records the stance polls' votes and final tallies; woken by the poster when a poll goes out."""
    watchparties: WatchParties
    """Schedules, paces and ends the watch parties (bot/watchparty/)."""


def build_services(bot: WhiplashBot) -> Services:
    """Build every shared service once, from the stores it uses and the bot's content, clock and settings."""
    storage = bot.storage
    pool = PromptPool(bot.content, storage.moderation, storage.discussion)
    # The logger keeps the whole storage: it writes replies, reads opt-outs, forgets members and scrubs the file.
    logger = ReplyLogger(storage)
    poster = DailyPoster(
        bot,
        pool,
        storage.discussion,
        on_posted=logger.register_post,
        tick_seconds=bot.scheduler_tick_seconds,
        clock_check=bot.clock_check,
        # Discord's global limit is the whole bot's: processes running some of the shards share it by their part.
        requests_per_second=DEFAULT_RATE * bot.shard_scope().share,
    )
    poster.digest = DigestPoster(poster, storage.digest)  # the weekly digest rides on the daily post's tick
    purger = RetentionPurger(storage.privacy, bot.clock, clock_check=bot.clock_check, shards=bot.shard_scope)
    poll_results = PollResults(bot, storage.polls, storage.discussion)
    poster.poll_results = poll_results
    return Services(
        pool=pool,
        logger=logger,
        poster=poster,
        purger=purger,
        clock_check=bot.clock_check,
        poll_results=poll_results,
        watchparties=WatchParties(bot, storage.watchparty, storage.discussion),
    )
