"""/help: what this member can do here, with commands to click (SPEC §5)."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.help import help_embed
from bot.i18n import language
from bot.permissions import is_moderator


class Help(commands.Cog):
    def __init__(self, bot: WhiplashBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description=_("What you can do with this bot, with commands to click"))
    @app_commands.guild_only()
    async def help(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        lang = language(interaction.locale)
        ids = self.bot.command_ids
        if ids.needs_fetch(self.bot.tree, interaction.guild_id):  # asking Discord may take longer than 3 s
            await interaction.response.defer(ephemeral=True, thinking=True)
        known = await ids.ids_for(self.bot.tree, interaction.guild_id)
        embed = help_embed(self.bot.tree, lang, moderator=await is_moderator(interaction), ids=known)
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(Help(bot))
