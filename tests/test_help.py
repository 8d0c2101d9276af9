"""/help: what this member can do, with clickable command mentions, in the member's language (SPEC §5)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import discord

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.emulator.commands import find_command
from bot.help import CommandIds
from tests.conftest import World
from tests.harness import run_bot

QUIET = {"scheduler_tick_seconds": 3600.0}
MENTION = re.compile(r"</([a-z-]+(?: [a-z-]+)*):(\d+)>")


async def ask_help(emu: DiscordEmulator, world: World, user: Any, locale: str = "en-US") -> dict[str, Any]:
    message = await (await emu.invoke(world.guild, world.channel, user, "help", locale=locale)).message()
    assert message.ephemeral
    assert len(message.embeds) == 1
    return message.embeds[0]


def text_of(embed: dict[str, Any]) -> str:
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
    parts.append(embed.get("footer", {}).get("text", ""))
    return "\n".join(parts)


def mentions(embed: dict[str, Any]) -> dict[str, int]:
    return {path: int(command_id) for path, command_id in MENTION.findall(text_of(embed))}


def assert_mentions_are_registered(emu: DiscordEmulator, world: World, found: dict[str, int]) -> None:
    for path, command_id in found.items():
        assert int(find_command(emu, world.guild, path).command["id"]) == command_id, path


async def test_a_member_sees_member_commands_to_click(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        embed = await ask_help(emu, world, world.member)
        found = mentions(embed)
        assert_mentions_are_registered(emu, world, found)
        assert {"film info", "review search", "discussion today", "suggest", "privacy forget"} <= set(found)
        assert not {p for p in found if p.split()[0] in ("schedule", "prompts", "replies", "watchparty", "help")}
        text = text_of(embed)
        assert "For moderators" not in text and "`/" not in text  # every command is clickable
        assert embed["title"] == "What you can do here"
        assert "The film card" in text or "film" in text.lower()


async def test_a_moderator_also_sees_the_moderator_commands(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        requests = len(emu.requests_matching("GET", r"/applications/\d+/commands"))
        embed = await ask_help(emu, world, world.moderator)
        again = await ask_help(emu, world, world.moderator)
        assert again == embed
        # The ids came from the sync and are kept: /help asks Discord nothing.
        assert len(emu.requests_matching("GET", r"/applications/\d+/commands")) == requests
        found = mentions(embed)
        assert_mentions_are_registered(emu, world, found)
        assert {"schedule set", "schedule post-now", "prompts add", "replies export", "replies retention"} <= set(found)
        assert {"watchparty schedule", "watchparty start", "watchparty stop"} <= set(found)
        assert {"film info", "suggest"} <= set(found)
        assert "For moderators" in text_of(embed)
        assert len(text_of(embed)) < 4000


async def test_a_german_member_gets_it_in_german(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        embed = await ask_help(emu, world, world.member, locale="de")
        text = text_of(embed)
        assert embed["title"] == "Das kannst du hier tun"
        assert "Die tägliche Diskussion" in text and "Deine Daten" in text
        assert "Alles löschen, was der Bot auf diesem Server über dich speichert" in text
        for english in ("What you can do", "The daily discussion", "Delete everything", "Your data"):
            assert english not in text


async def test_without_synced_commands_help_names_them_and_links_them_once_synced(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET, sync=False) as running:
        bot = running.bot
        assert emu.global_commands == []  # nothing synced globally...
        bot.tree.copy_global_to(guild=discord.Object(id=world.guild.id))
        await bot.tree.sync(guild=discord.Object(id=world.guild.id))  # ...then `whiplash-bot sync --guild ID`
        bot.command_ids = CommandIds()  # that sync ran in another process: this bot learns the ids by asking
        embed = await ask_help(emu, world, world.member)
        found = mentions(embed)
        assert "film info" in found
        assert_mentions_are_registered(emu, world, found)
        guild_ids = {int(c["id"]) for c in emu.guild_commands[world.guild.id]}
        assert set(found.values()) <= guild_ids


async def test_before_any_sync_help_still_answers_with_plain_names(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET, sync=False) as running:
        running.bot.tree.copy_global_to(guild=discord.Object(id=world.guild.id))
        await running.bot.tree.sync(guild=discord.Object(id=world.guild.id))  # only to let the member invoke /help
        running.bot.command_ids = CommandIds()
        emu.guild_commands[world.guild.id] = [c for c in emu.guild_commands[world.guild.id] if c["name"] == "help"]
        embed = await ask_help(emu, world, world.member)
        text = text_of(embed)
        assert "`/film info`" in text and "film info" not in mentions(embed)


def test_every_command_option_and_choice_has_a_german_description(content: ContentPack, tmp_path: Path) -> None:
    """A German member's picker and /help show no English command text."""
    import asyncio

    from discord import app_commands

    from bot.client import WhiplashBot, extension_names
    from bot.config import Settings
    from bot.i18n import command_translations
    from bot.storage import Storage

    async def english_only() -> list[str]:
        storage = await Storage.open(tmp_path / "bot.db")
        bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
        german = command_translations()
        missing = []
        try:
            async with bot:
                for name in extension_names():
                    await bot.load_extension(name)
                for command in bot.tree.walk_commands():
                    texts = [command.description]
                    if isinstance(command, app_commands.Command):
                        for param in command.parameters:
                            texts.append(param.description)
                            texts += [choice.name for choice in param.choices]
                    missing += [f"/{command.qualified_name}: {t!r}" for t in texts if t != "…" and t not in german]
        finally:
            await storage.close()
        return missing

    assert asyncio.run(english_only()) == []
