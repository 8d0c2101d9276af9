"""/film: the film card and sourced facts."""

from __future__ import annotations

import random
import re
from typing import Any, Self

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards import film_card
from bot.client import WhiplashBot, send_ephemeral
from bot.errors import UserFacingError
from bot.facts import category_choices, draw_fact, fact_embed, resolve_category
from bot.i18n import language, tr


class AnotherFactButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"fact:more:(?P<category>[a-z0-9-]*)",
):
    """'Another fact' under every fact; the category lives in the custom_id, so it works after a restart."""

    def __init__(self, category: str | None, label: str) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"fact:more:{category or ''}")
        )
        self.category = category

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "…"
        return cls(match["category"] or None, label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await send_fact(interaction, self.category)
        except UserFacingError as error:  # component errors do not pass through the tree's on_error
            await send_ephemeral(interaction, error.message)


async def send_fact(interaction: discord.Interaction[WhiplashBot], category: str | None) -> None:
    """Answer with the channel's next fact (no repeats until the category is exhausted) and the button."""
    bot = interaction.client
    lang = language(interaction.locale)
    category = resolve_category(bot.content, category, lang)
    if not bot.content.facts_by_category(category):
        raise UserFacingError(tr(lang, "facts.empty_pack"))
    channel_id = interaction.channel_id or 0
    draw = await draw_fact(
        bot.storage,
        bot.content,
        guild_id=interaction.guild_id,
        channel_id=channel_id,
        category=category,
        rng=random.SystemRandom(),
        now=bot.clock(),
    )
    view = discord.ui.View(timeout=None)
    view.add_item(AnotherFactButton(category, tr(lang, "facts.another")))
    titles = {review.file: review.title for review in bot.content.reviews}
    await interaction.response.send_message(embed=fact_embed(draw, lang, titles), view=view)


class Film(commands.GroupCog, group_name="film", group_description=_("Facts about the film")):
    def __init__(self, bot: WhiplashBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AnotherFactButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnotherFactButton)

    @app_commands.command(name="info", description=_("The film card: cast, crew, runtime, awards and box office"))
    async def info(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        embed = film_card(self.bot.content.film, language(interaction.locale))
        await interaction.response.send_message(embed=embed)

    @app_commands.command(
        name="fact",
        description=_("One sourced fact about the film, not repeated in this channel until its category is exhausted"),
    )
    @app_commands.describe(category=_("A fact category, e.g. music or cast (default: any)"))
    async def fact(self, interaction: discord.Interaction[WhiplashBot], category: str | None = None) -> None:
        await send_fact(interaction, category)

    @fact.autocomplete("category")
    async def fact_category_autocomplete(
        self, interaction: discord.Interaction[WhiplashBot], current: str
    ) -> list[app_commands.Choice[str]]:
        pairs = category_choices(self.bot.content, current, language(interaction.locale))
        return [app_commands.Choice(name=name, value=value) for name, value in pairs]


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(Film(bot))
