"""Who can use the moderator commands (SPEC §5, README "Who can use the moderator commands").

Every moderator command is taken from the bot's own command tree, so a new one cannot escape these tests:
(a) a member with Manage Server uses it; (b) a member with only the moderator role uses it once an admin gave
that role access in Server Settings → Integrations (without it, Discord does not even show the command);
(c) a plain member is refused twice over: Discord does not show the command, and the bot's own check refuses
it when the interaction arrives anyway (the emulator's bypass of default permissions).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import WhiplashBot, extension_names
from bot.config import Settings
from bot.content import ContentPack, default_content_dir, load_content
from bot.emulator import DiscordEmulator, EmulatorError
from bot.emulator.commands import ATTACHMENT, CHANNEL, INTEGER, NUMBER, ROLE, STRING, find_command
from bot.i18n import tr
from bot.permissions import is_moderator_command
from bot.storage import Storage
from tests.conftest import World
from tests.harness import run_bot

QUIET = {"scheduler_tick_seconds": 3600.0}


def _tree_commands() -> tuple[list[str], list[str], list[str]]:
    """(moderator command paths, member command paths, moderator message menus), read from the real bot's tree."""

    async def load() -> tuple[list[str], list[str], list[str]]:
        storage = await Storage.open(":memory:")
        content = load_content(default_content_dir())
        bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
        try:
            async with bot:
                for name in extension_names():
                    await bot.load_extension(name)
                leaves = [c for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
                moderator = sorted(c.qualified_name for c in leaves if is_moderator_command(c))
                member = sorted(c.qualified_name for c in leaves if not is_moderator_command(c))
                menus = bot.tree.get_commands(type=discord.AppCommandType.message)
                assert all(m.default_permissions is not None for m in menus), "a message menu for members?"
                return moderator, member, sorted(m.name for m in menus)
        finally:
            await storage.close()

    return asyncio.run(load())


MODERATOR_COMMANDS, MEMBER_COMMANDS, MODERATOR_MENUS = _tree_commands()


def test_the_moderator_commands_are_exactly_schedule_prompts_and_replies() -> None:
    assert {path.split()[0] for path in MODERATOR_COMMANDS} == {"schedule", "prompts", "replies", "watchparty"}
    assert len(MODERATOR_COMMANDS) >= 18  # 6 /schedule, 10 /prompts, 2 /replies (before any new one)
    assert {"suggest", "help", "privacy status", "discussion today"} <= set(MEMBER_COMMANDS)
    assert not {"prompts suggest", "discussion export", "privacy retention"} & set(MEMBER_COMMANDS + MODERATOR_COMMANDS)
    assert MODERATOR_MENUS == ["Highlight reply"]


def options_for(emu: DiscordEmulator, world: World, path: str) -> dict[str, Any]:
    """Harmless values for the required options (a bad time, an unknown id): the answer shows who got through."""
    leaf = find_command(emu, world.guild, path).leaf
    values: dict[str, Any] = {}
    for spec in leaf.get("options") or []:
        if not spec.get("required"):
            continue
        if spec.get("choices"):
            values[spec["name"]] = spec["choices"][0]["value"]
        elif spec["type"] == STRING:
            values[spec["name"]] = "x"
        elif spec["type"] in (INTEGER, NUMBER):
            values[spec["name"]] = spec.get("min_value") or 1
        elif spec["type"] == CHANNEL:
            values[spec["name"]] = world.channel
        elif spec["type"] == ROLE:
            values[spec["name"]] = world.mod_role
        elif spec["type"] == ATTACHMENT:
            values[spec["name"]] = emu.make_attachment("empty.yaml", b"", "application/x-yaml")
        else:
            raise AssertionError(f"/{path}: no test value for option type {spec['type']}")
    return values


async def answer(emu: DiscordEmulator, world: World, user: Any, path: str, *, bypass: bool = False) -> Any:
    handle = await emu.invoke(
        world.guild,
        world.channel,
        user,
        path,
        options_for(emu, world, path) or None,
        bypass_default_permissions=bypass,
    )
    return await handle.message()


@pytest.mark.parametrize("path", MODERATOR_COMMANDS)
async def test_moderator_command_access(
    path: str, emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    refusal = tr("en", "error.not_moderator")
    section = emu.add_role(world.guild, "Section leaders", permissions=0)
    leader = emu.add_member(world.guild, "tanner", roles=[section])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        chosen = await (
            await emu.invoke(
                world.guild,
                world.channel,
                world.moderator,
                "schedule set",
                {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", "moderator_role": section},
            )
        ).message()
        assert "09:00" in chosen.content

        # (a) Manage Server: Discord shows the command, the bot answers, only to them.
        used = await answer(emu, world, world.moderator, path)
        assert used.ephemeral and refusal not in used.content, used.content

        # (b) the moderator role alone: hidden until an admin gives the role access in Integrations ...
        with pytest.raises(EmulatorError, match="would not show"):
            await emu.invoke(world.guild, world.channel, leader, path, options_for(emu, world, path) or None)
        emu.set_command_permissions(world.guild, path.split()[0], roles={section: True})
        used = await answer(emu, world, leader, path)
        assert used.ephemeral and refusal not in used.content, used.content

        # (c) a plain member: Discord does not show it, and the bot refuses it when it arrives anyway.
        with pytest.raises(EmulatorError, match="would not show"):
            await emu.invoke(world.guild, world.channel, world.member, path, options_for(emu, world, path) or None)
        refused = await answer(emu, world, world.member, path, bypass=True)
        assert refused.ephemeral and refused.content == refusal


@pytest.mark.parametrize("name", MODERATOR_MENUS)
async def test_moderator_message_menu_access(
    name: str, emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """The same three cases for the message context menus (Apps → name on a message)."""
    refusal = tr("en", "error.not_moderator")
    section = emu.add_role(world.guild, "Section leaders", permissions=0)
    leader = emu.add_member(world.guild, "tanner", roles=[section])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        await (
            await emu.invoke(
                world.guild,
                world.channel,
                world.moderator,
                "schedule set",
                {"channel": world.channel, "time": "09:00", "timezone": "Europe/Berlin", "moderator_role": section},
            )
        ).message()
        target = await emu.send_user_message(world.channel, world.member, "a message to use the menu on")

        async def use(user: Any, *, bypass: bool = False) -> Any:
            args = (world.guild, world.channel, user, name, target)
            return await (await emu.invoke_message_command(*args, bypass_default_permissions=bypass)).message()

        used = await use(world.moderator)  # (a) Manage Server
        assert used.ephemeral and refusal not in used.content, used.content
        with pytest.raises(EmulatorError, match="would not show"):  # (b) the role, before and after Integrations
            await use(leader)
        emu.set_command_permissions(world.guild, name, roles={section: True}, command_type=3)
        used = await use(leader)
        assert used.ephemeral and refusal not in used.content, used.content
        with pytest.raises(EmulatorError, match="would not show"):  # (c) a plain member, twice over
            await use(world.member)
        refused = await use(world.member, bypass=True)
        assert refused.ephemeral and refused.content == refusal


@pytest.mark.parametrize("path", ["schedule show", "prompts list", "replies retention"])
async def test_the_role_access_alone_is_not_enough(
    path: str, emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """A role an admin let see the commands but that /schedule set did not name is still refused (README)."""
    section = emu.add_role(world.guild, "Section leaders", permissions=0)
    leader = emu.add_member(world.guild, "tanner", roles=[section])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        emu.set_command_permissions(world.guild, path.split()[0], roles={section: True})
        refused = await answer(emu, world, leader, path)
        assert refused.ephemeral and refused.content == tr("en", "error.not_moderator")
        german = await (
            await emu.invoke(world.guild, world.channel, leader, path, options_for(emu, world, path) or None, "de")
        ).message()
        assert german.content == tr("de", "error.not_moderator")


async def test_members_see_only_member_commands_until_a_role_is_given_access(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """The sandbox's picker and Discord agree: the same rule decides what a member's picker lists."""
    from bot.emulator.commands import command_allowed

    section = emu.add_role(world.guild, "Section leaders", permissions=0)
    leader = emu.add_member(world.guild, "tanner", roles=[section])
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):

        def visible(member: Any) -> set[str]:
            return {
                c["name"]
                for c in emu.global_commands
                if command_allowed(emu, world.guild, world.guild.members[member.id], c, world.channel.id)
            }

        member_roots = {path.split()[0] for path in MEMBER_COMMANDS}
        assert visible(world.member) == member_roots
        assert visible(world.moderator) == member_roots | {
            "schedule",
            "prompts",
            "replies",
            "watchparty",
            *MODERATOR_MENUS,
        }
        assert visible(leader) == member_roots
        emu.set_command_permissions(world.guild, "schedule", roles={section: True})
        assert visible(leader) == member_roots | {"schedule"}
        emu.set_command_permissions(world.guild, "schedule", users={leader: False}, roles={section: True})
        assert visible(leader) == member_roots  # a user's own override beats their role's


async def test_a_hidden_command_cannot_be_typed_into_either(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """Autocomplete of a command the member's client does not show is never sent (Discord's behaviour)."""
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET):
        args = (world.guild, world.channel)
        with pytest.raises(EmulatorError, match="would not show"):
            await emu.autocomplete(*args, world.member, "schedule set", "timezone", "berl")
        zones = await emu.autocomplete(*args, world.moderator, "schedule set", "timezone", "berl")
        assert "Europe/Berlin" in [c["value"] for c in zones]
