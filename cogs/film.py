"""/film: the film card and sourced facts."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards import film_card
from bot.client import WhiplashBot
from bot.i18n import language


class Film(commands.GroupCog, group_name="film", group_description=_("Facts about the film")):
    def __init__(self, bot: WhiplashBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(name="info", description=_("The film card: cast, crew, runtime, awards and box office"))
    async def info(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        embed = film_card(self.bot.content.film, language(interaction.locale))
        await interaction.response.send_message(embed=embed)


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(Film(bot))
