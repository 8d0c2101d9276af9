"""Streaks as a pure function over the server's posted days and the days a member answered (SPEC §11)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.discussion.streaks import (
    MemberFigures,
    PostedDay,
    Streak,
    answered_days,
    member_streak,
    ranked,
    streaks,
)

D = [date(2026, 11, 1) + timedelta(days=i) for i in range(10)]


def test_consecutive_answered_days_make_the_current_and_best_streak() -> None:
    assert streaks(D[:4], {D[0], D[1], D[2], D[3]}) == Streak(current=4, best=4)
    assert streaks(D[:5], {D[0], D[1], D[2], D[4]}) == Streak(current=1, best=3)
    assert streaks([], set()) == Streak(0, 0)


def test_the_latest_post_is_still_open_so_not_answering_it_yet_keeps_the_streak() -> None:
    assert streaks(D[:3], {D[0], D[1]}) == Streak(current=2, best=2)
    assert streaks(D[:4], {D[0], D[1]}) == Streak(current=0, best=2)  # the third day went unanswered


def test_a_day_without_a_post_is_not_in_the_sequence_and_does_not_break() -> None:
    # D[2] was paused, not scheduled, or its post failed: it is not a posted day.
    posted = [D[0], D[1], D[3], D[4]]
    assert streaks(posted, {D[0], D[1], D[3], D[4]}) == Streak(current=4, best=4)


def test_a_reply_counts_for_its_post_until_the_next_post_goes_out() -> None:
    posts = [PostedDay(D[0], 100), PostedDay(D[1], 200), PostedDay(D[2], 300)]
    assert answered_days(posts, {D[0]: 150, D[1]: 250}) == {D[0], D[1]}
    assert answered_days(posts, {D[0]: 201}) == set()  # answered day 1 after day 2 was out: too late
    assert answered_days(posts, {D[2]: 10_000}) == {D[2]}  # the latest post stays open
    assert answered_days(posts, {D[5]: 150}) == set()  # a day that was never posted


def test_a_failed_day_stretches_the_previous_posts_window() -> None:
    # D[1]'s post failed, so D[0]'s post stays open until D[2]'s goes out (id 300).
    posts = [PostedDay(D[0], 100), PostedDay(D[2], 300)]
    assert member_streak(posts, {D[0]: 250, D[2]: 350}) == Streak(current=2, best=2)


def test_leaderboard_order_is_current_streak_then_replies_then_best() -> None:
    def member(uid: int, current: int, replies: int, best: int) -> MemberFigures:
        return MemberFigures(uid, f"m{uid}", replies, Streak(current, best))

    board = [member(1, 2, 5, 2), member(2, 3, 1, 3), member(3, 2, 9, 4), member(4, 2, 5, 6)]
    assert [m.user_id for m in ranked(board)] == [2, 3, 4, 1]


# -- properties ---------------------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[date], set[date]]:
    n = draw(st.integers(min_value=0, max_value=40))
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(n)]
    answered = {days[i] for i in draw(st.sets(st.integers(0, n - 1)))} if n else set()
    return days, answered


@given(histories(), st.integers(min_value=0, max_value=39))
def test_adding_a_reply_never_shortens_a_streak(history: tuple[list[date], set[date]], extra: int) -> None:
    days, answered = history
    if not days:
        return
    before = streaks(days, answered)
    after = streaks(days, answered | {days[extra % len(days)]})
    assert after.best >= before.best and after.current >= before.current


@given(histories())
def test_streaks_are_bounded_by_what_was_answered(history: tuple[list[date], set[date]]) -> None:
    days, answered = history
    result = streaks(days, answered)
    assert 0 <= result.current <= result.best <= len(answered)
    assert (result.best == 0) == (not answered)


@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_failed_days_between_answered_days_do_not_break(failed: list[bool]) -> None:
    """Calendar days, some of whose posts failed (no post, so no PostedDay); the member answered every post,
    each reply written on the calendar day after its post, which may be a failed day: the streak never breaks."""
    calendar = [date(2026, 1, 1) + timedelta(days=i) for i in range(len(failed))]
    posts = [(i, PostedDay(day, 1000 * i)) for i, day in enumerate(calendar) if not failed[i]]
    replies = {
        # written the next calendar day when that day's post failed (still before the next post), else at once
        post.post_date: post.message_id + (1500 if i + 1 < len(failed) and failed[i + 1] else 1)
        for i, post in posts
    }
    expected = len(posts)
    assert member_streak([post for _, post in posts], replies) == Streak(expected, expected)


@given(histories())
def test_late_replies_never_count(history: tuple[list[date], set[date]]) -> None:
    """A first reply after the next post went out does not answer the day (the window is the post's)."""
    days, answered = history
    posts = [PostedDay(day, 1000 * (i + 1)) for i, day in enumerate(days)]
    late = {day: 1000 * (i + 2) + 1 for i, day in enumerate(days) if day in answered}
    counted = answered_days(posts, late)
    assert counted <= ({days[-1]} if days else set())
