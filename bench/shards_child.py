"""One shard process of the `shards_postgresql` benchmark (run by bench/shards.py); JSON lines on stdout.

The real bot as `run` starts it on PostgreSQL (`ShardedWhiplashBot`, every cog, SHARD_COUNT/SHARD_IDS as
given), connected to the parent's emulator. It says `{"ready": ...}` once READY, then answers the parent's
commands, one JSON object per line on stdin, each with one JSON line on stdout, timing only its own part:

- `{"op": "tick"}`: one `poster.tick()` of the bot's own DailyPoster (its shards' due servers);
- `{"op": "log", "file": PATH}`: the gateway frames in PATH (`[shard, frame]` pairs) handed to the shard's
  websocket handler (`received_message`, as bench/reply_logging.py does), then the reply logger's flush;
- `{"op": "quit"}`: close the bot and exit.

Logging goes to stderr (warnings only), so stdout carries nothing but the answers.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


async def serve(args: argparse.Namespace) -> None:
    from bot.client import ShardedWhiplashBot
    from bot.config import Settings
    from bot.content import default_content_dir, load_content
    from bot.hooks import point_at
    from bot.storage import open_storage

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=args.token,
        database_path=Path(args.unused_db),
        discord_api_base=args.api,
        discord_gateway_url=args.gateway,
    )
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    storage = await open_storage(args.url)
    ids = [int(part) for part in args.shard_ids.split(",")]
    bot = ShardedWhiplashBot(
        settings=settings,
        storage=storage,
        content=load_content(default_content_dir()),
        scheduler_tick_seconds=3600.0,  # the poster's own loop ticks at READY, then sleeps: the parent ticks
        guild_ready_timeout=0.05,
        shard_count=args.shard_count,
        shard_ids=ids,
    )
    task = asyncio.create_task(bot.start(args.token), name="bot")
    try:
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=120, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            raise RuntimeError("the bot was not ready within 120 s")
        answer({"ready": True, "shards": ids, "guilds": len(bot.guilds)})
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if command["op"] == "quit":
                break
            answer(await (tick(bot) if command["op"] == "tick" else log_frames(bot, Path(command["file"]))))
    finally:
        await bot.close()
        await asyncio.wait_for(task, 30)
        await storage.close()


async def tick(bot: Any) -> dict[str, Any]:
    """One scheduler tick of this process's shards, timed until every due server's outcome is in."""
    gc.collect()
    started = time.perf_counter()
    outcomes = await bot.services.poster.tick()
    seconds = time.perf_counter() - started
    statuses = Counter(o.status for o in outcomes)
    return {"seconds": seconds, "posted": statuses["posted"], "due": len(outcomes), "outcomes": dict(statuses)}


async def log_frames(bot: Any, path: Path) -> dict[str, Any]:
    """Every frame through its shard's websocket handler, timed until the reply logger has written them."""
    pairs = json.loads(path.read_text())
    sockets = {shard: bot._get_websocket(shard_id=shard) for shard in {shard for shard, _ in pairs}}
    logger = bot.services.logger
    written = logger.written
    gc.collect()
    started = time.perf_counter()
    for shard, frame in pairs:
        await sockets[shard].received_message(frame)
        await asyncio.sleep(0)  # as the socket read would yield
    await logger.flush()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "messages": len(pairs), "written": logger.written - written}


def answer(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--shard-count", type=int, required=True)
    parser.add_argument("--shard-ids", required=True, help="comma-separated")
    parser.add_argument("--unused-db", required=True, help="DATABASE_PATH the settings want; nothing is written")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord").setLevel(logging.ERROR)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
