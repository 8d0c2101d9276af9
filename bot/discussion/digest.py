"""The weekly digest: the week's prompts with their best replies, posted once a week (SPEC §11).

It rides on the daily poster: the poster's tick calls `DigestPoster.tick`, and the digest reuses its
channel lookup, pacing, clock check and server language. Exactly once per week, as the daily post:
1. the week is claimed (server + the digest's local date) before anything is sent;
2. each part of the digest carries a nonce derived from server, date and part, with enforce_nonce;
3. a claim left unconfirmed is resumed after the last part confirmed, and a part already in the channel
   (found by its footer, which names the week and the part) is adopted rather than sent again.
The replies are chosen when the digest is sent, from what is stored then.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot.discussion.forum import ensure_tags, film_tag, settle_posts
from bot.discussion.poster import PermanentFailure, TransientFailure
from bot.i18n import format_date, tr, tr_count
from bot.scheduling import parse_time
from bot.storage import DigestReply, DigestSetting, DigestStore, Schedule, WeekFigures

if TYPE_CHECKING:
    from bot.discussion.poster import DailyPoster

log = logging.getLogger(__name__)

QUOTE_LIMIT = 300
EMBED_DESCRIPTION_LIMIT = 4096
EMBEDS_PER_MESSAGE = 10
CHARACTERS_PER_MESSAGE = 6000
DIGEST_COLOUR = discord.Colour(0xC9A227)


def due_digest(now: datetime, tz: ZoneInfo, weekday: int, at: time, enabled_at: datetime) -> date | None:
    """The local date of the digest due at `now`, if any: on its weekday, from its time until the day ends.

    A time that does not exist that day (a clock change) is due at the first minute after it. A digest
    enabled (or changed) after this week's moment has passed waits for next week.
    """
    local = now.astimezone(tz)
    if local.weekday() != weekday or local.time().replace(tzinfo=None) < at:
        return None
    changed = enabled_at.astimezone(tz)
    if changed.date() == local.date() and changed.time().replace(tzinfo=None) > at:
        return None
    return local.date()


def next_digest_moment(now: datetime, tz: ZoneInfo, weekday: int, at: time) -> datetime:
    """The next moment after `now` at which a digest on `weekday` at `at` (local, in `tz`) falls due.

    The poster sleeps until the earliest of these and the daily posts' next run, so a digest leaves at its
    minute, not at the next safety re-check. A local time that does not exist that day resolves forward (the
    real instant after the gap, as `due_digest` counts it).
    """
    local = now.astimezone(tz)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        if day.weekday() != weekday:
            continue
        moment = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if moment > now:
            return moment
    raise AssertionError("a weekday recurs within eight days")


def week_of(digest_date: date) -> tuple[date, date]:
    """The local days a digest covers: the seven days ending with its own."""
    return digest_date - timedelta(days=6), digest_date


def digest_nonce(guild_id: int, digest_date: date, part: int) -> str:
    """A deterministic nonce (25 characters, never all digits) for one part of a server's digest."""
    raw = hashlib.sha256(f"whiplash-digest:{guild_id}:{digest_date.isoformat()}:{part}".encode()).digest()
    return "w" + base64.b32encode(raw).decode().lower()[:24]


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """A reply quoted exactly: whole up to `limit` characters, else cut at a word and marked with "…"."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut.strip():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _safe(text: str) -> str:
    """Member text as it reads, unable to format, mention or ping (markdown and mentions escaped)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _blockquote(text: str) -> str:
    return "\n".join("> " + line for line in _safe(text).splitlines() or [""])


def footer(lang: str, digest_date: date, part: int) -> str:
    """The footer of one part: names the week and the part, so a recovery can recognise it."""
    day = format_date(lang, digest_date)
    if part == 0:
        return tr(lang, "digest.footer", day=day)
    return tr(lang, "digest.footer_part", day=day, part=part + 1)


