"""Streaks (SPEC §11): consecutive daily posts a member answered, counted over the server's posts.

The sequence is the server's successful daily posts in the order they went out, not calendar days: a day
that was paused, not scheduled, or whose post failed is simply not in it, so it neither counts nor breaks a
streak; a late post or a zone change changes no one's sequence either. A reply counts for its post's day
until the next post goes out (its message id is below the next post's: Discord ids are ordered by time).
The latest post is still open, so not having answered it yet does not end the current streak.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date

HighlightCounter = Callable[[int, int], Awaitable[int]]
"""`(guild_id, user_id) -> number of the member's highlighted replies`, read by /discussion me."""


async def no_highlights(guild_id: int, user_id: int) -> int:
    """The highlight count until a highlights store is wired in (see `HighlightCounter`): none."""
    return 0


@dataclass(frozen=True, slots=True)
class PostedDay:
    """One successful daily post: its local day and its message id (which orders the posts in time)."""

    post_date: date
    message_id: int


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    best: int


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """What /discussion me and the leaderboard show about one member."""

    user_id: int
    name: str
    replies: int
    streak: Streak


def answered_days(posts: Sequence[PostedDay], first_reply: Mapping[date, int]) -> set[date]:
    """The posted days the member answered in time: their first reply to the day's post came before the next
    post went out. `posts` in the order they went out; `first_reply` maps a post's day to the member's
    lowest reply message id in it."""
    answered: set[date] = set()
    for index, post in enumerate(posts):
        first = first_reply.get(post.post_date)
        if first is None:
            continue
        following = posts[index + 1].message_id if index + 1 < len(posts) else None
        if following is None or first < following:
            answered.add(post.post_date)
    return answered


def streaks(days: Sequence[date], answered: Set[date]) -> Streak:
    """Current and best run of consecutive answered days in `days` (the posted days, in order).

    The last day's post is still open: if it is not answered yet, the current streak is the run before it.
    """
    best = run = 0
    for day in days:
        run = run + 1 if day in answered else 0
        best = max(best, run)
    current = run
    if days and days[-1] not in answered:
        current = 0
        for day in reversed(days[:-1]):
            if day not in answered:
                break
            current += 1
    return Streak(current=current, best=best)


def member_streak(posts: Sequence[PostedDay], first_reply: Mapping[date, int]) -> Streak:
    """The member's streak over the server's posts, from their first reply id per post day."""
    return streaks([post.post_date for post in posts], answered_days(posts, first_reply))


def ranked(figures: Sequence[MemberFigures]) -> list[MemberFigures]:
    """Leaderboard order: current streak, then replies, then best streak (then name, for a stable order)."""
    return sorted(figures, key=lambda f: (-f.streak.current, -f.replies, -f.streak.best, f.name.casefold(), f.user_id))
