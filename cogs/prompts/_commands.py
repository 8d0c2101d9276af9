"""/prompts: moderators curate the server's prompt pool (SPEC §5); members suggest with /suggest (_suggest.py).

Permissions: the `/prompts` group carries Manage Server as its default permission, so members' pickers do
not show it (an admin can give the moderator role access in Server Settings → Integrations), and every
subcommand is refused in code (`moderator_only`: Manage Server or the moderator role set with `/schedule
set`), whatever Discord lets through.
"""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.content import PROMPT_TEXT_LIMIT
from bot.discussion.pool import PoolPrompt, PromptPool
from bot.discussion.post import quote_passage
from bot.errors import BadInput
from bot.i18n import language, tr, tr_count
from bot.moderation.inputs import clean_passage, clean_prompt_id, clean_text, echo, shorten
from bot.moderation.porting import MAX_IMPORT_BYTES, MAX_SERVER_PROMPTS, plan_import, render_export
from bot.permissions import is_moderator, moderator_only
from bot.storage import DiscussionStore, ModerationStore
from bot.storage.moderation import PromptFields
from cogs.prompts._views import (
    DecisionButton,
    PageButton,
    Show,
    render_page,
)

MAX_PENDING_PER_MEMBER = 3
ERROR_LINES_SHOWN = 40  # the rest of a long error list goes into the attached file
IMPORT_SUFFIXES = (".yaml", ".yml")


