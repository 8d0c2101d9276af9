"""The reply-logging, scheduler-tick and fan-out benchmarks run on PostgreSQL too, in a tiny configuration (behaviour
only): issue 13 asks `python -m bench` for these three figures on PostgreSQL beside SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import fanout, reply_logging, scheduler_tick
from bench.__main__ import BENCHMARKS
from tests import backends
from tests.postgres import PostgresServer


@pytest.fixture
def on_postgres(pg_server: PostgresServer) -> Iterator[None]:
    backends.use(backends.Backend("postgresql", pg_server))
    try:
        yield
    finally:
        backends.use(None)


@pytest.mark.usefixtures("on_postgres")
async def test_reply_logging_on_postgresql_stores_every_message(tmp_path: Path) -> None:
    result = await reply_logging.run(
        reply_logging.Config(messages=60, naive_messages=20, repetitions=1, authors=3), workdir=tmp_path
    )
    assert result["sent"] == result["stored"] == 60
    json.dumps(result)


@pytest.mark.usefixtures("on_postgres")
async def test_scheduler_tick_on_postgresql_reports_each_size(tmp_path: Path) -> None:
    result = await scheduler_tick.run(scheduler_tick.Config(sizes=(1, 100), due=3, repetitions=1), workdir=tmp_path)
    assert result["backend"] == "postgresql"
    assert set(result["ms"]) == {"1", "100"} and result["posts_confirmed"] == 1 + 3


@pytest.mark.usefixtures("on_postgres")
async def test_fanout_on_postgresql_posts_once_per_server(tmp_path: Path) -> None:
    result = await fanout.run(fanout.Config(servers=6, rate_limit_per_s=1000), workdir=tmp_path)
    assert result["backend"] == "postgresql"
    assert result["posted_once"] is True and result["requests_ok"] == 3 * 6
    json.dumps(result)


async def test_fanout_reports_sqlite_as_its_backend_off_postgresql(tmp_path: Path) -> None:
    result = await fanout.run(fanout.Config(servers=2, rate_limit_per_s=1000), workdir=tmp_path)
    assert result["backend"] == "sqlite" and result["posted_once"] is True


def test_the_three_figures_are_registered_for_postgresql() -> None:
    """`python -m bench` runs each `*_postgresql` entry with the bot's database on a throwaway PostgreSQL."""
    assert BENCHMARKS["reply_logging_postgresql"] is not None
    assert BENCHMARKS["scheduler_tick_postgresql"] is BENCHMARKS["scheduler_tick"]
    assert BENCHMARKS["fanout_postgresql"] is BENCHMARKS["fanout"]