def build_embeds(
    lang: str,
    guild_id: int,
    figures: WeekFigures,
    questions: dict[str, str],
    best: list[DigestReply],
) -> list[discord.Embed]:
    """The digest as embeds: a header with the week's figures, then one embed per prompt with its best replies."""
    head = discord.Embed(
        title=tr(lang, "digest.title"),
        description=tr(
            lang,
            "digest.figures",
            prompts=tr_count(lang, "digest.prompts", len(figures.posts)),
            replies=tr_count(lang, "digest.replies", figures.replies),
            members=tr_count(lang, "digest.members", figures.members),
        ),
        colour=DIGEST_COLOUR,
    )
    embeds = [head]
    for day, prompt_id in figures.posts:
        replies = [r for r in best if r.post_date == day and r.prompt_id == prompt_id]
        lines = []
        for reply in replies:
            link = f"https://discord.com/channels/{guild_id}/{reply.channel_id}/{reply.message_id}"
            star = "⭐ " if reply.highlighted else ""
            name = _safe(reply.author_name or tr(lang, "digest.someone"))
            lines.append(
                f"{_blockquote(quote(reply.content))}\n{star}— **{name}** · [{tr(lang, 'digest.jump')}]({link})"
            )
        text = "\n\n".join(lines) if lines else tr(lang, "digest.no_replies")
        question = questions.get(prompt_id) or tr(lang, "digest.question_gone")
        embeds.append(
            discord.Embed(
                title=_safe(question)[:256],
                description=text[:EMBED_DESCRIPTION_LIMIT],
                colour=DIGEST_COLOUR,
            ).set_author(name=format_date(lang, day))
        )
    return embeds


