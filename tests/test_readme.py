"""The README's commands table is kept in step with the code."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from discord import app_commands

from bot.client import WhiplashBot, extension_names
from bot.config import Settings
from bot.content import ContentPack
from bot.storage import Storage

README = Path(__file__).resolve().parents[1] / "README.md"


def registered_commands(content: ContentPack, db: Path) -> dict[str, list[str]]:
    """Every slash command's path and its options as the README writes them (`[name]` when optional)."""

    async def load() -> dict[str, list[str]]:
        storage = await Storage.open(db)
        bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
        try:
            async with bot:  # initialises the client as login() would, without connecting
                for name in extension_names():
                    await bot.load_extension(name)
                return {
                    command.qualified_name: [p.name if p.required else f"[{p.name}]" for p in command.parameters]
                    for command in bot.tree.walk_commands()
                    if isinstance(command, app_commands.Command)
                }
        finally:
            await storage.close()

    return asyncio.run(load())


def test_readme_lists_every_command_with_its_options(content: ContentPack, tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Slash commands") :]
    table = "\n".join(line.split("|")[1] for line in section.splitlines() if line.startswith("| `/"))
    documented = set(re.findall(r"`/([a-z-]+(?: [a-z-]+)?)((?: \[?[a-z_]+\]?)*)`", table))
    documented_paths = {path: opts.split() for path, opts in documented}
    commands = registered_commands(content, tmp_path / "bot.db")
    assert set(documented_paths) == set(commands), "README and code disagree on the commands"
    for path, options in commands.items():
        assert documented_paths[path] == options, f"/{path}: README says {documented_paths[path]}, code has {options}"
