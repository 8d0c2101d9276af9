"""Lifecycle of the discussion services and the gateway events that feed the reply logger."""

from __future__ import annotations

import logging
from datetime import timedelta

import discord
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.highlights import reconcile_all
from bot.discussion.logger import TRACK_DAYS, ReactionScan, ReplyLogger, backfill
from bot.discussion.poster import DailyPoster
from bot.sharding import shard_of
from bot.storage import DiscussionStore
from bot.tasks import TaskGroup

log = logging.getLogger(__name__)

BACKFILL_DAYS = 7  # threads read again after a restart


class DiscussionEvents(commands.Cog):
    def __init__(
        self, bot: WhiplashBot, logger: ReplyLogger, poster: DailyPoster, *, discussion: DiscussionStore
    ) -> None:
        self.bot = bot
        self.logger = logger
        self.poster = poster
        self._discussion = discussion
        self._tasks = TaskGroup("discussion-events")

    async def cog_load(self) -> None:
        now, scope = self.bot.clock(), self.bot.shard_scope()
        posts = await self._discussion.posts_since(now - timedelta(days=TRACK_DAYS))
        # Another process logs (and backfills) its own shards' threads.
        await self.logger.start([post for post in posts if scope.owns(post.guild_id)])
        self.bot.add_message_hook(self.logger.record_message)  # inline: no task per message
        self.poster.start()

    async def cog_unload(self) -> None:
        self.bot.remove_message_hook(self.logger.record_message)
        await self.poster.stop()
        await self._tasks.close()
        await self.logger.stop()

    @commands.Cog.listener()
    async def on_connect(self) -> None:
        """A new session (discord.py dispatches this on READY, before any of the session's messages)."""
        if not isinstance(self.bot, discord.AutoShardedClient):
            self.logger.session_started()

    @commands.Cog.listener()
    async def on_shard_connect(self, shard_id: int) -> None:
        """One shard's new session: only its servers' threads start afresh (see on_connect)."""
        count = self.bot.shard_count or 1
        self.logger.session_started(lambda guild_id: shard_of(guild_id, count) == shard_id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """After every (re-)IDENTIFY: read what was written while the bot was away."""
        self._tasks.spawn(self._backfill(), name="backfill")

    async def _backfill(self) -> None:
        since = self.bot.clock() - timedelta(days=BACKFILL_DAYS)
        refs = [ref for ref in self.logger.tracked_posts if discord.utils.snowflake_time(ref.thread_id) >= since]
        scans: dict[int, ReactionScan] = {}
        queued = await backfill(self.bot, self.logger, refs, self.bot.clock(), scans)
        await self.logger.flush()
        log.info("Backfill read %d posts' threads and queued %d replies", len(refs), queued)
        await reconcile_all(self.bot.storage, refs, scans)  # reactions added or removed while away

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        """A new server: the poster reads the schedules again (one may have been kept from an earlier stay)."""
        self.poster.wake()

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        self.logger.record_edit(payload.message)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        self.logger.record_delete(payload.guild_id, payload.channel_id, [payload.message_id], self.bot.clock())

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        self.logger.record_delete(payload.guild_id, payload.channel_id, sorted(payload.message_ids), self.bot.clock())
