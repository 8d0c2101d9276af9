"""The emulator's reactions and message context menus, with a plain discord.py client (issue 14 §1)."""

from __future__ import annotations

import asyncio
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.emulator import DiscordEmulator
from bot.emulator import permissions as P
from tests.test_emulator import Launcher, add_sync, emu, guild_obj, launch, make_bot, world

__all__ = ["emu", "launch", "world"]  # fixtures, imported for pytest


def recorder(into: list[tuple[str, Any]], name: str) -> Any:
    async def listener(payload: Any) -> None:
        into.append((name, payload))

    return listener


async def test_member_reactions_reach_the_bot_as_raw_events_and_show_in_messages(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    general, alice = world["general"], world["alice"]
    message = await emu.send_user_message(general, alice, "react to me")
    events: list[tuple[str, Any]] = []
    for name in ("raw_reaction_add", "raw_reaction_remove", "raw_reaction_clear", "raw_reaction_clear_emoji"):
        bot.add_listener(recorder(events, name), f"on_{name}")

    await emu.add_user_reaction(general, message, alice, "👏")
    await emu.add_user_reaction(general, message, alice, "🔥")
    await emu.remove_user_reaction(general, message, alice, "🔥")
    await emu.add_user_reaction(general, message, alice, "🔥")
    await emu.remove_reaction_emoji(general, message, "🔥")
    await emu.remove_all_reactions(general, message)
    await emu.wait_until(lambda: len(events) == 6, 5, "six reaction events")
    assert [n for n, _ in events] == [
        "raw_reaction_add",
        "raw_reaction_add",
        "raw_reaction_remove",
        "raw_reaction_add",
        "raw_reaction_clear_emoji",
        "raw_reaction_clear",
    ]
    added = events[0][1]
    assert added.user_id == alice.id and added.message_id == message.id and str(added.emoji) == "👏"
    assert added.member is not None and added.member.id == alice.id and added.message_author_id == alice.id

    await emu.add_user_reaction(general, message, alice, "👏")
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("👏", 1, False)]
    await fetched.add_reaction("👏")  # the bot's own: PUT …/@me
    fetched = await channel.fetch_message(message.id)
    assert [(str(r.emoji), r.count, r.me) for r in fetched.reactions] == [("👏", 2, True)]
    users = [u.id async for u in fetched.reactions[0].users()]
    assert sorted(users) == sorted([alice.id, emu.bot.id])
    await fetched.remove_reaction("👏", bot.user)  # DELETE …/@me
    assert emu.reaction_users(message, "👏") == [alice.id]


async def test_reaction_events_need_the_reactions_intent(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    intents = discord.Intents.default()
    intents.guild_reactions = False
    bot = make_bot(intents=intents)
    await launch(bot)
    got: list[tuple[str, Any]] = []
    bot.add_listener(recorder(got, "add"), "on_raw_reaction_add")
    message = await emu.send_user_message(world["general"], world["alice"], "no one hears this")
    await emu.add_user_reaction(world["general"], message, world["alice"], "👏")
    marker: list[tuple[str, Any]] = []
    bot.add_listener(recorder(marker, "message"), "on_message")
    await emu.send_user_message(world["general"], world["alice"], "marker")
    await emu.wait_until(lambda: marker, 5, "the marker message")
    assert got == []


async def test_the_bots_reactions_follow_discords_limits(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    general = world["general"]
    message = await emu.send_user_message(general, world["alice"], "many reactions")
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    target = await channel.fetch_message(message.id)
    emoji = [chr(0x1F600 + i) for i in range(21)]
    for e in emoji[:20]:
        await target.add_reaction(e)
    with pytest.raises(discord.HTTPException) as info:
        await target.add_reaction(emoji[20])
    assert info.value.code == 30010
    await target.add_reaction(emoji[0])  # already there: nothing changes, no error
    fresh = await emu.send_user_message(general, world["alice"], "no permission")
    emu.set_overwrite(general, emu.bot_member(world["guild"]), deny=P.ADD_REACTIONS)
    with pytest.raises(discord.Forbidden):
        await (await channel.fetch_message(fresh.id)).add_reaction("⭐")
    await emu.add_user_reaction(general, fresh, world["alice"], "⭐")
    await (await channel.fetch_message(fresh.id)).add_reaction("⭐")  # joining an existing one needs no permission
    assert emu.reaction_users(fresh, "⭐") == [world["alice"].id, emu.bot.id]


async def test_message_context_menu_gets_the_resolved_message(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    seen: asyncio.Future[discord.Message] = asyncio.get_running_loop().create_future()

    async def pin_it(interaction: discord.Interaction, message: discord.Message) -> None:
        seen.set_result(message)
        await interaction.response.send_message(f"got {message.content}", ephemeral=True)

    menu = app_commands.ContextMenu(name="Pin for later", callback=pin_it)
    menu.default_permissions = discord.Permissions(manage_guild=True)
    bot.tree.add_command(menu, guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    message = await emu.send_user_message(world["general"], world["alice"], "the target")
    owner = world["guild"].owner_id
    handle = await emu.invoke_message_command(world["guild"], world["general"], owner, "Pin for later", message)
    answer = await handle.message()
    assert answer.ephemeral and answer.content == "got the target"
    target = await asyncio.wait_for(seen, 5)
    assert target.id == message.id and target.author.id == world["alice"].id
    with pytest.raises(Exception, match="would not show"):
        await emu.invoke_message_command(world["guild"], world["general"], world["alice"], "Pin for later", message)
