"""The `/prompts` list pages and the suggestion cards, with buttons that keep working after a restart.

Every button is a DynamicItem whose custom_id carries what it needs (the page and filter, or the
suggestion id), so no view has to be remembered between runs; each checks the moderator rights itself,
because a component interaction does not pass through the command's checks.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable
from typing import Any, Literal, Self

import discord

from bot.client import WhiplashBot, send_ephemeral
from bot.discussion.pool import PoolEntry, PromptPool
from bot.discussion.post import server_language
from bot.errors import NotModerator, UserFacingError
from bot.i18n import language, tr, tr_count
from bot.moderation.inputs import echo, shorten
from bot.permissions import require_moderator
from bot.storage.moderation import Suggestion

log = logging.getLogger(__name__)

Show = Literal["all", "enabled", "disabled", "server", "pack", "suggestions"]
SHOW_VALUES: tuple[Show, ...] = ("all", "enabled", "disabled", "server", "pack", "suggestions")
PAGE_SIZE = 10
SUGGESTION_PAGE_SIZE = 4  # one row of Approve/Reject each, and a row for Previous/Next
LIST_COLOUR = discord.Colour(0x2B6CB0)
SUGGESTION_COLOUR = discord.Colour(0xD69E2E)
OUTCOME_COLOURS = {"approved": discord.Colour(0x38A169), "rejected": discord.Colour(0x718096)}

PAGE_PREFIX = "prompts:page"
SUGGESTION_PREFIX = "prompts:suggestion"


# ---- list pages ------------------------------------------------------------------------------------


def _status(entry: PoolEntry, lang: str) -> str:
    parts = [tr(lang, "prompts.enabled" if entry.enabled else "prompts.disabled")]
    if entry.queued is not None:
        parts.append(tr(lang, "prompts.queued_at", place=entry.queued))
    return ", ".join(parts)


def entry_line(entry: PoolEntry, lang: str) -> str:
    prompt = entry.prompt
    source = tr(lang, f"prompts.source_{prompt.source}")
    head = f"`{prompt.id}` · {source} · {_status(entry, lang)} · {_uses(entry.uses, lang)}"
    return f"{head}\n> {echo(shorten(prompt.text_for(lang), 120))}"


def _uses(count: int, lang: str) -> str:
    """How often the prompt was posted: "not used yet", "used once", "used 3 times"."""
    return tr_count(lang, "count.times_used", count) if count else tr(lang, "prompts.used")


def _matches(entry: PoolEntry, show: Show) -> bool:
    if show == "enabled":
        return entry.enabled
    if show == "disabled":
        return not entry.enabled
    if show in ("server", "pack"):
        return entry.prompt.source == show
    return True


async def prompt_page(
    pool: PromptPool, guild_id: int, show: Show, page: int, lang: str
) -> tuple[discord.Embed, discord.ui.View]:
    entries = [entry for entry in await pool.listing(guild_id) if _matches(entry, show)]
    pages = max(1, math.ceil(len(entries) / PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    embed = discord.Embed(
        title=tr(lang, "prompts.list_title", page=page, pages=pages, count=len(entries)),
        description="\n".join(entry_line(entry, lang) for entry in shown) or tr(lang, "prompts.list_empty"),
        colour=LIST_COLOUR,
    )
    embed.set_footer(text=tr(lang, f"prompts.show_{show}"))
    view = discord.ui.View(timeout=None)
    _add_nav(view, show, page, pages, lang, row=0)
    return embed, view


async def suggestion_page(
    bot: WhiplashBot, guild_id: int, page: int, lang: str
) -> tuple[discord.Embed, discord.ui.View]:
    total = await bot.storage.moderation.count_pending_suggestions(guild_id)
    pages = max(1, math.ceil(total / SUGGESTION_PAGE_SIZE))
    page = min(max(page, 1), pages)
    pending = await bot.storage.moderation.pending_suggestions(
        guild_id, SUGGESTION_PAGE_SIZE, (page - 1) * SUGGESTION_PAGE_SIZE
    )
    lines = [
        f"**#{s.suggestion_id}** · <@{s.author_id}> · <t:{int(s.created_at.timestamp())}:R>\n> {echo(s.text)}"
        for s in pending
    ]
    embed = discord.Embed(
        title=tr(lang, "prompts.suggestions_title", page=page, pages=pages, count=total),
        description="\n".join(lines) or tr(lang, "prompts.no_suggestions"),
        colour=SUGGESTION_COLOUR,
    )
    view = discord.ui.View(timeout=None)
    for row, suggestion in enumerate(pending):
        for item in decision_buttons(suggestion.suggestion_id, lang):
            item.item.row = row
            view.add_item(item)
    _add_nav(view, "suggestions", page, pages, lang, row=SUGGESTION_PAGE_SIZE)
    return embed, view


def _add_nav(view: discord.ui.View, show: Show, page: int, pages: int, lang: str, *, row: int) -> None:
    if pages <= 1:
        return
    view.add_item(PageButton(show, page - 1, label=tr(lang, "prompts.previous"), disabled=page <= 1, row=row))
    view.add_item(PageButton(show, page + 1, label=tr(lang, "prompts.next"), disabled=page >= pages, row=row))


async def render_page(
    bot: WhiplashBot, pool: PromptPool, guild_id: int, show: Show, page: int, lang: str
) -> tuple[discord.Embed, discord.ui.View]:
    if show == "suggestions":
        return await suggestion_page(bot, guild_id, page, lang)
    return await prompt_page(pool, guild_id, show, page, lang)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(PAGE_PREFIX) + r":(?P<show>[a-z]{3,11}):(?P<page>[0-9]{1,4})",
):
    """Previous/next page of `/prompts list`; the filter and the target page live in the custom_id."""

    def __init__(self, show: Show, page: int, *, label: str = "…", disabled: bool = False, row: int | None = None):
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PAGE_PREFIX}:{show}:{max(page, 0)}",
                disabled=disabled,
                row=row,
            )
        )
        self.show: Show = show
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        show = match["show"]
        return cls(show if show in SHOW_VALUES else "all", int(match["page"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer_component(interaction, self._turn(interaction))

    async def _turn(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await require_moderator(interaction)
        assert interaction.guild_id is not None
        lang = tr_lang(interaction)
        embed, view = await render_page(
            interaction.client, interaction.client.services.pool, interaction.guild_id, self.show, self.page, lang
        )
        await interaction.response.edit_message(content=None, embed=embed, view=view)


# ---- suggestions -----------------------------------------------------------------------------------


def suggestion_card(suggestion: Suggestion, lang: str) -> discord.Embed:
    """The moderators' message for a suggestion; after a decision it shows the outcome."""
    colour = OUTCOME_COLOURS.get(suggestion.status, SUGGESTION_COLOUR)
    embed = discord.Embed(
        title=tr(lang, "prompts.suggestion_title", id=suggestion.suggestion_id),
        description=f"> {echo(suggestion.text)}",
        colour=colour,
    )
    embed.add_field(name=tr(lang, "prompts.suggested_by"), value=f"<@{suggestion.author_id}>")
    if suggestion.status == "pending":
        embed.set_footer(text=tr(lang, "prompts.suggestion_footer"))
    else:
        outcome = tr(
            lang,
            f"prompts.outcome_{suggestion.status}",
            moderator=f"<@{suggestion.moderator_id}>",
            prompt=suggestion.prompt_id or "",
        )
        embed.add_field(name=tr(lang, "prompts.outcome"), value=outcome, inline=False)
    return embed


