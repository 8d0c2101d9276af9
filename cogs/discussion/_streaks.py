"""/discussion me and /discussion leaderboard: the screens and the leaderboard button (Discord glue only).

The figures come from bot/discussion/streaks.py over the storage's reads; the button's state lives in its
custom_id, so a /discussion me answer keeps working after a restart.
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord

from bot.client import WhiplashBot, send_ephemeral
from bot.discussion.streaks import HighlightCounter, MemberFigures, ranked
from bot.errors import UserFacingError
from bot.i18n import language, tr, tr_count

STREAK_COLOUR = discord.Colour(0xC05621)
LEADERBOARD_SIZE = 10
NO_PINGS = discord.AllowedMentions.none()


def _streak(lang: str, days: int) -> str:
    return tr_count(lang, "streaks.days", days) if days else tr(lang, "streaks.none")


def _safe(name: str) -> str:
    """A stored display name as plain text: no markdown, no mention syntax."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


async def discussion_mention(bot: WhiplashBot, guild_id: int, sub: str, *, may_fetch: bool = True) -> str:
    """`/discussion <sub>` as a command the member clicks, once the bot knows the commands' ids.

    `may_fetch=False` (a button's immediate answer) never asks Discord; the name then shows as code.
    """
    if not may_fetch and bot.command_ids.needs_fetch(bot.tree, guild_id):
        return f"`/discussion {sub}`"
    command_id = (await bot.command_ids.ids_for(bot.tree, guild_id)).get("discussion")
    return f"</discussion {sub}:{command_id}>" if command_id else f"`/discussion {sub}`"


def me_embed(
    lang: str, server: str, figures: MemberFigures, highlights: int, *, on_board: bool, leaderboard: str
) -> discord.Embed:
    """The member's own figures, with whether they appear on the leaderboard (`leaderboard`: its command)."""
    embed = discord.Embed(title=tr(lang, "streaks.me.title", server=_safe(server)), colour=STREAK_COLOUR)
    embed.add_field(name=tr(lang, "streaks.me.replies"), value=tr_count(lang, "streaks.replies", figures.replies))
    embed.add_field(name=tr(lang, "streaks.me.current"), value=_streak(lang, figures.streak.current))
    embed.add_field(name=tr(lang, "streaks.me.best"), value=_streak(lang, figures.streak.best))
    value = tr_count(lang, "streaks.highlighted", highlights) if highlights else tr(lang, "streaks.none")
    embed.add_field(name=tr(lang, "streaks.me.highlights"), value=value, inline=False)
    board = tr(lang, "streaks.me.on_board" if on_board else "streaks.me.off_board", leaderboard=leaderboard)
    embed.description = f"{tr(lang, 'streaks.me.how')}\n\n{board}"
    return embed


def leaderboard_embed(lang: str, board: list[MemberFigures], me: str) -> discord.Embed:
    """The opted-in members, best first; names only as text (the message is sent with no mentions).

    `me`: the /discussion me command, for the sentence shown when nobody is on it yet."""
    embed = discord.Embed(title=tr(lang, "streaks.board.title"), colour=STREAK_COLOUR)
    lines = [
        tr(
            lang,
            "streaks.board.line",
            rank=rank,
            name=_safe(member.name) or tr(lang, "streaks.board.someone"),
            streak=_streak(lang, member.streak.current),
            replies=tr_count(lang, "streaks.replies", member.replies),
            best=tr_count(lang, "streaks.board.best", member.streak.best),
        )
        for rank, member in enumerate(ranked(board)[:LEADERBOARD_SIZE], start=1)
    ]
    embed.description = "\n".join(lines) if lines else tr(lang, "streaks.board.empty", me=me)
    embed.set_footer(text=tr(lang, "streaks.board.footer"))
    return embed


class LeaderboardButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"streaks:board:(?P<action>join|leave)",
):
    """Join or leave the leaderboard from /discussion me; the action is in the custom_id (restart-proof)."""

    def __init__(self, join: bool, label: str) -> None:
        style = discord.ButtonStyle.primary if join else discord.ButtonStyle.secondary
        custom_id = f"streaks:board:{'join' if join else 'leave'}"
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.join = join

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "…"
        return cls(match["action"] == "join", label)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._toggle(interaction)
        except UserFacingError as error:  # component errors do not pass through the tree's on_error
            await send_ephemeral(interaction, error.message)

    async def _toggle(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        bot = interaction.client
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        if await bot.storage.discussion.get_schedule(interaction.guild_id) is None:
            raise UserFacingError(tr(lang, "discussion.no_schedule"))
        if await bot.storage.discussion.is_opted_out(interaction.guild_id, interaction.user.id):
            raise UserFacingError(tr(lang, "streaks.me.opted_out"))
        await bot.storage.streaks.set_on_leaderboard(interaction.guild_id, interaction.user.id, self.join, bot.clock())
        embed, view = await me_screen(bot, interaction, bot.storage.highlights.count_highlights, may_fetch=False)
        await interaction.response.edit_message(embed=embed, view=view, allowed_mentions=NO_PINGS)


async def me_screen(
    bot: WhiplashBot,
    interaction: discord.Interaction[WhiplashBot],
    highlight_count: HighlightCounter | None,
    *,
    may_fetch: bool = True,
) -> tuple[discord.Embed, discord.ui.View]:
    """The /discussion me embed and its button, for the member who asked (or clicked)."""
    assert interaction.guild_id is not None
    guild_id, user_id = interaction.guild_id, interaction.user.id
    lang = language(interaction.locale)
    figures = await bot.storage.streaks.member_figures(guild_id, user_id)
    highlights = await highlight_count(guild_id, user_id) if highlight_count else 0
    on_board = await bot.storage.streaks.on_leaderboard(guild_id, user_id)
    server = interaction.guild.name if interaction.guild and interaction.guild.name else ""
    leaderboard = await discussion_mention(bot, guild_id, "leaderboard", may_fetch=may_fetch)
    embed = me_embed(lang, server, figures, highlights, on_board=on_board, leaderboard=leaderboard)
    view = discord.ui.View(timeout=None)
    label = tr(lang, "streaks.button.leave" if on_board else "streaks.button.join")
    view.add_item(LeaderboardButton(not on_board, label))
    return embed, view
