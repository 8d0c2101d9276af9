# ruff: noqa: F811  (the emulator fixtures of tests/test_emulator.py are imported by name)
"""The emulator's forum channels, driven by the real discord.py client: tags, posts, and what Discord refuses."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.emulator import DiscordEmulator
from bot.emulator import permissions as P
from tests.harness import eventually
from tests.test_emulator import Launcher, emu, launch, make_bot  # noqa: F401 (fixtures)

MANAGE = P.DEFAULT_EVERYONE_PERMISSIONS | P.MANAGE_CHANNELS


def forum_world(emu: DiscordEmulator, *, tags: tuple[str, ...] = (), permissions: int = MANAGE) -> dict[str, Any]:
    guild = emu.add_guild("Film Club", bot_permissions=permissions)
    forum = emu.add_forum_channel(guild, "questions", tags=tags)
    alice = emu.add_member(guild, "alice")
    return {"guild": guild, "forum": forum, "alice": alice}


async def bot_forum(launch: Launcher, world: dict[str, Any]) -> tuple[discord.Client, discord.ForumChannel]:
    run = await launch(make_bot())
    channel = run.bot.get_channel(world["forum"].id)
    assert isinstance(channel, discord.ForumChannel)
    return run.bot, channel


async def test_a_forum_arrives_with_its_tags(emu: DiscordEmulator, launch: Launcher) -> None:
    world = forum_world(emu, tags=("Off-topic", "Music"))
    _, forum = await bot_forum(launch, world)
    assert forum.type is discord.ChannelType.forum
    assert [tag.name for tag in forum.available_tags] == ["Off-topic", "Music"]
    assert all(tag.id and not tag.moderated and tag.emoji is None for tag in forum.available_tags)


async def test_tags_are_added_with_modify_channel_keeping_the_old_ones(
    emu: DiscordEmulator,
    launch: Launcher,
) -> None:
    world = forum_world(emu, tags=("Off-topic",))
    _, forum = await bot_forum(launch, world)
    old = forum.available_tags[0]
    edited = await forum.edit(available_tags=[old, discord.ForumTag(name="Whiplash")])
    assert [tag.name for tag in edited.available_tags] == ["Off-topic", "Whiplash"]
    assert edited.available_tags[0].id == old.id  # a tag sent with its id keeps it
    assert [tag["name"] for tag in world["forum"].available_tags] == ["Off-topic", "Whiplash"]
    request = emu.requests_matching("PATCH", rf"/channels/{forum.id}$")[-1]
    assert request.json["available_tags"][1] == {
        "name": "Whiplash",
        "moderated": False,
        "emoji_id": None,
        "emoji_name": None,
    }


async def test_tags_need_manage_channels(emu: DiscordEmulator, launch: Launcher) -> None:
    world = forum_world(emu, permissions=P.DEFAULT_EVERYONE_PERMISSIONS)
    _, forum = await bot_forum(launch, world)
    with pytest.raises(discord.Forbidden) as refused:
        await forum.create_tag(name="Whiplash")
    assert refused.value.code == 50013
    assert world["forum"].available_tags == []


async def test_a_forum_holds_at_most_20_tags_of_at_most_20_characters(
    emu: DiscordEmulator,
    launch: Launcher,
) -> None:
    world = forum_world(emu, tags=tuple(f"Tag {i}" for i in range(20)))
    _, forum = await bot_forum(launch, world)
    with pytest.raises(discord.HTTPException) as too_many:
        await forum.create_tag(name="One more")
    assert too_many.value.status == 400 and too_many.value.code == 50035
    with pytest.raises(discord.HTTPException) as too_long:
        await forum.edit(available_tags=[discord.ForumTag(name="A name of twenty-one")])  # 20: fine
        await forum.edit(available_tags=[discord.ForumTag(name="A name of twenty-one!")])
    assert too_long.value.code == 50035
    violations = emu.clear_violations()
    assert any("available_tags" in v and "limit 20" in v for v in violations)
    assert any("21 characters" in v for v in violations)


async def test_a_forum_post_is_a_thread_and_its_first_message_in_one_request(
    emu: DiscordEmulator,
    launch: Launcher,
) -> None:
    world = forum_world(emu, tags=("Whiplash", "Spoilers"))
    bot, forum = await bot_forum(launch, world)
    created: list[discord.Thread] = []
    messages: list[discord.Message] = []

    async def on_thread_create(thread: discord.Thread) -> None:
        created.append(thread)

    async def on_message(message: discord.Message) -> None:
        messages.append(message)

    bot.add_listener(on_thread_create)  # type: ignore[attr-defined]
    bot.add_listener(on_message)  # type: ignore[attr-defined]
    tags = forum.available_tags
    post = await forum.create_thread(
        name="Is Fletcher a teacher?", embed=discord.Embed(title="Is Fletcher a teacher?"), applied_tags=tags
    )
    assert post.thread.id == post.message.id  # the post's id is its first message's
    assert post.thread.parent_id == forum.id
    assert post.message.channel.id == post.thread.id
    assert [tag.id for tag in post.thread.applied_tags] == [tag.id for tag in tags]
    thread = emu.channels[post.thread.id]
    assert thread.is_thread and thread.parent_id == world["forum"].id and thread.name == "Is Fletcher a teacher?"
    assert [m.id for m in emu.messages_in(thread)] == [post.message.id]
    assert emu.messages_in(world["forum"]) == []
    await eventually(lambda: created and messages)
    assert created[0].id == post.thread.id and created[0].parent_id == forum.id
    assert messages[0].id == post.message.id and messages[0].channel.id == post.thread.id
    active = await forum.guild.active_threads()
    assert [t.id for t in active] == [post.thread.id]
    # A member answers in the post like in any thread.
    reply = await emu.send_user_message(thread, world["alice"], "A tyrant.")
    await eventually(lambda: any(m.id == reply.id for m in messages))


async def test_a_forum_post_carries_at_most_5_existing_tags(emu: DiscordEmulator, launch: Launcher) -> None:
    world = forum_world(emu, tags=tuple(f"Tag {i}" for i in range(6)))
    _, forum = await bot_forum(launch, world)
    with pytest.raises(discord.HTTPException) as six:
        await forum.create_thread(name="Six tags", content="Too many", applied_tags=forum.available_tags)
    assert six.value.code == 50035
    stranger = discord.ForumTag(name="Not here")
    stranger.id = 1234567890123
    with pytest.raises(discord.HTTPException) as unknown:
        await forum.create_thread(name="Unknown tag", content="Which tag?", applied_tags=[stranger])
    assert unknown.value.code == 50035
    violations = emu.clear_violations()
    assert any("applied_tags" in v and "limit 5" in v for v in violations)
    assert any("unknown or repeated tags" in v for v in violations)
    assert emu.threads == []


async def test_a_forum_takes_no_plain_messages_and_posts_need_send_messages(
    emu: DiscordEmulator,
    launch: Launcher,
) -> None:
    world = forum_world(emu)
    bot, forum = await bot_forum(launch, world)
    with pytest.raises(discord.HTTPException) as plain:
        await bot.http.send_message(forum.id, params=discord.http.handle_message_parameters(content="Hello"))
    assert plain.value.code == 50008
    with pytest.raises(discord.HTTPException) as history:
        await bot.http.logs_from(forum.id, 10)
    assert history.value.code == 50024
    with pytest.raises(discord.HTTPException) as empty:
        await forum.create_thread(name="Empty", content=None)
    assert empty.value.code == 50035
    assert any("MESSAGE_EMPTY" in v or "empty" in v for v in emu.clear_violations())
    emu.set_overwrite(world["forum"], world["guild"].everyone, deny=P.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden) as refused:
        await forum.create_thread(name="Not allowed", content="Hello")
    assert refused.value.code == 50013
    assert emu.threads == []
