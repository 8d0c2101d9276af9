"""/suggest: any member suggests a discussion prompt; moderators approve or reject it with the buttons of
the suggestion card (cogs/prompts/_views.py) or find it with `/prompts list show:suggestions`.

A member command of its own: the moderators' `/prompts` is hidden from members (SPEC §5).
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.content import PROMPT_TEXT_LIMIT
from bot.i18n import language, tr
from bot.moderation.inputs import clean_text, echo, shorten
from bot.storage import DiscussionStore, ModerationStore
from cogs.prompts._commands import MAX_PENDING_PER_MEMBER, _reply
from cogs.prompts._views import guild_lang, suggestion_card, suggestion_view


@app_commands.guild_only()
class SuggestCommand(commands.Cog):
    def __init__(self, bot: WhiplashBot, *, moderation: ModerationStore, discussion: DiscussionStore) -> None:
        self.bot = bot
        self._moderation = moderation
        self._discussion = discussion
        super().__init__()

    @app_commands.command(name="suggest", description=_("Suggest a discussion prompt to the moderators"))
    @app_commands.describe(text=_("Your question, up to 100 characters"))
    async def suggest(
        self, interaction: discord.Interaction[WhiplashBot], text: app_commands.Range[str, 1, PROMPT_TEXT_LIMIT]
    ) -> None:
        assert interaction.guild_id is not None
        guild_id, lang = interaction.guild_id, language(interaction.locale)
        cleaned = clean_text(text, lang)
        told = await self._moderation.untold_outcomes(guild_id, interaction.user.id)
        notices = [
            tr(lang, f"prompts.your_{s.status}", id=s.suggestion_id, text=echo(shorten(s.text, 80)), prompt=s.prompt_id)
            for s in told
        ]
        if told:  # marked before the reply goes out, so a quick second command cannot tell it again
            await self._moderation.mark_told(guild_id, [s.suggestion_id for s in told])
        stored = await self._moderation.add_suggestion(
            guild_id, interaction.user.id, cleaned, self.bot.clock(), max_pending=MAX_PENDING_PER_MEMBER
        )
        if stored is None:
            sentence = tr(lang, "prompts.suggest_cap", limit=MAX_PENDING_PER_MEMBER)
        else:
            sentence = tr(lang, "prompts.suggested", id=stored.suggestion_id)
        # The member is answered first: a slow log channel must not cost the 3-second interaction window.
        await _reply(interaction, "\n".join([*notices, sentence]))
        if stored is not None:
            await self._deliver(interaction, stored.suggestion_id)

    async def _deliver(self, interaction: discord.Interaction[WhiplashBot], suggestion_id: int) -> None:
        """Post the card with Approve/Reject in the log channel; without one, /prompts list shows it."""
        assert interaction.guild_id is not None
        schedule = await self._discussion.get_schedule(interaction.guild_id)
        if schedule is None or schedule.log_channel_id is None:
            return
        channel = self.bot.get_channel(schedule.log_channel_id)
        suggestion = await self._moderation.get_suggestion(interaction.guild_id, suggestion_id)
        if not isinstance(channel, discord.TextChannel) or suggestion is None:
            return
        lang = await guild_lang(self.bot, interaction.guild)
        try:
            message = await channel.send(
                embed=suggestion_card(suggestion, lang),
                view=suggestion_view(suggestion, lang),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            return  # the moderators still find it with /prompts list show:suggestions
        await self._moderation.set_suggestion_message(interaction.guild_id, suggestion_id, channel.id, message.id)
