"""/privacy: what is stored about me, opt-out, opt-in and forget-me (SPEC §5, §8); the daily purge.

Every reply is ephemeral and carries no mention that could ping: the only text from outside the bot
is the server's name, and it is sent with mentions disabled.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.i18n import format_number, language, tr, tr_count
from bot.storage import DiscussionStore, GuildStore, HighlightStore, PrivacyStore, StreakStore
from bot.storage.privacy import DEFAULT_RETENTION_DAYS

if TYPE_CHECKING:
    from bot.discussion.logger import ReplyLogger
    from bot.privacy import RetentionPurger

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()


@app_commands.guild_only()
class Privacy(commands.GroupCog, group_name="privacy", group_description=_("What the bot stores about you")):
    def __init__(
        self,
        bot: WhiplashBot,
        logger: ReplyLogger,
        purger: RetentionPurger,
        *,
        privacy: PrivacyStore,
        discussion: DiscussionStore,
        highlights: HighlightStore,
        guilds: GuildStore,
        streaks: StreakStore,
    ) -> None:
        self.bot = bot
        self.logger = logger  # keeps the opt-outs it checks in memory, and replies queued for writing
        self.purger = purger
        self._privacy = privacy
        self._discussion = discussion
        self._highlights = highlights
        self._guilds = guilds
        self._streaks = streaks
        super().__init__()

    async def cog_load(self) -> None:
        self.purger.start()

    async def cog_unload(self) -> None:
        await self.purger.stop()

    async def _forget(self, guild_id: int, user_id: int, *, before_id: int, opt_out: bool = False) -> int:
        """Delete the member's data, queued replies included, leaving no text in the database files.

        `before_id` is the request's interaction id (Discord's): everything the member wrote before asking is older.
        """
        return await self.logger.forget(guild_id, user_id, self.bot.clock(), before_id=before_id, opt_out=opt_out)

    @app_commands.command(name="status", description=_("What is stored about you in this server, and who sees it"))
    async def status(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        guild_id, user_id = _ids(interaction)
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.logger.flush(max_attempts=1)  # count what was received, unless the database cannot be written
        storage = self.bot.storage
        replies, opted_out = await self._privacy.member_summary(guild_id, user_id)
        highlighted, reactions = await self._highlights.member_reactions_summary(guild_id, user_id)
        record = await self._guilds.get_guild(guild_id)
        retention = record.retention_days if record else DEFAULT_RETENTION_DAYS
        on_board = await self._streaks.on_leaderboard(guild_id, user_id)
        lines = [
            tr(lang, "privacy.status.title", server=_server_name(interaction)),
            tr(lang, "privacy.status.replies", count=format_number(lang, replies)),
            tr(lang, "privacy.status.highlights", count=format_number(lang, highlighted)),
            tr(lang, "privacy.status.reactions", count=format_number(lang, reactions)),
            tr(lang, "privacy.status.opted_out" if opted_out else "privacy.status.logging"),
            tr(lang, "privacy.status.leaderboard_on" if on_board else "privacy.status.leaderboard_off"),
            tr(lang, "privacy.status.retention", days=tr_count(lang, "count.days", retention)),
            tr(lang, "privacy.status.encrypted" if storage.cipher.encrypts else "privacy.status.unencrypted"),
            tr(lang, "privacy.status.who"),
            tr(lang, "privacy.status.commands"),
        ]
        await interaction.followup.send("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="optout", description=_("Stop logging your replies here and delete the stored ones"))
    async def optout(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        guild_id, user_id = _ids(interaction)
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        # The flag first: from its commit on, the reply INSERT itself skips this member, so a batch already
        # on its way cannot write them. If it cannot be stored, nothing changes and the member is told.
        changed = await self._privacy.set_optout(guild_id, user_id, True, self.bot.clock())
        # Their queued writes go too.
        deleted = await self._forget(guild_id, user_id, opt_out=True, before_id=interaction.id)
        log.info("Member opted out in guild %s (%d rows deleted)", guild_id, deleted)
        key = "privacy.optout.done" if changed else "privacy.optout.already"
        text = tr(lang, key, deleted=tr_count(lang, "count.entries", deleted))
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="optin", description=_("Log your replies to the daily discussion again"))
    async def optin(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        guild_id, user_id = _ids(interaction)
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        changed = await self._privacy.set_optout(guild_id, user_id, False, self.bot.clock())
        self.logger.set_opted_out(guild_id, user_id, False)
        key = "privacy.optin.done" if changed else "privacy.optin.already"
        await interaction.followup.send(tr(lang, key), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="forget", description=_("Delete everything the bot stores about you in this server"))
    async def forget(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        guild_id, user_id = _ids(interaction)
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        opted_out = await self._discussion.is_opted_out(guild_id, user_id)
        deleted = await self._forget(guild_id, user_id, before_id=interaction.id)
        log.info("Member data forgotten in guild %s (%d rows deleted)", guild_id, deleted)
        text = tr(lang, "privacy.forget.done", deleted=tr_count(lang, "count.entries", deleted))
        text += " " + tr(lang, "privacy.forget.still_opted_out" if opted_out else "privacy.forget.logging_continues")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)


def _ids(interaction: discord.Interaction[WhiplashBot]) -> tuple[int, int]:
    assert interaction.guild_id is not None  # guild_only
    return interaction.guild_id, interaction.user.id


def _server_name(interaction: discord.Interaction[WhiplashBot]) -> str:
    guild = interaction.guild
    name = guild.name if guild is not None and guild.name else str(interaction.guild_id)
    return discord.utils.escape_mentions(discord.utils.escape_markdown(name))


async def setup(bot: WhiplashBot) -> None:
    services, storage = bot.services, bot.storage
    await bot.add_cog(
        Privacy(
            bot,
            services.logger,
            services.purger,
            privacy=storage.privacy,
            discussion=storage.discussion,
            highlights=storage.highlights,
            guilds=storage.guilds,
            streaks=storage.streaks,
        )
    )
