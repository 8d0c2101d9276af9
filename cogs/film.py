"""/film: the film card and sourced facts."""

from __future__ import annotations

import random
import re
from typing import Any, Self

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.cards import film_card, film_links, sources_embed
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


class FilmSourcesButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"film:sources:(?P<page>[0-9]{1,3})(?P<turn>:turn)?",
):
    """'Sources' under the film card (opens the source list just for the clicker) and the list's page buttons
    (turn its page in place). The page lives in the custom_id, so old cards keep working after a restart."""

    def __init__(self, page: int, *, turn: bool, label: str, disabled: bool = False) -> None:
        custom_id = f"film:sources:{page}{':turn' if turn else ''}"
        style = discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id, disabled=disabled))
        self.page = page
        self.turn = turn

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "…"
        return cls(int(match["page"]), turn=bool(match["turn"]), label=label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: WhiplashBot = interaction.client
        lang = language(interaction.locale)
        embed, page, pages = sources_embed(bot.content, lang, self.page)
        view = sources_view(lang, page, pages)
        if self.turn:
            await interaction.response.edit_message(embed=embed, view=view)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


def sources_view(lang: str, page: int, pages: int) -> discord.ui.View:
    """Previous/next buttons when the source list has more than one page."""
    view = discord.ui.View(timeout=None)
    if pages > 1:
        previous, following = max(page - 1, 1), min(page + 1, pages)
        label = tr(lang, "film.sources.previous")
        view.add_item(FilmSourcesButton(previous, turn=True, label=label, disabled=page == 1))
        label = tr(lang, "film.sources.next")
        view.add_item(FilmSourcesButton(following, turn=True, label=label, disabled=page == pages))
    return view


def film_card_view(bot: WhiplashBot, lang: str) -> discord.ui.View:
    """Link buttons to the film's pages elsewhere, and the Sources button."""
    view = discord.ui.View(timeout=None)
    for link in film_links(bot.content.film):
        view.add_item(discord.ui.Button(label=link.label, url=link.url, style=discord.ButtonStyle.link))
    view.add_item(FilmSourcesButton(1, turn=False, label=tr(lang, "film.sources_button")))
    return view


async def send_fact(interaction: discord.Interaction[WhiplashBot], category: str | None) -> None:
    """Answer with the channel's next fact (no repeats until the category is exhausted) and the button."""
    bot = interaction.client
    lang = language(interaction.locale)
    category = resolve_category(bot.content, category, lang)
    if not bot.content.facts_by_category(category):
        raise UserFacingError(tr(lang, "facts.empty_pack"))
    channel_id = interaction.channel_id or 0
    draw = await draw_fact(
        bot.storage.content_state,
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
        self.bot.add_dynamic_items(AnotherFactButton, FilmSourcesButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AnotherFactButton, FilmSourcesButton)

    @app_commands.command(
        name="info", description=_("The film card: story, cast, crew, runtime, awards and box office, with links")
    )
    async def info(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        lang = language(interaction.locale)
        embed = film_card(self.bot.content.film, lang)
        await interaction.response.send_message(embed=embed, view=film_card_view(self.bot, lang))

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
