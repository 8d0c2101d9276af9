"""The README's commands table is kept in step with the code."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from discord import app_commands

from bot.client import WhiplashBot, extension_names
from bot.config import Settings
from bot.content import ContentPack
from bot.permissions import is_moderator_command
from bot.storage import Storage

README = Path(__file__).resolve().parents[1] / "README.md"


def registered_commands(content: ContentPack, db: Path) -> dict[str, list[str]]:
    """Every slash command's path and its options as the README writes them (`[name]` when optional)."""
    return {path: options for path, (options, _who) in command_table(content, db).items()}


def command_table(content: ContentPack, db: Path) -> dict[str, tuple[list[str], str]]:
    """Every slash command's path, its options as the README writes them and who may use it ("all" or "mod")."""

    async def load() -> dict[str, tuple[list[str], str]]:
        storage = await Storage.open(db)
        bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
        try:
            async with bot:  # initialises the client as login() would, without connecting
                for name in extension_names():
                    await bot.load_extension(name)
                return {
                    command.qualified_name: (
                        [p.name if p.required else f"[{p.name}]" for p in command.parameters],
                        "mod" if is_moderator_command(command) else "all",
                    )
                    for command in bot.tree.walk_commands()
                    if isinstance(command, app_commands.Command)
                }
        finally:
            await storage.close()

    return asyncio.run(load())


def documented_rows(known_paths: set[str]) -> list[tuple[str, list[str], str]]:
    """(path, options, who) of every command in README's table.

    "`/suggest text`" is the top-level /suggest with option `text`, "`/privacy status`" a subcommand: a second
    word is part of the path when the code has such a path, or when no one-word command of that name exists.
    """
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Slash commands") :]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `/"):
            continue
        cells = [cell.strip() for cell in line.split("|")]
        for written in re.findall(r"`/([a-z-]+(?: \[?[a-z_-]+\]?)*)`", cells[1]):
            words = written.split()
            two = " ".join(words[:2])
            cut = 2 if len(words) > 1 and (two in known_paths or words[0] not in known_paths) else 1
            rows.append((" ".join(words[:cut]), words[cut:], cells[2]))
    return rows


def test_readme_lists_every_command_with_its_options(content: ContentPack, tmp_path: Path) -> None:
    commands = registered_commands(content, tmp_path / "bot.db")
    documented_paths = {path: options for path, options, _who in documented_rows(set(commands))}
    assert set(documented_paths) == set(commands), "README and code disagree on the commands"
    for path, options in commands.items():
        assert documented_paths[path] == options, f"/{path}: README says {documented_paths[path]}, code has {options}"


def test_readme_says_who_may_use_each_command_as_the_code_does(content: ContentPack, tmp_path: Path) -> None:
    """ "mod" in the table exactly for the commands Discord hides from members (default permissions)."""
    table = command_table(content, tmp_path / "bot.db")
    said = {path: who for path, _options, who in documented_rows(set(table))}
    actual = {path: who for path, (_options, who) in table.items()}
    assert said == actual
    assert {"schedule set", "prompts add", "replies export", "replies retention"} <= {
        path for path, who in actual.items() if who == "mod"
    }
    assert actual["suggest"] == "all" and actual["help"] == "all"
