"""How late a due daily post leaves, on the real clock, with the poster's own loop (no tick by hand).

Each round gives `servers` emulator servers a schedule due at the same whole second, `lead_seconds` ahead,
written straight into the bot's database, then wakes the poster as `/schedule set` does. The poster sleeps
until that second and posts; the lateness of a post is its message's snowflake time (the emulator's receipt,
millisecond precision) minus the scheduled second. Rounds use fresh servers (a server posts once a day).
Reported: p50, p99 and max over every post of every round; the target is p99 <= 1 s.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import content_pack, emulator, insert_schedules, percentile, progress, rounded
from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import snowflake_time, utc_now
from bot.storage import Storage
from bot.timeutil import to_iso
from tests.harness import run_bot

EVERY_DAY = 127


@dataclass(frozen=True)
class Config:
    servers: int = 10
    rounds: int = 3
    lead_seconds: float = 2.0
    timeout_seconds: float = 30.0


async def run(config: Config | None = None, workdir: Path | None = None) -> dict[str, Any]:
    config = config or Config()
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        return await _run(config, Path(tmp))


async def _round(
    emu: DiscordEmulator, storage: Storage, poster: Any, channels: dict[int, Any], lead: float
) -> list[float]:
    now = utc_now()
    due = math.ceil(now.timestamp() + lead)
    at = datetime.fromtimestamp(due, UTC).strftime("%H:%M")  # the minute of `due` has begun by then
    rows = [(g, c.id, at, "UTC", EVERY_DAY, None, None, None, 0, due, to_iso(now)) for g, c in channels.items()]
    await insert_schedules(storage, rows)
    poster.wake()  # what /schedule set does after saving
    lateness: dict[int, float] = {}
    deadline = time.monotonic() + lead + 30
    while len(lateness) < len(channels) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        for gid, channel in channels.items():
            mine = [m for m in emu.messages_in(channel) if int(m["author"]["id"]) == emu.bot.id]
            if mine and gid not in lateness:
                lateness[gid] = snowflake_time(int(mine[0]["id"])).timestamp() - due
    if len(lateness) < len(channels):
        raise RuntimeError(f"punctuality: only {len(lateness)} of {len(channels)} posts within 30 s")
    return list(lateness.values())


async def _run(config: Config, tmp: Path) -> dict[str, Any]:
    async with emulator(utc_now) as emu:
        groups = []
        for r in range(config.rounds):
            group = {}
            for i in range(config.servers):
                guild = emu.add_guild(f"Punctual {r}-{i}")
                group[guild.id] = emu.add_text_channel(guild, "discussion")
            groups.append(group)
        options = {"scheduler_tick_seconds": 300.0}
        async with run_bot(
            emu, tmp / "bot.db", content_pack(), clock=utc_now, sync=False, bot_options=options
        ) as running:
            poster: Any = running.bot.get_cog("DiscussionEvents").poster  # type: ignore[union-attr]
            samples: list[float] = []
            for r, group in enumerate(groups):
                late = await _round(emu, running.storage, poster, group, config.lead_seconds)
                samples.extend(late)
                progress(f"punctuality round {r + 1}/{config.rounds}: latest post {max(late):.3f} s after its second")
    return {
        "servers_per_round": config.servers,
        "rounds": config.rounds,
        "posts": len(samples),
        "p50_s": rounded(percentile(samples, 50), 3),
        "punctuality_p99_s": rounded(percentile(samples, 99), 3),
        "max_s": rounded(max(samples), 3),
        "min_s": rounded(min(samples), 3),
        "clock": "real (utc_now), the poster's own loop; posts paced at 45 requests/s",
    }
