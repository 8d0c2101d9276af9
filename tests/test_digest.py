"""The weekly digest's pure parts: when it is due, how a reply is quoted, how the embeds are split."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.discussion.digest import (
    CHARACTERS_PER_MESSAGE,
    EMBEDS_PER_MESSAGE,
    build_embeds,
    digest_nonce,
    due_digest,
    footer,
    next_digest_moment,
    quote,
    split_messages,
)
from bot.storage import DigestReply, WeekFigures

BERLIN = ZoneInfo("Europe/Berlin")
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_short_reply_is_quoted_whole_and_a_long_one_cut_at_a_word() -> None:
    assert quote("Not quite my tempo.") == "Not quite my tempo."
    exact = "x" * 300
    assert quote(exact) == exact
    words = ("tempo " * 60).strip()  # 359 characters
    cut = quote(words)
    assert cut.endswith("tempo…") and len(cut) <= 300
    assert words.startswith(cut.removesuffix("…")) and words[len(cut) - 1] == " "


def test_due_on_its_weekday_from_its_minute_until_the_day_ends() -> None:
    sunday_18 = time(18, 0)
    assert due_digest(datetime(2026, 11, 22, 16, 59, tzinfo=UTC), BERLIN, 6, sunday_18, LONG_AGO) is None
    assert due_digest(datetime(2026, 11, 22, 17, 0, tzinfo=UTC), BERLIN, 6, sunday_18, LONG_AGO) == date(2026, 11, 22)
    assert due_digest(datetime(2026, 11, 22, 22, 59, tzinfo=UTC), BERLIN, 6, sunday_18, LONG_AGO) == date(2026, 11, 22)
    assert due_digest(datetime(2026, 11, 22, 23, 0, tzinfo=UTC), BERLIN, 6, sunday_18, LONG_AGO) is None  # Monday


def test_a_time_skipped_by_the_clock_change_is_due_at_the_first_minute_after_it() -> None:
    # Sunday 29 March 2026: Berlin skips from 02:00 to 03:00; a digest at 02:30 goes out at 03:00 CEST.
    at = time(2, 30)
    assert due_digest(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), BERLIN, 6, at, LONG_AGO) is None
    assert due_digest(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), BERLIN, 6, at, LONG_AGO) == date(2026, 3, 29)


def test_a_digest_turned_on_after_this_weeks_moment_waits_for_next_week() -> None:
    turned_on = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 18:30 in Berlin, after 18:00
    assert due_digest(datetime(2026, 11, 22, 17, 31, tzinfo=UTC), BERLIN, 6, time(18, 0), turned_on) is None
    assert due_digest(datetime(2026, 11, 29, 17, 0, tzinfo=UTC), BERLIN, 6, time(18, 0), turned_on) is not None


def test_nonces_fit_discord_and_differ_per_part() -> None:
    nonces = {digest_nonce(1, date(2026, 11, 22), part) for part in range(3)}
    assert len(nonces) == 3 and all(len(n) == 25 and not n.isdigit() for n in nonces)


def test_a_full_week_of_long_replies_is_split_within_discords_limits() -> None:
    posts = [(date(2026, 11, 16 + i), f"p{i}") for i in range(7)]
    best = [
        DigestReply(day, pid, 1000 + i * 10 + k, 5, "n" * 32, "word " * 200, k == 0, 3 - k)
        for i, (day, pid) in enumerate(posts)
        for k in range(3)
    ]
    embeds = build_embeds("en", 1, WeekFigures(posts, 21, 7), {pid: "q" * 100 for _, pid in posts}, best)
    messages = split_messages(embeds)
    assert len(messages) > 1
    assert [e for m in messages for e in m] == embeds  # all of it, in order
    for index, message in enumerate(messages):
        message[-1].set_footer(text=footer("de", date(2026, 11, 22), index))
        assert len(message) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in message) <= CHARACTERS_PER_MESSAGE


def test_the_next_digest_moment_is_its_weekday_and_minute_after_now_in_the_servers_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    saturday = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert next_digest_moment(saturday, berlin, 6, time(18, 0)) == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)
    at_the_minute = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # due now: the next one is a week on
    assert next_digest_moment(at_the_minute, berlin, 6, time(18, 0)) == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    # Sunday 29 March 2026, 02:30 does not exist in Berlin: the first real instant after the gap (03:30 CEST).
    gap = next_digest_moment(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), berlin, 6, time(2, 30))
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
