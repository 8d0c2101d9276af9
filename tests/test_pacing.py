"""The pacer's slot arithmetic, with an injected clock (no real waiting)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_requests_are_spaced_one_interval_apart() -> None:
    clock = Clock()
    pacer = Pacer(10.0, clock=clock)
    delays = [pacer.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_idle_time_is_not_saved_up_beyond_the_burst() -> None:
    clock = Clock()
    pacer = Pacer(10.0, burst=3, clock=clock)
    pacer.reserve()
    clock.now += 60  # a quiet minute
    delays = [pacer.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


@given(st.floats(1.0, 500.0), st.integers(1, 10), st.lists(st.floats(0.0, 0.5), min_size=1, max_size=200))
def test_never_more_than_rate_plus_burst_in_any_window(rate: float, burst: int, gaps: list[float]) -> None:
    clock = Clock()
    pacer = Pacer(rate, burst=burst, clock=clock)
    sent = []
    for gap in gaps:
        clock.now += gap
        sent.append(clock.now + pacer.reserve())
    sent.sort()
    # In any window of one second, at most rate + burst requests leave.
    for i, start in enumerate(sent):
        in_window = sum(1 for t in sent[i:] if t < start + 1.0)
        assert in_window <= rate + burst + 1e-9


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        Pacer(5, burst=0)
