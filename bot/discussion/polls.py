"""Stance polls (SPEC §11): the native Discord poll sent with a daily post, and its result.

A prompt with a stance is posted with a poll in the server's language, running the schedule's `poll_hours`.
The result is recorded from two directions, so that neither a missed event nor a restart loses it:
- while the poll runs, MESSAGE_POLL_VOTE_ADD/REMOVE keep who picked what (opted-out members never), so the
  live count survives a restart and a repeated event counts once;
- when it ends, Discord's final tally is stored once (`PollStore.finalize` sets it only if it is unset): from
  the MESSAGE_UPDATE that carries `poll.results.is_finalized`, or, when the bot was down at the end (or the
  event never came), by fetching the message once the poll's expiry has passed. The per-member votes are
  deleted then; only the aggregate counts stay.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from babel.numbers import format_percent

from bot.content import Stance
from bot.i18n import tr, tr_count
from bot.storage.polls import StancePoll
from bot.tasks import AlarmLoop

if TYPE_CHECKING:
    from bot.client import WhiplashBot
    from bot.discussion.pool import PromptPool
    from bot.storage import DailyPost, DiscussionStore
    from bot.storage.polls import PollStore

log = logging.getLogger(__name__)

DEFAULT_POLL_HOURS = 24
MIN_POLL_HOURS, MAX_POLL_HOURS = 1, 768  # Discord: a poll runs 1 hour to 32 days
FINALIZE_RETRY = timedelta(minutes=1)  # Discord finalizes a poll shortly after its expiry: look again this soon
SAFETY_RECHECK = timedelta(hours=1)  # a poll recorded by another process, or a wake nobody sent


def build_poll(stance: Stance, lang: str, hours: int) -> discord.Poll:
    """The stance as a native poll in the server's language `lang`, one answer per position, `hours` long."""
    poll = discord.Poll(question=stance.question_for(lang), duration=timedelta(hours=hours))
    for answer in stance.answers_for(lang):
        poll.add_answer(text=answer)
    return poll


def poll_record(post: DailyPost, message: discord.Message, lang: str, hours: int) -> StancePoll | None:
    """What to remember of a daily post's poll, read from the message Discord returned (None: it has none)."""
    poll = message.poll
    if poll is None:
        return None
    expires = poll.expires_at or message.created_at + timedelta(hours=hours)
    return StancePoll(
        guild_id=post.guild_id,
        message_id=message.id,
        channel_id=message.channel.id,
        post_date=post.post_date,
        prompt_id=post.prompt_id,
        language=lang,
        question=poll.question,
        answers=tuple(answer.text for answer in sorted(poll.answers, key=lambda a: a.id)),
        expires_at=expires,
    )


def counts_from_results(results: Mapping[str, Any], answers: int) -> list[int]:
    """Votes per answer, in answer order, from a poll's `results` object (`answer_counts` by answer id 1..n)."""
    by_id = {int(item["id"]): int(item["count"]) for item in results.get("answer_counts") or []}
    return [by_id.get(answer_id, 0) for answer_id in range(1, answers + 1)]


def counts_from_poll(poll: discord.Poll, answers: int) -> list[int]:
    """Votes per answer, in answer order, from discord.py's poll of a fetched message."""
    by_id = {answer.id: answer.vote_count for answer in poll.answers}
    return [by_id.get(answer_id, 0) for answer_id in range(1, answers + 1)]


# ---- how a result reads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StanceResult:
    """A stance's votes summed over one or more polls, in the language it is shown in."""

    question: str
    answers: tuple[str, ...]
    counts: tuple[int, ...]
    polls: int  # how many polls the counts sum up
    running: bool  # at least one of them has not ended (its counts are the votes so far)

    @property
    def total(self) -> int:
        return sum(self.counts)


