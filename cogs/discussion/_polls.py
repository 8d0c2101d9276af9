"""Stance polls: the gateway events that record their votes and results (logic in bot/discussion/polls.py)."""

from __future__ import annotations

import discord
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.polls import PollResults


class PollEvents(commands.Cog):
    """Runs the poll-result collector and feeds it the vote and message-update events."""

    def __init__(self, bot: WhiplashBot, results: PollResults) -> None:
        self.bot = bot
        self.results = results

    async def cog_load(self) -> None:
        self.results.start()

    async def cog_unload(self) -> None:
        await self.results.stop()

    @commands.Cog.listener()
    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self.results.on_vote(payload, added=True)

    @commands.Cog.listener()
    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        await self.results.on_vote(payload, added=False)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.results.on_message_update(payload.guild_id, payload.message_id, payload.data)
