"""The foundation end to end: the real bot, its real cogs and a real SQLite file against the emulator."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.client import WhiplashBot, extension_names
from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.conftest import World
from tests.harness import FakeClock, eventually, run_bot


async def test_startup_syncs_commands_to_the_dev_guild(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, sync=False, dev_guild_id=world.guild.id) as running:
        assert running.bot.is_ready()
        puts = emu.requests_matching("PUT", rf"/applications/\d+/guilds/{world.guild.id}/commands$")
        assert len(puts) == 1
        names = {command["name"] for command in puts[0].json}
        assert {"film", "discussion", "schedule"} <= names
        assert not emu.requests_matching("PUT", r"/applications/\d+/commands$")  # no global sync on start
        record = await eventually(lambda: running.storage.guilds.get_guild(world.guild.id))
        assert record.removed_at is None


async def test_film_info_answers_with_a_valid_sourced_embed(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
        message = await handle.message()
        embed = message.embeds[0]
        assert embed["title"] == "Whiplash (2014)"
        fields = {field["name"]: field["value"] for field in embed["fields"]}
        assert fields["Director"].startswith("Damien Chazelle")
        assert "106 minutes" in fields["Runtime"]
        assert "Hank Levy" in fields["Music"] and "Justin Hurwitz" in fields["Music"]
        assert "Miles Teller" in fields["Main cast"] and "J. K. Simmons" in fields["Main cast"]
        assert not message.ephemeral
        # The sources sit behind the card's Sources button (the card itself carries no citation marks).
        sources = await (await emu.click(message, "film:sources:1", world.member)).message()
        listed = sources.embeds[0]["description"]
        assert sources.ephemeral and "wikipedia.org" in listed
        # "(2014_film)" would end the Markdown link early: parentheses in link targets are escaped.
        assert "Whiplash_%282014_film%29" in listed and "_(2014_film)" not in listed


async def test_film_info_in_german(emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info", locale="de")
        embed = (await handle.message()).embeds[0]
        names = [field["name"] for field in embed["fields"]]
        assert "Regie" in names and "Laufzeit" in names
        assert "106 Minuten" in {f["name"]: f["value"] for f in embed["fields"]}["Laufzeit"]


async def test_commands_carry_german_descriptions(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content):
        commands = emu.requests_matching("PUT", r"/applications/\d+/commands$")[-1].json

    def walk(node: dict) -> list[dict]:  # type: ignore[type-arg]
        found = [node]
        for option in node.get("options", []):
            if option.get("description"):
                found += walk(option)
        return found

    missing = [
        node["name"]
        for command in commands
        if command.get("type", 1) == 1
        for node in walk(command)
        if not (node.get("description_localizations") or {}).get("de")
    ]
    assert missing == [], f"no German description for {missing}"
    # A message menu has no description: its name is what a German moderator reads under Apps.
    menus = {c["name"]: (c.get("name_localizations") or {}).get("de") for c in commands if c.get("type") == 3}
    assert menus == {"Highlight reply": "Antwort hervorheben"}


async def test_reconnect_and_resume_keep_the_bot_serving(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content) as running:
        identifies = emu.identify_count
        await emu.close_gateway(code=4000)
        await emu.wait_for_resume(count=1)
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
        assert (await handle.message()).embeds
        await emu.send_reconnect()
        await emu.wait_for_resume(count=2)
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
        assert (await handle.message()).embeds
        await emu.invalidate_session(resumable=False)
        await emu.wait_for_identify(count=identifies + 1)
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
        assert (await handle.message()).embeds
        assert emu.identify_count == identifies + 1
        assert running.bot.is_ready()


async def test_rejected_token_stops_with_login_failure(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    with pytest.raises(discord.LoginFailure):
        async with run_bot(emu, tmp_path / "bot.db", content, token="not-the-token"):
            pass


async def test_disabled_message_content_intent_stops_the_bot(
    world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    emulator = DiscordEmulator(token="MTEx.test-token.whiplash", message_content_enabled=False, clock=clock)
    await emulator.start()
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with run_bot(emulator, tmp_path / "bot.db", content):
                pass
    finally:
        await emulator.stop()


async def test_the_emulator_rejects_an_over_long_embed_title(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.cards

    def too_long(film: object, lang: str) -> discord.Embed:
        return discord.Embed(title="W" * 257, description="x")

    # discord.py loads extensions as fresh modules, so patch where the cog imports it from.
    monkeypatch.setattr(bot.cards, "film_card", too_long)
    async with run_bot(emu, tmp_path / "bot.db", content):
        await emu.invoke(world.guild, world.channel, world.member, "film info")
        await emu.wait_for_request("POST", r"/interactions/\d+/[^/]+/callback")
    violations = emu.clear_violations()
    assert any("embeds[0].title" in v and "257" in v for v in violations), violations


def test_every_extension_loads_and_no_command_names_clash(content: ContentPack, tmp_path: Path) -> None:
    import asyncio

    from bot.config import Settings
    from bot.storage import Storage

    async def load() -> list[app_commands.Command | app_commands.Group]:  # type: ignore[type-arg]
        storage = await Storage.open(tmp_path / "bot.db")
        bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content, clock=FakeClock())  # type: ignore[call-arg]
        try:
            async with bot:  # initialises the client as login() would, without connecting
                for name in extension_names():
                    await bot.load_extension(name)
                return bot.tree.get_commands()
        finally:
            await storage.close()

    commands = asyncio.run(load())
    names = [command.name for command in commands]
    assert len(names) == len(set(names))
    assert {"film", "discussion", "schedule"} <= set(names)


async def test_run_bot_refuses_a_clock_other_than_the_emulators(
    emu: DiscordEmulator, content: ContentPack, tmp_path: Path
) -> None:
    """Bot and emulator on two clocks is how tests came to depend on the real date: the harness forbids it."""
    with pytest.raises(AssertionError, match="emulator's clock"):
        async with run_bot(emu, tmp_path / "bot.db", content, clock=FakeClock()):
            pass
