"""Watch parties' storage on both backends: one active party per server, film time, claims, deletion."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.watchparty import WatchParty
from tests.backends import Backend, open_db

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def party(guild_id: int = 1, event_id: int = 500, created_by: int = 77) -> WatchParty:
    return WatchParty(
        guild_id=guild_id,
        event_id=event_id,
        channel_id=9,
        voice_channel_id=None,
        location="Studio B",
        starts_at=NOW + timedelta(days=1),
        ends_at=NOW + timedelta(days=1, minutes=106),
        runtime_seconds=106 * 60,
        prompt_count=7,
        language="de",
        created_by=created_by,
        created_at=NOW,
    )


async def test_one_active_party_per_server_and_its_film_time(tmp_path: Path, backend: Backend) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.watchparty
        assert await store.create(party())
        assert not await store.create(party(event_id=501)), "a second active party in the same server"
        assert await store.create(party(guild_id=2, event_id=502)), "another server is not affected"
        stored = await store.active(1)
        assert stored is not None and stored.location == "Studio B" and stored.language == "de"
        assert stored.status == "scheduled" and stored.film_time(NOW) == timedelta(0)

        start = NOW + timedelta(days=1)
        assert await store.start(1, 500, thread_id=42, now=start)
        assert not await store.start(1, 500, thread_id=42, now=start), "started once"
        running = await store.active(1)
        assert running is not None and running.thread_id == 42
        assert running.film_time(start + timedelta(minutes=10)) == timedelta(minutes=10)

        assert await store.pause(running, start + timedelta(minutes=10))
        paused = await store.active(1)
        assert paused is not None and paused.status == "paused"
        assert paused.film_time(start + timedelta(hours=5)) == timedelta(minutes=10), "a pause freezes film time"
        assert await store.resume(1, 500, start + timedelta(minutes=30))
        resumed = await store.active(1)
        assert resumed is not None and resumed.film_time(start + timedelta(minutes=35)) == timedelta(minutes=15)

        assert await store.finish(resumed, "stopped", start + timedelta(minutes=40))
        assert await store.active(1) is None
        latest = await store.latest(1)
        assert latest is not None and latest.status == "stopped"
        assert latest.film_time(start + timedelta(hours=9)) == timedelta(minutes=20)
        assert await store.create(party(event_id=503)), "a new party once the last one is over"
        assert [p.guild_id for p in await store.all_active()] == [1, 2]


async def test_each_message_is_claimed_once(tmp_path: Path, backend: Backend) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.watchparty
        await store.create(party())
        first, fresh = await store.claim(1, 500, "prompt", 0, NOW)
        again, fresh_again = await store.claim(1, 500, "prompt", 0, NOW + timedelta(minutes=1))
        assert fresh and not fresh_again
        assert first == again and first.status == "claimed" and first.claimed_at == NOW
        await store.sent(1, 500, "prompt", 0, message_id=1234)
        await store.claim(1, 500, "prompt", 1, NOW)
        await store.claim(1, 500, "reminder", 0, NOW)
        prompts = await store.posts(1, 500, "prompt")
        assert [(p.position, p.status, p.message_id) for p in prompts] == [(0, "sent", 1234), (1, "claimed", None)]
        assert [p.kind for p in await store.posts(1, 500, "reminder")] == ["reminder"]


async def test_forgetting_the_moderator_keeps_the_party_and_a_departed_server_loses_it(
    tmp_path: Path, backend: Backend
) -> None:
    async with await open_db(tmp_path / "bot.db") as storage:
        store = storage.watchparty
        await store.create(party(created_by=77))
        await store.create(replace(party(guild_id=2, event_id=600, created_by=77)))
        await store.claim(1, 500, "prompt", 0, NOW)
        await storage.privacy.forget_member(1, 77, 10**18)
        kept = await store.get(1, 500)
        assert kept is not None and kept.created_by == 0
        other = await store.get(2, 600)
        assert other is not None and other.created_by == 77, "scoped to the server"
        await storage.privacy.delete_guild_data(1)
        assert await store.get(1, 500) is None and await store.posts(1, 500, "prompt") == []
        assert await store.get(2, 600) is not None