def decision_buttons(suggestion_id: int, lang: str) -> list[DecisionButton]:
    return [
        DecisionButton("approve", suggestion_id, label=tr(lang, "prompts.approve", id=suggestion_id)),
        DecisionButton("reject", suggestion_id, label=tr(lang, "prompts.reject", id=suggestion_id)),
    ]


def suggestion_view(suggestion: Suggestion, lang: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in decision_buttons(suggestion.suggestion_id, lang):
        view.add_item(item)
    return view


class DecisionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=re.escape(SUGGESTION_PREFIX) + r":(?P<action>approve|reject):(?P<id>[0-9]{1,18})",
):
    """Approve or Reject a suggestion; the suggestion id lives in the custom_id."""

    def __init__(self, action: str, suggestion_id: int, *, label: str = "…") -> None:
        style = discord.ButtonStyle.success if action == "approve" else discord.ButtonStyle.danger
        super().__init__(
            discord.ui.Button(label=label, style=style, custom_id=f"{SUGGESTION_PREFIX}:{action}:{suggestion_id}")
        )
        self.action = action
        self.suggestion_id = suggestion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["action"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await answer_component(interaction, self._decide(interaction))

    async def _decide(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await require_moderator(interaction)
        assert interaction.guild_id is not None
        bot, lang = interaction.client, tr_lang(interaction)
        existing = await bot.storage.moderation.get_suggestion(interaction.guild_id, self.suggestion_id)
        if existing is None:
            raise UserFacingError(tr(lang, "prompts.suggestion_gone", id=self.suggestion_id))
        on_card = interaction.message is not None and interaction.message.id == existing.message_id
        decided = await bot.storage.moderation.decide_suggestion(
            interaction.guild_id, self.suggestion_id, self.action == "approve", interaction.user.id, bot.clock()
        )
        note = None
        if decided is None:  # someone else decided first: show what happened
            decided = await bot.storage.moderation.get_suggestion(interaction.guild_id, self.suggestion_id)
            assert decided is not None
            note = tr(lang, "prompts.already_decided", id=decided.suggestion_id)
        card_lang = await guild_lang(bot, interaction.guild)
        if on_card:
            await interaction.response.edit_message(embed=suggestion_card(decided, card_lang), view=None)
        else:
            embed, view = await suggestion_page(bot, interaction.guild_id, 1, lang)
            text = note or tr(
                lang, f"prompts.decided_{decided.status}", id=decided.suggestion_id, prompt=decided.prompt_id
            )
            await interaction.response.edit_message(content=text, embed=embed, view=view)
            await update_card(bot, decided, card_lang)
        if note is not None and on_card:
            await send_ephemeral(interaction, note)


async def update_card(bot: WhiplashBot, suggestion: Suggestion, lang: str) -> None:
    """Show the outcome on the moderators' message (when the decision was made elsewhere)."""
    if suggestion.channel_id is None or suggestion.message_id is None:
        return
    channel = bot.get_channel(suggestion.channel_id)
    if not isinstance(channel, discord.TextChannel | discord.Thread):
        return
    try:
        await channel.get_partial_message(suggestion.message_id).edit(
            embed=suggestion_card(suggestion, lang), view=None
        )
    except discord.HTTPException:
        log.warning("Could not update the card of suggestion %s", suggestion.suggestion_id, exc_info=True)


# ---- shared ----------------------------------------------------------------------------------------


def tr_lang(interaction: discord.Interaction[Any]) -> str:
    return language(interaction.locale)


async def guild_lang(bot: WhiplashBot, guild: discord.Guild | None) -> str:
    """The language of messages everyone in the server reads (the suggestion cards): the server's language
    (`/schedule set language`, else its preferred locale), as for the daily post."""
    schedule = await bot.storage.discussion.get_schedule(guild.id) if guild is not None else None
    return server_language(schedule, guild)


async def answer_component(interaction: discord.Interaction[Any], work: Awaitable[None]) -> None:
    """Component errors do not pass through the tree's on_error: answer with the same kind of sentence."""
    try:
        await work
    except UserFacingError as error:
        await send_ephemeral(interaction, error.message)
    except NotModerator:
        await send_ephemeral(interaction, tr(interaction.locale, "error.not_moderator"))
    except Exception:
        log.exception("A /prompts button failed in guild %s", interaction.guild_id)
        await send_ephemeral(interaction, tr(interaction.locale, "error.unexpected"))
