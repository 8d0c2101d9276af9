"""Posts each server's daily prompt exactly once per local day.

The order of operations is what makes it exactly once:
1. the day is claimed in SQLite (one row per server and local day) before anything is sent;
2. the send carries a nonce derived from server and date with enforce_nonce, so Discord itself
   drops a retried duplicate;
3. a claim left unconfirmed by a crash is first looked for in the channel (its footer marker)
   and only then sent again, with the same nonce (the footer carries the post's running number, which is
   unique in the server, so the marker is something members read anyway: "Question of the day no. 12");
4. the schedule's next run is advanced only after the day's outcome is stored, and only if the schedule is
   still the version the tick read (a `/schedule set` meanwhile keeps its own next run);
5. the schedule is read again under the server's lock before anything is claimed or sent, so a tick that
   raced a change never posts to the old channel;
6. after a zone change, a day is not claimed before the previous post's day has ended in that post's zone;
7. no day is claimed while the machine clock disagrees with Discord's (bot/clockcheck.py), and the schedule is
   left untouched then, so the day still due goes out once the clocks agree.
Each server runs in its own task, so a failure or a slow 429 in one never delays another.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.discussion import forum as forum_mode
from bot.discussion.polls import build_poll, poll_record
from bot.discussion.pool import PoolPrompt, PromptPool
from bot.discussion.post import (
    build_post_message,
    daily_post_number,
    ping_for,
    post_footer,
    post_source,
    server_language,
    thread_button,
)
from bot.i18n import format_date, tr
from bot.pacing import DEFAULT_RATE, Pacer
from bot.scheduling import (
    choose_prompt,
    daily_nonce,
    is_due,
    local_date,
    next_run,
    parse_time,
    run_after_change,
    thread_name,
    wait_for_previous_day,
)
from bot.storage import DailyPost, DiscussionStore, Schedule, mask_to_days
from bot.tasks import AlarmLoop

if TYPE_CHECKING:
    from bot.client import WhiplashBot
    from bot.clockcheck import ClockCheck
    from bot.discussion.digest import DigestPoster
    from bot.discussion.polls import PollResults

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)  # a transient failure is tried again this much later
MAX_ATTEMPTS = 3  # transient failures before the day is given up
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440
DUE_BATCH = 1000
HELD_RETRY = timedelta(seconds=20)  # after a failed tick or while the clocks disagree: look again this soon

Status = Literal["posted", "already", "failed", "retrying", "waiting", "not_due", "no_prompts", "no_schedule"]


@dataclass(frozen=True, slots=True)
class PostOutcome:
    status: Status
    guild_id: int
    post: DailyPost | None = None
    reason: str | None = None
    thread_pending: bool = False  # the post is up, its thread failed for now: try again later today
    retry_at: datetime | None = None  # "waiting": the previous post's day ends then (after a zone change)


class PermanentFailure(Exception):
    """Retrying today will not help (missing permission, deleted channel)."""


class TransientFailure(Exception):
    """Discord or the network failed; worth another try later today."""


class DailyPoster(AlarmLoop):
    task_name = "daily-poster"
    failure = "Scheduler tick failed"
    retry_after = HELD_RETRY

    def __init__(
        self,
        bot: WhiplashBot,
        pool: PromptPool,
        discussion: DiscussionStore,
        *,
        on_posted: Callable[[DailyPost], None] | None = None,
        tick_seconds: float = 300.0,
        concurrency: int = 50,
        requests_per_second: float = DEFAULT_RATE,
        clock_check: ClockCheck | None = None,
    ) -> None:
        super().__init__(bot, bot.clock)
        self.bot = bot
        self.clock_check = clock_check  # None: the machine clock is trusted (benchmarks, unit tests)
        self.discussion = discussion  # schedules and posts
        self.pool = pool
        self.on_posted = on_posted
        self.tick_seconds = tick_seconds
        self._semaphore = asyncio.Semaphore(concurrency)
        self.requests_per_second = requests_per_second  # this process's share of Discord's global limit
        self._pacer = Pacer(requests_per_second)
        self._inflight: dict[int, asyncio.Task[PostOutcome]] = {}
        # One day's post of one server is handled by one coroutine at a time (tick or post-now).
        self._guild_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._held = False  # the last tick found due servers but the clocks disagreed
        self.digest: DigestPoster | None = None  # the weekly digest rides on this tick (bot/discussion/digest.py)
        self.poll_results: PollResults | None = None  # told when a post went out with a stance poll

    # ---- lifecycle (start, stop, wake: AlarmLoop) ---------------------------------------------

    async def step(self) -> datetime:
        """Tick, then sleep until the next schedule is due (or a change wakes it): no polling in between.

        Both halves use one reading of the clock: read again after the tick's queries, a schedule falling due
        in between would be neither due for the tick nor upcoming for the sleep, and wait for the safety
        re-check (five minutes late).
        """
        now = self.bot.clock()
        await self.tick(wait=False, now=now)
        return await self._next_wake(now)

    async def _next_wake(self, now: datetime) -> datetime:
        """The next schedule's due time, or the safety re-check if that comes first.

        Schedules due now are either in flight (their task wakes the loop once the last one is done, see
        `_guarded`) or held back by a clock disagreement (tried again after HELD_RETRY); the query looks
        only past now, so neither makes the loop spin. The safety re-check (`tick_seconds`) covers a change
        nobody announced, e.g. a schedule written by another process.
        """
        wake_at = now + timedelta(seconds=self.tick_seconds)
        if self._held:
            return min(wake_at, now + HELD_RETRY)
        upcoming = await self.discussion.next_due_after(int(now.timestamp()))
        if upcoming is not None:
            wake_at = min(wake_at, datetime.fromtimestamp(upcoming, UTC))
        if self.digest is not None:
            digest_due = await self.digest.next_due(now)
            if digest_due is not None:
                wake_at = min(wake_at, digest_due)
        return wake_at

    # ---- the tick ----------------------------------------------------------------------------

    async def tick(self, *, wait: bool = True, now: datetime | None = None) -> list[PostOutcome]:
        """Start a post for every server due at `now` (the clock's time if not given) not already in flight.

        With `wait`, also wait for due servers already in flight (from the loop's own tick) and return
        every outcome, so a caller sees the tick's work finished.
        """
        now = self.bot.clock() if now is None else now
        due = await self.discussion.due_schedules(int(now.timestamp()), DUE_BATCH, self.bot.shard_scope())
        self._held = bool(due) and not await self._clock_agrees()
        if self._held:
            return []  # nothing claimed, no next run moved: computed from a wrong clock, they would skip days
        tasks = []
        for schedule in due:
            task = self._inflight.get(schedule.guild_id)
            if task is None:
                task = self._tasks.spawn(self._guarded(schedule, now), name=f"post-{schedule.guild_id}")
                self._inflight[schedule.guild_id] = task
            tasks.append(task)
        if not wait:
            await self._digest_tick(now)
            return []
        outcomes = list(await asyncio.gather(*tasks))
        await self._digest_tick(now)  # after today's post, so a digest due at the same minute includes it
        return outcomes

    async def _digest_tick(self, now: datetime) -> None:
        if self.digest is not None:
            await self.digest.tick(now)

    async def _guarded(self, schedule: Schedule, now: datetime) -> PostOutcome:
        try:
            async with self._semaphore, self._guild_locks[schedule.guild_id]:
                # The tick read the schedule before waiting for the lock: a /schedule set may have changed it.
                current = await self.discussion.get_schedule(schedule.guild_id)
                if current is None or current.paused or current.next_run_at > int(now.timestamp()):
                    return PostOutcome("not_due", schedule.guild_id)
                schedule = current
                return await self._run_schedule(schedule, now)
        except Exception as exc:
            log.exception("Daily post for guild %s failed unexpectedly", schedule.guild_id)
            await self.discussion.set_next_run(
                schedule.guild_id, int((now + RETRY_AFTER).timestamp()), schedule.version
            )
            return PostOutcome("failed", schedule.guild_id, reason=type(exc).__name__)
        finally:
            self._inflight.pop(schedule.guild_id, None)
            if not self._inflight:
                self.wake()  # the batch is done: the loop looks for schedules still due (beyond DUE_BATCH)

    async def _run_schedule(self, schedule: Schedule, now: datetime) -> PostOutcome:
        tz, at, days = ZoneInfo(schedule.timezone), parse_time(schedule.local_time), mask_to_days(schedule.days)
        today = is_due(now, at, tz, days, None)
        outcome = PostOutcome("not_due", schedule.guild_id)
        if today is not None:
            outcome = await self._post_day(schedule, today, now, force=False)
        upcoming = next_run(now, at, tz, days)
        if outcome.status == "retrying" or outcome.thread_pending:
            upcoming = min(upcoming, now + RETRY_AFTER)
        if outcome.retry_at is not None:
            upcoming = min(upcoming, outcome.retry_at)
        if not await self.discussion.set_next_run(schedule.guild_id, int(upcoming.timestamp()), schedule.version):
            log.info("Schedule of guild %s changed during its tick; keeping the new next run", schedule.guild_id)
        return outcome

    async def first_run(self, guild_id: int, at: time, tz: ZoneInfo, days: frozenset[int], *, new: bool) -> datetime:
        """The first run of a schedule just set: its next occurrence if new, and never skipping today if changed."""
        now = self.bot.clock()
        if new:
            return next_run(now, at, tz, days)
        claimed = await self.discussion.get_post(guild_id, local_date(now, tz)) is not None
        return run_after_change(now, at, tz, days, today_claimed=claimed)

    async def post_now(self, guild_id: int) -> PostOutcome:
        """A moderator's post-now: today's post (in the server's zone), whatever the time."""
        schedule = await self.discussion.get_schedule(guild_id)
        if schedule is None:
            return PostOutcome("no_schedule", guild_id)
        if not await self._clock_agrees():
            return PostOutcome("failed", guild_id, reason=TRANSLATED_REASON + "post.clock_wrong")
        async with self._guild_locks[guild_id]:  # waits for a scheduled post being sent right now
            now = self.bot.clock()
            today = local_date(now, ZoneInfo(schedule.timezone))
            outcome = await self._post_day(schedule, today, now, force=True)
        self.wake()  # today is claimed now: the loop reads the schedules again
        return outcome

    async def _clock_agrees(self) -> bool:
        return self.clock_check is None or await self.clock_check.confirm()

    # ---- one server, one day -------------------------------------------------------------------

    async def _post_day(self, schedule: Schedule, day: date, now: datetime, *, force: bool) -> PostOutcome:
        gid = schedule.guild_id
        post = await self.discussion.get_post(gid, day)
        fresh = False
        if post is None:
            if not force:
                waiting = await self._previous_day_open(schedule, day, now)
                if waiting is not None:
                    return waiting
            prompt = await self._choose(gid)
            if prompt is None:
                return PostOutcome("no_prompts", gid)
            post, fresh = await self.discussion.claim_post(
                gid, day, prompt.id, schedule.channel_id, daily_nonce(gid, day), now, schedule.timezone
            )
        if post.status == "sent":
            pending = not await self._ensure_thread(schedule, post)
            return PostOutcome("already", gid, post, thread_pending=pending)
        if post.status == "failed":
            if not force:
                return PostOutcome("failed", gid, post, post.error)
            await self.discussion.retry_claim(gid, day, schedule.channel_id, now)
            post = await self._reload(gid, day)
        return await self._send(schedule, post, now, fresh=fresh)

    async def _previous_day_open(self, schedule: Schedule, day: date, now: datetime) -> PostOutcome | None:
        """A "waiting" outcome while the latest post's day has not ended in its zone (after a zone change)."""
        latest = await self.discussion.latest_post(schedule.guild_id)
        if latest is None:
            return None
        tz = ZoneInfo(schedule.timezone)
        ends = wait_for_previous_day(now, latest.post_date, ZoneInfo(latest.timezone or schedule.timezone))
        if ends is None:
            return None
        log.info(
            "Guild %s: the day of post #%s (%s, %s) has not ended; %s waits until %s",
            schedule.guild_id,
            latest.number,
            latest.post_date,
            latest.timezone or schedule.timezone,
            day,
            ends.isoformat(),
        )
        # A day that ends first lies wholly inside the previous post's day: it gets no post of its own.
        return PostOutcome("waiting", schedule.guild_id, retry_at=ends if local_date(ends, tz) == day else None)

    async def _send(self, schedule: Schedule, post: DailyPost, now: datetime, *, fresh: bool) -> PostOutcome:
        gid = schedule.guild_id
        try:
            channel = await self._post_channel(post.channel_id)
            message: discord.Message | None = None
            if isinstance(channel, discord.ForumChannel):
                message = await self._send_forum_post(schedule, channel, post, fresh=fresh)
            elif not fresh:
                message = await self._find_existing(channel, post)
            if message is None:
                assert isinstance(channel, discord.TextChannel)
                message = await self._send_message(schedule, channel, post)
            poll_message: discord.Message | None = message
            if isinstance(channel, discord.ForumChannel):
                poll_message = await self._send_forum_poll(schedule, post, message)
            if poll_message is not None:
                await self._record_poll(schedule, post, poll_message)
        except PermanentFailure as exc:
            await self.discussion.record_post_error(gid, post.post_date, str(exc), failed=True)
            post = await self._reload(gid, post.post_date)
            await self._report(schedule, post)
            return PostOutcome("failed", gid, post, str(exc))
        except TransientFailure as exc:
            give_up = post.attempts + 1 >= MAX_ATTEMPTS
            await self.discussion.record_post_error(gid, post.post_date, str(exc), failed=give_up)
            post = await self._reload(gid, post.post_date)
            if give_up:
                await self._report(schedule, post)
                return PostOutcome("failed", gid, post, str(exc))
            return PostOutcome("retrying", gid, post, str(exc))
        await self.discussion.mark_sent(gid, post.post_date, message.id, self.bot.clock())
        if isinstance(channel, discord.ForumChannel):  # the post is its own thread, with the message's id
            await self.discussion.set_thread(gid, post.post_date, message.id)
        post = await self._reload(gid, post.post_date)
        if self.on_posted is not None:
            self.on_posted(post)
        if isinstance(channel, discord.ForumChannel):
            return PostOutcome("posted", gid, post)
        pending = not await self._ensure_thread(schedule, post, channel)
        return PostOutcome("posted", gid, await self._reload(gid, post.post_date), thread_pending=pending)

    async def _send_message(self, schedule: Schedule, channel: discord.TextChannel, post: DailyPost) -> discord.Message:
        prompt = await self.pool.get(schedule.guild_id, post.prompt_id)
        if prompt is None:
            raise PermanentFailure(reason("post.reason.prompt_gone"))
        lang = self.server_language(schedule)
        built = build_post_message(
            prompt,
            number=post.number,
            lang=lang,
            source=post_source(self.bot.content, prompt),
            poll_hours=schedule.poll_hours,
        )
        content, mentions = ping_for(schedule.ping_role_id)
        poll = built.poll if built.poll is not None else discord.utils.MISSING
        if built.poll is not None and not channel.permissions_for(channel.guild.me).send_polls:
            # Discord refuses the whole message without Send Polls: the question matters more than its poll.
            log.warning(
                "Guild %s: no Send Polls in the channel; the daily post goes out without its poll", post.guild_id
            )
            poll = discord.utils.MISSING
        await self._pacer.wait()
        try:
            return await channel.send(
                content=content, embed=built.embed, poll=poll, nonce=post.nonce, allowed_mentions=mentions
            )
        except discord.Forbidden:
            raise PermanentFailure(reason("post.reason.forbidden", channel=f"<#{channel.id}>")) from None
        except discord.NotFound:
            raise PermanentFailure(reason("post.reason.channel_gone", channel=f"<#{post.channel_id}>")) from None
        except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientFailure(reason("post.reason.discord_error", detail=_describe(exc))) from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # still rate limited after discord.py's own retries: later today
                raise TransientFailure(reason("post.reason.rate_limited", detail=_describe(exc))) from None
            log.error("Discord refused the daily post in guild %s: %s", schedule.guild_id, exc)
            raise PermanentFailure(reason("post.reason.refused", detail=_describe(exc))) from None

    async def _record_poll(self, schedule: Schedule, post: DailyPost, message: discord.Message) -> None:
        """Remember the post's stance poll before the post is confirmed: a crash in between finds the message
        again (`_find_existing`) and records it then, so no poll goes unrecorded."""
        record = poll_record(post, message, self.server_language(schedule), schedule.poll_hours)
        if record is None or self.poll_results is None:
            return
        await self.poll_results.store.record_poll(record)
        self.poll_results.wake()

    def server_language(self, schedule: Schedule) -> str:
        """The language of everything the bot posts unprompted in this server (see post.server_language)."""
        return server_language(schedule, self.bot.get_guild(schedule.guild_id))

    async def _text_channel(self, channel_id: int) -> discord.TextChannel:
        channel = await self._post_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise PermanentFailure(reason("post.reason.not_text", channel=f"<#{channel_id}>"))
        return channel

    async def _post_channel(self, channel_id: int) -> discord.TextChannel | discord.ForumChannel:
        """The schedule's channel: a text channel, or a forum (forum mode, bot/discussion/forum.py)."""
        channel = self.bot.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(channel_id)
            except discord.NotFound:
                raise PermanentFailure(reason("post.reason.channel_gone", channel=f"<#{channel_id}>")) from None
            except discord.Forbidden:
                raise PermanentFailure(reason("post.reason.cannot_see", channel=f"<#{channel_id}>")) from None
            except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError) as exc:
                raise TransientFailure(reason("post.reason.discord_error", detail=_describe(exc))) from None
        if not isinstance(channel, discord.TextChannel | discord.ForumChannel):
            raise PermanentFailure(reason("post.reason.not_text", channel=f"<#{channel_id}>"))
        return channel

    async def _send_forum_post(
        self, schedule: Schedule, forum: discord.ForumChannel, post: DailyPost, *, fresh: bool
    ) -> discord.Message:
        """Forum mode: the day's prompt as a tagged forum post; returns its first message (the thread's id).

        The first message is the embed of a text channel's daily post; the title is the question. A claim
        left unconfirmed is first looked for among the forum's posts, since a forum post takes no nonce.
        """
        prompt = await self.pool.get(schedule.guild_id, post.prompt_id)
        if prompt is None:
            raise PermanentFailure(reason("post.reason.prompt_gone"))
        lang = self.server_language(schedule)
        try:
            if not fresh:
                found = await forum_mode.settle_posts(self.bot, forum, post.claimed_at, _numbered(post.number))
                if found is not None:
                    return found
            await self._pacer.wait()
            tags = await forum_mode.ensure_tags(forum, forum_mode.post_tags(prompt, self.bot.content, lang))
            # The same message as a text channel's post; its poll goes second (_send_forum_poll).
            embed = build_post_message(
                prompt, number=post.number, lang=lang, source=post_source(self.bot.content, prompt), poll_hours=1
            ).embed
            content, mentions = ping_for(schedule.ping_role_id)
            await self._pacer.wait()
            created = await forum.create_thread(
                name=thread_name(prompt.text_for(lang), fallback=post_footer(lang, post.number)),
                content=content,
                embed=embed,
                allowed_mentions=mentions,
                applied_tags=tags,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
            settled = await forum_mode.settle_posts(self.bot, forum, post.claimed_at, _numbered(post.number))
        except discord.HTTPException as exc:
            raise _failure(exc, forum.id) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TransientFailure(reason("post.reason.discord_error", detail=_describe(exc))) from None
        return settled or created.message

    async def _send_forum_poll(
        self, schedule: Schedule, post: DailyPost, starter: discord.Message
    ) -> discord.Message | None:
        """Forum mode: the stance poll as the post's second message (Discord takes no poll in a forum post's
        first message). Sent once: after a crash the poll already in the post is taken. A failure costs the
        poll, never the post."""
        prompt = await self.pool.get(schedule.guild_id, post.prompt_id)
        if prompt is None or prompt.stance is None:
            return None
        lang = self.server_language(schedule)
        poll = build_poll(prompt.stance, lang, schedule.poll_hours)
        me = self.bot.user
        try:
            thread = self.bot.get_channel(starter.channel.id) or await self.bot.fetch_channel(starter.channel.id)
            if not isinstance(thread, discord.Thread) or me is None:
                return None
            async for message in thread.history(limit=10, oldest_first=True):
                if message.author.id == me.id and message.poll is not None:
                    return message
            if not thread.permissions_for(thread.guild.me).send_polls:
                log.warning("Guild %s: no Send Polls in the forum; the post goes out without its poll", post.guild_id)
                return None
            await self._pacer.wait()
            return await thread.send(poll=poll, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Guild %s: the forum post's stance poll could not be sent: %s", post.guild_id, _describe(exc))
            return None

    async def _find_existing(self, channel: discord.TextChannel, post: DailyPost) -> discord.Message | None:
        """After a crash between claim and confirmation: is the post already in the channel?"""
        me = self.bot.user
        if me is None:
            return None
        after = discord.Object(id=discord.utils.time_snowflake(post.claimed_at - timedelta(minutes=1)))
        try:
            async for message in channel.history(after=after, limit=100):
                mine = message.author.id == me.id
                if mine and any(daily_post_number(e.footer.text) == post.number for e in message.embeds):
                    log.info("Found the unconfirmed daily post of guild %s: %s", post.guild_id, message.id)
                    return message
        except discord.Forbidden:
            return None  # without Read Message History, the nonce is what prevents a duplicate
        except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientFailure(reason("post.reason.discord_error", detail=_describe(exc))) from None
        return None

    async def _ensure_thread(
        self, schedule: Schedule, post: DailyPost, channel: discord.TextChannel | None = None
    ) -> bool:
        """Open the post's public thread once; an existing thread (code 160004) is adopted.

        Returns False when a transient failure (5xx, 429, network) means it should be tried again later.
        """
        if post.thread_id is not None or post.message_id is None:
            return True
        if isinstance(self.bot.get_channel(post.channel_id), discord.ForumChannel):
            await self.discussion.set_thread(post.guild_id, post.post_date, post.message_id)  # a post is its thread
            return True
        prompt = await self.pool.get(post.guild_id, post.prompt_id)
        lang = self.server_language(schedule)
        name = thread_name(prompt.text_for(lang) if prompt else "", fallback=post_footer(lang, post.number))
        try:
            if channel is None:
                channel = await self._text_channel(post.channel_id)
            await self._pacer.wait()
            await channel.get_partial_message(post.message_id).create_thread(
                name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as exc:
            if exc.code != 160004:  # "A thread has already been created for this message"
                log.warning("Guild %s: the post is up, but its thread could not be opened (%s)", post.guild_id, exc)
                why = reason("post.reason.thread_failed", detail=_describe(exc))
                if exc.status == 403 and exc.code == 50013:  # "Missing Permissions": name it, in the reader's language
                    why = reason("post.thread_forbidden")
                await self.discussion.record_post_error(post.guild_id, post.post_date, why, failed=False)
                await self._report(schedule, await self._reload(post.guild_id, post.post_date))
                return not (isinstance(exc, discord.DiscordServerError) or exc.status == 429)
        except PermanentFailure as exc:
            log.warning("Guild %s: could not open the thread: %s", post.guild_id, exc)
            return True
        except (TransientFailure, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Guild %s: could not open the thread, trying again later: %s", post.guild_id, exc)
            return False
        await self.discussion.set_thread(post.guild_id, post.post_date, post.message_id)
        if channel is not None:
            await self._add_thread_button(post, channel, lang)
        return True

    async def _add_thread_button(self, post: DailyPost, channel: discord.TextChannel, lang: str) -> None:
        """Put a button under the post that opens its thread (the thread's id is the post's).

        Only the components are sent, so the post's text is untouched. A failure costs the button, not the
        post or the thread (Discord still shows the thread under the post), so it is logged, not retried.
        """
        assert post.message_id is not None
        try:
            await self._pacer.wait()
            await channel.get_partial_message(post.message_id).edit(
                view=thread_button(lang, post.guild_id, post.message_id)
            )
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Guild %s: the post's thread button could not be added: %s", post.guild_id, _describe(exc))

    async def _choose(self, guild_id: int) -> PoolPrompt | None:
        every = await self.pool.all(guild_id)
        prompts = [prompt for prompt, enabled in every if enabled]
        by_id = {prompt.id: prompt for prompt in prompts}
        chosen = choose_prompt(
            [prompt.id for prompt in prompts],
            await self.discussion.queued_prompts(guild_id),
            await self.discussion.prompt_last_used(guild_id),
            seed=guild_id,
            passages={prompt.id: prompt.passage for prompt, _ in every},  # disabled too: it may be the last post's
        )
        return by_id.get(chosen) if chosen else None

    async def _reload(self, guild_id: int, day: date) -> DailyPost:
        post = await self.discussion.get_post(guild_id, day)
        assert post is not None, "a claimed day cannot disappear"
        return post

    async def _report(self, schedule: Schedule, post: DailyPost) -> None:
        """Tell the moderators once: in the log channel if one is set, else on their next command."""
        if post.error_reported or schedule.log_channel_id is None:
            return
        channel = self.bot.get_channel(schedule.log_channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            return
        lang = self.server_language(schedule)  # the log channel is the server's: its language, not a reader's
        text = tr(
            lang, "post.failure_report", day=format_date(lang, post.post_date), reason=failure_text(lang, post.error)
        )
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:  # OSError: resets and timeouts
            log.warning("Could not report a failed post to the log channel of guild %s: %r", schedule.guild_id, exc)
            return
        await self.discussion.mark_error_reported(post.guild_id, post.post_date)


# A stored failure reason starting with this is an i18n key, shown in the language of whoever reads it
# (the log channel's server, the moderator running /schedule show); other reasons are shown as stored.
TRANSLATED_REASON = "i18n:"


def reason(key: str, **values: str) -> str:
    """A failure reason stored as an interface key with its values, so each reader gets it in their language."""
    return TRANSLATED_REASON + key + (f"?{urlencode(values)}" if values else "")


def failure_text(lang: str, error: str | None) -> str:
    """A post's stored failure reason as a moderator reads it, in `lang` where it was stored as a key."""
    if error is None:
        return "?"
    if error.startswith(TRANSLATED_REASON):
        key, _, query = error.removeprefix(TRANSLATED_REASON).partition("?")
        try:
            return tr(lang, key, **dict(parse_qsl(query)))
        except (KeyError, IndexError):  # a key from another version of the bot: show what is stored
            return error
    return error


def _describe(exc: BaseException) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status}" + (f", code {exc.code}" if exc.code else "")
    return type(exc).__name__


def _numbered(number: int) -> Callable[[discord.Message], bool]:
    """Whether a message is the daily post with running number `number` (its footer says so)."""
    return lambda message: any(daily_post_number(e.footer.text) == number for e in message.embeds)


def _failure(exc: discord.HTTPException, channel_id: int) -> PermanentFailure | TransientFailure:
    """A Discord refusal of a post as the poster treats it: worth a retry today, or not."""
    if isinstance(exc, discord.Forbidden):
        return PermanentFailure(reason("post.reason.forbidden", channel=f"<#{channel_id}>"))
    if isinstance(exc, discord.NotFound):
        return PermanentFailure(reason("post.reason.channel_gone", channel=f"<#{channel_id}>"))
    if isinstance(exc, discord.DiscordServerError) or exc.status == 429:
        return TransientFailure(reason("post.reason.discord_error", detail=_describe(exc)))
    log.error("Discord refused a forum post in channel %s: %s", channel_id, exc)
    return PermanentFailure(reason("post.reason.refused", detail=_describe(exc)))
