"""/replies retention: moderators set how long this server's replies are kept; members cannot."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.storage import ReplyRecord
from tests.conftest import World
from tests.harness import FakeClock, eventually, run_bot


def reply(mid: int, guild: int, clock: FakeClock, age_days: int) -> ReplyRecord:
    created = clock() - timedelta(days=age_days)
    return ReplyRecord(mid, guild, date(2026, 1, 1), "p", 9, 9, 77, "andrew", created, None, f"reply {mid}")


async def test_moderator_shortens_retention_and_old_replies_go_at_once(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock) as running:
        storage = running.storage
        await eventually(lambda: storage.guilds.get_guild(world.guild.id))
        await storage.replies.apply_reply_ops([reply(1, world.guild.id, clock, 40), reply(2, world.guild.id, clock, 5)])
        shown = await (await emu.invoke(world.guild, world.channel, world.moderator, "replies retention")).message()
        assert shown.ephemeral and "365 days" in shown.content
        refused = await (
            await emu.invoke(
                world.guild,
                world.channel,
                world.member,
                "replies retention",
                {"days": 1},
                bypass_default_permissions=True,
            )
        ).message()
        assert "Only moderators" in refused.content
        record = await storage.guilds.get_guild(world.guild.id)
        assert record is not None and record.retention_days == 365  # nothing stored for the refused member
        done = await (
            await emu.invoke(world.guild, world.channel, world.moderator, "replies retention", {"days": 30})
        ).message()
        assert "30 days" in done.content and "365" in done.content

        async def purged() -> bool:
            return await storage.replies.count_replies(world.guild.id, include_deleted=True) == 1

        await eventually(purged)
        assert await storage.replies.get_reply_content(world.guild.id, 2) == "reply 2"
        audit = await storage.moderation.recent_audit(world.guild.id, 1)
        assert audit[0].action == "privacy.retention"
