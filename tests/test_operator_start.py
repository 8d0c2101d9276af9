"""The operator's first minutes (issue 12): the invite link, the sync hint, no voice warnings, --version."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
from pathlib import Path

import discord
import pytest

from bot.client import WhiplashBot
from bot.config import Settings
from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.help import SYNC_HINT, commands_differ, invite_url
from bot.storage import Storage
from tests.harness import TOKEN
from tests.test_cli import CLI, clean_env, run_cli

VOICE_WARNING = "voice will NOT be supported"


def _env(emu: DiscordEmulator, db: Path) -> dict[str, str]:
    return clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(db),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="INFO",
    )


async def _run_until_checked(emu: DiscordEmulator, tmp_path: Path) -> str:
    """`whiplash-bot run` until it has looked at the registered commands; its whole log."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "run",
        cwd=tmp_path,
        env=_env(emu, tmp_path / "bot.db"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await emu.wait_for_request("GET", rf"/applications/{emu.application_id}/commands", timeout=30)
        await emu.wait_until_ready(timeout=30)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 0, log
    return log


async def test_run_logs_the_invite_link_and_the_sync_command_and_no_voice_warning(
    emu: DiscordEmulator, tmp_path: Path
) -> None:
    emu.add_guild("Shaffer Conservatory")
    log = await _run_until_checked(emu, tmp_path)
    url = invite_url(emu.application_id)
    assert f"client_id={emu.application_id}" in url and "permissions=309237763136" in url
    assert "scope=bot+applications.commands" in url
    assert url in log
    assert SYNC_HINT in log and "`whiplash-bot sync`" in log
    assert VOICE_WARNING not in log and "PyNaCl" not in log and "davey" not in log
    assert "Traceback" not in log


async def test_after_sync_the_start_asks_for_no_sync(emu: DiscordEmulator, tmp_path: Path) -> None:
    emu.add_guild("Shaffer Conservatory")
    synced = await asyncio.to_thread(
        subprocess.run,
        [*CLI, "sync"],
        cwd=tmp_path,
        env=_env(emu, tmp_path / "bot.db"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert synced.returncode == 0, synced.stderr
    assert {c["name"] for c in emu.global_commands} >= {"help", "schedule", "prompts", "replies", "suggest"}
    log = await _run_until_checked(emu, tmp_path)
    assert SYNC_HINT not in log
    assert invite_url(emu.application_id) in log


async def test_commands_registered_by_an_older_version_count_as_not_synced(
    content: ContentPack, tmp_path: Path
) -> None:
    storage = await Storage.open(tmp_path / "bot.db")
    bot = WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
    try:
        async with bot:
            for name in ("cogs.discussion", "cogs.privacy", "cogs.replies", "cogs.prompts"):
                await bot.load_extension(name)
            current = [
                discord.app_commands.AppCommand(data=_payload(bot, command), state=bot._connection)
                for command in bot.tree.get_commands()
            ]
            assert not commands_differ(bot.tree, current)
            assert commands_differ(bot.tree, [])  # never synced
            older = [c for c in current if c.name != "replies"]
            assert commands_differ(bot.tree, older)  # a command added since
            without_permissions = [_payload(bot, c) for c in bot.tree.get_commands()]
            for payload in without_permissions:
                payload["default_member_permissions"] = None
            loose = [discord.app_commands.AppCommand(data=p, state=bot._connection) for p in without_permissions]  # type: ignore[arg-type]
            assert commands_differ(bot.tree, loose)  # moderator commands that members could see
    finally:
        await storage.close()


def _payload(bot: WhiplashBot, command: object) -> dict[str, object]:
    payload = dict(command.to_dict(bot.tree))  # type: ignore[attr-defined]
    payload.update(id="1", application_id="2")
    perms = payload.get("default_member_permissions")
    payload["default_member_permissions"] = None if perms is None else str(perms)
    return payload


async def test_no_warning_about_voice_libraries_the_bot_never_uses(
    content: ContentPack, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py warns once per process; make this bot the first one.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    storage = await Storage.open(tmp_path / "bot.db")
    try:
        with caplog.at_level(logging.DEBUG):
            WhiplashBot(settings=Settings(_env_file=None), storage=storage, content=content)  # type: ignore[call-arg]
    finally:
        await storage.close()
    assert not [r for r in caplog.records if VOICE_WARNING in r.getMessage()]


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"whiplash-bot {version('whiplash-bot')}"


async def test_the_sandbox_tells_its_user_nothing_about_syncing(
    content: ContentPack, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.sandbox.app import Sandbox

    box = Sandbox(content, tmp_path / "sandbox")
    with caplog.at_level(logging.INFO):
        await box.start(0)
        try:
            assert {c["name"] for c in box.emu.global_commands} >= {"help", "schedule"}
        finally:
            await box.stop()
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "whiplash-bot sync" not in said and "Invite the bot" not in said
