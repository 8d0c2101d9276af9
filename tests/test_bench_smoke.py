"""The benchmarks run end to end in a tiny configuration and report what they must (never timings)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import (
    command_latency,
    digest,
    fanout,
    footprint,
    punctuality,
    reply_logging,
    scheduler_tick,
    shards,
    startup,
    streaks,
)
from bench.__main__ import BENCHMARKS
from tests import backends
from tests.postgres import PostgresServer


@pytest.fixture
def on_postgres(pg_server: PostgresServer) -> Iterator[None]:
    """What `python -m bench` does for a `*_postgresql` benchmark: `open_db` on a throwaway PostgreSQL."""
    backends.use(backends.Backend("postgresql", pg_server))
    try:
        yield
    finally:
        backends.use(None)


async def test_reply_logging_stores_every_message(tmp_path: Path) -> None:
    result = await reply_logging.run(
        reply_logging.Config(messages=60, naive_messages=20, repetitions=1, authors=3), workdir=tmp_path
    )
    expected = {"bare_msgs_per_s", "logging_msgs_per_s", "ratio_vs_bare", "naive_msgs_per_s", "speedup_vs_naive"}
    assert expected | {"sent", "stored"} <= result.keys()
    assert result["sent"] == result["stored"] == 60
    assert result["naive_sent"] == result["naive_stored"] == 20
    json.dumps(result)


async def test_scheduler_tick_reports_each_size(tmp_path: Path) -> None:
    result = await scheduler_tick.run(scheduler_tick.Config(sizes=(1, 100), due=3, repetitions=1), workdir=tmp_path)
    assert set(result["ms"]) == {"1", "100"}
    assert result["posts_confirmed"] == 1 + 3
    assert "schedules_due" in result["query_plan"]


async def test_fanout_posts_once_per_server(tmp_path: Path) -> None:
    result = await fanout.run(fanout.Config(servers=6, rate_limit_per_s=1000), workdir=tmp_path)
    expected = {"servers", "rate_limit_per_s", "seconds", "floor_seconds", "ratio_vs_floor", "posted_once"}
    assert expected <= result.keys()
    assert result["posted_once"] is True
    assert result["requests_ok"] == 3 * 6  # post, thread, and the button to the thread


async def test_command_latency_measures_each_command(tmp_path: Path) -> None:
    config = command_latency.Config(posts=4, replies_per_post=5, authors=3, invocations=2, warmup=0)
    result = await command_latency.run(config, workdir=tmp_path)
    assert result["replies_logged"] == 20
    for command in ("/review search", "/film fact", "/discussion stats"):
        entry = result[command]
        assert entry.get("missing") or {"p50_ms", "p99_ms"} <= entry.keys()
        if not entry.get("missing"):
            assert entry["samples"] == 2
    assert "complete_p99_ms" in result["/discussion stats"]


async def test_startup_measures_both_bots_in_subprocesses(tmp_path: Path) -> None:
    config = startup.Config(servers=(1, 3), repetitions=1, guild_ready_timeout=0.05, settle=0.05)
    result = await startup.run(config, workdir=tmp_path)
    expected = {"seconds", "rss_mb_1", "rss_mb_3", "bare_rss_mb_3", "rss_ratio_3"}
    assert expected <= result.keys()
    assert result["rss_mb_3"] > 0 and result["bare_rss_mb_3"] > 0


async def test_streaks_reports_p99_per_size_and_the_member_query_uses_its_index(tmp_path: Path) -> None:
    result = await streaks.run(streaks.Config(sizes=(100, 1000), samples=3, opted_in=5), workdir=tmp_path)
    assert set(result["me_p99_ms"]) == set(result["leaderboard_p99_ms"]) == {"100", "1000"}
    assert result["leaderboard_rows"] == {100: 2, 1000: 5}  # every opted-in member with replies, no one else
    assert "replies_author" in result["me_query_plan"]
    json.dumps(result)


async def test_startup_reports_slopes_over_three_sizes(tmp_path: Path) -> None:
    config = startup.Config(servers=(1, 2, 3), repetitions=1, guild_ready_timeout=0.05, settle=0.05)
    result = await startup.run(config, workdir=tmp_path)
    expected = {"rss_mb_2", "bare_rss_mb_3", "rss_kb_per_server_1_to_3", "bare_rss_kb_per_server_1_to_3"}
    assert expected <= result.keys()
    assert "fixed_overhead_mb" in result


async def test_startup_measures_more_servers_than_one_shard_may_hold_in_one_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 10,000-server size is over Discord's 2,500 per shard (4011): both bots still hold every server."""
    monkeypatch.setattr("bot.emulator.core.MAX_GUILDS_PER_SHARD", 2)  # Discord's 2,500, scaled down
    config = startup.Config(servers=(1, 3), repetitions=1, guild_ready_timeout=0.05, settle=0.05)
    result = await startup.run(config, workdir=tmp_path)  # each child's READY lists all 3 (asserted inside)
    assert result["rss_mb_3"] > 0 and result["bare_rss_mb_3"] > 0


async def test_punctuality_has_the_poster_loop_post_every_due_server(tmp_path: Path) -> None:
    result = await punctuality.run(punctuality.Config(servers=2, rounds=1, lead_seconds=1.0), workdir=tmp_path)
    assert result["posts"] == 2
    assert result["punctuality_p99_s"] >= result["p50_s"]


