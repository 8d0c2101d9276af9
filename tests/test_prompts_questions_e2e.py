"""Server prompts are complete questions too: /prompts add, edit, import and suggestions refuse a fragment
with one sentence in the member's language, and store nothing. The real bot through the loopback emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator, EmulatorError, StoredMessage
from tests.conftest import World
from tests.harness import run_bot

QUIET = {"scheduler_tick_seconds": 3600.0}
FRAGMENT = "how deeply this story applies to our professional lives"


async def run(
    emu: DiscordEmulator, world: World, user: Any, command: str, locale: str, **options: Any
) -> StoredMessage:
    handle = await emu.invoke(world.guild, world.channel, user, command, options or None, locale=locale)
    return await handle.message()


async def test_a_fragment_is_refused_in_the_members_language(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        english = await run(emu, world, world.moderator, "prompts add", "en-US", text=FRAGMENT)
        assert english.ephemeral and english.content == (
            "Members read the prompt as the thread's title, so start it with a capital letter, "
            "like “Can greatness be achieved without pain?”"
        )
        german = await run(emu, world, world.moderator, "prompts add", "de", text="Ist er zufrieden mit mir?")
        assert german.content == (
            "Wer die Frage liest, kennt den Zusammenhang nicht: Sag also, wer oder was mit „er“ gemeint ist, "
            "etwa „Ist Fletcher jemals mit Andrew zufrieden?“"
        )
        indirect = await run(emu, world, world.moderator, "prompts add", "en-US", text="What you care about?")
        assert indirect.content == (
            "“What you …” reads like part of a sentence: ask the question directly, like “How often do you stop short?”"
        )
        no_mark = await run(emu, world, world.member, "suggest", "de", text="Kann man ohne Schmerz Großes erreichen")
        assert no_mark.content == "Das ist noch keine Frage: Schließ sie mit einem Fragezeichen ab."
        assert await running.storage.moderation.server_prompts(world.guild.id) == []
        assert await running.storage.moderation.count_pending_suggestions(world.guild.id) == 0

        added = await run(emu, world, world.moderator, "prompts add", "en-US", text="Is Fletcher a good teacher?")
        assert "Added prompt s-1" in added.content
        edited = await run(emu, world, world.moderator, "prompts edit", "en-US", id="s-1", text="Is he satisfied?")
        assert edited.content == (
            "Members read the prompt without any context, so say who or what “he” means, "
            "like “Is Fletcher ever satisfied with Andrew?”"
        )
        stored = await running.storage.moderation.server_prompt(world.guild.id, "s-1")
        assert stored is not None and stored.fields.text == "Is Fletcher a good teacher?"

        upload = emu.make_attachment(
            "prompts.yaml",
            f"prompts:\n- id: s-2\n  text: {FRAGMENT}\n- id: s-3\n  text: Was du wirklich willst?\n".encode(),
            "application/x-yaml",
        )
        imported = await run(emu, world, world.moderator, "prompts import", "de", file=upload)
        assert "2" in imported.content
        listed = imported.embeds[0]["description"]
        assert "Zeile 2: Frage „s-2“: text: Die Frage wird zum Titel des Threads: Schreib sie mit großem" in listed
        assert "Zeile 4: Frage „s-3“: text: „Was du …“ klingt wie ein halber Satz" in listed
        assert [prompt.prompt_id for prompt in await running.storage.moderation.server_prompts(world.guild.id)] == [
            "s-1"
        ]


async def test_discords_client_already_stops_a_prompt_over_100_characters(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path
) -> None:
    """The text option's max_length is the thread-title limit, so the picker refuses it before the bot sees it."""
    longest = "Why " + "a" * 95 + "?"
    async with run_bot(emu, tmp_path / "bot.db", content, bot_options=QUIET) as running:
        for command in ("prompts add", "suggest"):
            with pytest.raises(EmulatorError, match="longer than max_length 100"):
                await run(emu, world, world.moderator, command, "en-US", text=longest + "?")
        added = await run(emu, world, world.moderator, "prompts add", "en-US", text="Is " + "a" * 94 + " b?")
        assert "Added prompt s-1" in added.content and len(longest) == 100
        assert len(await running.storage.moderation.server_prompts(world.guild.id)) == 1
