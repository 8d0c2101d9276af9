"""Helpers for end-to-end tests of the daily discussion: set a schedule, tick the poster, read the log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.discussion.logger import ReplyLogger
from bot.discussion.post import daily_post_number
from bot.discussion.poster import DailyPoster
from bot.emulator import DiscordEmulator, StoredMessage, permissions
from tests.conftest import World
from tests.harness import FakeClock, Running, eventually

QUIET = {"scheduler_tick_seconds": 3600.0}  # the loop ticks once at READY; the tests tick by hand


def services(running: Running) -> tuple[DailyPoster, ReplyLogger]:
    return running.bot.services.poster, running.bot.services.logger


def bot_posts(emu: DiscordEmulator, channel: Any) -> list[StoredMessage]:
    """The bot's daily posts in a channel (messages with the daily-post footer, in either language)."""
    return [
        m
        for m in emu.messages_in(channel)
        if int(m["author"]["id"]) == emu.bot.id
        and m.embeds
        and daily_post_number(m.embeds[0].get("footer", {}).get("text")) is not None
    ]


async def schedule(emu: DiscordEmulator, world: World, guild: Any = None, channel: Any = None, **options: Any) -> str:
    guild = guild or world.guild
    channel = channel or world.channel
    moderator = world.moderator if guild is world.guild else emu.add_member(guild, "mod", roles=[_mod_role(emu, guild)])
    values = {"channel": channel, "time": "09:00", "timezone": "Europe/Berlin", **options}
    handle = await emu.invoke(guild, channel, moderator, "schedule set", values)
    message = await handle.message()
    assert message.ephemeral
    return message.content


def _mod_role(emu: DiscordEmulator, guild: Any) -> Any:
    return emu.add_role(guild, "Mods", permissions=permissions.MANAGE_GUILD)


async def tick(running: Running) -> list[Any]:
    poster, _ = services(running)
    return await poster.tick()


async def posted(emu: DiscordEmulator, world: World, running: Running, clock: FakeClock) -> Any:
    await schedule(emu, world)
    clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    await tick(running)
    return emu.get_channel(bot_posts(emu, world.channel)[0].id)


async def logged(running: Running, guild_id: int, until: Any = None) -> list[Any]:
    """The logged rows, once `until(rows)` holds (gateway events reach the bot asynchronously).

    Events are handled in order, so waiting for the last message sent also waits for every earlier one.
    """
    _, logger = services(running)

    async def rows() -> list[Any] | None:
        await logger.flush()
        found = [row async for row in running.storage.replies.export_rows(guild_id)]
        return found if until is None or until(found) else None

    result: list[Any] = await eventually(rows)
    return result


def has(message: Any) -> Any:
    return lambda rows: any(row.message_id == message.id for row in rows)


async def days_of(running: Running, guild_id: int, messages: list[StoredMessage]) -> list[str]:
    """The local days (ISO) the bot stored for these posted messages: the footer shows no date to members."""
    by_message = {
        post.message_id: post.post_date for post in await running.storage.discussion.recent_posts(guild_id, 50)
    }
    return [by_message[m.id].isoformat() for m in messages]
