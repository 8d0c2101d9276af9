"""/schedule: moderators set up and run the daily discussion (SPEC §5, §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
from babel.dates import get_day_names
from babel.lists import format_list
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.client import WhiplashBot
from bot.discussion.forum import missing_tags as forum_missing_tags
from bot.discussion.post import server_language
from bot.discussion.poster import DailyPoster, PostOutcome
from bot.errors import BadInput, UserFacingError
from bot.i18n import format_date, language, tr
from bot.i18n import language as member_language
from bot.moderation.audit import audit_line, schedule_snapshot
from bot.moderation.failures import plain_failure
from bot.permissions import missing_forum_permissions, missing_permissions, require_moderator
from bot.scheduling import (
    ScheduleInputError,
    describe_days,
    next_run,
    parse_days,
    parse_time,
    resolve_timezone,
    search_timezones,
)
from bot.storage import (
    DailyPost,
    DigestSetting,
    DigestStore,
    DiscussionStore,
    ModerationStore,
    Schedule,
    days_to_mask,
    mask_to_days,
)
from bot.storage.moderation import AuditEntry
from cogs.discussion._discussion import jump_url

SCHEDULE_COLOUR = discord.Colour(0x4A5568)
RECENT_POSTS = 4  # each links its whole question: four fit one embed field (1024 characters)


def stamp(moment: datetime) -> str:
    """A Discord timestamp that every member sees in their own time zone."""
    ts = int(moment.timestamp())
    return f"<t:{ts}:F> (<t:{ts}:R>)"


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # choice names, localized

# Each language by its own name, as Discord's language picker shows them.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def server_language_choice(
    choice: app_commands.Choice[str] | None, before: Schedule | None, guild: discord.Guild, lang: str
) -> str:
    """The server's language for its posts: the one chosen now, else the one chosen before (so changing the
    time keeps it), else the server's preferred locale (Server Settings → Community → Server Primary Language)."""
    if choice is not None:
        if choice.value not in LANGUAGE_NAMES:  # Discord only sends a registered choice; never store another
            raise BadInput(tr(lang, "schedule.bad_language", choices=", ".join(LANGUAGE_NAMES.values())))
        return choice.value
    if before is not None and before.language in LANGUAGE_NAMES:
        return before.language
    return member_language(guild.preferred_locale)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ScheduleCommands(commands.GroupCog, group_name="schedule", group_description=_("Set up the daily discussion")):
    def __init__(
        self,
        bot: WhiplashBot,
        poster: DailyPoster,
        *,
        discussion: DiscussionStore,
        moderation: ModerationStore,
        digest: DigestStore,
    ) -> None:
        self.bot = bot
        self.poster = poster
        self._discussion = discussion
        self._moderation = moderation
        self._digest = digest
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction[WhiplashBot]) -> bool:  # type: ignore[override]
        return await require_moderator(interaction)

    async def _notices(self, interaction: discord.Interaction[WhiplashBot], lang: str) -> str:
        """Failures of the daily post nobody was told about yet: shown once, on a moderator's next command."""
        assert interaction.guild_id is not None
        lines = []
        for post in await self._discussion.unreported_errors(interaction.guild_id):
            reason = plain_failure(post.error, lang)
            lines.append(tr(lang, "post.failure_report", day=format_date(lang, post.post_date), reason=reason))
            await self._discussion.mark_error_reported(post.guild_id, post.post_date)
        return "\n".join(f"⚠️ {line}" for line in lines)

    async def _reply(
        self, interaction: discord.Interaction[WhiplashBot], text: str, *, embed: discord.Embed | None = None
    ) -> None:
        notices = await self._notices(interaction, language(interaction.locale))
        content = f"{notices}\n\n{text}" if notices else text
        embeds = [embed] if embed else []
        if interaction.response.is_done():
            await interaction.followup.send(content[:2000], ephemeral=True, embeds=embeds)
        else:
            await interaction.response.send_message(content[:2000], ephemeral=True, embeds=embeds)

    @app_commands.command(name="set", description=_("Post a daily prompt in a channel at a local time"))
    @app_commands.describe(
        channel=_("The text or forum channel for the daily post"),
        time=_("Local time as HH:MM on a 24-hour clock, e.g. 09:30"),
        timezone=_("IANA time zone, e.g. Europe/Berlin"),
        days=_("daily, weekdays, mon-fri or mon,wed,fri (default daily)"),
        ping_role=_("A role to ping with each post (optional)"),
        moderator_role=_("A role that may run the moderator commands (optional)"),
        log_channel=_("A channel where the bot reports failed posts (optional)"),
        language=_("The language of the daily post and the bot's reports (default: the server's language)"),
    )
    @app_commands.choices(
        language=[app_commands.Choice(name="English", value="en"), app_commands.Choice(name="Deutsch", value="de")]
    )
    async def set_(
        self,
        interaction: discord.Interaction[WhiplashBot],
        channel: discord.TextChannel | discord.ForumChannel,
        time: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 64],
        days: app_commands.Range[str, 1, 100] = "daily",
        ping_role: discord.Role | None = None,
        moderator_role: discord.Role | None = None,
        log_channel: discord.TextChannel | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        assert interaction.guild is not None
        lang = member_language(interaction.locale)
        try:
            at = parse_time(time)
            zone = resolve_timezone(timezone)
            weekdays = parse_days(days)
        except ScheduleInputError as exc:
            raise BadInput(exc.text(lang)) from None
        if ping_role is not None and (ping_role.is_default() or ping_role.managed):
            raise BadInput(tr(lang, "schedule.bad_ping_role", role=ping_role.name))
        now = self.bot.clock()
        before = await self._discussion.get_schedule(interaction.guild.id)
        post_language = server_language_choice(language, before, interaction.guild, lang)
        if isinstance(channel, discord.ForumChannel):
            self._require_forum_permissions(channel, lang, post_language)
        upcoming = await self.poster.first_run(interaction.guild.id, at, zone, weekdays, new=before is None)
        saved = Schedule(
            guild_id=interaction.guild.id,
            channel_id=channel.id,
            local_time=at.strftime("%H:%M"),
            timezone=zone.key,
            days=days_to_mask(weekdays),
            ping_role_id=ping_role.id if ping_role else None,
            moderator_role_id=moderator_role.id if moderator_role else None,
            log_channel_id=log_channel.id if log_channel else None,
            paused=False,
            next_run_at=int(upcoming.timestamp()),
            updated_at=now,
            language=post_language,
        )
        await self._discussion.save_schedule(saved)
        self.poster.wake()  # the poster sleeps until the next due time it knew: this one may be earlier
        await self._audit(interaction, "schedule.set", schedule_snapshot(before), schedule_snapshot(saved))
        text = tr(
            lang,
            "schedule.saved",
            channel=channel.mention,
            time=at.strftime("%H:%M"),
            zone=zone.key,
            days=describe_days(weekdays, lang),
            next=stamp(upcoming),
        )
        text += "\n" + tr(lang, "schedule.post_language", language=LANGUAGE_NAMES[post_language])
        if isinstance(channel, discord.ForumChannel):
            text += "\n" + tr(lang, "forum.saved")
        missing = (
            []
            if isinstance(channel, discord.ForumChannel)
            else missing_permissions(channel.permissions_for(interaction.guild.me), lang)
        )
        if missing:
            text += "\n" + tr(lang, "schedule.missing", permissions=format_list(missing, locale=lang))
        if ping_role is not None and not ping_role.mentionable and not interaction.app_permissions.mention_everyone:
            text += "\n" + tr(lang, "schedule.ping_unmentionable", role=ping_role.name)
        await self._reply(interaction, text)

    @set_.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: discord.Interaction[WhiplashBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in search_timezones(current)]

    @app_commands.command(name="show", description=_("The schedule, the next post and recent failures"))
    async def show(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        schedule = await self._require_schedule(interaction)
        lang = language(interaction.locale)
        embed = discord.Embed(
            title=tr(lang, "schedule.show_title"),
            description=tr(
                lang,
                "schedule.summary",
                channel=f"<#{schedule.channel_id}>",
                time=schedule.local_time,
                zone=schedule.timezone,
                days=describe_days(mask_to_days(schedule.days), lang),
            ),
            colour=SCHEDULE_COLOUR,
        )
        state = (
            tr(lang, "schedule.paused")
            if schedule.paused
            else stamp(datetime.fromtimestamp(schedule.next_run_at).astimezone())
        )
        embed.add_field(name=tr(lang, "schedule.next"), value=state, inline=False)
        roles = []
        if schedule.ping_role_id:
            roles.append(tr(lang, "schedule.ping_role", role=f"<@&{schedule.ping_role_id}>"))
        if schedule.moderator_role_id:
            roles.append(tr(lang, "schedule.moderator_role", role=f"<@&{schedule.moderator_role_id}>"))
        if schedule.log_channel_id:
            roles.append(tr(lang, "schedule.log_channel", channel=f"<#{schedule.log_channel_id}>"))
        if roles:
            embed.add_field(name=tr(lang, "schedule.roles"), value="\n".join(roles), inline=False)
        recent = await self._discussion.recent_posts(schedule.guild_id, RECENT_POSTS)
        posts = [await self._post_line(post, lang) for post in recent]
        if posts:
            embed.add_field(name=tr(lang, "schedule.recent"), value=_whole_lines(posts), inline=False)
        entries = await self._moderation.recent_audit(schedule.guild_id, 5)
        questions = await self._question_texts(schedule.guild_id, entries, lang)
        changes = [audit_line(entry, lang, questions.get) for entry in entries]
        if changes:
            embed.add_field(name=tr(lang, "audit.recent"), value=_whole_lines(changes), inline=False)
        await self._reply(interaction, tr(lang, "schedule.show_intro"), embed=embed)

    async def _post_line(self, post: DailyPost, lang: str) -> str:
        """A recent post: its day in words and its question, linked to the message; or why it failed."""
        day = format_date(lang, post.post_date)
        prompt = await self.poster.pool.get(post.guild_id, post.prompt_id)
        question = _link_text(prompt.text_for(lang) if prompt else tr(lang, "schedule.question_gone"))
        reason = discord.utils.escape_markdown(plain_failure(post.error, lang))
        if post.status == "sent" and post.message_id:
            link = self._post_url(post)
            line = tr(lang, "schedule.recent_sent", day=day, question=f"[{question}]({link})")
            return f"{line}\n⚠️ {reason}" if post.error else line  # e.g. posted, but its thread was refused
        if post.status == "failed":
            return "⚠️ " + tr(lang, "schedule.recent_failed", day=day, question=question, reason=reason)
        return tr(lang, "schedule.recent_pending", day=day, question=question)

    async def _question_texts(self, guild_id: int, entries: list[AuditEntry], lang: str) -> dict[str, str]:
        """The question text, in `lang`, of every prompt the audit entries name (for "turned off the question …")."""
        ids = {entry.target for entry in entries if entry.action.startswith("prompt.")}
        ids |= {
            entry.after["prompt_id"]
            for entry in entries
            if isinstance(entry.after, dict) and isinstance(entry.after.get("prompt_id"), str)
        }
        texts = {}
        for prompt_id in ids:
            prompt = await self.poster.pool.get(guild_id, prompt_id)
            if prompt is not None:
                texts[prompt_id] = prompt.text_for(lang)
        return texts

    @app_commands.command(name="pause", description=_("Stop the daily posts until resumed"))
    async def pause(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        schedule = await self._require_schedule(interaction)
        lang = language(interaction.locale)
        await self._discussion.set_paused(schedule.guild_id, True, schedule.next_run_at, self.bot.clock())
        self.poster.wake()  # it forgets this server's next run
        await self._audit(interaction, "schedule.pause", {"paused": schedule.paused}, {"paused": True})
        await self._reply(interaction, tr(lang, "schedule.paused_now"))

    @app_commands.command(name="resume", description=_("Start the daily posts again"))
    async def resume(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        schedule = await self._require_schedule(interaction)
        lang = language(interaction.locale)
        now = self.bot.clock()
        upcoming = next_run(
            now, parse_time(schedule.local_time), ZoneInfo(schedule.timezone), mask_to_days(schedule.days)
        )
        await self._discussion.set_paused(schedule.guild_id, False, int(upcoming.timestamp()), now)
        self.poster.wake()
        await self._audit(interaction, "schedule.resume", {"paused": schedule.paused}, {"paused": False})
        await self._reply(interaction, tr(lang, "schedule.resumed", next=stamp(upcoming)))

    @app_commands.command(name="post-now", description=_("Post the next prompt now; it counts as today's post"))
    async def post_now(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        await self._require_schedule(interaction)
        assert interaction.guild_id is not None
        lang = language(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.poster.post_now(interaction.guild_id)
        await self._reply(interaction, await self._describe(outcome, lang))

    async def _describe(self, outcome: PostOutcome, lang: str) -> str:
        post = outcome.post
        if outcome.status in ("posted", "already") and post is not None:
            prompt = await self.poster.pool.get(post.guild_id, post.prompt_id)
            question = _link_text(prompt.text_for(lang) if prompt else tr(lang, "schedule.question_gone"))
            if post.message_id:
                question = f"[{question}]({self._post_url(post)})"
            return tr(lang, f"schedule.{outcome.status}", question=question)
        if outcome.status == "no_prompts":
            return tr(lang, "schedule.no_prompts")
        return tr(lang, "schedule.post_failed", reason=plain_failure(outcome.reason, lang))

    @app_commands.command(name="digest", description=_("The weekly digest of the best replies; no options shows it"))
    @app_commands.describe(
        weekday=_("The day the digest goes out"),
        time=_("Local time as HH:MM on a 24-hour clock, e.g. 18:00"),
        enabled=_("Post the weekly digest (off by default)"),
    )
    @app_commands.choices(weekday=[app_commands.Choice(name=_(day), value=i) for i, day in enumerate(WEEKDAYS)])
    async def digest(
        self,
        interaction: discord.Interaction[WhiplashBot],
        weekday: app_commands.Choice[int] | None = None,
        time: app_commands.Range[str, 1, 20] | None = None,
        enabled: bool | None = None,
    ) -> None:
        schedule = await self._require_schedule(interaction)
        lang = language(interaction.locale)
        before = await self._digest.get_digest_setting(schedule.guild_id)
        setting = before or DigestSetting(schedule.guild_id, DIGEST_WEEKDAY, DIGEST_TIME, False, self.bot.clock())
        if weekday is None and time is None and enabled is None:
            await self._reply(interaction, _digest_text(lang, setting, schedule))
            return
        if weekday is not None and weekday.value not in range(7):  # Discord only sends a registered choice
            raise BadInput(tr(lang, "digest.bad_weekday", days=", ".join(_day_names(lang))))
        try:
            at = parse_time(time).strftime("%H:%M") if time is not None else setting.local_time
        except ScheduleInputError as exc:
            raise BadInput(exc.text(lang)) from None
        saved = DigestSetting(
            guild_id=schedule.guild_id,
            weekday=weekday.value if weekday is not None else setting.weekday,
            local_time=at,
            enabled=enabled if enabled is not None else setting.enabled,
            updated_at=self.bot.clock(),
        )
        await self._digest.save_digest_setting(saved)
        self.poster.wake()  # the poster sleeps until the next moment it knew of: the digest's may be earlier
        await self._audit(interaction, "schedule.digest", _digest_snapshot(before), _digest_snapshot(saved))
        await self._reply(interaction, _digest_text(lang, saved, schedule))

    @app_commands.command(name="check", description=_("List the permissions the bot lacks in the discussion channel"))
    async def check(self, interaction: discord.Interaction[WhiplashBot]) -> None:
        schedule = await self._require_schedule(interaction)
        assert interaction.guild is not None
        lang = language(interaction.locale)
        channel = interaction.guild.get_channel(schedule.channel_id)
        if isinstance(channel, discord.ForumChannel):
            post_language = server_language(schedule, interaction.guild)
            await self._reply(interaction, self._forum_check(channel, lang, post_language))
            return
        if not isinstance(channel, discord.TextChannel):
            raise UserFacingError(tr(lang, "schedule.channel_gone"))
        missing = missing_permissions(channel.permissions_for(interaction.guild.me), lang)
        if missing:
            text = tr(lang, "schedule.missing", permissions=format_list(missing, locale=lang))
        else:
            text = tr(lang, "schedule.all_permissions", channel=channel.mention)
        await self._reply(interaction, text)

    def _post_url(self, post: DailyPost) -> str:
        """A link to a daily post's message; a forum post's first message lives in the post itself (its thread)."""
        in_forum = isinstance(self.bot.get_channel(post.channel_id), discord.ForumChannel)
        channel_id = post.message_id if in_forum and post.message_id else post.channel_id
        return jump_url(post.guild_id, channel_id, post.message_id)

    def _forum_missing(self, forum: discord.ForumChannel, lang: str, post_language: str) -> list[str]:
        """What the bot lacks in a forum for forum mode, named in `lang` (Manage Channels only if tags are due)."""
        tags_due = bool(forum_missing_tags(forum, self.bot.content, post_language))
        return missing_forum_permissions(forum.permissions_for(forum.guild.me), lang, tags_to_create=tags_due)

    def _require_forum_permissions(self, forum: discord.ForumChannel, lang: str, post_language: str) -> None:
        """Refuse a forum the bot cannot post in (one sentence, nothing stored)."""
        missing = self._forum_missing(forum, lang, post_language)
        if missing:
            permissions = format_list(missing, locale=lang)
            raise BadInput(tr(lang, "forum.refused", channel=forum.mention, permissions=permissions))

    def _forum_check(self, forum: discord.ForumChannel, lang: str, post_language: str) -> str:
        """/schedule check for a forum: one sentence on what is missing, or that nothing is."""
        missing = self._forum_missing(forum, lang, post_language)
        if missing:
            return tr(lang, "forum.missing", channel=forum.mention, permissions=format_list(missing, locale=lang))
        return tr(lang, "forum.all_permissions", channel=forum.mention)

    async def _audit(
        self,
        interaction: discord.Interaction[WhiplashBot],
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Record a moderator's change of the schedule (who, what, before and after, when)."""
        assert interaction.guild_id is not None
        await self._moderation.record_audit(
            interaction.guild_id, interaction.user.id, action, "schedule", before, after, self.bot.clock()
        )

    async def _require_schedule(self, interaction: discord.Interaction[WhiplashBot]) -> Schedule:
        assert interaction.guild_id is not None
        schedule = await self._discussion.get_schedule(interaction.guild_id)
        if schedule is None:
            raise UserFacingError(tr(language(interaction.locale), "discussion.no_schedule"))
        return schedule


DIGEST_WEEKDAY, DIGEST_TIME = 6, "18:00"  # Sunday evening until a moderator picks another moment


def _day_names(lang: str) -> list[str]:
    names = get_day_names("wide", locale=lang)  # Babel counts from Monday = 0, as Python does
    return [str(names[i]) for i in range(7)]


def _digest_text(lang: str, setting: DigestSetting, schedule: Schedule) -> str:
    """The digest setting as one sentence a moderator reads."""
    key = "digest.on" if setting.enabled else "digest.off"
    return tr(
        lang,
        key,
        weekday=_day_names(lang)[setting.weekday],
        time=setting.local_time,
        zone=schedule.timezone,
        channel=f"<#{schedule.channel_id}>",
    )


def _digest_snapshot(setting: DigestSetting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    return {"digest_weekday": setting.weekday, "digest_time": setting.local_time, "digest_enabled": setting.enabled}


def _whole_lines(lines: list[str], limit: int = 1024) -> str:
    """As many whole lines as fit an embed field: a cut line could break a link or a mention."""
    while len(lines) > 1 and len("\n".join(lines)) > limit:
        lines = lines[:-1]
    return "\n".join(lines)[:limit]


def _link_text(text: str, limit: int = 110) -> str:
    """A question as the text of a markdown link: one line, no brackets or markdown that could break it.

    Questions are at most 100 characters, so they show whole; anything longer is cut at a word.
    """
    flat = " ".join(discord.utils.escape_markdown(text).replace("[", "(").replace("]", ")").split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
