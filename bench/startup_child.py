"""One bot start in a fresh interpreter (run by bench/startup.py); prints one JSON line once READY.

`--mode whiplash` starts the bot the way `bot.__main__` does (content pack, SQLite with migrations,
WhiplashBot with every cog); `--mode bare` starts a plain commands.Bot with the same intents, member
cache flags and chunking settings and nothing else. Only the bot is in this process: the emulator runs
in the parent, so VmRSS is the bot's own memory.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any heavy import, so imports are part of the start-up time

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def since_start() -> float:
    return time.perf_counter() - STARTED


async def start_and_measure(bot: Any, token: str, phases: dict[str, float], settle: float) -> dict[str, Any]:
    task = asyncio.create_task(bot.start(token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        if task in done:
            task.result()
        raise RuntimeError("the bot was not ready within 120 s")
    phases["ready"] = since_start()
    guilds = len(bot.guilds)
    await asyncio.sleep(settle)  # on_ready handlers (guilds_seen, backfill, first scheduler tick) finish
    gc.collect()
    rss = rss_mb()
    await bot.close()
    await task
    return {"rss_mb": round(rss, 1), "guilds": guilds, "phases": {k: round(v, 3) for k, v in phases.items()}}


async def whiplash(args: argparse.Namespace) -> dict[str, Any]:
    from bot.client import WhiplashBot
    from bot.config import Settings
    from bot.content import default_content_dir, load_content
    from bot.gctuning import tune_gc
    from bot.hooks import point_at
    from bot.storage import Storage

    phases = {"imports": since_start()}
    content = load_content(default_content_dir())
    phases["content"] = since_start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=args.token,
        database_path=Path(args.db),
        discord_api_base=args.api,
        discord_gateway_url=args.gateway,
    )
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    storage = await Storage.open(settings.database_path)
    phases["migrations"] = since_start()
    try:
        bot = WhiplashBot(
            settings=settings, storage=storage, content=content, guild_ready_timeout=args.guild_ready_timeout
        )
        tune_gc()  # as `whiplash-bot run` does before it logs in
        return await start_and_measure(bot, args.token, phases, args.settle)
    finally:
        await storage.close()


async def bare(args: argparse.Namespace) -> dict[str, Any]:
    import discord
    from discord.ext import commands

    from bot.hooks import point_at

    phases = {"imports": since_start()}
    point_at(args.api, args.gateway)
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=intents,
        help_command=None,
        chunk_guilds_at_startup=False,
        member_cache_flags=discord.MemberCacheFlags.none(),
        allowed_mentions=discord.AllowedMentions.none(),
        guild_ready_timeout=args.guild_ready_timeout,
    )
    return await start_and_measure(bot, args.token, phases, args.settle)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=("whiplash", "bare"), required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--guild-ready-timeout", type=float, default=2.0)  # discord.py's default, as in production
    parser.add_argument("--settle", type=float, default=0.5)
    args = parser.parse_args()
    result = asyncio.run(whiplash(args) if args.mode == "whiplash" else bare(args))
    print(json.dumps(result), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