def combine(
    polls: Sequence[StancePoll], live: Mapping[int, Mapping[int, int]], stance: Stance | None, lang: str
) -> StanceResult | None:
    """The result of a prompt's polls: final tallies, plus the votes so far of a running one (`live`, by message).

    Polls are summed answer by answer (a stance keeps its answers' order in both languages); the answers are
    shown from the prompt's stance in `lang`, or as the latest poll asked them when the stance is gone.
    """
    if not polls:
        return None
    width = max(len(poll.answers) for poll in polls)
    counts = [0] * width
    running = False
    for poll in polls:
        if poll.final_counts is not None:
            tally: Sequence[int] = poll.final_counts
        else:
            running = True
            votes = live.get(poll.message_id, {})
            tally = [votes.get(answer_id, 0) for answer_id in range(1, len(poll.answers) + 1)]
        for index, votes_for in enumerate(tally):
            counts[index] += votes_for
    latest = polls[-1]
    if stance is not None and len(stance.answers) == width:
        question, answers = stance.question_for(lang), stance.answers_for(lang)
    else:
        question, answers = latest.question, latest.answers
    return StanceResult(question, tuple(answers), tuple(counts), len(polls), running)


def result_lines(result: StanceResult, lang: str) -> list[str]:
    """One line per answer, most votes first: the share and the votes in words ("12 votes", "1 Stimme")."""
    total = result.total
    order = sorted(range(len(result.answers)), key=lambda i: (-result.counts[i], i))
    lines = []
    for index in order:
        count = result.counts[index]
        share = count / total if total else 0.0
        percent = format_percent(share, locale=lang)
        votes = tr_count(lang, "polls.votes", count)
        answer = discord.utils.escape_markdown(result.answers[index])
        lines.append(tr(lang, "polls.answer_line", answer=answer, percent=percent, votes=votes))
    return lines


def result_summary(result: StanceResult, lang: str) -> str:
    """The line under the answers: how many voted, over how many polls, and whether one still runs."""
    key = "polls.summary_running" if result.running else "polls.summary_final"
    return tr(
        lang, key, votes=tr_count(lang, "polls.votes", result.total), polls=tr_count(lang, "polls.polls", result.polls)
    )


FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT = 256, 1024


