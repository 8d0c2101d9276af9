"""Gateway faults during a burst of replies: a resumable close, INVALID_SESSION, and malformed payloads.

Each burst test counts every reply sent against the rows stored: lost == 0 and doubled == 0.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from tests.conftest import World
from tests.discussion_helpers import QUIET, posted, services
from tests.harness import FakeClock, Running, eventually, run_bot
from tests.test_faults_support import burst, settled, tally

BURST = 1200


async def test_gateway_closed_mid_burst_resumes_and_loses_nothing(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        identifies = emu.identify_count

        async def close() -> None:
            await emu.close_gateway(4000)  # the burst goes on while the bot reconnects

        async def close_again() -> None:
            await emu.wait_for_resume(count=1)
            await emu.close_gateway(4000)

        sent = await burst(
            emu, thread, [world.member, world.moderator], BURST, "resume", faults={300: close, 700: close_again}
        )
        await emu.wait_for_resume(count=2)
        result = tally(sent, await settled(running, world.guild.id, BURST))
    print(f"gateway close + RESUME: {result}")
    assert emu.resume_count >= 2 and emu.identify_count == identifies
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result


async def test_invalid_session_mid_burst_reidentifies_and_backfill_covers_the_gap(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    slow_ready = {**QUIET, "guild_ready_timeout": 0.3}  # replies keep arriving between READY and on_ready
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=slow_ready) as running:
        thread = await posted(emu, world, running, clock)
        identifies = emu.identify_count

        async def invalidate() -> None:
            await emu.invalidate_session(resumable=False)  # events from here until the new READY are not delivered

        async def invalidate_again() -> None:
            await emu.wait_for_identify(count=identifies + 1)
            await emu.invalidate_session(resumable=False)

        sent = await burst(
            emu,
            thread,
            [world.member, world.moderator],
            BURST,
            "reidentify",
            faults={300: invalidate, 800: invalidate_again},
        )
        await emu.wait_for_identify(count=identifies + 2)
        result = tally(sent, await settled(running, world.guild.id, BURST))
    print(f"INVALID_SESSION + re-IDENTIFY + backfill: {result}")
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result


# ---- malformed payloads ---------------------------------------------------------------------------------


async def still_serving(emu: DiscordEmulator, world: World, running: Running) -> None:
    handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
    assert (await handle.message()).embeds
    assert not running.task.done()


def message_payload(emu: DiscordEmulator, world: World, thread: Any, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(emu.new_id()),
        "channel_id": str(thread.id),
        "guild_id": str(world.guild.id),
        "type": 0,
        "content": "crafted",
        "author": {"id": str(world.member.id), "username": "andrew", "discriminator": "0", "avatar": None},
        "member": {"roles": [], "flags": 0, "joined_at": emu.now_iso()},
        "timestamp": emu.now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


async def test_malformed_frames_that_discord_py_survives(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        survivable: list[Any] = [
            {"op": 0, "t": "WHIPLASH_UNKNOWN_EVENT", "s": None, "d": {"tempo": "not quite"}},
            {"op": 0, "t": "MESSAGE_CREATE_BUT_NOT", "s": None, "d": None},
            {"op": 42, "d": {"unknown": "opcode"}},
            {"op": 11, "d": None},  # an unsolicited heartbeat ACK
            # Events whose parsers look ids up with .get() and ignore what they cannot find:
            {"op": 0, "t": "MESSAGE_DELETE", "s": None, "d": {"id": "1", "channel_id": "2"}},
            {"op": 0, "t": "CHANNEL_DELETE", "s": None, "d": {"id": "123", "guild_id": "456", "type": 0}},
            {"op": 0, "t": "GUILD_ROLE_DELETE", "s": None, "d": {"guild_id": "999", "role_id": "1"}},
            # Missing or odd optional fields on a reply in a daily thread: logged as far as it can be.
            {"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": message_payload(emu, world, thread, member=...)},
            {"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": message_payload(emu, world, thread, timestamp=...)},
        ]
        for frame in survivable:
            await emu.dispatch_raw_frame(frame)
            await asyncio.sleep(0.02)
            await still_serving(emu, world, running)
        reply = await emu.send_user_message(thread, world.member, "after the noise")
        _, logger = services(running)

        async def logged() -> bool:
            await logger.flush()
            return await running.storage.replies.get_reply_content(world.guild.id, reply.id) == "after the noise"

        await eventually(logged)


@pytest.mark.parametrize(
    ("name", "frame", "error"),
    [
        ("garbage JSON", "{not json at all", ValueError),
        ("MESSAGE_CREATE without id", "MESSAGE_CREATE_NO_ID", KeyError),
        (
            "MESSAGE_CREATE with only ids",
            {"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": {"channel_id": "1"}},
            KeyError,
        ),
        ("MESSAGE_UPDATE partial", "MESSAGE_UPDATE_PARTIAL", KeyError),
        ("READY without user", {"op": 0, "t": "READY", "s": None, "d": {"guilds": []}}, KeyError),
    ],
)
async def test_malformed_frames_that_discord_py_cannot_survive(
    emu: DiscordEmulator,
    world: World,
    content: ContentPack,
    tmp_path: Path,
    clock: FakeClock,
    name: str,
    frame: Any,
    error: type[BaseException],
) -> None:
    """Documented, not endorsed: a parser exception ends discord.py's connect(), so the bot stops.

    What survives and what does not is written down for the README; `whiplash-bot run` exits non-zero and a
    supervisor restarts it, after which backfill reads what was missed.
    """
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    with pytest.raises(error):  # raised by the bot's start() task, which run_bot awaits on the way out
        async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
            thread = await posted(emu, world, running, clock)
            if frame == "MESSAGE_CREATE_NO_ID":
                frame = {"op": 0, "t": "MESSAGE_CREATE", "s": None, "d": message_payload(emu, world, thread, id=...)}
            elif frame == "MESSAGE_UPDATE_PARTIAL":
                frame = {"op": 0, "t": "MESSAGE_UPDATE", "s": None, "d": {"id": "1", "channel_id": str(thread.id)}}
            await emu.dispatch_raw_frame(frame if isinstance(frame, str) else json.loads(json.dumps(frame)))
            done, _ = await asyncio.wait({running.task}, timeout=5)
            assert running.task in done, f"{name}: the bot kept running (discord.py survives it now: update README)"
    emu.clear_violations()


async def test_replies_arriving_before_on_ready_do_not_hide_the_gap_from_backfill(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    """Live replies that arrive between READY and on_ready (2 s by default) are written before backfill
    starts; backfill must still read the thread from where the bot left off, not from those newer replies."""
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        before = await burst(emu, thread, [world.member], 3, "before")
        await settled(running, world.guild.id, 3)
    gap = await burst(emu, thread, [world.member, world.moderator], 40, "while down")
    slow_ready = {**QUIET, "guild_ready_timeout": 0.6}  # longer than the logger's flush delay, as in production
    identifies = emu.identify_count
    async with run_bot(emu, db, content, clock=clock, wait_ready=False, bot_options=slow_ready) as running:
        await emu.wait_for_identify(count=identifies + 1)
        await emu.wait_until_ready()
        live = await burst(emu, thread, [world.moderator], 5, "live before on_ready")

        async def live_written() -> bool:
            return await running.storage.replies.count_replies(world.guild.id) == 3 + len(live)

        await eventually(live_written)
        assert not running.bot.is_ready()  # the live replies came in before on_ready, and were written
        await eventually(lambda: running.bot.is_ready(), timeout=5)
        result = tally(before + gap + live, await settled(running, world.guild.id, 48))
    print(f"restart with live replies before on_ready: {result}")
    assert (result.lost, result.doubled, result.foreign) == (0, 0, 0), result
