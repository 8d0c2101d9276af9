"""/replies: the moderators' tools for the logged replies, export and retention (SPEC §5, §7, §8).

A moderator command: the group carries Manage Server as its default permission, so members' pickers do not
show it (an admin can give the moderator role access in Server Settings → Integrations), and the code checks
Manage Server or the moderator role itself. Every reply is ephemeral.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.export import export_bytes, export_filename, export_id_list
from bot.errors import UserFacingError
from bot.i18n import language, tr, tr_count
from bot.permissions import require_moderator
from bot.storage import GuildStore, ModerationStore, PrivacyStore, ReplyStore
from bot.storage.privacy import DEFAULT_RETENTION_DAYS
from cogs.privacy import _ids

if TYPE_CHECKING:
    from bot.discussion.logger import ReplyLogger
    from bot.privacy import RetentionPurger

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class RepliesCommands(
    commands.GroupCog, group_name="replies", group_description=_("The logged replies: export and retention")
):
    def __init__(
        self,
        bot: WhiplashBot,
        logger: ReplyLogger,
        purger: RetentionPurger,
        *,
        replies: ReplyStore,
        guilds: GuildStore,
        privacy: PrivacyStore,
        moderation: ModerationStore,
    ) -> None:
        self.bot = bot
        self.logger = logger  # its queue is flushed before an export
        self.purger = purger  # woken when the retention gets shorter
        self._replies = replies
        self._guilds = guilds
        self._privacy = privacy
        self._moderation = moderation
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[WhiplashBot]) -> bool:  # type: ignore[override]
        return await require_moderator(interaction)

    @app_commands.command(name="export", description=_("A CSV or JSONL file of the logged replies"))
    @app_commands.describe(format=_("csv (default) or jsonl"))
    async def export(
        self, interaction: discord.Interaction[WhiplashBot], format: Literal["csv", "jsonl"] = "csv"
    ) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.logger.flush(max_attempts=1)  # fresh figures, but never wait on a broken database
        unreadable: list[int] = []
        data, count = await export_bytes(self._replies.export_rows(interaction.guild_id, unreadable=unreadable), format)
        limit = interaction.filesize_limit
        if len(data) > limit:
            raise UserFacingError(tr(lang, "export.too_large", size=len(data), limit=limit))
        stamp = self.bot.clock().strftime("%Y%m%d-%H%M")
        name = export_filename(interaction.guild_id, format, stamp)
        text = tr(lang, "export.done", replies=tr_count(lang, "count.replies", count), format=format.upper())
        if unreadable:
            log.warning(
                "Export of guild %s left out %d replies that cannot be decrypted: %s",
                interaction.guild_id,
                len(unreadable),
                unreadable,
            )
            text += " " + tr(
                lang,
                "export.unreadable",
                replies=tr_count(lang, "count.replies", len(unreadable)),
                ids=export_id_list(unreadable),
            )
        await interaction.followup.send(text, file=discord.File(io.BytesIO(data), filename=name), ephemeral=True)

    @app_commands.command(name="retention", description=_("Show or set how long replies are kept here"))
    @app_commands.describe(days=_("Keep replies this many days, 1 to 3650 (leave out to see the current value)"))
    async def retention(
        self, interaction: discord.Interaction[WhiplashBot], days: app_commands.Range[int, 1, 3650] | None = None
    ) -> None:
        guild_id, user_id = _ids(interaction)
        lang = language(interaction.locale)
        if days is None:
            record = await self._guilds.get_guild(guild_id)
            current = record.retention_days if record else DEFAULT_RETENTION_DAYS
            await interaction.response.send_message(
                tr(lang, "privacy.retention.current", period=tr_count(lang, "count.days", current)), ephemeral=True
            )
            return
        now = self.bot.clock()
        before = await self._privacy.set_retention(guild_id, days, now)
        await self._moderation.record_audit(
            guild_id, user_id, "privacy.retention", "retention", {"days": before}, {"days": days}, now
        )
        self.purger.wake()  # a shorter retention applies now, not tomorrow
        await interaction.response.send_message(
            tr(
                lang,
                "privacy.retention.set",
                period=tr_count(lang, "count.days", days),
                before=tr_count(lang, "count.days", before),
            ),
            ephemeral=True,
        )


async def setup(bot: WhiplashBot) -> None:
    services, storage = bot.services, bot.storage
    await bot.add_cog(
        RepliesCommands(
            bot,
            services.logger,
            services.purger,
            replies=storage.replies,
            guilds=storage.guilds,
            privacy=storage.privacy,
            moderation=storage.moderation,
        )
    )
