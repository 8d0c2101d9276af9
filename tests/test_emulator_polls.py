"""The emulator's polls, with a plain discord.py client: as Discord has them, and never kinder (issue 15)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest
import yarl

from bot.emulator import DiscordEmulator, EmulatorError, Errors, netguard
from bot.emulator import permissions as P
from bot.emulator.limits import validate_message_body
from bot.emulator.poll_limits import validate_poll
from tests.harness import FakeClock
from tests.test_emulator import TOKEN, Launcher, launch, make_bot

__all__ = ["launch"]  # fixture, imported for pytest

START = dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[DiscordEmulator]:
    """The emulator on a clock the test moves: a poll's expiry comes when the test says so."""
    with netguard.guard():
        e = DiscordEmulator(token=TOKEN, heartbeat_interval_ms=2000, clock=clock)
        e.identify_window = 0.0
        await e.start()
        old_base, old_gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = e.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(e.gateway_url)
        try:
            yield e
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
            await e.stop()
    e.assert_no_violations()


@pytest.fixture
def world(emu: DiscordEmulator) -> dict[str, Any]:
    guild = emu.add_guild("Film Club", bot_permissions=P.DEFAULT_EVERYONE_PERMISSIONS)
    general = emu.add_text_channel(guild, "general")
    alice = emu.add_member(guild, "alice")
    bob = emu.add_member(guild, "bob")
    return {"guild": guild, "general": general, "alice": alice, "bob": bob}


def described(poll: Any) -> list[str]:
    """What the emulator says of a Create Message body carrying `poll` (its checks of the poll alone)."""
    errs = Errors()
    validate_message_body(errs, {"content": "Vote below", "poll": poll}, allowed_flags=0)
    alone = Errors()
    validate_poll(alone, poll)
    assert alone.describe() == errs.describe()
    return errs.describe()


def poll_body(count: int = 2, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "question": {"text": "Is Fletcher right?"},
        "answers": [{"poll_media": {"text": f"Answer {n}"}} for n in range(1, count + 1)],
        "duration": 24,
        "allow_multiselect": False,
        "layout_type": 1,
    }
    body.update(overrides)
    return body


def recorder(into: list[tuple[str, Any]], name: str) -> Any:
    async def listener(payload: Any) -> None:
        into.append((name, payload))

    return listener


async def send_poll(
    bot: discord.Client, channel_id: int, *, hours: int = 24, multiple: bool = False
) -> discord.Message:
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    poll = discord.Poll(question="Is Fletcher’s method ever justified?", duration=dt.timedelta(hours=hours))
    poll.multiple = multiple
    for text in ("Yes, it made Andrew great", "Only in small doses", "No, nothing justifies it"):
        poll.add_answer(text=text)
    return await channel.send(poll=poll)


# -- limits -------------------------------------------------------------------------------------------------


def test_a_poll_within_discords_limits_passes_as_discord_py_sends_it() -> None:
    assert described(poll_body(10, duration=768.0)) == []  # discord.py sends hours as a float: 768.0
    assert described(poll_body(1, duration=1)) == []
    assert described(poll_body(2, question={"text": "q" * 300})) == []


@pytest.mark.parametrize(
    ("poll", "where"),
    [
        (poll_body(0), "poll.answers"),
        (poll_body(11), "poll.answers"),
        (poll_body(2, question={"text": "q" * 301}), "poll.question.text"),
        (poll_body(2, question={"text": ""}), "poll.question.text"),
        (poll_body(2, answers=[{"poll_media": {"text": "a" * 56}}]), "poll.answers[0].poll_media.text"),
        (poll_body(2, duration=0), "poll.duration"),
        (poll_body(2, duration=769), "poll.duration"),
        (poll_body(2, duration=1.5), "poll.duration"),
        (poll_body(2, duration="24"), "poll.duration"),
        (poll_body(2, layout_type=2), "poll.layout_type"),
        (poll_body(2, allow_multiselect="yes"), "poll.allow_multiselect"),
        ({"answers": [{"poll_media": {"text": "a"}}]}, "poll.question"),
    ],
)
def test_a_poll_outside_discords_limits_is_refused(poll: dict[str, Any], where: str) -> None:
    problems = described(poll)
    assert problems and all(problem.startswith(where) for problem in problems), problems


