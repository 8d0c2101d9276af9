"""The reply-logging and scheduler-tick benchmarks run on PostgreSQL too, in a tiny configuration (behaviour only)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import reply_logging, scheduler_tick
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