def split_messages(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages within Discord's limits (10 embeds, 6,000 characters each, footer included)."""
    reserve = 120  # the footer added to each message's last embed
    messages: list[list[discord.Embed]] = [[]]
    size = 0
    for embed in embeds:
        length = len(embed)
        if messages[-1] and (
            len(messages[-1]) >= EMBEDS_PER_MESSAGE or size + length + reserve > CHARACTERS_PER_MESSAGE
        ):
            messages.append([])
            size = 0
        messages[-1].append(embed)
        size += length
    return messages


class DigestPoster:
    """Sends due digests; driven by the daily poster's tick, sharing its helpers."""

    def __init__(self, poster: DailyPoster, digest: DigestStore) -> None:
        self.poster = poster
        self.bot = poster.bot
        self.digest = digest
        self.discussion = poster.discussion  # the schedule the digest follows (its channel, zone, language)
        self._reported: set[tuple[int, date]] = set()  # a failing week is logged once, not on every tick

    async def tick(self, now: datetime) -> list[int]:
        """Send every digest due at `now` not yet sent this week; returns the servers whose digest went out."""
        sent = []
        for setting in await self.digest.enabled_digests(self.bot.shard_scope()):
            try:
                if await self._maybe_send(setting, now):
                    sent.append(setting.guild_id)
            except (PermanentFailure, TransientFailure) as exc:
                if (setting.guild_id, now.date()) not in self._reported:
                    self._reported.add((setting.guild_id, now.date()))
                    log.warning("Guild %s: the weekly digest cannot be posted yet: %s", setting.guild_id, exc)
            except Exception:
                log.exception("Weekly digest of guild %s failed; trying again on the next tick", setting.guild_id)
        return sent

    async def next_due(self, now: datetime) -> datetime | None:
        """The earliest moment after `now` at which one of this process's digests falls due (None: none on)."""
        moments = [
            next_digest_moment(now, ZoneInfo(zone), setting.weekday, parse_time(setting.local_time))
            for setting, zone in await self.digest.digest_zones(self.bot.shard_scope())
        ]
        return min(moments, default=None)

    async def _maybe_send(self, setting: DigestSetting, now: datetime) -> bool:
        schedule = await self.discussion.get_schedule(setting.guild_id)
        if schedule is None or schedule.paused:
            return False  # a paused discussion gets no digest either
        day = due_digest(
            now, ZoneInfo(schedule.timezone), setting.weekday, parse_time(setting.local_time), setting.updated_at
        )
        if day is None:
            return False
        existing = await self.digest.get_digest_post(setting.guild_id, day)
        if existing is not None and existing.status == "sent":
            return False
        if not await self.poster._clock_agrees():
            return False
        async with self.poster._guild_locks[setting.guild_id]:
            post = await self.digest.claim_digest(setting.guild_id, day, schedule.channel_id, now)
            if post.status == "sent":
                return False
            return await self._send(schedule, post.digest_date, post.parts_sent, post.claimed_at, post.channel_id)

    async def render(self, schedule: Schedule, day: date) -> list[list[discord.Embed]]:
        """The digest of the week ending `day`, in the server's language, split into messages."""
        lang = self.poster.server_language(schedule)
        first, last = week_of(day)
        figures = await self.digest.week_figures(schedule.guild_id, first, last)
        best = await self.digest.digest_replies(schedule.guild_id, first, last)
        questions = {}
        for _, prompt_id in figures.posts:
            prompt = await self.poster.pool.get(schedule.guild_id, prompt_id)
            if prompt is not None:
                questions[prompt_id] = prompt.text_for(lang)
        messages = split_messages(build_embeds(lang, schedule.guild_id, figures, questions, best))
        for index, embeds in enumerate(messages):
            embeds[-1].set_footer(text=footer(lang, day, index))
        return messages

    async def _send(self, schedule: Schedule, day: date, done: int, claimed_at: datetime, channel_id: int) -> bool:
        """Send the parts not confirmed yet; each is first looked for in the channel (a crash after its send)."""
        gid = schedule.guild_id
        messages = await self.render(schedule, day)
        lang = self.poster.server_language(schedule)
        target = await self.poster._post_channel(channel_id)
        if isinstance(target, discord.ForumChannel):
            return await self._send_forum(schedule, day, done, claimed_at, target, messages)
        channel = target
        for index in range(done, len(messages)):
            message = await self._find_part(channel, claimed_at, footer(lang, day, index))
            if message is None:
                await self.poster._pacer.wait()
                try:
                    message = await channel.send(
                        embeds=messages[index],
                        nonce=digest_nonce(gid, day, index),
                        allowed_mentions=discord.AllowedMentions.none(),
                    )
                except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                    log.warning("Guild %s: part %s of the weekly digest was not sent: %s", gid, index + 1, exc)
                    return False
            await self.digest.digest_part_sent(gid, day, index, message.id)
        await self.digest.digest_done(gid, day, self.bot.clock())
        log.info("Guild %s: weekly digest of %s sent in %s part(s)", gid, day, len(messages))
        return True

    async def _send_forum(
        self,
        schedule: Schedule,
        day: date,
        done: int,
        claimed_at: datetime,
        forum: discord.ForumChannel,
        messages: list[list[discord.Embed]],
    ) -> bool:
        """Forum mode: the digest as a forum post titled with its week, any further parts as replies in it.

        The post is its own thread (the first part's id); a crash after creating it is recovered by looking
        for it among the forum's posts (its footer names the week), a later part by reading the post.
        """
        gid = schedule.guild_id
        lang = self.poster.server_language(schedule)
        first = footer(lang, day, 0)
        try:
            if done == 0:
                found = await settle_posts(self.bot, forum, claimed_at, lambda m: _footer_of(m) == first)
                if found is None:
                    await self.poster._pacer.wait()
                    tags = await ensure_tags(forum, [film_tag(self.bot.content)])
                    await self.poster._pacer.wait()
                    created = await forum.create_thread(
                        name=first,
                        embeds=messages[0],
                        applied_tags=tags,
                        allowed_mentions=discord.AllowedMentions.none(),
                    )
                    again = await settle_posts(self.bot, forum, claimed_at, lambda m: _footer_of(m) == first)
                    found = again or created.message  # a lost answer discord.py repeated: one copy is kept
                await self.digest.digest_part_sent(gid, day, 0, found.id)
                done = 1
            stored = await self.digest.get_digest_post(gid, day)
            assert stored is not None and stored.message_id is not None, "part one is recorded"
            thread = self.bot.get_partial_messageable(stored.message_id, guild_id=gid)
            for index in range(done, len(messages)):
                message = await self._find_part(thread, claimed_at, footer(lang, day, index))
                if message is None:
                    await self.poster._pacer.wait()
                    message = await thread.send(
                        embeds=messages[index],
                        nonce=digest_nonce(gid, day, index),
                        allowed_mentions=discord.AllowedMentions.none(),
                    )
                await self.digest.digest_part_sent(gid, day, index, message.id)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Guild %s: the weekly digest's forum post was not completed: %s", gid, exc)
            return False
        await self.digest.digest_done(gid, day, self.bot.clock())
        log.info("Guild %s: weekly digest of %s posted in forum %s", gid, day, forum.id)
        return True

    async def _find_part(
        self, channel: discord.abc.Messageable, claimed_at: datetime, marker: str
    ) -> discord.Message | None:
        """After a crash: is this part already in the channel (its footer names the week and the part)?"""
        me = self.bot.user
        if me is None:
            return None
        after = discord.Object(id=discord.utils.time_snowflake(claimed_at - timedelta(minutes=1)))
        try:
            async for message in channel.history(after=after, limit=100):
                if message.author.id == me.id and message.embeds and message.embeds[-1].footer.text == marker:
                    return message
        except discord.Forbidden:
            return None  # without Read Message History, the nonce is what prevents a duplicate
        return None


def _footer_of(message: discord.Message) -> str | None:
    """The footer of a message's last embed (where a digest part names its week and part)."""
    return message.embeds[-1].footer.text if message.embeds else None