def test_footprint_lists_every_run_time_dependency() -> None:
    install = footprint.install_sizes()
    assert {"discord-py", "aiosqlite", "pydantic", "matplotlib"} <= set(install["direct"])
    assert {"discord.py", "numpy", "aiohttp"} <= install["mb"].keys()  # direct and transitive ones
    assert install["total_mb"] == pytest.approx(sum(install["mb"].values()), abs=1)


async def test_digest_reports_p99_per_size_and_reads_only_the_weeks_threads(tmp_path: Path) -> None:
    result = await digest.run(digest.Config(sizes=(1000, 2000), samples=3), workdir=tmp_path)
    assert set(result["digest_p99_ms"]) == {"1000", "2000"}
    assert result["replies_chosen"] == {1000: 21, 2000: 21}  # three of each of the week's seven posts
    assert "replies_guild_day" in result["digest_query_plan"]
    json.dumps(result)


async def test_streaks_and_digest_report_sqlite_as_their_backend(tmp_path: Path) -> None:
    assert (await streaks.run(streaks.Config(sizes=(100, 200), samples=1, opted_in=2), workdir=tmp_path))[
        "backend"
    ] == "sqlite"
    assert (await digest.run(digest.Config(sizes=(700, 800), samples=1), workdir=tmp_path))["backend"] == "sqlite"


@pytest.mark.usefixtures("on_postgres")
async def test_streaks_on_postgresql_reports_p99_per_size(tmp_path: Path) -> None:
    result = await streaks.run(streaks.Config(sizes=(100, 1000), samples=3, opted_in=5), workdir=tmp_path)
    assert result["backend"] == "postgresql"
    assert set(result["me_p99_ms"]) == set(result["leaderboard_p99_ms"]) == {"100", "1000"}
    assert result["leaderboard_rows"] == {100: 2, 1000: 5}  # the same rows as on SQLite
    assert "replies" in result["me_query_plan"]
    json.dumps(result)


@pytest.mark.usefixtures("on_postgres")
async def test_digest_on_postgresql_reports_p99_per_size(tmp_path: Path) -> None:
    result = await digest.run(digest.Config(sizes=(1000, 2000), samples=3), workdir=tmp_path)
    assert result["backend"] == "postgresql"
    assert set(result["digest_p99_ms"]) == {"1000", "2000"}
    assert result["replies_chosen"] == {1000: 21, 2000: 21}  # the same three of each post as on SQLite
    assert "replies" in result["digest_query_plan"]
    json.dumps(result)


def test_streaks_and_digest_are_registered_for_postgresql() -> None:
    assert BENCHMARKS["streaks_postgresql"] is BENCHMARKS["streaks"]
    assert BENCHMARKS["digest_postgresql"] is BENCHMARKS["digest"]


@pytest.mark.usefixtures("pg_server")  # only for its skip (or CI's failure) where PostgreSQL is not installed
async def test_reply_logging_reports_the_postgresql_rate_beside_sqlites() -> None:
    import bench.__main__ as bench_main

    cfg = reply_logging.Config(messages=40, naive_messages=10, repetitions=1, authors=2)
    result = await bench_main._reply_logging_runs(True, postgres=True, cfg=cfg)
    assert result["logging_msgs_per_s"] > 0 and result["postgres_logging_msgs_per_s"] > 0
    assert len(result["postgres_logging_msgs_per_s_runs"]) == result["runs"] == 1
    assert result["lost"] == result["postgres_lost"] == 0
    assert "postgres_logging_reason" not in result
    json.dumps(result)


async def test_reply_logging_without_postgresql_says_why_its_figure_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.__main__ as bench_main

    def not_installed() -> Iterator[PostgresServer]:
        raise FileNotFoundError("PostgreSQL is not installed (no initdb/pg_ctl; apt-get install postgresql)")

    monkeypatch.setattr(bench_main, "postgres_server", not_installed)
    cfg = reply_logging.Config(messages=20, naive_messages=10, repetitions=1, authors=2)
    result = await bench_main._reply_logging_runs(True, postgres=True, cfg=cfg)
    assert result["postgres_logging_msgs_per_s"] is None
    assert "PostgreSQL is not installed" in result["postgres_logging_reason"]


@pytest.mark.usefixtures("on_postgres")
async def test_shards_compares_two_shard_processes_with_one_on_postgresql(tmp_path: Path) -> None:
    config = shards.Config(due=2, repetitions=1, log_servers=2, messages=40, authors=1)
    result = await shards.run(config, workdir=tmp_path)
    assert set(result["tick_s"]) == set(result["logging_msgs_per_s"]) == {"two", "one"}
    assert {"tick_ratio", "logging_ratio"} <= result.keys()
    assert result["posts_confirmed"] == {"two": 2, "one": 2}  # each tick posted its due servers, once
    assert result["posts_not_confirmed"] == {"two": 0, "one": 0}
    assert result["posted_once"] is True
    assert result["sent"] == result["stored"] == {"two": 40, "one": 40} and result["lost"] == 0
    assert BENCHMARKS["shards_postgresql"] is not None
    json.dumps(result)
