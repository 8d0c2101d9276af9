"""/watchparty: moderators schedule and run a watch party of the film (SPEC §5, §11).

A moderator command like /schedule: Manage Server as its default permission (members do not see it) and the
moderator check in code. Every answer is ephemeral and in the moderator's language; what members see (the
announcement, the reminder, the party thread) is in the server's language. The logic is in bot/watchparty/.
"""

from __future__ import annotations

import re
from typing import Any, Self

import discord
from babel.lists import format_list
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot, send_ephemeral
from bot.errors import BadInput
from bot.i18n import language, tr
from bot.permissions import is_moderator, require_moderator
from bot.watchparty import WatchInputError, WatchParties
from bot.watchparty.interest import watch_interest
from bot.watchparty.messages import stamp

COG_NAME = "WatchPartyCommands"


class NextQuestionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"watchparty:next:(?P<event>\d+):(?P<position>\d+)",
):
    """ "Next question" under a prompt: a moderator posts the next prompt now. The party and the prompt are in
    the custom_id, so the button keeps working after a restart."""

    def __init__(self, label: str, event_id: int, position: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji="⏭️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"watchparty:next:{event_id}:{position}",
            )
        )
        self.event_id = event_id
        self.position = position

    @classmethod
    def build(cls, lang: str, event_id: int, position: int) -> NextQuestionButton:
        return cls(tr(lang, "watchparty.next"), event_id, position)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        label = item.label if isinstance(item, discord.ui.Button) and item.label else "…"
        return cls(label, int(match["event"]), int(match["position"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        lang = language(interaction.locale)
        if interaction.guild_id is None or not await is_moderator(interaction):
            await send_ephemeral(interaction, tr(lang, "watchparty.not_moderator"))
            return
        parties: WatchParties = interaction.client.services.watchparties
        await interaction.response.defer(ephemeral=True, thinking=True)
        key = await parties.advance(interaction.guild_id, self.event_id, self.position)
        await interaction.followup.send(tr(lang, key), ephemeral=True)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class WatchPartyCommands(
    commands.GroupCog, name=COG_NAME, group_name="watchparty", group_description=_("Watch the film together")
):
    def __init__(self, bot: WhiplashBot, parties: WatchParties) -> None:
        self.bot = bot
        self.parties = parties
        self.parties.next_button = NextQuestionButton.build
        self._unhook: Any = None
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(NextQuestionButton)
        self._unhook = watch_interest(self.bot, self.parties.interest_changed)
        self.parties.start()

    async def cog_unload(self) -> None:
        if self._unhook is not None:
            self._unhook()
        self.bot.remove_dynamic_items(NextQuestionButton)
        await self.parties.stop()

    async def interaction_check(self, interaction: discord.Interaction[WhiplashBot]) -> bool:  # type: ignore[override]
        return await require_moderator(interaction)

    @staticmethod
    def _refusal(lang: str, error: WatchInputError) -> BadInput:
        values = dict(error.values)
        if error.missing:
            names = [tr(lang, f"permission.forum.{attr}") for attr in error.missing]
            values["permissions"] = format_list(names, locale=lang)
        return BadInput(tr(lang, error.key, **values))

    @app_commands.command(name="schedule", description=_("Schedule a watch party of the film as a server event"))
    @app_commands.describe(
        when=_("Start as YYYY-MM-DD HH:MM in the daily discussion's time zone, e.g. 2026-12-24 20:00"),
        channel=_("A voice or stage channel to watch in (or give a location)"),
        location=_("Where you meet, if not in a voice channel (up to 100 characters)"),
    )
    async def schedule(
        self,
        interaction: discord.Interaction[WhiplashBot],
        when: app_commands.Range[str, 1, 40],
        channel: discord.VoiceChannel | discord.StageChannel | None = None,
        location: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)  # creating the event is a REST call
        try:
            party = await self.parties.schedule(interaction.guild, interaction.user.id, when, channel, location)
        except WatchInputError as error:
            raise self._refusal(lang, error) from None
        answer = tr(lang, "watchparty.scheduled", when=stamp(party.starts_at), channel=self.parties.announced_in(party))
        await interaction.followup.send(answer, ephemeral=True)

    @app_commands.command(name="start", description=_("Start the watch party now: its thread opens with the film"))
    async def start(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            thread = await self.parties.begin(interaction.guild_id)
        except WatchInputError as error:
            raise self._refusal(lang, error) from None
        await interaction.followup.send(tr(lang, "watchparty.started", thread=thread.mention), ephemeral=True)

    @app_commands.command(name="pause", description=_("Pause the watch party: no question comes until it resumes"))
    async def pause(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await self._change(interaction, self.parties.pause, "watchparty.paused")

    @app_commands.command(name="resume", description=_("Resume a paused watch party where it stopped"))
    async def resume(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await self._change(interaction, self.parties.resume, "watchparty.resumed")

    @app_commands.command(name="stop", description=_("Stop the watch party, or call off a scheduled one"))
    async def stop(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            outcome = await self.parties.stop_party(interaction.guild_id)
        except WatchInputError as error:
            raise self._refusal(lang, error) from None
        await interaction.followup.send(tr(lang, f"watchparty.{outcome}"), ephemeral=True)

    async def _change(self, interaction: discord.Interaction[WhiplashBot], change: Any, answer: str) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await change(interaction.guild_id)
        except WatchInputError as error:
            raise self._refusal(lang, error) from None
        await interaction.followup.send(tr(lang, answer), ephemeral=True)


async def setup(bot: WhiplashBot) -> None:
    await bot.add_cog(WatchPartyCommands(bot, bot.services.watchparties))