def result_field(result: StanceResult, lang: str) -> tuple[str, str]:
    """An embed field of a result: the poll's question as its name, the answers and the summary as its value."""
    name = tr(lang, "polls.field_name", question=discord.utils.escape_markdown(result.question))
    if len(name) > FIELD_NAME_LIMIT:
        name = name[: FIELD_NAME_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    lines = result_lines(result, lang)
    summary = result_summary(result, lang)
    while len(lines) > 1 and len("\n".join([*lines, summary])) > FIELD_VALUE_LIMIT:
        lines = lines[:-1]  # the least-voted answers go first; the summary still counts every vote
    return name, "\n".join([*lines, summary])[:FIELD_VALUE_LIMIT]


async def poll_results(
    store: PollStore, pool: PromptPool, guild_id: int, polls: Sequence[StancePoll], lang: str
) -> list[tuple[StancePoll, StanceResult]]:
    """Each poll's result in `lang` (a running poll with its votes so far), in the order given."""
    shown = []
    for poll in polls:
        prompt = await pool.get(guild_id, poll.prompt_id)
        live = {} if poll.finalized else {poll.message_id: await store.live_counts(guild_id, poll.message_id)}
        result = combine([poll], live, prompt.stance if prompt else None, lang)
        if result is not None:
            shown.append((poll, result))
    return shown


async def prompt_result(
    store: PollStore, pool: PromptPool, guild_id: int, prompt_id: str, lang: str
) -> StanceResult | None:
    """A prompt's stance results summed over every time it was posted in the server (None: never posted)."""
    polls = await store.for_prompt(guild_id, prompt_id)
    live = {poll.message_id: await store.live_counts(guild_id, poll.message_id) for poll in polls if not poll.finalized}
    prompt = await pool.get(guild_id, prompt_id)
    return combine(polls, live, prompt.stance if prompt else None, lang)


# ---- recording ----------------------------------------------------------------------------------------


class PollResults(AlarmLoop):
    """Records the votes and the final tally of the stance polls (see the module docstring)."""

    task_name = "stance-polls"
    failure = "Collecting stance poll results failed"
    retry_after = FINALIZE_RETRY

    def __init__(self, bot: WhiplashBot, store: PollStore, discussion: DiscussionStore) -> None:
        super().__init__(bot, bot.clock)
        self.bot = bot
        self.store = store
        self._discussion = discussion  # who opted out
        self._votes_in_order = asyncio.Lock()

    async def step(self) -> datetime:
        """Store the tallies of the polls that ended; look again when the next one ends (a sent poll wakes it)."""
        now = self.bot.clock()
        waiting = await self.collect_due(now)
        wake_at = now + (FINALIZE_RETRY if waiting else SAFETY_RECHECK)
        upcoming = await self.store.next_expiry()
        if upcoming is not None and upcoming > now:
            wake_at = min(wake_at, upcoming)
        return wake_at

    async def collect_due(self, now: datetime) -> int:
        """Fetch every ended poll whose tally is not stored (e.g. it ended while the bot was down); store it.

        Returns how many are still waiting for Discord to finalize them.
        """
        waiting = 0
        for poll in await self.store.due(now, shards=self.bot.shard_scope()):
            if self.bot.get_guild(poll.guild_id) is None:
                continue  # another shard's server, or one the bot has left: its data goes with it
            if not await self._fetch_final(poll):
                waiting += 1
        return waiting

    async def _fetch_final(self, poll: StancePoll) -> bool:
        """Read the ended poll from Discord; True once its result is stored (or can never be read)."""
        try:
            channel = self.bot.get_channel(poll.channel_id) or await self.bot.fetch_channel(poll.channel_id)
            if not isinstance(channel, discord.abc.Messageable):
                return await self._give_up(poll, "not a channel with messages")
            message = await channel.fetch_message(poll.message_id)
        except discord.NotFound:
            return await self._give_up(poll, "the post or its channel was deleted")
        except discord.Forbidden:
            return await self._give_up(poll, "the bot can no longer read the channel")
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("Guild %s: could not read the ended poll %s yet: %s", poll.guild_id, poll.message_id, exc)
            return False
        if message.poll is None:
            return await self._give_up(poll, "the message has no poll")
        if not message.poll.is_finalized():
            return False
        await self.finalize(poll, counts_from_poll(message.poll, len(poll.answers)))
        return True

    async def _give_up(self, poll: StancePoll, why: str) -> bool:
        """Discord will never tell: keep the votes counted from the events as the result."""
        live = await self.store.live_counts(poll.guild_id, poll.message_id)
        log.warning("Guild %s: poll %s: %s; keeping the votes seen so far", poll.guild_id, poll.message_id, why)
        await self.finalize(poll, [live.get(answer_id, 0) for answer_id in range(1, len(poll.answers) + 1)])
        return True

    async def finalize(self, poll: StancePoll, counts: Sequence[int]) -> bool:
        """Store the final tally once (True for the call that stored it)."""
        stored = await self.store.finalize(poll.guild_id, poll.message_id, counts, self.bot.clock())
        if stored:
            log.info("Guild %s: stance poll %s ended with %s", poll.guild_id, poll.message_id, list(counts))
        return stored

    async def on_message_update(self, guild_id: int | None, message_id: int, data: Mapping[str, Any]) -> None:
        """A MESSAGE_UPDATE: when it carries our poll's finalized results, store them."""
        raw_poll = data.get("poll")
        if guild_id is None or not isinstance(raw_poll, Mapping):
            return
        results = raw_poll.get("results")
        if not isinstance(results, Mapping) or not results.get("is_finalized"):
            return
        poll = await self.store.get(guild_id, message_id)
        if poll is None or poll.finalized:
            return
        await self.finalize(poll, counts_from_results(results, len(poll.answers)))

    async def on_vote(self, payload: discord.RawPollVoteActionEvent, *, added: bool) -> None:
        """A member voted or took a vote back: kept while the poll runs, never for an opted-out member."""
        # discord.py runs each event's listener as its own task: without the lock, a vote taken back right after
        # it was cast could be deleted before it is stored. Taken before the first await, the lock is granted
        # in the order the events arrived.
        async with self._votes_in_order:
            await self._record_vote(payload, added=added)

    async def _record_vote(self, payload: discord.RawPollVoteActionEvent, *, added: bool) -> None:
        guild_id = payload.guild_id
        if guild_id is None or payload.user_id == getattr(self.bot.user, "id", None):
            return
        if added:
            if await self._discussion.is_opted_out(guild_id, payload.user_id):
                return
            await self.store.add_vote(guild_id, payload.message_id, payload.answer_id, payload.user_id)
        else:
            await self.store.remove_vote(guild_id, payload.message_id, payload.answer_id, payload.user_id)
