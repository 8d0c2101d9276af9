"""The bot process's garbage-collector settings (bot/gctuning.py, issue 16 §2).

Measured in `python -m bench` (bench/README §1): with CPython's defaults, the reply logger's queue made the
collector walk discord.py's recent messages every 700 messages. These tests pin the behaviour that figure rests
on, with the pattern that produced it: a cache of recent messages that evicts as it fills, and a queue that
keeps one record per message until its batch is written.
"""

from __future__ import annotations

import gc
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.gctuning import YOUNG_THRESHOLD, tune_gc
from bot.storage import ReplyRecord
from bot.timeutil import Clock
from tests.test_cli import run_against

MESSAGES = 20_000
BATCH = 1_000  # the reply logger's MAX_BATCH


@pytest.fixture
def clock() -> Clock:
    """`run` is a subprocess on the machine's clock; so is the emulator."""
    return utc_now


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """The test process's own collector settings, put back after a test changed them."""
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def young_collections(work: Callable[[], None]) -> int:
    seen = 0

    def count(phase: str, info: dict[str, int]) -> None:
        nonlocal seen
        if phase == "start" and info["generation"] == 0:
            seen += 1

    gc.callbacks.append(count)
    try:
        work()
    finally:
        gc.callbacks.remove(count)
    return seen


def log_messages() -> None:
    """MESSAGES messages through a 1,000-message cache, each queued as a reply record until its batch is written."""
    cache: deque[dict[str, object]] = deque(maxlen=1_000)
    queue: list[ReplyRecord] = []
    for n in range(MESSAGES):
        cache.append({"id": n, "author": {"id": n % 25, "roles": []}, "mentions": [], "embeds": []})
        queue.append(ReplyRecord(n, 1, date(2026, 11, 21), "p", 2, 2, n % 25, "drummer", None, None, "Rushing?"))
        if len(queue) == BATCH:
            queue.clear()


def test_with_pythons_defaults_the_queue_makes_a_young_collection_every_few_hundred_messages(
    restored_gc: None,
) -> None:
    gc.set_threshold(700, 10, 10)
    assert young_collections(log_messages) >= MESSAGES // BATCH  # at least one per batch: each walks the cache


def test_after_tuning_a_young_collection_comes_once_per_young_threshold(restored_gc: None) -> None:
    tune_gc()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert young_collections(log_messages) <= MESSAGES // YOUNG_THRESHOLD + 1


def test_cyclic_garbage_made_after_tuning_is_still_collected(restored_gc: None) -> None:
    tune_gc()
    assert gc.get_freeze_count() > 0  # the start-up's objects

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None


async def test_run_tunes_the_collector_before_it_logs_in(emu: DiscordEmulator, tmp_path: Path) -> None:
    async with run_against(emu, tmp_path, log_level="DEBUG") as (_, log):
        text = log.read_text()
        tuned = text.index("Garbage collector:")
        assert f"young threshold {YOUNG_THRESHOLD}" in text[tuned : tuned + 200]
        assert tuned < text.index("Ready as")
