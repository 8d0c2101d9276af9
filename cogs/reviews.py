"""/review: the reviews in the pack, exact excerpts with previous/next buttons, and full-text search."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Awaitable
from typing import Any, Self

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot, send_ephemeral
from bot.content import Excerpt
from bot.errors import BadInput, UserFacingError
from bot.i18n import language, tr
from bot.reviews import (
    EXCERPT_NAV_PREFIX,
    SEARCH_PAGE_PREFIX,
    SearchPage,
    ensure_search_index,
    excerpt_embed,
    excerpt_key,
    find_excerpt,
    matching_excerpts,
    neighbours,
    pick_excerpt,
    resolve_review,
    resolve_theme,
    review_choices,
    review_list_embed,
    search_embed,
    search_excerpts,
    search_page_id,
    theme_choices,
    tokenize_query,
)
from bot.storage import ContentStateStore

log = logging.getLogger(__name__)


class ExcerptNavButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(EXCERPT_NAV_PREFIX) + r":(?P<direction>prev|next):(?P<key>.+)",
):
    """Previous/next passage of the same review; the excerpt is named in the custom_id (restart-proof)."""

    def __init__(self, direction: str, key: str, *, label: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"{EXCERPT_NAV_PREFIX}:{direction}:{key}",
                disabled=disabled,
            )
        )
        self.direction = direction
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["direction"], match["key"], label="…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answer_component(interaction, self._turn(interaction))

    async def _turn(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        bot = interaction.client
        lang = language(interaction.locale)
        current = find_excerpt(bot.content, self.key)
        if current is None:
            raise UserFacingError(tr(lang, "reviews.excerpt_gone"))
        before, after = neighbours(bot.content, current)
        target = (before if self.direction == "prev" else after) or current  # stale button at an end: stay
        await interaction.response.edit_message(
            embed=excerpt_embed(bot.content, target, lang), view=excerpt_view(bot, target, lang)
        )


class SearchPageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(SEARCH_PAGE_PREFIX) + r":(?P<page>[0-9]{1,4}):(?P<query>.+)",
):
    """Another page of search results; the page and the search words live in the custom_id."""

    def __init__(self, page: int, tokens: tuple[str, ...], custom_id: str, *, label: str, disabled: bool) -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id, disabled=disabled)
        )
        self.page = page
        self.tokens = tokens

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        tokens = tuple(tokenize_query(match["query"]))
        return cls(int(match["page"]), tokens, match.group(0), label="…", disabled=False)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answer_component(interaction, self._turn(interaction))

    async def _turn(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        bot = interaction.client
        lang = language(interaction.locale)
        result = await search_excerpts(bot.storage.content_state, " ".join(self.tokens), self.page, lang)
        await interaction.response.edit_message(
            embed=search_embed(bot.content, result, lang), view=search_view(result, lang)
        )


async def _answer_component(interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
    """Component errors do not pass through the tree's on_error: answer with the same kind of sentence."""
    try:
        await work
    except UserFacingError as error:
        await send_ephemeral(interaction, error.message)
    except Exception:
        log.exception("A review button failed in guild %s", interaction.guild_id)
        await send_ephemeral(interaction, tr(interaction.locale, "error.unexpected"))


def excerpt_view(bot: WhiplashBot, excerpt: Excerpt, lang: str) -> discord.ui.View:
    before, after = neighbours(bot.content, excerpt)
    view = discord.ui.View(timeout=None)
    key = excerpt_key(excerpt.id)
    view.add_item(ExcerptNavButton("prev", key, label=tr(lang, "reviews.previous"), disabled=before is None))
    view.add_item(ExcerptNavButton("next", key, label=tr(lang, "reviews.next"), disabled=after is None))
    return view


def search_view(result: SearchPage, lang: str) -> discord.ui.View:
    """Previous/next page buttons when there is more than one page and the words fit in a custom_id."""
    view = discord.ui.View(timeout=None)
    if result.pages <= 1:
        return view
    previous_id = search_page_id(max(result.page - 1, 1), result.tokens)
    next_id = search_page_id(min(result.page + 1, result.pages), result.tokens)
    if previous_id is None or next_id is None or previous_id == next_id:
        return view
    view.add_item(
        SearchPageButton(
            result.page - 1, result.tokens, previous_id, label=tr(lang, "reviews.previous"), disabled=result.page <= 1
        )
    )
    view.add_item(
        SearchPageButton(
            result.page + 1,
            result.tokens,
            next_id,
            label=tr(lang, "reviews.next"),
            disabled=result.page >= result.pages,
        )
    )
    return view


class Reviews(
    commands.GroupCog, group_name="review", group_description=_("Read and search what critics wrote about the film")
):
    def __init__(self, bot: WhiplashBot, *, content_state: ContentStateStore) -> None:
        self.bot = bot
        self._content_state = content_state  # the review search index
        self.rng = random.SystemRandom()
        super().__init__()

    async def cog_load(self) -> None:
        if await ensure_search_index(self._content_state, self.bot.content):
            log.info("Rebuilt the excerpt search index (%d passages)", len(self.bot.content.excerpts))
        self.bot.add_dynamic_items(ExcerptNavButton, SearchPageButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ExcerptNavButton, SearchPageButton)

    @app_commands.command(name="list", description=_("The reviews: title, language, kind and number of excerpts"))
    async def list_reviews(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await interaction.response.send_message(embed=review_list_embed(self.bot.content, language(interaction.locale)))

    @app_commands.command(name="excerpt", description=_("An exact passage from a review, with its attribution"))
    @app_commands.describe(
        review=_("The review to quote (default: any)"),
        theme=_("A theme such as leadership or ambition (default: any)"),
    )
    async def excerpt(
        self, interaction: discord.Interaction[WhiplashBot], review: str | None = None, theme: str | None = None
    ) -> None:
        lang = language(interaction.locale)
        pack = self.bot.content
        chosen = resolve_review(pack, review, lang)
        wanted = resolve_theme(pack, theme, lang)
        excerpt = pick_excerpt(matching_excerpts(pack, chosen, wanted, lang), self.rng)
        await interaction.response.send_message(
            embed=excerpt_embed(pack, excerpt, lang), view=excerpt_view(self.bot, excerpt, lang)
        )

    @excerpt.autocomplete("review")
    async def review_autocomplete(
        self, interaction: discord.Interaction[WhiplashBot], current: str
    ) -> list[app_commands.Choice[str]]:
        pairs = review_choices(self.bot.content, current, language(interaction.locale))
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @excerpt.autocomplete("theme")
    async def theme_autocomplete(
        self, interaction: discord.Interaction[WhiplashBot], current: str
    ) -> list[app_commands.Choice[str]]:
        review = getattr(interaction.namespace, "review", None)
        review_id = None
        if isinstance(review, str):
            try:
                chosen = resolve_review(self.bot.content, review, language(interaction.locale))
            except BadInput:
                chosen = None  # still typing: offer every theme
            review_id = chosen.id if chosen else None
        pairs = theme_choices(self.bot.content, current, review_id, language(interaction.locale))
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @app_commands.command(name="search", description=_("Full-text search over every passage, best matches first"))
    @app_commands.describe(query=_("Words to look for (English or German)"))
    async def search(self, interaction: discord.Interaction[WhiplashBot], query: str) -> None:
        lang = language(interaction.locale)
        result = await search_excerpts(self._content_state, query, 1, lang)
        await interaction.response.send_message(
            embed=search_embed(self.bot.content, result, lang), view=search_view(result, lang)
        )


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(Reviews(bot, content_state=bot.storage.content_state))
