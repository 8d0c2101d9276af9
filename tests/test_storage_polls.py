"""Stance poll storage on both backends (issue 15 §2): votes counted once while a poll runs, the final tally
stored once, per-member votes gone when it ends or when the member is forgotten, every query per server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage.polls import StancePoll
from tests.backends import open_db

pytestmark = pytest.mark.usefixtures("backend")

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def poll(guild: int, message: int, *, hours: int = 24, day: date = date(2026, 11, 21)) -> StancePoll:
    return StancePoll(
        guild_id=guild,
        message_id=message,
        channel_id=7,
        post_date=day,
        prompt_id="q000-06-break-the-spirit",
        language="en",
        question="Is Fletcher’s method ever justified?",
        answers=("Yes", "Only in small doses", "No"),
        expires_at=NOW + timedelta(hours=hours),
    )


async def test_votes_count_once_and_the_final_tally_is_stored_once(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.polls
        await store.record_poll(poll(1, 100))
        await store.record_poll(poll(1, 100))  # a second record of the same post changes nothing
        assert await store.add_vote(1, 100, 1, 50)
        assert not await store.add_vote(1, 100, 1, 50)  # the same event twice
        assert await store.add_vote(1, 100, 3, 51)
        assert not await store.add_vote(1, 999, 1, 50)  # not a poll of ours
        assert not await store.add_vote(2, 100, 1, 50)  # nor of another server
        assert await store.remove_vote(1, 100, 3, 51) and not await store.remove_vote(1, 100, 3, 51)
        assert await store.live_counts(1, 100) == {1: 1}
        assert await store.due(NOW) == [] and await store.next_expiry() == NOW + timedelta(hours=24)
        later = NOW + timedelta(hours=25)
        assert [p.message_id for p in await store.due(later)] == [100]
        assert await store.finalize(1, 100, [3, 0, 5], later)
        assert not await store.finalize(1, 100, [9, 9, 9], later + timedelta(hours=1))  # once
        ended = await store.get(1, 100)
        assert ended is not None and ended.final_counts == (3, 0, 5) and ended.total_votes == 8
        assert ended.finalized_at == later
        assert await store.live_counts(1, 100) == {}  # nobody's vote is kept after the end
        assert not await store.add_vote(1, 100, 2, 52)  # nor taken on an ended poll
        assert await store.due(later) == [] and await store.next_expiry() is None


async def test_forget_and_a_departed_server_take_the_votes_and_polls_with_them(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.polls
        await store.record_poll(poll(1, 100))
        await store.record_poll(poll(2, 200))
        await store.add_vote(1, 100, 1, 50)
        await store.add_vote(1, 100, 2, 51)
        await store.add_vote(2, 200, 1, 50)
        await storage.privacy.forget_member(1, 50, before_id=1)
        assert await store.live_counts(1, 100) == {2: 1}
        assert await store.live_counts(2, 200) == {1: 1}  # the same member elsewhere keeps theirs
        await storage.privacy.delete_guild_data(2)
        assert await store.get(2, 200) is None and await store.live_counts(2, 200) == {}
        assert await store.get(1, 100) is not None


async def test_a_prompts_polls_and_a_periods_polls_are_read_per_server(tmp_path: Path) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.polls
        await store.record_poll(poll(1, 100, day=date(2026, 11, 1)))
        await store.record_poll(poll(1, 101, day=date(2026, 11, 20)))
        await store.record_poll(poll(2, 200, day=date(2026, 11, 20)))
        assert [p.message_id for p in await store.for_prompt(1, "q000-06-break-the-spirit")] == [100, 101]
        assert [p.message_id for p in await store.between(1, date(2026, 11, 15), date(2026, 11, 21))] == [101]
