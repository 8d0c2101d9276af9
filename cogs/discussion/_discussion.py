"""/discussion: today's prompt and participation stats (the moderators' export is /replies export)."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.logger import ReplyLogger
from bot.discussion.pool import PromptPool
from bot.discussion.post import POST_COLOUR, thread_url
from bot.discussion.stats import MAX_DAYS, chart_png, recent_posts, shows_chart, stats_embed, summarize
from bot.discussion.streaks import HighlightCounter, no_highlights
from bot.errors import UserFacingError
from bot.i18n import language, tr
from bot.scheduling import local_date
from bot.storage import DiscussionStore, ReplyStore, Schedule, StreakStore
from cogs.discussion._streaks import NO_PINGS, LeaderboardButton, discussion_mention, leaderboard_embed, me_screen

STATS_COLOUR = discord.Colour(0x2B6CB0)

log = logging.getLogger(__name__)


def when_text(lang: str, schedule: Schedule, day: date, now_ts: int) -> str:
    """When today's (or the next) question comes, as Discord timestamps every member reads in their own zone."""
    if schedule.paused:
        return tr(lang, "discussion.paused")
    at = schedule.next_run_at
    if at <= now_ts:
        return tr(lang, "discussion.coming_now")
    if local_date(datetime.fromtimestamp(at, UTC), ZoneInfo(schedule.timezone)) == day:
        return tr(lang, "discussion.comes_today", relative=f"<t:{at}:R>", time=f"<t:{at}:t>")
    return tr(lang, "discussion.comes_later", relative=f"<t:{at}:R>", when=f"<t:{at}:F>")


def jump_url(guild_id: int, channel_id: int, message_id: int | None = None) -> str:
    url = f"https://discord.com/channels/{guild_id}/{channel_id}"
    return f"{url}/{message_id}" if message_id else url


@app_commands.guild_only()
class DiscussionCommands(commands.GroupCog, group_name="discussion", group_description=_("The daily discussion")):
    def __init__(
        self,
        bot: WhiplashBot,
        pool: PromptPool,
        logger: ReplyLogger,
        highlight_count: HighlightCounter = no_highlights,
        *,
        discussion: DiscussionStore,
        replies: ReplyStore,
        streaks: StreakStore,
    ) -> None:
        self.bot = bot
        self.pool = pool
        self.logger = logger
        self._discussion = discussion
        self._replies = replies
        self._streaks = streaks
        self.highlight_count = highlight_count  # /discussion me's highlights figure (none until wired to a store)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(LeaderboardButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(LeaderboardButton)

    @app_commands.command(name="today", description=_("Today's discussion prompt in this server, with its thread"))
    async def today(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        schedule = await self._discussion.get_schedule(interaction.guild_id)
        if schedule is None:
            raise UserFacingError(tr(lang, "discussion.no_schedule"))
        now = self.bot.clock()
        day = local_date(now, ZoneInfo(schedule.timezone))
        post = await self._discussion.get_post(interaction.guild_id, day)
        if post is None or post.status != "sent" or post.message_id is None:
            await interaction.response.send_message(when_text(lang, schedule, day, int(now.timestamp())))
            return
        prompt = await self.pool.get(interaction.guild_id, post.prompt_id)
        if post.thread_id:  # the thread as Discord shows a channel mention: its name, one click away
            link, where = thread_url(interaction.guild_id, post.thread_id), f"<#{post.thread_id}>"
        else:
            link = where = jump_url(interaction.guild_id, post.channel_id, post.message_id)
        embed = discord.Embed(
            title=prompt.text_for(lang) if prompt else None,
            description=tr(lang, "discussion.today_link", link=where),
            colour=POST_COLOUR,
        )
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label=tr(lang, "discussion.thread"), url=link))
        await interaction.response.send_message(embed=embed, view=view)

    @app_commands.command(name="stats", description=_("Replies and participants per day, top participants, a chart"))
    @app_commands.describe(days=_("How many days back to count (1 to 365, default 30)"))
    async def stats(
        self, interaction: discord.Interaction[WhiplashBot], days: app_commands.Range[int, 1, MAX_DAYS] = 30
    ) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(thinking=True)
        await self.logger.flush(max_attempts=1)  # fresh figures, but never wait on a broken database
        schedule = await self._discussion.get_schedule(interaction.guild_id)
        zone = ZoneInfo(schedule.timezone) if schedule else ZoneInfo("UTC")
        since = local_date(self.bot.clock(), zone) - timedelta(days=days - 1)
        per_day = await self._replies.day_figures(interaction.guild_id, since)
        top = await self._replies.top_participants(interaction.guild_id, since)
        summary = summarize(
            since, days, per_day, top, await self._replies.participant_count(interaction.guild_id, since)
        )
        questions: dict[str, str] = {}
        for figures in recent_posts(summary):
            prompt = await self.pool.get(interaction.guild_id, figures.prompt_id)
            if prompt is not None:
                questions[figures.prompt_id] = prompt.text_for(lang)
        chart = shows_chart(summary)
        embed = stats_embed(summary, questions, lang, chart=chart)
        files = []
        if chart:
            png = await asyncio.to_thread(chart_png, summary.per_day, since, days, lang)
            files.append(discord.File(io.BytesIO(png), filename="replies.png"))
        await interaction.followup.send(embed=embed, files=files, allowed_mentions=discord.AllowedMentions.none())

    @app_commands.command(
        name="me", description=_("Your replies and streaks here, and whether you appear on the leaderboard")
    )
    async def me(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        if await self._discussion.get_schedule(interaction.guild_id) is None:
            raise UserFacingError(tr(lang, "discussion.no_schedule"))
        if await self._discussion.is_opted_out(interaction.guild_id, interaction.user.id):
            raise UserFacingError(tr(lang, "streaks.me.opted_out"))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.logger.flush(max_attempts=1)  # count the reply just written, but never wait on a broken database
        embed, view = await me_screen(self.bot, interaction, self.highlight_count)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="leaderboard", description=_("Streaks of the members who chose to appear"))
    async def leaderboard(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        if await self._discussion.get_schedule(interaction.guild_id) is None:
            raise UserFacingError(tr(lang, "discussion.no_schedule"))
        await interaction.response.defer(thinking=True)
        await self.logger.flush(max_attempts=1)
        board = await self._streaks.leaderboard(interaction.guild_id)
        me = await discussion_mention(self.bot, interaction.guild_id, "me")
        await interaction.followup.send(embed=leaderboard_embed(lang, board, me), allowed_mentions=NO_PINGS)