def test_a_message_may_be_just_a_poll() -> None:
    errs = Errors()
    validate_message_body(errs, {"poll": poll_body()}, allowed_flags=0)
    assert errs.describe() == []


# -- the real client ----------------------------------------------------------------------------------------


async def test_a_poll_sent_by_discord_py_comes_back_with_its_expiry_and_answers(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    message = await send_poll(bot, world["general"].id, hours=36)
    assert message.poll is not None
    assert message.poll.question == "Is Fletcher’s method ever justified?"
    assert [(a.id, a.text) for a in message.poll.answers] == [
        (1, "Yes, it made Andrew great"),
        (2, "Only in small doses"),
        (3, "No, nothing justifies it"),
    ]
    assert message.poll.expires_at == message.created_at + dt.timedelta(hours=36)
    assert not message.poll.is_finalized()
    stored = emu.get_message(message.id)
    assert stored is not None and stored["poll"]["expiry"].startswith("2026-11-22T19:00:00")


async def test_votes_reach_the_bot_as_events_and_show_as_voters_and_counts(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    events: list[tuple[str, Any]] = []
    bot.add_listener(recorder(events, "add"), "on_raw_poll_vote_add")
    bot.add_listener(recorder(events, "remove"), "on_raw_poll_vote_remove")
    general, alice, bob = world["general"], world["alice"], world["bob"]
    message = await send_poll(bot, general.id)

    await emu.vote_poll(general, message.id, alice, 1)
    await emu.vote_poll(general, message.id, bob, 3)
    with pytest.raises(EmulatorError, match="voted already"):
        await emu.vote_poll(general, message.id, alice, 2)  # the client makes you remove the vote first
    with pytest.raises(EmulatorError, match="one answer"):
        await emu.vote_poll(general, message.id, emu.add_member(world["guild"], "carl"), [1, 2])
    with pytest.raises(EmulatorError, match="not distinct answers"):
        await emu.vote_poll(general, message.id, bob, 4)
    await emu.unvote_poll(general, message.id, bob)
    await emu.wait_until(lambda: len(events) == 3, 5, "three vote events")
    assert [(name, e.user_id, e.answer_id, e.message_id) for name, e in events] == [
        ("add", alice.id, 1, message.id),
        ("add", bob.id, 3, message.id),
        ("remove", bob.id, 3, message.id),
    ]
    assert events[0][1].guild_id == world["guild"].id

    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    assert fetched.poll is not None
    assert [a.vote_count for a in fetched.poll.answers] == [1, 0, 0]
    voters = [user.id async for user in fetched.poll.answers[0].voters()]  # GET …/polls/{m}/answers/1
    assert voters == [alice.id]
    assert emu.poll_voters(message.id, 1) == [alice.id]


async def test_vote_events_need_the_guild_polls_intent(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    intents = discord.Intents.default()
    intents.guild_polls = False
    bot = make_bot(intents=intents)
    await launch(bot)
    got: list[tuple[str, Any]] = []
    bot.add_listener(recorder(got, "add"), "on_raw_poll_vote_add")
    message = await send_poll(bot, world["general"].id)
    payloads = await emu.vote_poll(world["general"], message.id, world["alice"], 2)
    assert payloads[0]["answer_id"] == 2  # the member's vote is stored ...
    assert emu.poll_voters(message.id, 2) == [world["alice"].id]
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    await channel.fetch_message(message.id)  # a round trip after the vote: any event would have arrived
    assert got == []  # ... but the bot without the intent hears nothing


async def test_a_poll_ends_on_the_emulators_clock_with_its_final_results_in_a_message_update(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher, clock: FakeClock
) -> None:
    bot = make_bot()
    await launch(bot)
    updates: list[dict[str, Any]] = []

    async def on_raw_message_edit(payload: discord.RawMessageUpdateEvent) -> None:
        updates.append(payload.data)

    bot.add_listener(on_raw_message_edit)
    general = world["general"]
    message = await send_poll(bot, general.id, hours=2)
    await emu.vote_poll(general, message.id, world["alice"], 3)
    await emu.vote_poll(general, message.id, world["bob"], 3)
    clock.advance(hours=1, minutes=59)
    assert emu.expire_due_polls() == 0
    clock.advance(minutes=1)  # the expiry: the clock's move ends it
    await emu.wait_until(lambda: updates, 5, "the MESSAGE_UPDATE of the ended poll")
    results = updates[0]["poll"]["results"]
    assert results["is_finalized"] is True
    assert {c["id"]: c["count"] for c in results["answer_counts"]} == {1: 0, 2: 0, 3: 2}
    with pytest.raises(EmulatorError, match="has ended"):
        await emu.vote_poll(general, message.id, emu.add_member(world["guild"], "carl"), 1)
    with pytest.raises(EmulatorError, match="has ended"):
        await emu.unvote_poll(general, message.id, world["alice"])
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    fetched = await channel.fetch_message(message.id)
    assert fetched.poll is not None and fetched.poll.is_finalized()
    assert [a.vote_count for a in fetched.poll.answers] == [0, 0, 2]


async def test_only_the_author_ends_a_running_poll_early(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher, clock: FakeClock
) -> None:
    bot = make_bot()
    await launch(bot)
    general = world["general"]
    message = await send_poll(bot, general.id)
    await emu.vote_poll(general, message.id, world["alice"], 1)
    clock.advance(hours=3)
    ended = await message.end_poll()  # POST …/polls/{m}/expire
    assert ended.poll is not None and ended.poll.is_finalized()
    assert ended.poll.expires_at == START + dt.timedelta(hours=3)
    with pytest.raises(discord.HTTPException) as again:
        await message.end_poll()
    assert again.value.code == 520001  # "Poll expired"

    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    plain = await channel.send("no poll here")
    with pytest.raises(discord.HTTPException) as not_poll:
        await bot.http.end_poll(general.id, plain.id)
    assert not_poll.value.code == 520006

    body = {"content": "", "poll": poll_body()}
    theirs = emu.build_message(channel=general, author=world["alice"].user, body=body)
    emu.store_message(theirs)
    emu.track_poll(theirs)
    with pytest.raises(discord.Forbidden) as forbidden:
        await bot.http.end_poll(general.id, theirs.id)
    assert forbidden.value.code == 50005


async def test_an_edit_never_changes_a_poll_but_may_change_the_rest(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    message = await send_poll(bot, world["general"].id)
    edited = await message.edit(content="Vote below")
    assert edited.content == "Vote below" and edited.poll is not None
    with pytest.raises(discord.HTTPException) as refused:
        route = discord.http.Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=world["general"].id,
            message_id=message.id,
        )
        await bot.http.request(route, json={"poll": poll_body()})
    assert refused.value.code == 520003
    assert [v.split(": ", 1)[1] for v in emu.clear_violations()] == ["edit: a poll cannot be edited"]


async def test_a_poll_needs_send_polls(emu: DiscordEmulator, launch: Launcher) -> None:
    guild = emu.add_guild("Quiet Club", bot_permissions=P.DEFAULT_EVERYONE_PERMISSIONS & ~P.SEND_POLLS)
    guild.roles[guild.id].permissions &= ~P.SEND_POLLS  # @everyone too
    channel = emu.add_text_channel(guild, "general")
    bot = make_bot()
    await launch(bot)
    with pytest.raises(discord.Forbidden):
        await send_poll(bot, channel.id)
    assert emu.messages_in(channel) == []
