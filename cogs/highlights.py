"""Highlights: the moderators' "Highlight reply" context menu, and members' reactions on replies (SPEC §11).

A moderator command like /schedule: the menu carries Manage Server as its default permission (members do
not see it; an admin can give the moderator role access in Server Settings → Integrations) and the code
checks Manage Server or the moderator role itself. Every answer is ephemeral; the channel only sees the ⭐.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.highlights import ReactionCounter, highlight
from bot.discussion.logger import ReplyLogger
from bot.i18n import tr
from bot.permissions import require_moderator

MENU_NAME = "Highlight reply"


class Highlights(commands.Cog):
    def __init__(self, bot: WhiplashBot, logger: ReplyLogger) -> None:
        self.bot = bot
        self.logger = logger  # a reply may still be queued for writing
        self.menu = app_commands.ContextMenu(name=_(MENU_NAME), callback=self.highlight_reply)
        self.menu.default_permissions = discord.Permissions(manage_guild=True)
        self.menu.guild_only = True
        self.menu.add_check(require_moderator)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @property
    def counter(self) -> ReactionCounter:
        return ReactionCounter(self.bot.storage, self.logger, self.bot.user.id if self.bot.user else None)

    async def highlight_reply(self, interaction: discord.Interaction[WhiplashBot], message: discord.Message) -> None:
        assert interaction.guild_id is not None  # guild_only
        await interaction.response.defer(ephemeral=True, thinking=True)  # the ⭐ is a REST call of its own
        key = await highlight(
            self.bot.storage, self.logger, message, interaction.guild_id, interaction.user.id, self.bot.clock()
        )
        await interaction.followup.send(tr(interaction.locale, key), ephemeral=True)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.counter.added(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.counter.removed(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        await self.counter.cleared(payload)

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(self, payload: discord.RawReactionClearEmojiEvent) -> None:
        await self.counter.cleared_emoji(payload)


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(Highlights(bot, bot.services.logger))
