"""Start-up time and resident memory after READY, each measurement in a fresh interpreter.

The emulator runs here, holding 1, 1,000 or 10,000 servers (each with a text channel and a member) on one
session (its 2,500-per-shard limit lifted); each measurement spawns `python -m bench.startup_child`, which
starts either the real bot (content pack, migrations on a fresh SQLite file, every cog) or a bare
commands.Bot with the same intents and cache settings, waits for READY, lets on_ready handlers finish, and
reads VmRSS from /proc/self/status.

`seconds` is wall time from spawning the child to its READY report with 1 server: interpreter start,
imports, content, migrations, login, gateway and discord.py's guild_ready_timeout (2 s by default,
the same in production). The child's own phase marks are reported as `phases_1`. Variants alternate
within each repetition; figures are medians.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import emulator, median, progress, rounded
from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from tests.harness import TOKEN

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    servers: tuple[int, ...] = (1, 1000, 10_000)
    repetitions: int = 2
    guild_ready_timeout: float = 2.0
    settle: float = 0.5


async def spawn(emu: DiscordEmulator, mode: str, db: Path, config: Config) -> dict[str, Any]:
    started = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.startup_child",
        "--mode",
        mode,
        "--api",
        emu.api_base,
        "--gateway",
        emu.gateway_url,
        "--token",
        TOKEN,
        "--db",
        str(db),
        "--guild-ready-timeout",
        str(config.guild_ready_timeout),
        "--settle",
        str(config.settle),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=180)
    wall = time.perf_counter() - started
    _, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    if proc.returncode != 0 or not line:
        raise RuntimeError(f"startup child ({mode}) failed with {proc.returncode}: {err.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(line)
    result["wall_to_ready"] = wall - config.settle  # the child reports after its settle pause
    return result


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _world(emu: DiscordEmulator, servers: int) -> None:
    for i in range(servers):
        guild = emu.add_guild(f"Studio Band {i}")
        emu.add_text_channel(guild, "discussion")
        emu.add_member(guild, f"player-{i}")


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    sizes = config.servers
    runs: dict[str, list[dict[str, Any]]] = {}
    variants = [(mode, n) for n in sizes for mode in ("whiplash", "bare")]
    emulators = [emulator(utc_now) for _ in sizes]  # the bots are subprocesses: real time
    async with contextlib.AsyncExitStack() as stack:
        emus = {n: await stack.enter_async_context(e) for n, e in zip(sizes, emulators, strict=True)}
        for n, emu in emus.items():
            # Discord closes a session holding more than 2,500 servers (4011, "sharding required"), and so does
            # the emulator: lifted here so that both bots hold every server on one session and the slope is
            # per server. With shards, each adds the same fixed cost to both bots (a websocket, its buffers).
            emu.max_guilds_per_shard = max(emu.max_guilds_per_shard, n)
            await _world(emu, n)
        count = 0
        for rep in range(config.repetitions):
            shift = rep % len(variants)
            for mode, servers in variants[shift:] + variants[:shift]:
                count += 1
                result = await spawn(emus[servers], mode, tmp / f"start-{count}.db", config)
                assert result["guilds"] == servers, result
                runs.setdefault(f"{mode}_{servers}", []).append(result)
                progress(
                    f"startup rep {rep + 1}/{config.repetitions}: {mode} with {servers:,} servers: "
                    f"{result['rss_mb']:.1f} MB, READY after {result['wall_to_ready']:.2f} s"
                )

    def rss(key: str) -> float:
        return median([r["rss_mb"] for r in runs[key]])

    def wall(key: str) -> float:
        return median([r["wall_to_ready"] for r in runs[key]])

    def slope(mode: str, lo: int, hi: int) -> float:
        # Two decimals: RSS is read to 0.1 MB, which over 10,000 servers is 0.01 KB a server.
        return rounded((rss(f"{mode}_{hi}") - rss(f"{mode}_{lo}")) * 1024 / (hi - lo), 2)

    few, many, most = sizes[0], sizes[1], sizes[-1]
    result: dict[str, Any] = {
        "seconds": rounded(wall(f"whiplash_{few}"), 2),
        f"seconds_{many}": rounded(wall(f"whiplash_{many}"), 2),
        f"bare_seconds_{many}": rounded(wall(f"bare_{many}"), 2),
        "phases_1": runs[f"whiplash_{few}"][0]["phases"],
        "guild_ready_timeout": config.guild_ready_timeout,
        "servers": list(sizes),
    }
    for n in sizes:
        result[f"rss_mb_{n}"] = rounded(rss(f"whiplash_{n}"))
        result[f"bare_rss_mb_{n}"] = rounded(rss(f"bare_{n}"))
        result[f"rss_ratio_{n}"] = rounded(rss(f"whiplash_{n}") / rss(f"bare_{n}"), 3)
    result.update(
        {
            "rss_kb_per_server": slope("whiplash", few, many),
            "bare_rss_kb_per_server": slope("bare", few, many),
            f"rss_kb_per_server_{few}_to_{most}": slope("whiplash", few, most),
            f"bare_rss_kb_per_server_{few}_to_{most}": slope("bare", few, most),
            "fixed_overhead_mb": rounded(rss(f"whiplash_{few}") - rss(f"bare_{few}")),
            "repetitions": config.repetitions,
        }
    )
    return result
