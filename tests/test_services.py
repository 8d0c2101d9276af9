"""The shared services are built once, in setup_hook, and handed to the cogs (bot/services.py).

No feature finds another's service through `bot.get_cog(...)`: the cogs that share a service hold the very
same instance as `bot.services`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.harness import run_bot

ROOT = Path(__file__).resolve().parent.parent
LOOKUP = re.compile(r"\bget_cog\s*\(")


def test_no_cog_looks_up_another_cog() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("bot", "cogs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if LOOKUP.search(line)
    ]
    assert not offenders, f"hand the service in through bot.services instead of get_cog: {offenders}"


async def test_each_service_is_built_once_and_shared_by_the_cogs(
    emu: DiscordEmulator, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content) as running:
        bot = running.bot
        services = bot.services

        def cog(name: str) -> Any:
            found = bot.get_cog(name)
            assert found is not None, f"{name} is not loaded"
            return found

        # One prompt pool: the one /prompts edits is the one the daily poster draws from.
        assert cog("PromptCommands").pool is services.pool
        assert cog("DiscussionCommands").pool is services.pool
        assert services.poster.pool is services.pool
        # One reply logger: its queue and its in-memory opt-outs are the same for every feature.
        for name in ("DiscussionEvents", "DiscussionCommands", "Privacy", "RepliesCommands", "Highlights"):
            assert cog(name).logger is services.logger, name
        assert services.poster.on_posted == services.logger.register_post
        # One purge, one poster, one clock check.
        assert cog("Privacy").purger is services.purger
        assert cog("RepliesCommands").purger is services.purger
        assert cog("DiscussionEvents").poster is services.poster
        assert cog("ScheduleCommands").poster is services.poster
        assert services.clock_check is bot.clock_check
        assert services.poster.clock_check is bot.clock_check
        assert services.purger.clock_check is bot.clock_check
        # Started by the cogs that run them.
        assert services.purger.running