async def _reply(
    interaction: discord.Interaction[WhiplashBot],
    text: str,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """Every /prompts reply is ephemeral; nothing in it can ping anyone (the bot's default mentions)."""
    embeds = [embed] if embed is not None else []
    files = [file] if file is not None else []
    shown_view: discord.ui.View = view if view is not None else discord.utils.MISSING
    if interaction.response.is_done():
        await interaction.followup.send(
            text[:2000] or discord.utils.MISSING, ephemeral=True, embeds=embeds, files=files, view=shown_view
        )
    else:
        await interaction.response.send_message(
            text[:2000] or None, ephemeral=True, embeds=embeds, files=files, view=shown_view
        )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class PromptCommands(commands.GroupCog, group_name="prompts", group_description=_("The server's discussion prompts")):
    def __init__(
        self, bot: WhiplashBot, pool: PromptPool, *, moderation: ModerationStore, discussion: DiscussionStore
    ) -> None:
        self.bot = bot
        self.pool = pool
        self._moderation = moderation
        self._discussion = discussion
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, DecisionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, DecisionButton)

    async def _prompt(self, interaction: discord.Interaction[WhiplashBot], raw_id: str) -> PoolPrompt:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        prompt = await self.pool.get(interaction.guild_id, clean_prompt_id(raw_id, lang))
        if prompt is None:
            raise BadInput(tr(lang, "prompts.unknown_id", id=echo(shorten(raw_id.strip(), 100))))
        return prompt

    # ---- reading ---------------------------------------------------------------------------------

    @app_commands.command(name="list", description=_("The prompt pool with ids, source, status and times used"))
    @app_commands.describe(
        page=_("Page number (default 1)"),
        show=_("Which prompts to list (default all), or the pending suggestions"),
    )
    @app_commands.choices(
        show=[
            app_commands.Choice(name=_("all"), value="all"),
            app_commands.Choice(name=_("enabled"), value="enabled"),
            app_commands.Choice(name=_("disabled"), value="disabled"),
            app_commands.Choice(name=_("server's own"), value="server"),
            app_commands.Choice(name=_("shipped"), value="pack"),
            app_commands.Choice(name=_("pending suggestions"), value="suggestions"),
        ]
    )
    @moderator_only()
    async def list_prompts(
        self,
        interaction: discord.Interaction[WhiplashBot],
        page: app_commands.Range[int, 1, 9999] = 1,
        show: Literal["all", "enabled", "disabled", "server", "pack", "suggestions"] = "all",
    ) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        chosen: Show = show
        embed, view = await render_page(self.bot, self.pool, interaction.guild_id, chosen, page, lang)
        await _reply(interaction, "", embed=embed, view=view)

    @app_commands.command(name="show", description=_("One prompt in full, with its status and times used"))
    @app_commands.describe(id=_("The prompt's id"))
    @moderator_only()
    async def show(self, interaction: discord.Interaction[WhiplashBot], id: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        prompt = await self._prompt(interaction, id)
        entry = next(e for e in await self.pool.listing(interaction.guild_id) if e.prompt.id == prompt.id)
        embed = discord.Embed(title=prompt.id, description=f"**{echo(prompt.text)}**", colour=0x2B6CB0)
        if prompt.text_de:
            embed.add_field(name=tr(lang, "prompts.german"), value=echo(prompt.text_de), inline=False)
        if prompt.passage:
            passage = quote_passage(echo(shorten(prompt.passage, 1000)), spoiler=prompt.spoiler)
            embed.add_field(name=tr(lang, "prompts.passage"), value=passage[:1024], inline=False)
        if prompt.review_id:
            title = self.bot.content.review(prompt.review_id).title if self._known_review(prompt.review_id) else "?"
            embed.add_field(name=tr(lang, "prompts.review"), value=title[:1024])
        embed.add_field(name=tr(lang, "prompts.source"), value=tr(lang, f"prompts.source_{prompt.source}"))
        status = tr(lang, "prompts.enabled" if entry.enabled else "prompts.disabled")
        if entry.queued is not None:
            status += ", " + tr(lang, "prompts.queued_at", place=entry.queued)
        embed.add_field(name=tr(lang, "prompts.status"), value=status)
        embed.add_field(name=tr(lang, "prompts.times_used"), value=str(entry.uses))
        if prompt.themes:
            embed.add_field(name=tr(lang, "prompts.themes"), value=", ".join(prompt.themes)[:1024], inline=False)
        await _reply(interaction, "", embed=embed)

    def _known_review(self, review_id: str) -> bool:
        return any(review.id == review_id for review in self.bot.content.reviews)

    @show.autocomplete("id")
    async def _id_choices(
        self, interaction: discord.Interaction[WhiplashBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None or not await is_moderator(interaction):
            return []
        needle = current.strip().lower()
        lang = language(interaction.locale)
        choices = []
        for prompt, _enabled in await self.pool.all(interaction.guild_id):
            if needle and needle not in prompt.id and needle not in prompt.text_for(lang).lower():
                continue
            name = shorten(f"{prompt.id} · {prompt.text_for(lang)}", 100)
            choices.append(app_commands.Choice(name=name, value=prompt.id))
            if len(choices) == 25:
                break
        return choices

    # ---- server prompts --------------------------------------------------------------------------

    @app_commands.command(name="add", description=_("Add a prompt of the server's own"))
    @app_commands.describe(
        text=_("A complete question, up to 100 characters"),
        passage=_("A passage the prompt grew from (optional, up to 1000 characters)"),
    )
    @moderator_only()
    async def add(
        self,
        interaction: discord.Interaction[WhiplashBot],
        text: app_commands.Range[str, 1, PROMPT_TEXT_LIMIT],
        passage: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        fields = PromptFields(text=clean_text(text, lang), passage=clean_passage(passage, lang))
        if await self._moderation.count_server_prompts(interaction.guild_id) >= MAX_SERVER_PROMPTS:
            raise BadInput(tr(lang, "prompts.too_many", limit=MAX_SERVER_PROMPTS))
        created = await self._moderation.add_server_prompt(
            interaction.guild_id, fields, interaction.user.id, self.bot.clock()
        )
        await _reply(interaction, tr(lang, "prompts.added", id=created.prompt_id, text=echo(fields.text)))

    @app_commands.command(name="edit", description=_("Change the text of one of the server's own prompts"))
    @app_commands.describe(id=_("The prompt's id"), text=_("The new question, up to 100 characters"))
    @moderator_only()
    async def edit(
        self,
        interaction: discord.Interaction[WhiplashBot],
        id: app_commands.Range[str, 1, 100],
        text: app_commands.Range[str, 1, PROMPT_TEXT_LIMIT],
    ) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        prompt = await self._prompt(interaction, id)
        new_text = clean_text(text, lang)
        if prompt.source == "pack":
            raise BadInput(tr(lang, "prompts.shipped_no_edit", id=prompt.id))
        changed = await self._moderation.edit_server_prompt(
            interaction.guild_id, prompt.id, new_text, interaction.user.id, self.bot.clock()
        )
        if changed is None:
            raise BadInput(tr(lang, "prompts.unknown_id", id=prompt.id))
        await _reply(interaction, tr(lang, "prompts.edited", id=prompt.id, text=echo(new_text)))

    @app_commands.command(name="remove", description=_("Remove one of the server's own prompts"))
    @app_commands.describe(id=_("The prompt's id"))
    @moderator_only()
    async def remove(self, interaction: discord.Interaction[WhiplashBot], id: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        prompt = await self._prompt(interaction, id)
        now = self.bot.clock()
        if prompt.source == "pack":  # shipped prompts stay in the pack; the server can only switch them off
            await self._moderation.set_prompt_enabled(interaction.guild_id, prompt.id, False, interaction.user.id, now)
            await _reply(interaction, tr(lang, "prompts.shipped_disabled_instead", id=prompt.id))
            return
        removed = await self._moderation.remove_server_prompt(interaction.guild_id, prompt.id, interaction.user.id, now)
        if removed is None:
            raise BadInput(tr(lang, "prompts.unknown_id", id=prompt.id))
        await _reply(interaction, tr(lang, "prompts.removed", id=prompt.id))

    # ---- state and queue -------------------------------------------------------------------------

    async def _set_enabled(self, interaction: discord.Interaction[WhiplashBot], raw_id: str, enabled: bool) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        prompt = await self._prompt(interaction, raw_id)
        changed = await self._moderation.set_prompt_enabled(
            interaction.guild_id, prompt.id, enabled, interaction.user.id, self.bot.clock()
        )
        state = "enabled" if enabled else "disabled"
        key = f"prompts.now_{state}" if changed else f"prompts.already_{state}"
        await _reply(interaction, tr(lang, key, id=prompt.id))

    @app_commands.command(name="enable", description=_("Let a prompt be posted again"))
    @app_commands.describe(id=_("The prompt's id"))
    @moderator_only()
    async def enable(self, interaction: discord.Interaction[WhiplashBot], id: app_commands.Range[str, 1, 100]) -> None:
        await self._set_enabled(interaction, id, True)

    @app_commands.command(name="disable", description=_("Stop a prompt from being posted"))
    @app_commands.describe(id=_("The prompt's id"))
    @moderator_only()
    async def disable(self, interaction: discord.Interaction[WhiplashBot], id: app_commands.Range[str, 1, 100]) -> None:
        await self._set_enabled(interaction, id, False)

    @app_commands.command(name="queue", description=_("Post this prompt next"))
    @app_commands.describe(id=_("The prompt's id"))
    @moderator_only()
    async def queue(self, interaction: discord.Interaction[WhiplashBot], id: app_commands.Range[str, 1, 100]) -> None:
        assert interaction.guild_id is not None
        guild_id, lang = interaction.guild_id, language(interaction.locale)
        prompt = await self._prompt(interaction, id)
        if not await self.pool.is_enabled(guild_id, prompt.id):
            raise BadInput(tr(lang, "prompts.queue_disabled", id=prompt.id))
        queued = await self._discussion.queued_prompts(guild_id)
        if prompt.id in queued:
            await _reply(
                interaction, tr(lang, "prompts.already_queued", id=prompt.id, place=queued.index(prompt.id) + 1)
            )
            return
        now = self.bot.clock()
        place = await self._discussion.queue_prompt(guild_id, prompt.id, now)
        await self._moderation.record_audit(
            guild_id, interaction.user.id, "prompt.queue", prompt.id, {"queued": None}, {"queued": place}, now
        )
        await _reply(interaction, tr(lang, "prompts.queued", id=prompt.id, place=place))

    for _command in (edit, remove, enable, disable, queue):
        _command.autocomplete("id")(_id_choices)
    del _command

    # ---- import and export -----------------------------------------------------------------------

    @app_commands.command(
        name="import", description=_("Add or update prompts from a YAML file written by /prompts export")
    )
    @app_commands.describe(file=_("A .yaml file of at most 256 KiB, as written by /prompts export"))
    @moderator_only()
    async def import_(self, interaction: discord.Interaction[WhiplashBot], file: discord.Attachment) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        if not file.filename.lower().endswith(IMPORT_SUFFIXES):
            raise BadInput(tr(lang, "prompts.import_not_yaml", name=echo(shorten(file.filename, 80))))
        if file.size > MAX_IMPORT_BYTES:  # refuse before downloading anything
            raise BadInput(tr(lang, "prompts.import_too_large", size=file.size, limit=MAX_IMPORT_BYTES))
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            data = await file.read()
        except discord.HTTPException:
            raise BadInput(tr(lang, "prompts.import_unreadable")) from None
        if len(data) > MAX_IMPORT_BYTES:
            raise BadInput(tr(lang, "prompts.import_too_large", size=len(data), limit=MAX_IMPORT_BYTES))
        own = [prompt.prompt_id for prompt in await self._moderation.server_prompts(interaction.guild_id)]
        plan = plan_import(data, self.bot.content, own, lang=lang)
        if plan.problems:
            await self._report_problems(interaction, [problem.render(lang) for problem in plan.problems], lang)
            return
        result = await self._moderation.import_prompts(
            interaction.guild_id, plan.items, interaction.user.id, self.bot.clock()
        )
        text = tr(
            lang,
            "prompts.imported",
            created=len(result.created),
            updated=len(result.updated),
            enabled=len(result.enabled),
            disabled=len(result.disabled),
            unchanged=result.unchanged,
        )
        await _reply(interaction, text)

    async def _report_problems(
        self, interaction: discord.Interaction[WhiplashBot], problems: list[str], lang: str
    ) -> None:
        """Every problem in one ephemeral reply: as many as fit in the embed, all of them in the attached file."""
        header = tr(lang, "prompts.import_failed", problems=tr_count(lang, "count.problems", len(problems)))
        lines: list[str] = []
        used = 0
        for problem in problems[:ERROR_LINES_SHOWN]:
            line = "• " + echo(shorten(problem, 300))
            if used + len(line) + 1 > 3800:
                break
            lines.append(line)
            used += len(line) + 1
        embed = discord.Embed(description="\n".join(lines), colour=0xC53030)
        file = None
        if len(lines) < len(problems):
            embed.set_footer(text=tr(lang, "prompts.import_more", shown=len(lines), count=len(problems)))
            body = "\n".join(problems) + "\n"
            file = discord.File(io.BytesIO(body.encode("utf-8")), filename="import-problems.txt")
        await _reply(interaction, header, embed=embed, file=file)

    @app_commands.command(name="export", description=_("The server's prompts as a YAML file to edit and import again"))
    @moderator_only()
    async def export(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        text = await export_text(self.bot, self.pool, interaction.guild_id)
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=f"prompts-{interaction.guild_id}.yaml")
        await _reply(interaction, tr(lang, "prompts.exported"), file=file)


async def export_text(bot: WhiplashBot, pool: PromptPool, guild_id: int) -> str:
    """The server's pool in the import format (shipped prompts, then the server's own, with their state)."""
    disabled = await bot.storage.moderation.disabled_prompts(guild_id)
    shipped = [(prompt, prompt.id not in disabled) for prompt in bot.content.prompts]
    own = [
        (prompt, prompt.prompt_id not in disabled) for prompt in await bot.storage.moderation.server_prompts(guild_id)
    ]
    return render_export(shipped, own)
