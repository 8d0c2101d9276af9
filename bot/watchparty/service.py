"""Watch parties: a Discord scheduled event for the film, its announcement and reminder, and the party itself.

The party runs on the bot's clock (an `Alarm`, so a test's clock moves it too) and on the database: the film
time (paused or running), and every message it sends unprompted, claimed before it is sent (as the daily
post is). So a restart mid-party goes on where it was: a claim left unconfirmed is first looked for in its
channel (by its first line) and only then sent again with the same nonce, and no prompt is claimed twice.
One lock per server keeps the pacing loop, the moderator's "Next question" button and the commands apart.

When the daily discussion runs in a forum (forum mode, SPEC §11), the announcement is a forum post tagged with
the film, the reminder and the prompts go into that post (a post is a thread with its first message's id),
and the after-film discussion is a post of its own. A forum post takes no nonce: as forum mode does, a post
a crash left unrecorded is looked for among the forum's posts before another is made, and a second copy made
by discord.py repeating a request is deleted (bot/discussion/forum.py, `settle_posts`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.discussion import forum as forum_mode
from bot.discussion.post import server_language
from bot.errors import UserFacingError
from bot.i18n import tr
from bot.storage.discussion import DiscussionStore
from bot.storage.watchparty import ACTIVE, PartyPost, PostKind, WatchParty, WatchPartyStore
from bot.tasks import AlarmLoop
from bot.watchparty import messages
from bot.watchparty.timing import (
    EARLY_START,
    REMINDER_LEAD,
    WatchInputError,
    check_place,
    check_when,
    event_url,
    next_step,
    parse_when,
    reminder_due,
)

if TYPE_CHECKING:
    from bot.client import WhiplashBot

log = logging.getLogger(__name__)

SAFETY_TICK = timedelta(minutes=10)  # look again at least this often (a party written by another process)
RETRY_AFTER = timedelta(seconds=30)  # after a failure (Discord down, a missing permission)
SEND_ERRORS = (discord.HTTPException, aiohttp.ClientError, TimeoutError)
NO_PINGS = discord.AllowedMentions.none()
POST_ARCHIVE_MINUTES: Literal[10080] = 10080  # a forum post of the party stays active for a week
# What a forum announcement needs (SPEC §11): Create Posts (Send Messages) for the post, Send Messages in
# Posts for the reminder and the prompts in it, and View Channel and Embed Links to be seen as it is.
FORUM_PERMISSIONS = ("view_channel", "send_messages", "send_messages_in_threads", "embed_links")


def party_nonce(guild_id: int, event_id: int, kind: str, position: int) -> str:
    """A deterministic nonce (25 characters, never all digits) for one message of a party."""
    raw = hashlib.sha256(f"whiplash-watch:{guild_id}:{event_id}:{kind}:{position}".encode()).digest()
    return "w" + base64.b32encode(raw).decode().lower()[:24]


NextButton = Callable[[str, int, int], "discord.ui.Item[Any]"]
"""Builds the moderators' "Next question" button under a prompt (lang, event id, prompt position); the cog
defines the button and hands this in."""


class WatchParties(AlarmLoop):
    """Schedules, paces and ends the watch parties of this process's servers."""

    task_name = "watch-parties"
    failure = "Watch party tick failed"
    retry_after = RETRY_AFTER

    def __init__(self, bot: WhiplashBot, store: WatchPartyStore, discussion: DiscussionStore) -> None:
        super().__init__(bot, bot.clock)
        self.bot = bot
        self.store = store
        self.discussion = discussion  # the daily discussion's schedule: its zone, channel and language
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.next_button: NextButton | None = None
        # Parties whose earlier prompt's button this process has made sure is gone (see _run).
        self._buttons_checked: set[int] = set()

    # ---- lifecycle (start, stop, wake: AlarmLoop) ------------------------------------------

    def interest_changed(self, guild_id: int, event_id: int) -> None:
        """A member marked or took back their interest in an event: recount it (in the background)."""
        self._tasks.spawn(self.update_interested(guild_id, event_id), name=f"watch-rsvp-{event_id}")

    async def step(self) -> datetime:
        return await self.tick()

    async def tick(self) -> datetime:
        """Send everything due at every active party; returns when the next thing falls due."""
        now = self.bot.clock()
        wake_at = now + SAFETY_TICK
        for party in await self.store.all_active(self.bot.shard_scope()):
            try:
                due = await self._run(party.guild_id, party.event_id)
            except Exception as exc:
                log.warning("Guild %s: the watch party could not go on yet: %r", party.guild_id, exc)
                due = now + RETRY_AFTER
            if due is not None:
                wake_at = min(wake_at, due)
        return wake_at

    # ---- what the party knows --------------------------------------------------------------

    @property
    def film(self) -> str:
        return str(self.bot.content.film.title.value)

    @property
    def runtime(self) -> timedelta:
        return timedelta(minutes=int(self.bot.content.film.runtime_minutes.value))

    # ---- /watchparty schedule --------------------------------------------------------------

    async def schedule(
        self,
        guild: discord.Guild,
        moderator_id: int,
        when: str,
        place: discord.abc.GuildChannel | None,
        location: str | None,
    ) -> WatchParty:
        """Create the Discord event, store the party and announce it. Raises WatchInputError (nothing stored)."""
        schedule = await self.discussion.get_schedule(guild.id)
        if schedule is None:
            raise WatchInputError("watchparty.no_schedule")
        check_place(place.type if place is not None else None, location)
        zone = ZoneInfo(schedule.timezone)
        now = self.bot.clock()
        try:
            starts = parse_when(when, zone)
            check_when(starts, now)
        except WatchInputError as error:
            error.values.setdefault("zone", schedule.timezone)
            raise
        await self._refuse_second(guild.id)
        self._check_event_permissions(guild, place)
        channel = self._announcement_channel(guild, schedule.channel_id)
        lang = server_language(schedule, guild)
        event = await self._create_event(guild, lang, starts, place, location)
        party = WatchParty(
            guild_id=guild.id,
            event_id=event.id,
            channel_id=channel.id,
            voice_channel_id=place.id if place is not None else None,
            location=location.strip() if location is not None else None,
            starts_at=starts,
            ends_at=starts + self.runtime,
            runtime_seconds=int(self.runtime.total_seconds()),
            prompt_count=len(self.bot.content.watchparty),
            language=lang,
            created_by=moderator_id,
            created_at=now,
        )
        if not await self.store.create(party):  # another moderator was quicker
            await self._quietly(event.delete())
            await self._refuse_second(guild.id)
            raise WatchInputError("watchparty.already_running")  # and it is already over: say one runs
        try:
            if isinstance(channel, discord.ForumChannel):
                message = await self._forum_announcement(channel, party, ZoneInfo(schedule.timezone))
            else:
                embed, view = messages.announcement(party, self.film)
                assert view is not None  # a party not over carries its event link
                message = await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        except SEND_ERRORS as exc:
            log.warning("Guild %s: the watch party's announcement was not posted: %r", guild.id, exc)
        else:
            await self.store.set_announcement(guild.id, event.id, message.id)
            party = replace(party, announcement_id=message.id)
        self.wake()
        return party

    def announced_in(self, party: WatchParty) -> str:
        """Where members find the announcement: its forum post in a forum, else its channel (a mention)."""
        if party.announcement_id is not None and self._in_forum(party):
            return f"<#{party.announcement_id}>"
        return f"<#{party.channel_id}>"

    async def _refuse_second(self, guild_id: int) -> None:
        active = await self.store.active(guild_id)
        if active is None:
            return
        if active.status == "scheduled":
            raise WatchInputError("watchparty.already", when=messages.stamp(active.starts_at))
        raise WatchInputError("watchparty.already_running")

    def _check_event_permissions(self, guild: discord.Guild, place: discord.abc.GuildChannel | None) -> None:
        perms = place.permissions_for(guild.me) if place is not None else guild.me.guild_permissions
        if not (perms.create_events or perms.manage_events):
            raise WatchInputError("watchparty.missing_permission")
        if isinstance(place, discord.StageChannel) and not (
            perms.manage_channels and perms.mute_members and perms.move_members
        ):
            raise WatchInputError("watchparty.missing_stage_permission")

    def _announcement_channel(
        self, guild: discord.Guild, channel_id: int
    ) -> discord.TextChannel | discord.ForumChannel:
        channel = guild.get_channel(channel_id)
        if isinstance(channel, discord.ForumChannel):  # forum mode: the announcement is a post, the party in it
            perms = channel.permissions_for(guild.me)
            lacking = [attr for attr in FORUM_PERMISSIONS if not getattr(perms, attr)]
            if "send_messages" in lacking:  # Discord takes Embed Links away with Send Messages; both come back
                lacking = [attr for attr in lacking if attr != "embed_links"]
            if lacking:
                raise WatchInputError("watchparty.forum_refused", missing=tuple(lacking), channel=channel.mention)
            return channel
        if not isinstance(channel, discord.TextChannel):
            raise WatchInputError("watchparty.cannot_post", channel=f"<#{channel_id}>")
        perms = channel.permissions_for(guild.me)
        needed = (perms.view_channel, perms.send_messages, perms.embed_links, perms.create_public_threads)
        if not all(needed) or not perms.send_messages_in_threads:
            raise WatchInputError("watchparty.cannot_post", channel=channel.mention)
        return channel

    async def _create_event(
        self,
        guild: discord.Guild,
        lang: str,
        starts: datetime,
        place: discord.abc.GuildChannel | None,
        location: str | None,
    ) -> discord.ScheduledEvent:
        """The Discord event. discord.py 2.7.1 sends neither the privacy level nor, for a location, the entity
        type unless given, and Discord requires both: so both are always passed."""
        synopsis = self.bot.content.film.synopsis.text(lang)
        common: dict[str, Any] = {
            "name": messages.event_name(lang, self.film),
            "description": messages.event_description(synopsis),
            "start_time": starts,
            "end_time": starts + self.runtime,
            "privacy_level": discord.PrivacyLevel.guild_only,
        }
        try:
            if isinstance(place, discord.StageChannel):
                return await guild.create_scheduled_event(
                    **common, entity_type=discord.EntityType.stage_instance, channel=place
                )
            if isinstance(place, discord.VoiceChannel):
                return await guild.create_scheduled_event(**common, entity_type=discord.EntityType.voice, channel=place)
            return await guild.create_scheduled_event(
                **common, entity_type=discord.EntityType.external, location=(location or "").strip()
            )
        except discord.Forbidden:
            raise WatchInputError("watchparty.missing_permission") from None
        except SEND_ERRORS as exc:
            log.warning("Guild %s: Discord refused the watch party's event: %r", guild.id, exc)
            raise WatchInputError("watchparty.discord_error") from None

    # ---- /watchparty start, pause, resume, stop --------------------------------------------

    async def begin(self, guild_id: int) -> discord.Thread:
        """Start the scheduled party now: its thread opens, the first prompt follows at once."""
        async with self._locks[guild_id]:
            party = await self._active_or_refuse(guild_id)
            if party.status != "scheduled":
                raise WatchInputError("watchparty.running", thread=f"<#{party.thread_id}>")
            now = self.bot.clock()
            if now < party.starts_at - EARLY_START:
                raise WatchInputError("watchparty.too_early", when=messages.stamp(party.starts_at))
            channel = await self._channel(party.channel_id)
            thread = await self._party_thread(channel, party)
            if await self.store.start(guild_id, party.event_id, thread.id, now):
                await thread.send(tr(party.language, "watchparty.started_note"), allowed_mentions=NO_PINGS)
                await self._set_event_status(party, "start")
        self.wake()
        return thread

    async def pause(self, guild_id: int) -> None:
        async with self._locks[guild_id]:
            party = await self._active_or_refuse(guild_id)
            if party.status == "paused":
                raise WatchInputError("watchparty.already_paused")
            if party.status != "running":
                raise WatchInputError("watchparty.not_started")
            if await self.store.pause(party, self.bot.clock()):
                await self._note(party, "watchparty.paused_note")
        self.wake()

    async def resume(self, guild_id: int) -> None:
        async with self._locks[guild_id]:
            party = await self._active_or_refuse(guild_id)
            if party.status != "paused":
                raise WatchInputError(
                    "watchparty.not_paused" if party.status == "running" else "watchparty.not_started"
                )
            if await self.store.resume(guild_id, party.event_id, self.bot.clock()):
                await self._note(party, "watchparty.resumed_note")
        self.wake()

    async def stop_party(self, guild_id: int) -> Literal["cancelled", "stopped"]:
        """End the active party: a scheduled one is called off (its event cancelled), a running one stopped."""
        async with self._locks[guild_id]:
            party = await self._active_or_refuse(guild_id)
            await self.store.finish(party, "stopped", self.bot.clock())
            if party.status == "scheduled":
                await self._set_event_status(party, "cancel")
                await self._close_announcement(party, tr(party.language, "watchparty.called_off"))
                return "cancelled"
            await self._note(party, "watchparty.stopped_note")
            # The latest prompt's "Next question" has nothing to move on to now (the last prompt has none).
            prompts = await self.store.posts(guild_id, party.event_id, "prompt")
            if prompts and len(prompts) < party.prompt_count:
                await self._retire_button(party, prompts[-1])
            await self._set_event_status(party, "end")
            await self._close_announcement(party, tr(party.language, "watchparty.stopped_note"))
        self.wake()
        return "stopped"

    async def advance(self, guild_id: int, event_id: int, position: int) -> str:
        """A moderator's "Next question" under prompt `position`: post the next one now. Returns the answer key."""
        async with self._locks[guild_id]:
            party = await self.store.get(guild_id, event_id)
            if party is None or party.status != "running":
                return "watchparty.advance_not_running"
            claimed = len(await self.store.posts(guild_id, event_id, "prompt"))
            if claimed != position + 1:
                return "watchparty.advance_stale"
            if claimed >= party.prompt_count:
                return "watchparty.advance_last"
            await self._send_prompt(party, claimed)
        self.wake()
        return "watchparty.advanced"

    async def _active_or_refuse(self, guild_id: int) -> WatchParty:
        party = await self.store.active(guild_id)
        if party is None:
            raise WatchInputError("watchparty.none")
        return party

    # ---- the pacing ------------------------------------------------------------------------

    async def _run(self, guild_id: int, event_id: int) -> datetime | None:
        """Send what is due at this party now; returns when its next thing falls due (None: nothing on the clock)."""
        async with self._locks[guild_id]:
            party = await self.store.get(guild_id, event_id)
            if party is None or party.status not in ACTIVE:
                return None
            now = self.bot.clock()
            if party.status == "scheduled":
                return await self._before_start(party, now)
            prompts = await self.store.posts(guild_id, event_id, "prompt")
            if event_id not in self._buttons_checked:
                # A crash (or a failed edit) after a prompt was sent can have left "Next question" under the one
                # before it: once a process, take it off again (an edit of one message; no button, no change).
                self._buttons_checked.add(event_id)
                latest = max((post.position for post in prompts if post.status == "sent"), default=-1)
                await self._retire_button(party, _prompt(prompts, latest - 1))
            for post in prompts:
                if post.status == "claimed":  # a crash between claim and confirmation
                    await self._send_prompt(party, post.position)
            while True:
                claimed = len(await self.store.posts(guild_id, event_id, "prompt"))
                step = next_step(party, claimed, now)
                if step.at is None or step.at > now:
                    return step.at
                if step.step == "closing":
                    await self._close(party)
                    return None
                await self._send_prompt(party, claimed)
                if len(await self.store.posts(guild_id, event_id, "prompt")) == claimed:
                    return now + RETRY_AFTER  # nothing was claimed (a prompt gone from the pack): never spin

    async def _before_start(self, party: WatchParty, now: datetime) -> datetime | None:
        if now > party.ends_at:  # nobody started it, and the film would be over by now
            log.info("Guild %s: the watch party of %s was never started; it is over", party.guild_id, party.starts_at)
            await self.store.finish(party, "stopped", now)
            return None
        if reminder_due(party, now):
            await self._remind(party)
        reminder_at = party.starts_at - REMINDER_LEAD
        if party.created_at < reminder_at and now < reminder_at:
            return reminder_at
        return party.ends_at

    async def _send_prompt(self, party: WatchParty, position: int) -> None:
        prompts = self.bot.content.watchparty
        if position >= len(prompts):  # the pack shrank since the party was scheduled: skip it, once
            log.warning("Guild %s: the pack has no watch-party prompt %s any more", party.guild_id, position)
            await self.store.claim(party.guild_id, party.event_id, "prompt", position, self.bot.clock())
            await self.store.sent(party.guild_id, party.event_id, "prompt", position, None)
            return
        lang = party.language
        content = messages.prompt_content(lang, prompts[position], position, party.prompt_count)
        view = None
        if self.next_button is not None and position + 1 < party.prompt_count:
            view = discord.ui.View(timeout=None)
            view.add_item(self.next_button(lang, party.event_id, position))
        thread = await self._channel(party.thread_id or 0)
        marker = messages.prompt_label(lang, position, party.prompt_count)
        sent = await self._deliver(thread, party, "prompt", position, content, marker, view=view)
        if sent is not None and position > 0:
            claims = await self.store.posts(party.guild_id, party.event_id, "prompt")
            await self._retire_button(party, _prompt(claims, position - 1), thread)

    async def _retire_button(self, party: WatchParty, post: PartyPost | None, thread: Any = None) -> None:
        """Take "Next question" off the prompt `post` once the next one is up or the party has stopped (best
        effort: a click on it would only be told the party has moved on). `thread`: the party thread, if at hand."""
        if post is None or post.message_id is None:
            return
        try:
            if thread is None:
                thread = await self._channel(party.thread_id or 0)
            await thread.get_partial_message(post.message_id).edit(view=None)
        except SEND_ERRORS as exc:
            log.info("Guild %s: the button under an earlier prompt stays: %r", party.guild_id, exc)

    async def _remind(self, party: WatchParty) -> None:
        """Remind the interested members, mentioning exactly them (and nobody else), once."""
        done = await self.store.posts(party.guild_id, party.event_id, "reminder")
        if done and all(post.status == "sent" for post in done):
            return
        guild = self.bot.get_guild(party.guild_id)
        if guild is None:
            return
        event = await guild.fetch_scheduled_event(party.event_id, with_counts=True)
        users = [user.id async for user in event.users(limit=None) if not user.bot]
        channel = await self._announcement_place(party)
        parts = messages.reminder_parts(party, self.film, users)
        for index, content in enumerate(parts):
            chunk = users[index * messages.MENTIONS_PER_MESSAGE : (index + 1) * messages.MENTIONS_PER_MESSAGE]
            mentions = discord.AllowedMentions(
                everyone=False, roles=False, replied_user=False, users=[discord.Object(id=uid) for uid in chunk]
            )
            await self._deliver(channel, party, "reminder", index, content, content, mentions=mentions)

    async def _close(self, party: WatchParty) -> None:
        """The film is over: the closing message opens the after-film thread; the party thread points there."""
        lang = party.language
        channel = await self._channel(party.channel_id)
        if isinstance(channel, discord.ForumChannel):
            after = await self._after_film_post(channel, party)
        else:
            content = messages.closing_content(lang, self.film)
            message = await self._deliver(channel, party, "closing", 0, content, content)
            if message is None:
                claims = await self.store.posts(party.guild_id, party.event_id, "closing")
                message = await channel.fetch_message(claims[0].message_id or 0)
            after = await self._thread_from(channel, message, messages.thread_name(lang, self.film, after=True))
        party_thread = await self._channel(party.thread_id or 0)
        note = tr(lang, "watchparty.closing_note", link=after.mention)
        await self._deliver(party_thread, party, "closing", 1, note, note)
        await self.store.finish(party, "ended", self.bot.clock())
        await self._set_event_status(party, "end")
        await self._close_announcement(party, note)
        log.info("Guild %s: the watch party is over; the after-film thread is %s", party.guild_id, after.id)

    # ---- sending, exactly once -------------------------------------------------------------

    async def _deliver(
        self,
        channel: discord.abc.Messageable,
        party: WatchParty,
        kind: PostKind,
        position: int,
        content: str,
        marker: str,
        *,
        view: discord.ui.View | None = None,
        mentions: discord.AllowedMentions = NO_PINGS,
    ) -> discord.Message | None:
        """Claim, then send (unless a crash left it already there); None when it was sent before."""
        post, fresh = await self.store.claim(party.guild_id, party.event_id, kind, position, self.bot.clock())
        if post.status == "sent":
            return None
        message = None if fresh else await self._find(channel, post.claimed_at, marker)
        if message is None:
            nonce = party_nonce(party.guild_id, party.event_id, kind, position)
            if view is not None:
                message = await channel.send(content, view=view, nonce=nonce, allowed_mentions=mentions)
            else:
                message = await channel.send(content, nonce=nonce, allowed_mentions=mentions)
        await self.store.sent(party.guild_id, party.event_id, kind, position, message.id)
        return message

    async def _find(
        self, channel: discord.abc.Messageable, claimed_at: datetime, marker: str
    ) -> discord.Message | None:
        """After a crash between claim and confirmation: is the message already there? `marker` is its whole
        text, or its first line when that alone tells it apart (a prompt's "Part 3 of 7")."""
        me = self.bot.user
        if me is None:
            return None
        after = discord.Object(id=discord.utils.time_snowflake(claimed_at - timedelta(minutes=1)))
        try:
            async for message in channel.history(after=after, limit=100):
                mine = message.author.id == me.id
                if mine and (message.content == marker or message.content.split("\n", 1)[0] == marker):
                    return message
        except discord.Forbidden:
            return None  # without Read Message History, the nonce is what prevents a duplicate
        return None

    # ---- channels, threads and the event ---------------------------------------------------

    async def _channel(self, channel_id: int) -> Any:
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            channel = await self.bot.fetch_channel(channel_id)
        return channel

    async def _party_thread(
        self, channel: discord.TextChannel | discord.ForumChannel, party: WatchParty
    ) -> discord.Thread:
        """The party thread, opened on the announcement (or on a fresh message if that is gone); in a forum, the
        announcement's post itself."""
        if isinstance(channel, discord.ForumChannel):
            try:
                return await self._announcement_post(channel, party)
            except SEND_ERRORS as exc:
                raise UserFacingError(tr(party.language, "watchparty.cannot_post", channel=channel.mention)) from exc
        name = messages.thread_name(party.language, self.film)
        if party.announcement_id is not None:
            try:
                message = await channel.fetch_message(party.announcement_id)
            except discord.NotFound:
                pass
            else:
                return await self._thread_from(channel, message, name)
        try:
            return await channel.create_thread(name=name, type=discord.ChannelType.public_thread)
        except SEND_ERRORS as exc:
            raise UserFacingError(tr(party.language, "watchparty.cannot_post", channel=channel.mention)) from exc

    def _in_forum(self, party: WatchParty) -> bool:
        return isinstance(self.bot.get_channel(party.channel_id), discord.ForumChannel)

    async def _announcement_place(self, party: WatchParty) -> Any:
        """Where the reminder goes: the announcement's channel, or in a forum the announcement's post."""
        channel = await self._channel(party.channel_id)
        if isinstance(channel, discord.ForumChannel):
            return await self._announcement_post(channel, party)
        return channel

    async def _announcement_message(self, party: WatchParty) -> discord.PartialMessage:
        """The announcement, to edit; a forum post's first message lives in the post, with the post's id."""
        assert party.announcement_id is not None
        channel = await self._channel(party.channel_id)
        if isinstance(channel, discord.ForumChannel):
            channel = self.bot.get_partial_messageable(party.announcement_id, guild_id=party.guild_id)
        message: discord.PartialMessage = channel.get_partial_message(party.announcement_id)
        return message

    # ---- forum mode: the announcement and the after-film discussion as forum posts -------------

    async def _announcement_post(self, forum: discord.ForumChannel, party: WatchParty) -> discord.Thread:
        """The forum post that announces the party and holds it: the one recorded; else the one a crash (or a
        failed send at /watchparty schedule) left unrecorded; else a new one, recorded."""
        if party.announcement_id is not None:
            try:
                post = await self._channel(party.announcement_id)
            except discord.NotFound:
                post = None  # a moderator deleted it: the party gets a new one
            if isinstance(post, discord.Thread):
                return post
        schedule = await self.discussion.get_schedule(party.guild_id)
        zone = ZoneInfo(schedule.timezone if schedule is not None else "UTC")
        message = await self._forum_announcement(forum, party, zone, look_first=party.announcement_id is None)
        await self.store.set_announcement(party.guild_id, party.event_id, message.id)
        post = await self._channel(message.id)
        assert isinstance(post, discord.Thread)
        return post

    async def _forum_announcement(
        self, forum: discord.ForumChannel, party: WatchParty, zone: ZoneInfo, *, look_first: bool = False
    ) -> discord.Message:
        """Post the announcement in `forum` (titled with the party and its time); returns its first message.
        With `look_first`, a post already there (one that links to this party's event) is taken instead."""
        is_ours = _links_to(event_url(party.guild_id, party.event_id))
        if look_first:
            found = await forum_mode.settle_posts(self.bot, forum, party.created_at, is_ours)
            if found is not None:
                return found
        embed, view = messages.announcement(party, self.film)
        assert view is not None  # a party not over carries its event link
        title = messages.post_title(party.language, self.film, party.starts_at, zone)
        return await self._forum_post(forum, title, party.created_at, is_ours, announcement=(embed, view))

    async def _after_film_post(self, forum: discord.ForumChannel, party: WatchParty) -> discord.Thread:
        """The after-film discussion as a forum post, claimed before it is made. A forum post takes no nonce:
        a claim left unconfirmed is first looked for among the forum's posts (by its first message)."""
        lang = party.language
        content = messages.closing_content(lang, self.film, forum=True)

        def is_ours(message: discord.Message) -> bool:
            return message.content == content

        post, fresh = await self.store.claim(party.guild_id, party.event_id, "closing", 0, self.bot.clock())
        if post.status == "sent":
            thread = await self._channel(post.message_id or 0)
            assert isinstance(thread, discord.Thread)
            return thread
        message = None if fresh else await forum_mode.settle_posts(self.bot, forum, post.claimed_at, is_ours)
        if message is None:
            title = messages.thread_name(lang, self.film, after=True)
            message = await self._forum_post(forum, title, post.claimed_at, is_ours, content=content)
        await self.store.sent(party.guild_id, party.event_id, "closing", 0, message.id)
        thread = await self._channel(message.id)
        assert isinstance(thread, discord.Thread)
        return thread

    async def _forum_post(
        self,
        forum: discord.ForumChannel,
        title: str,
        since: datetime,
        is_ours: Callable[[discord.Message], bool],
        *,
        content: str | None = None,
        announcement: tuple[discord.Embed, discord.ui.View] | None = None,
    ) -> discord.Message:
        """A forum post tagged with the film (the tag forum mode uses; created if the forum has room and the bot
        Manage Channels). discord.py repeats a request Discord answered with a 5xx, so a lost answer can make a
        post twice: the oldest copy is kept and the others deleted, as forum mode does (`settle_posts`)."""
        tags = await forum_mode.ensure_tags(forum, [forum_mode.film_tag(self.bot.content)])
        embed, view = announcement if announcement is not None else (discord.utils.MISSING, discord.utils.MISSING)
        created = await forum.create_thread(
            name=title,
            content=content,
            embed=embed,
            view=view,
            applied_tags=tags,
            auto_archive_duration=POST_ARCHIVE_MINUTES,
            allowed_mentions=NO_PINGS,
        )
        settled = await forum_mode.settle_posts(self.bot, forum, since, is_ours)
        return settled or created.message

    async def _thread_from(self, channel: discord.TextChannel, message: discord.Message, name: str) -> discord.Thread:
        """A thread on `message`; the one already there when a crash came between creating and confirming it."""
        try:
            return await message.create_thread(name=name, auto_archive_duration=1440)
        except discord.HTTPException as exc:
            if exc.code != 160004:  # "A thread has already been created for this message"
                raise
        thread = await self._channel(message.id)
        assert isinstance(thread, discord.Thread)
        return thread

    async def _note(self, party: WatchParty, key: str) -> None:
        """A short line in the party thread (paused, resumed, stopped); a failure is logged, never raised."""
        if party.thread_id is None:
            return
        try:
            thread = await self._channel(party.thread_id)
            await thread.send(tr(party.language, key), allowed_mentions=NO_PINGS)
        except SEND_ERRORS as exc:
            log.warning("Guild %s: a note in the watch party's thread was not posted: %r", party.guild_id, exc)

    async def _set_event_status(self, party: WatchParty, change: Literal["start", "end", "cancel"]) -> None:
        """Move the Discord event along with the party (best effort: the party does not depend on it)."""
        guild = self.bot.get_guild(party.guild_id)
        if guild is None:
            return
        try:
            event = guild.get_scheduled_event(party.event_id) or await guild.fetch_scheduled_event(party.event_id)
            if change == "start" and event.status is discord.EventStatus.scheduled:
                await event.start()
            elif change == "end" and event.status is discord.EventStatus.active:
                await event.end()
            elif change == "cancel" and event.status is discord.EventStatus.scheduled:
                await event.cancel()
        except (*SEND_ERRORS, ValueError) as exc:
            log.info("Guild %s: the watch party's event was not moved to %s: %r", party.guild_id, change, exc)

    async def _close_announcement(self, party: WatchParty, over: str) -> None:
        """The announcement no longer invites anyone once the party is over (best effort)."""
        if party.announcement_id is None:
            return
        try:
            embed, _view = messages.announcement(party, self.film, over=over)
            await (await self._announcement_message(party)).edit(embed=embed, view=None)
        except SEND_ERRORS as exc:
            log.info("Guild %s: the watch party's announcement was not updated: %r", party.guild_id, exc)

    async def _quietly(self, coro: Any) -> None:
        try:
            await coro
        except SEND_ERRORS as exc:
            log.info("A clean-up call failed: %r", exc)

    # ---- interest ----------------------------------------------------------------------------

    async def update_interested(self, guild_id: int, event_id: int) -> None:
        """Recount the interested members and show the count on the announcement."""
        async with self._locks[guild_id]:
            party = await self.store.get(guild_id, event_id)
            guild = self.bot.get_guild(guild_id)
            if party is None or party.status not in ACTIVE or guild is None:
                return
            try:
                event = await guild.fetch_scheduled_event(event_id, with_counts=True)
                count = event.user_count or 0
                await self.store.set_interested(guild_id, event_id, count)
                if party.announcement_id is not None:
                    embed, view = messages.announcement(replace(party, interested=count), self.film)
                    await (await self._announcement_message(party)).edit(embed=embed, view=view)
            except SEND_ERRORS as exc:
                log.warning("Guild %s: the watch party's interested count was not updated: %r", guild_id, exc)


def _links_to(url: str) -> Callable[[discord.Message], bool]:
    """Whether a message carries a link button to `url` (how a forum announcement names its party's event)."""

    def check(message: discord.Message) -> bool:
        return any(
            getattr(child, "url", None) == url for row in message.components for child in getattr(row, "children", ())
        )

    return check


def _prompt(prompts: list[PartyPost], position: int) -> PartyPost | None:
    """The claim of prompt `position` among a party's prompt claims, if there is one."""
    return next((post for post in prompts if post.position == position), None)
