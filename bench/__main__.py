"""`python -m bench [--only NAME ...] [--quick]`: run the benchmarks, print ONE JSON object on stdout.

Progress and warnings go to stderr. Each benchmark runs in its own event loop, one after the other.
See bench/README.md for what each figure times.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

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
from bench.common import machine, on_postgres, postgres_backend, postgres_server, progress

if TYPE_CHECKING:
    from tests.postgres import PostgresServer

Runner = Callable[[bool], Awaitable[dict[str, Any]]]
REPLY_LOGGING_RUNS = 5  # issue 16: the ratio is judged on the median of five runs, with their spread


async def _reply_logging(quick: bool) -> dict[str, Any]:
    """Five runs (one in --quick): the last run's figures, plus every run's ratio, their median and spread.

    Each SQLite run is followed by the same run with the bot's database on a throwaway PostgreSQL (the naive
    baseline stays SQLite), for `postgres_logging_msgs_per_s`: both figures from one `python -m bench`.
    """
    return await _reply_logging_runs(quick, postgres=True)


async def _reply_logging_postgresql(quick: bool) -> dict[str, Any]:
    """Under `postgres_backend` already: the five runs on PostgreSQL alone, as before."""
    return await _reply_logging_runs(quick, postgres=False)


async def _reply_logging_runs(
    quick: bool, *, postgres: bool, cfg: reply_logging.Config | None = None
) -> dict[str, Any]:
    if cfg is None:
        quick_cfg = reply_logging.Config(messages=1000, naive_messages=300, repetitions=3)
        cfg = quick_cfg if quick else reply_logging.Config()
    runs: list[dict[str, Any]] = []
    pg_runs: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:
        server, skipped = await _postgres_server(stack) if postgres else (None, None)
        for n in range(1 if quick else REPLY_LOGGING_RUNS):
            runs.append(await reply_logging.run(cfg))
            progress(f"reply_logging run {n + 1}: ratio {runs[-1]['ratio_vs_bare']}")
            if server is not None:
                with on_postgres(server):
                    pg_runs.append(await reply_logging.run(cfg))
                progress(f"reply_logging run {n + 1} on PostgreSQL: {pg_runs[-1]['logging_msgs_per_s']:,.0f}/s")
    result = dict(runs[-1])
    ratios = [r["ratio_vs_bare"] for r in runs]
    naive = [r["speedup_vs_naive"] for r in runs]
    result["runs"] = len(runs)
    result["ratio_vs_bare_runs"] = ratios
    result["ratio_vs_bare_median"] = round(statistics.median(ratios), 3)
    result["ratio_vs_bare_spread"] = [min(ratios), max(ratios)]
    result["speedup_vs_naive_median"] = round(statistics.median(naive), 2)
    result["lost"] = sum(r["sent"] - r["stored"] for r in runs)
    if pg_runs:
        pg_rates = [r["logging_msgs_per_s"] for r in pg_runs]
        result["postgres_logging_msgs_per_s"] = round(statistics.median(pg_rates))
        result["postgres_logging_msgs_per_s_runs"] = pg_rates
        result["postgres_ratio_vs_bare_median"] = round(statistics.median(r["ratio_vs_bare"] for r in pg_runs), 3)
        result["postgres_lost"] = sum(r["sent"] - r["stored"] for r in pg_runs)
    elif postgres:
        result["postgres_logging_msgs_per_s"] = None
        result["postgres_logging_reason"] = skipped
    return result


async def _postgres_server(stack: contextlib.ExitStack) -> tuple[PostgresServer | None, str | None]:
    """A throwaway PostgreSQL for the block, or (None, why not) where it is not installed.

    Started in a thread: preparing its template runs an event loop of its own, which cannot nest in this one.
    """
    try:
        return await asyncio.to_thread(stack.enter_context, postgres_server()), None
    except FileNotFoundError as exc:
        progress(f"reply_logging on PostgreSQL: skipped: {exc}")
        return None, str(exc)


def _scheduler_tick(quick: bool) -> Awaitable[dict[str, Any]]:
    cfg = scheduler_tick.Config(sizes=(1, 100, 10_000), repetitions=3) if quick else scheduler_tick.Config()
    return scheduler_tick.run(cfg)


def _fanout(quick: bool) -> Awaitable[dict[str, Any]]:
    return fanout.run(fanout.Config(servers=100, rate_limit_per_s=50) if quick else fanout.Config())


def _punctuality(quick: bool) -> Awaitable[dict[str, Any]]:
    return punctuality.run(punctuality.Config(rounds=1) if quick else punctuality.Config())


def _command_latency(quick: bool) -> Awaitable[dict[str, Any]]:
    cfg = (
        command_latency.Config(posts=100, replies_per_post=100, invocations=10, budget_seconds=5)
        if quick
        else command_latency.Config()
    )
    return command_latency.run(cfg)


def _startup(quick: bool) -> Awaitable[dict[str, Any]]:
    return startup.run(startup.Config(servers=(1, 100), repetitions=1) if quick else startup.Config())


def _streaks(quick: bool) -> Awaitable[dict[str, Any]]:
    return streaks.run(streaks.Config(sizes=(1_000, 10_000), samples=30) if quick else streaks.Config())


def _digest(quick: bool) -> Awaitable[dict[str, Any]]:
    return digest.run(digest.Config(sizes=(1_000, 10_000), samples=30) if quick else digest.Config())


def _shards(quick: bool) -> Awaitable[dict[str, Any]]:
    cfg = shards.Config(due=4, repetitions=2, log_servers=4, messages=1000) if quick else shards.Config()
    return shards.run(cfg)


BENCHMARKS: dict[str, Runner] = {
    "reply_logging": _reply_logging,
    "reply_logging_postgresql": _reply_logging_postgresql,
    "scheduler_tick": _scheduler_tick,
    "scheduler_tick_postgresql": _scheduler_tick,
    "fanout": _fanout,
    "fanout_postgresql": _fanout,
    "punctuality": _punctuality,
    "command_latency": _command_latency,
    "startup": _startup,
    "streaks": _streaks,
    "streaks_postgresql": _streaks,
    "footprint": footprint.run,
    "digest": _digest,
    "digest_postgresql": _digest,
    "shards_postgresql": _shards,
}


def _run_one(name: str, quick: bool) -> dict[str, Any]:
    """One benchmark in its own event loop; a *_postgresql one with the bot's databases on PostgreSQL."""
    if not name.endswith("_postgresql"):
        return asyncio.run(BENCHMARKS[name](quick))
    try:
        with postgres_backend():
            return asyncio.run(BENCHMARKS[name](quick))
    except FileNotFoundError as exc:
        progress(f"{name}: skipped: {exc}")
        return {"skipped": str(exc)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this (repeatable)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in well under a minute")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "PyNaCl is not installed" (no voice here)
    logging.getLogger("discord.http").setLevel(logging.ERROR)  # one line per 429 in the fan-out
    names = args.only or list(BENCHMARKS)
    result: dict[str, Any] = {}
    started = time.perf_counter()
    for name in names:
        progress(f"{name}: starting{' (quick)' if args.quick else ''}")
        began = time.perf_counter()
        result[name] = _run_one(name, args.quick)
        progress(f"{name}: done in {time.perf_counter() - began:.1f} s")
    result["machine"] = machine().as_dict()
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["quick"] = args.quick
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
