"""Polls as Discord has them: created with a message, voted on by members, ended by expiry or by the author.

A message's public ``poll`` object carries ``question``, ``answers`` (``answer_id`` 1..n), ``expiry``,
``allow_multiselect``, ``layout_type`` and ``results`` (``is_finalized``, ``answer_counts`` with ``me_voted``
for the bot); who voted for what is kept in the private ``_poll_votes`` (answer id -> user ids, in order).
MESSAGE_POLL_VOTE_ADD/REMOVE reach only sessions with the guild message polls intent. A poll ends when the
emulator's clock passes its expiry (checked whenever the clock moves, before every request, and every second on
a real clock) or when its author ends it (``POST …/polls/{m}/expire``); it is finalized then and the message is
sent again as MESSAGE_UPDATE. Nobody votes on an ended poll, and no edit changes a poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable

from . import permissions as P
from .core import ChannelLike, EmulatorError, UserLike
from .models import JSON, Channel, StoredMessage
from .reactions import ReactionsMixin
from .snowflake import iso

EXPIRY_CHECK_SECONDS = 1.0  # on a real clock, how often ended polls are looked for


def poll_votes(msg: StoredMessage) -> dict[int, list[int]]:
    """Who voted for which answer (answer id -> user ids); mutable, call `refresh_results` after changing it."""
    votes: dict[int, list[int]] = msg.setdefault("_poll_votes", {})
    return votes


def poll_expiry(msg: StoredMessage) -> dt.datetime:
    return dt.datetime.fromisoformat(str(msg["poll"]["expiry"]))


def is_finalized(msg: StoredMessage) -> bool:
    return bool(msg["poll"]["results"]["is_finalized"])


class PollsMixin(ReactionsMixin):
    """Members vote (`vote_poll`/`unvote_poll`); polls end on the emulator's clock or by their author."""

    # -- state ---------------------------------------------------------------------------------------------

    def refresh_results(self, msg: StoredMessage) -> None:
        """Rebuild the public ``results`` from the votes (``me_voted``: the bot's own vote)."""
        votes = poll_votes(msg)
        results = msg["poll"]["results"]
        results["answer_counts"] = [
            {
                "id": answer["answer_id"],
                "count": len(votes.get(answer["answer_id"], [])),
                "me_voted": self.bot.id in votes.get(answer["answer_id"], []),
            }
            for answer in msg["poll"]["answers"]
        ]

    def poll_message(self, channel: ChannelLike, message: StoredMessage | int) -> tuple[Channel, StoredMessage]:
        """A stored message with a poll in `channel` (EmulatorError otherwise)."""
        ch = self.get_channel(channel)
        mid = message if isinstance(message, int) else message.id
        msg = self.get_message(mid)
        if msg is None or msg.channel_id != ch.id:
            raise EmulatorError(f"message {mid} is not stored in #{ch.name}")
        if not isinstance(msg.get("poll"), dict):
            raise EmulatorError(f"message {mid} has no poll")
        return ch, msg

    def poll_voters(self, message: StoredMessage | int, answer_id: int) -> list[int]:
        """Who voted for `answer_id` of a stored poll (for assertions)."""
        msg = self.get_message(message if isinstance(message, int) else message.id)
        if msg is None or not isinstance(msg.get("poll"), dict):
            raise EmulatorError(f"message {message!r} has no stored poll")
        return list(poll_votes(msg).get(answer_id, []))

    def vote_event(self, channel: Channel, msg: StoredMessage, user_id: int, answer_id: int) -> JSON:
        return {
            "user_id": str(user_id),
            "channel_id": str(channel.id),
            "message_id": str(msg.id),
            "guild_id": str(channel.guild_id),
            "answer_id": answer_id,
        }

    # -- what members do -----------------------------------------------------------------------------------

    async def vote_poll(
        self, channel: ChannelLike, message: StoredMessage | int, user: UserLike, answers: int | Iterable[int]
    ) -> list[JSON]:
        """A member votes, as in the client: one answer (several only on a multiselect poll), on an open poll
        they can see, and not again before taking the earlier vote back. Returns the MESSAGE_POLL_VOTE_ADD
        payloads (sent only to sessions with the guild message polls intent)."""
        self.expire_due_polls()
        ch, msg = self.poll_message(channel, message)
        member = self.member_of(ch.guild_id, user)
        if member is None:
            raise EmulatorError(f"{self.get_user(user).username} is not a member of the channel's guild")
        if not P.has(self.permissions_for(member, ch), P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY):
            raise EmulatorError(f"{member.user.username} cannot see the poll in #{ch.name}")
        if is_finalized(msg):
            raise EmulatorError(f"the poll of message {msg.id} has ended: nobody can vote on it")
        chosen = [answers] if isinstance(answers, int) else list(answers)
        known = {answer["answer_id"] for answer in msg["poll"]["answers"]}
        if not chosen or any(answer not in known for answer in chosen) or len(set(chosen)) != len(chosen):
            raise EmulatorError(f"answers {chosen} are not distinct answers of the poll (it has {sorted(known)})")
        if len(chosen) > 1 and not msg["poll"]["allow_multiselect"]:
            raise EmulatorError("the poll allows one answer only")
        votes = poll_votes(msg)
        if any(member.id in voters for voters in votes.values()):
            raise EmulatorError(f"{member.user.username} has voted already: take the vote back first")
        events = []
        for answer_id in chosen:
            votes.setdefault(answer_id, []).append(member.id)
            events.append(self.vote_event(ch, msg, member.id, answer_id))
        self.refresh_results(msg)
        for event in events:
            self.gateway.emit("MESSAGE_POLL_VOTE_ADD", event)
        self.changed.notify()
        await self.gateway.flush()
        return events

    async def unvote_poll(self, channel: ChannelLike, message: StoredMessage | int, user: UserLike) -> list[JSON]:
        """A member takes their vote back ("Remove Vote"); returns the MESSAGE_POLL_VOTE_REMOVE payloads."""
        self.expire_due_polls()
        ch, msg = self.poll_message(channel, message)
        uid = self.get_user(user).id
        if is_finalized(msg):
            raise EmulatorError(f"the poll of message {msg.id} has ended: votes cannot be taken back")
        votes = poll_votes(msg)
        events = []
        for answer_id, voters in votes.items():
            if uid in voters:
                voters.remove(uid)
                events.append(self.vote_event(ch, msg, uid, answer_id))
        if not events:
            raise EmulatorError(f"user {uid} has not voted on the poll of message {msg.id}")
        self.refresh_results(msg)
        for event in events:
            self.gateway.emit("MESSAGE_POLL_VOTE_REMOVE", event)
        self.changed.notify()
        await self.gateway.flush()
        return events

    # -- ending ----------------------------------------------------------------------------------------------

    def finalize_poll(self, msg: StoredMessage, *, ended_at: dt.datetime | None = None) -> None:
        """End a poll: its expiry becomes the end (when earlier), results are final, MESSAGE_UPDATE goes out."""
        if is_finalized(msg):
            return
        if ended_at is not None and ended_at < poll_expiry(msg):
            msg["poll"]["expiry"] = iso(ended_at)
        self.refresh_results(msg)
        msg["poll"]["results"]["is_finalized"] = True
        self.dispatch_message("MESSAGE_UPDATE", msg)
        self.changed.notify()

    def expire_due_polls(self) -> int:
        """End every open poll whose expiry the emulator's clock has passed; returns how many ended."""
        now = self.snowflakes.now()
        ended = 0
        for mid in sorted(self._open_polls()):
            msg = self.get_message(mid)
            if msg is None or not isinstance(msg.get("poll"), dict) or is_finalized(msg):
                self._open_polls().discard(mid)
                continue
            if poll_expiry(msg) <= now:
                self.finalize_poll(msg)
                self._open_polls().discard(mid)
                ended += 1
        return ended

    def track_poll(self, msg: StoredMessage) -> None:
        """Watch a newly created poll for its expiry."""
        self._open_polls().add(msg.id)

    def _open_polls(self) -> set[int]:
        found: set[int] = self.__dict__.setdefault("_open_poll_ids", set())
        return found

    def watch_poll_expiry(self) -> None:
        """Start ending polls on time: on every move of a test clock that can be watched, else every second."""
        watch = getattr(self.clock, "watch", None)
        if callable(watch):
            self.__dict__["_unwatch_polls"] = watch(self.expire_due_polls)
        else:
            self.spawn(self._expiry_loop())

    def unwatch_poll_expiry(self) -> None:
        unwatch = self.__dict__.pop("_unwatch_polls", None)
        if callable(unwatch):
            unwatch()

    async def _expiry_loop(self) -> None:
        while True:
            await asyncio.sleep(EXPIRY_CHECK_SECONDS)
            if self.expire_due_polls():
                await self.gateway.flush()
