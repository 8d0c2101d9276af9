"""End-to-end tests of bot.emulator against a real discord.py ``commands.Bot``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from bot.emulator import DiscordEmulator, EmulatorError, netguard
from bot.emulator import permissions as P
from bot.emulator.snowflake import utc_now
from tests.harness import eventually

TOKEN = "test-token"


class EmuBot(commands.Bot):
    """A bot that skips discord.py's 5 s sleep before re-IDENTIFY."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None


def make_bot(*, message_content: bool = True, **kwargs: Any) -> EmuBot:
    intents = kwargs.pop("intents", None) or discord.Intents.default()
    intents.message_content = message_content
    return EmuBot(command_prefix="!", intents=intents, guild_ready_timeout=0.05, **kwargs)


@dataclass
class BotRun:
    bot: commands.Bot
    task: asyncio.Task[None]
    consumed: bool = False
    events: list[tuple[str, Any]] = field(default_factory=list)

    async def result(self, timeout: float = 10.0) -> None:
        """Await the bot's start() task (the test then owns its exception)."""
        self.consumed = True
        await asyncio.wait_for(self.task, timeout)


Launcher = Callable[..., Awaitable[BotRun]]


@pytest.fixture
async def emu() -> AsyncIterator[DiscordEmulator]:
    with netguard.guard():
        # The bots here are plain discord.py clients with no injected clock: both sides run on real time.
        e = DiscordEmulator(token=TOKEN, heartbeat_interval_ms=2000, clock=utc_now)
        e.identify_window = 0.0  # these bots skip discord.py's 5 s pause before identifying again
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
async def launch(emu: DiscordEmulator) -> AsyncIterator[Launcher]:
    runs: list[BotRun] = []

    async def _launch(bot: commands.Bot, *, token: str = TOKEN, wait_ready: bool = True) -> BotRun:
        run = BotRun(bot, asyncio.create_task(bot.start(token)))
        runs.append(run)
        if wait_ready:
            ready = asyncio.ensure_future(bot.wait_until_ready())
            done, _ = await asyncio.wait({ready, run.task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if run.task in done:
                ready.cancel()
                run.consumed = True
                run.task.result()
                raise AssertionError("the bot stopped before it was ready")
            assert ready in done, "the bot did not become ready within 10 s"
        return run

    yield _launch
    errors: list[BaseException] = []
    for run in runs:
        await run.bot.close()
        try:
            await asyncio.wait_for(asyncio.shield(run.task), 5)
        except BaseException as exc:  # surfaced below unless the test consumed it
            if not run.consumed:
                errors.append(exc)
    if errors:
        raise errors[0]


@pytest.fixture
def world(emu: DiscordEmulator) -> dict[str, Any]:
    guild = emu.add_guild("Film Club", bot_permissions=P.DEFAULT_EVERYONE_PERMISSIONS)
    general = emu.add_text_channel(guild, "general")
    alice = emu.add_member(guild, "alice")
    return {"guild": guild, "general": general, "alice": alice}


def guild_obj(world: dict[str, Any]) -> discord.Object:
    return discord.Object(world["guild"].id)


def add_sync(bot: commands.Bot, guild: discord.Object) -> None:
    async def setup_hook() -> None:
        await bot.tree.sync(guild=guild)

    bot.setup_hook = setup_hook  # type: ignore[method-assign]


async def wait_for_event(bot: commands.Bot, event: str, check: Any = None, timeout: float = 5.0) -> Any:
    return await asyncio.wait_for(bot.wait_for(event, check=check), timeout)


# -- connection --------------------------------------------------------------------------------------------


async def test_connect_and_ready(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    await emu.wait_until_ready()
    assert bot.user is not None and bot.user.id == emu.bot.id
    assert bot.application_id == emu.application_id
    guild = bot.get_guild(world["guild"].id)
    assert guild is not None and guild.name == "Film Club"
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    channel = guild.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel) and channel.name == "general"
    assert emu.identify_count == 1
    path, query = emu.gateway.connection_log[0]
    assert path == "/gateway" and query["v"] == "10" and query["encoding"] == "json"
    assert emu.gateway.identify_payloads[0]["intents"] == bot.intents.value


async def test_guild_added_while_connected(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    joined = asyncio.ensure_future(wait_for_event(bot, "guild_join"))
    await asyncio.sleep(0)
    new = emu.add_guild("Second")
    guild = await joined
    assert guild.id == new.id
    removed = asyncio.ensure_future(wait_for_event(bot, "guild_remove"))
    await asyncio.sleep(0)
    emu.remove_guild(new)
    assert (await removed).id == new.id


# -- slash commands ----------------------------------------------------------------------------------------


def film_group(log: list[Any]) -> app_commands.Group:
    group = app_commands.Group(name="film", description="Film commands")

    @group.command(name="info", description="Show info")
    @app_commands.describe(title="Film title", year="Release year")
    async def info(
        interaction: discord.Interaction,
        title: str,
        year: int,
        who: discord.Member | None = None,
        where: discord.TextChannel | None = None,
    ) -> None:
        log.append((title, year, who, where))
        embed = discord.Embed(title=title, description=f"Released {year}", colour=0x2ECC71)
        embed.add_field(name="Asked by", value=interaction.user.name)
        await interaction.response.send_message(embed=embed)

    @info.autocomplete("title")
    async def title_ac(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        films = ["Whiplash", "La La Land", "First Man", "Babylon"]
        return [app_commands.Choice(name=f, value=f) for f in films if current.lower() in f.lower()]

    @group.command(name="secret", description="Deferred ephemeral answer")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.edit_original_response(content="only you")
        await interaction.followup.send("a follow-up", ephemeral=True)

    return group


async def test_slash_command_roundtrip_with_embed(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    log: list[Any] = []
    bot = make_bot()
    bot.tree.add_command(film_group(log), guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    assert [c["name"] for c in emu.guild_commands[world["guild"].id]] == ["film"]
    h = await emu.invoke(
        world["guild"], world["general"], world["alice"], "film info",
        options={"title": "Whiplash", "year": 2014, "who": world["alice"], "where": world["general"]},
    )  # fmt: skip
    body = await h.response()
    assert body["type"] == 4
    msg = await h.message()
    assert not msg.ephemeral
    assert msg.embeds[0]["title"] == "Whiplash"
    assert msg.embeds[0]["fields"][0]["value"] == "alice"
    assert msg in emu.messages_in(world["general"])
    title, year, who, where = log[0]
    assert (title, year) == ("Whiplash", 2014)
    assert isinstance(who, discord.Member) and who.id == world["alice"].id
    assert isinstance(where, discord.TextChannel) and where.id == world["general"].id
    assert msg.pings == {"everyone": False, "roles": [], "users": []}


async def test_defer_edit_and_followup_are_ephemeral(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    bot.tree.add_command(film_group([]), guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    h = await emu.invoke(world["guild"], world["general"], world["alice"], "film secret")
    assert (await h.response()) == {"type": 5, "data": {"flags": 64}}
    msg = await h.message()
    assert msg.content == "only you" and msg.ephemeral and not msg.loading
    (follow,) = await h.followups(1)
    assert follow.content == "a follow-up" and follow.ephemeral
    assert emu.messages_in(world["general"]) == []


async def test_autocomplete(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    bot.tree.add_command(film_group([]), guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    choices = await emu.autocomplete(
        world["guild"], world["general"], world["alice"], "film info", focused="title", value="la"
    )
    assert [c["value"] for c in choices] == ["Whiplash", "La La Land"]


async def test_invoke_fails_loudly_for_unsynced_or_mistyped(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    bot.tree.add_command(film_group([]), guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    g, ch, alice = world["guild"], world["general"], world["alice"]
    with pytest.raises(EmulatorError, match="not registered"):
        await emu.invoke(g, ch, alice, "nope")
    with pytest.raises(EmulatorError, match="needs an int"):
        await emu.invoke(g, ch, alice, "film info", options={"title": "x", "year": "2014"})
    with pytest.raises(EmulatorError, match="unknown option"):
        await emu.invoke(g, ch, alice, "film info", options={"title": "x", "year": 1, "bogus": 1})
    with pytest.raises(EmulatorError, match="cannot be invoked directly"):
        await emu.invoke(g, ch, alice, "film")


# -- components and modals --------------------------------------------------------------------------------


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Vote", custom_id="vote:yes", style=discord.ButtonStyle.primary)
    async def vote(self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]) -> None:
        await interaction.response.edit_message(content="Thanks for voting", view=None)

    @discord.ui.select(custom_id="vote:pick", options=[discord.SelectOption(label=x, value=x) for x in "abc"])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[VoteView]) -> None:
        await interaction.response.send_modal(ReasonModal(select.values[0]))


class ReasonModal(discord.ui.Modal, title="Why?"):
    reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(label="Reason", custom_id="reason")

    def __init__(self, choice: str) -> None:
        super().__init__(custom_id="vote:modal")
        self.choice = choice

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"{self.choice}: {self.reason.value}", ephemeral=True)


async def test_button_click_updates_message(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Vote now", view=VoteView())
    stored = emu.get_message(sent.id)
    assert stored is not None and stored.components[0]["components"][0]["custom_id"] == "vote:yes"
    h = await emu.click(stored, "vote:yes", world["alice"])
    assert (await h.response())["type"] == 7
    final = await h.message()
    assert final.content == "Thanks for voting" and final.components == []
    assert final["edited_timestamp"] is not None


async def test_select_then_modal_submit(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Pick", view=VoteView())
    h = await emu.click(sent.id, "vote:pick", world["alice"], values=["b"])
    modal = await h.modal()
    assert modal["title"] == "Why?"
    h2 = await emu.submit_modal(h, {"reason": "tempo"})
    msg = await h2.message()
    assert msg.content == "b: tempo" and msg.ephemeral
    with pytest.raises(EmulatorError, match="not options"):
        await emu.click(sent.id, "vote:pick", world["alice"], values=["z"])


# -- limits and violations --------------------------------------------------------------------------------


async def test_too_long_embed_title_is_rejected_and_named(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    errors: list[BaseException] = []
    bot = make_bot()

    @app_commands.command(name="long", description="Too long embed title")
    async def long(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message(embed=discord.Embed(title="x" * 300))
        except discord.HTTPException as exc:
            errors.append(exc)
            await interaction.response.send_message("fallback")

    bot.tree.add_command(long, guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    h = await emu.invoke(world["guild"], world["general"], world["alice"], "long")
    assert (await h.message()).content == "fallback"
    assert isinstance(errors[0], discord.HTTPException) and errors[0].status == 400 and errors[0].code == 50035
    violations = emu.clear_violations()
    assert any("embeds[0].title is 300 characters, limit 256" in v for v in violations), violations
    assert all("/callback" in v for v in violations)


async def test_unknown_route_is_a_violation(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/this/does/not/exist"))
    (violation,) = emu.clear_violations()
    assert "GET /this/does/not/exist" in violation and "unknown route" in violation


# -- fault injection ------------------------------------------------------------------------------------------


async def test_429_and_5xx_are_survived(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    rule = emu.fail("POST", r"^/channels/\d+/messages$", 429, times=2, retry_after=0.05)
    await channel.send("after two 429s")
    assert rule.hits == 2
    statuses = [r.status for r in emu.requests_matching("POST", r"^/channels/\d+/messages$")]
    assert statuses == [429, 429, 200]
    emu.fail("POST", r"^/channels/\d+/messages$", 502)
    await channel.send("after a 502")
    statuses = [r.status for r in emu.requests_matching("POST", r"^/channels/\d+/messages$")]
    assert statuses[-2:] == [502, 200]
    assert [m.content for m in emu.messages_in(world["general"])] == ["after two 429s", "after a 502"]
    emu.fail("GET", r"^/channels/\d+$", 403, code=50001)
    with pytest.raises(discord.Forbidden):
        await bot.fetch_channel(world["general"].id)


async def test_global_rate_limit_is_enforced(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    emu.global_rate_limit = 5
    channels = [emu.add_text_channel(world["guild"], f"c{i}") for i in range(8)]
    await eventually(lambda: all(bot.get_channel(c.id) for c in channels))
    targets = [bot.get_channel(c.id) for c in channels]
    await asyncio.gather(*(t.send("fan-out") for t in targets if isinstance(t, discord.TextChannel)))
    assert all(len(emu.messages_in(c)) == 1 for c in channels)
    assert emu.limiter.global_hits >= 1


# -- gateway resilience ---------------------------------------------------------------------------------------


async def test_resume_after_close_4000_replays_missed_events(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    bot = make_bot()
    await launch(bot)
    seen: list[str] = []

    async def on_message(m: discord.Message) -> None:
        seen.append(m.content)

    bot.add_listener(on_message)
    resumed = asyncio.ensure_future(wait_for_event(bot, "resumed"))
    await emu.close_gateway(4000)
    await emu.send_user_message(world["general"], world["alice"], "sent while disconnected")
    await emu.wait_for_resume()
    await resumed
    await emu.wait_until(lambda: "sent while disconnected" in seen, 5, "the replayed message")
    assert emu.identify_count == 1 and emu.resume_count == 1
    assert emu.gateway.connection_log[-1][0] == "/gateway-resume"


async def test_resume_after_op7_reconnect(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    seen: list[str] = []

    async def on_message(m: discord.Message) -> None:
        seen.append(m.content)

    bot.add_listener(on_message)
    await emu.send_reconnect()
    await emu.send_user_message(world["general"], world["alice"], "around the reconnect")
    await emu.wait_for_resume()
    await emu.send_user_message(world["general"], world["alice"], "after")
    await emu.wait_until(lambda: seen == ["around the reconnect", "after"], 5, "both messages exactly once")
    assert emu.identify_count == 1


async def test_invalid_session_reidentifies(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    await emu.invalidate_session(resumable=False)
    await emu.wait_for_identify(2)
    await emu.wait_until_ready()
    seen = asyncio.ensure_future(wait_for_event(bot, "message"))
    await emu.send_user_message(world["general"], world["alice"], "new session")
    assert (await seen).content == "new session"
    assert emu.resume_count == 0


async def test_wrong_token_raises_login_failure(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    run = await launch(make_bot(), token="wrong-token", wait_ready=False)
    with pytest.raises(discord.LoginFailure):
        await run.result()
    assert emu.requests[0].status == 401


async def test_disabled_intent_raises_privileged_intents_required(
    world: dict[str, Any], launch: Launcher, emu: DiscordEmulator
) -> None:
    emu.message_content_enabled = False
    run = await launch(make_bot(message_content=True), wait_ready=False)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await run.result()


async def test_member_request_is_answered_but_flagged(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = make_bot(intents=intents)
    await launch(bot)
    guild = bot.get_guild(world["guild"].id)
    assert guild is not None and guild.get_member(world["alice"].id) is not None  # small guild: sent in full
    members = await asyncio.wait_for(guild.chunk(), 5)  # op 8
    assert {m.id for m in members} >= {world["alice"].id, emu.bot.id}
    violations = emu.clear_violations()
    assert len(violations) == 1 and "REQUEST_GUILD_MEMBERS" in violations[0]


async def test_gateway_send_rate_limit_closes_4008(emu: DiscordEmulator) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        hello = await ws.receive_json(timeout=5)
        assert hello["op"] == 10
        for _ in range(125):
            await ws.send_json({"op": 1, "d": None})
        while (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
            pass
        assert ws.close_code == 4008
    assert any("frames within 60s" in v for v in emu.clear_violations())


# -- message content, permissions, mentions --------------------------------------------------------------------


async def test_content_blanked_without_intent(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot(message_content=False)
    await launch(bot)
    got: list[discord.Message] = []

    async def on_message(m: discord.Message) -> None:
        got.append(m)

    bot.add_listener(on_message)
    await emu.send_user_message(world["general"], world["alice"], "secret words")
    await emu.send_user_message(world["general"], world["alice"], f"hey <@{emu.bot.id}>")
    await emu.wait_until(lambda: len(got) == 2, 5, "two messages")
    assert got[0].content == "" and got[1].content == f"hey <@{emu.bot.id}>"
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    history = [m.content async for m in channel.history(limit=10)]
    assert history == [f"hey <@{emu.bot.id}>", ""]
    assert emu.messages_in(world["general"])[0].content == "secret words"


async def test_permissions_403_and_history(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    guild, general = world["guild"], world["general"]
    bot = make_bot()
    await launch(bot)
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    await emu.send_user_message(general, world["alice"], "old message")
    bot_member = emu.bot_member(guild)
    emu.set_overwrite(general, bot_member, deny=P.EMBED_LINKS)
    with pytest.raises(discord.Forbidden) as info:
        await channel.send(embed=discord.Embed(title="x"))
    assert info.value.code == 50013
    emu.set_overwrite(general, guild.everyone, deny=P.READ_MESSAGE_HISTORY)
    assert [m async for m in channel.history(limit=5)] == []
    emu.set_overwrite(general, bot_member, deny=P.SEND_MESSAGES)
    with pytest.raises(discord.Forbidden):
        await channel.send("nope")
    emu.set_overwrite(general, bot_member, allow=P.SEND_MESSAGES)
    await channel.send("allowed again")
    assert emu.permissions_for(bot_member, general) & P.SEND_MESSAGES
    assert not emu.permissions_for(bot_member, general) & P.READ_MESSAGE_HISTORY


async def test_mentions_are_computed(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    guild, general, alice = world["guild"], world["general"], world["alice"]
    role = emu.add_role(guild, "Jazz", mentionable=True)
    hidden = emu.add_role(guild, "Mods", mentionable=False)
    bot = make_bot(allowed_mentions=discord.AllowedMentions.none())
    await launch(bot)
    channel = bot.get_channel(general.id)
    assert isinstance(channel, discord.TextChannel)
    text = f"@everyone {role.mention} {hidden.mention} {alice.mention}"
    sent = await channel.send(text)
    stored = emu.get_message(sent.id)
    assert stored is not None and not stored.pinged_anyone
    sent = await channel.send(text, allowed_mentions=discord.AllowedMentions(roles=[role], users=False, everyone=False))
    assert emu.get_message(sent.id).pings == {"everyone": False, "roles": [role.id], "users": []}  # type: ignore[union-attr]
    bot.allowed_mentions = None
    sent = await channel.send(text)  # API default: users, roles and everyone (if permitted)
    pings = emu.get_message(sent.id).pings  # type: ignore[union-attr]
    assert pings == {"everyone": False, "roles": [role.id], "users": [alice.id]}  # no MENTION_EVERYONE
    emu.give_bot_role(guild, "announcer", P.MENTION_EVERYONE)
    sent = await channel.send(text)
    assert emu.get_message(sent.id).pings == {"everyone": True, "roles": [role.id, hidden.id], "users": [alice.id]}  # type: ignore[union-attr]


# -- threads, history, events -----------------------------------------------------------------------------------


async def test_thread_from_message(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    post = await channel.send("Daily prompt")
    created = asyncio.ensure_future(wait_for_event(bot, "thread_create"))
    thread = await post.create_thread(name="Discussion", auto_archive_duration=1440)
    assert thread.id == post.id and (await created).id == thread.id
    assert emu.get_message(post.id)["thread"]["id"] == str(thread.id)  # type: ignore[index]
    with pytest.raises(discord.HTTPException) as info:
        await post.create_thread(name="again")
    assert info.value.code == 160004
    reply = asyncio.ensure_future(wait_for_event(bot, "message", check=lambda m: m.channel.id == thread.id))
    await emu.send_user_message(thread.id, world["alice"], "first reply")
    assert (await reply).content == "first reply"
    await thread.send("bot reply")
    contents = [(m["type"], m.content) for m in emu.messages_in(thread.id)]
    assert contents == [(21, ""), (0, "first reply"), (0, "bot reply")]
    emu.clear_violations()
    with pytest.raises(discord.HTTPException):
        await channel.create_thread(name="x" * 101, type=discord.ChannelType.public_thread)
    assert any("name is 101 characters, limit 100" in v for v in emu.clear_violations())


async def test_history_is_newest_first(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    msgs = [await emu.send_user_message(world["general"], world["alice"], f"m{i}") for i in range(5)]
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    assert [m.content async for m in channel.history(limit=3)] == ["m4", "m3", "m2"]
    after = [m.content async for m in channel.history(limit=10, after=discord.Object(msgs[1].id), oldest_first=True)]
    assert after == ["m2", "m3", "m4"]
    raw = await bot.http.logs_from(world["general"].id, 2, before=msgs[3].id)
    assert [m["content"] for m in raw] == ["m2", "m1"]


async def test_user_edit_and_delete_events(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot(max_messages=None)
    await launch(bot)
    msg = await emu.send_user_message(world["general"], world["alice"], "first")
    edited = asyncio.ensure_future(wait_for_event(bot, "raw_message_edit"))
    await emu.edit_user_message(world["general"], msg, "second")
    event = await edited
    assert event.message.content == "second" and event.message.edited_at is not None
    deleted = asyncio.ensure_future(wait_for_event(bot, "raw_message_delete"))
    await emu.delete_message(world["general"], msg)
    assert (await deleted).message_id == msg.id
    assert emu.messages_in(world["general"]) == []


async def test_deleted_channel_answers_404(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    bot = make_bot()
    await launch(bot)
    gone = asyncio.ensure_future(wait_for_event(bot, "guild_channel_delete"))
    emu.delete_channel(world["general"])
    assert (await gone).id == world["general"].id
    with pytest.raises(discord.NotFound) as info:
        await bot.http.send_message(world["general"].id, params=discord.http.handle_message_parameters(content="x"))
    assert info.value.code == 10003


async def test_attachments_upload_and_option(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    read: list[bytes] = []
    bot = make_bot()

    @app_commands.command(name="upload", description="Echo a file")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        read.append(data)
        await interaction.response.send_message(
            file=discord.File(io.BytesIO(data[::-1]), filename="rev.txt"), ephemeral=True
        )

    bot.tree.add_command(upload, guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    att = emu.make_attachment("notes.txt", b"hello", "text/plain")
    h = await emu.invoke(world["guild"], world["general"], world["alice"], "upload", options={"file": att})
    msg = await h.message()
    assert read == [b"hello"]
    assert [(f.filename, f.data) for f in h.files] == [("rev.txt", b"olleh")]
    assert msg.ephemeral
    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send(file=discord.File(io.BytesIO(b"x" * 10), filename="a.bin"))
    assert await sent.attachments[0].read() == b"x" * 10
    emu.attachment_size_limit = 5
    with pytest.raises(discord.HTTPException):
        await channel.send(file=discord.File(io.BytesIO(b"x" * 10), filename="big.bin"))
    assert any("'big.bin' is 10 bytes, limit 5" in v for v in emu.clear_violations())


# -- interaction lifecycle ---------------------------------------------------------------------------------------


async def test_deadline_and_double_response(emu: DiscordEmulator, world: dict[str, Any], launch: Launcher) -> None:
    emu.interaction_deadline = 0.2
    errors: list[BaseException] = []
    bot = make_bot()

    @app_commands.command(name="slow", description="Never answers")
    async def slow(interaction: discord.Interaction) -> None:
        return None

    @app_commands.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:
            adapter = discord.webhook.async_.async_context.get()
            await adapter.create_interaction_response(
                interaction.id,
                interaction.token,
                session=interaction._session,
                params=discord.webhook.async_.interaction_response_params(4, {"content": "two"}),
            )
        except discord.HTTPException as exc:
            errors.append(exc)

    bot.tree.add_command(slow, guild=guild_obj(world))
    bot.tree.add_command(twice, guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    await emu.invoke(world["guild"], world["general"], world["alice"], "slow")
    h = await emu.invoke(world["guild"], world["general"], world["alice"], "twice")
    await h.message()
    await emu.wait_until(lambda: len(emu.violations) >= 2, 2, "two violations")
    violations = emu.clear_violations()
    assert any("'slow'" in v and "not answered within 0.2s" in v for v in violations), violations
    assert any("second initial response" in v for v in violations), violations
    assert isinstance(errors[0], discord.HTTPException) and errors[0].code == 40060


# -- network guard -----------------------------------------------------------------------------------------------


def test_netguard_blocks_non_loopback() -> None:
    netguard.uninstall()  # the project's autouse fixture may have installed it; prove guard() itself works
    assert not netguard.installed()
    with netguard.guard():
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with pytest.raises(netguard.NetworkBlocked), sock:
            sock.connect(("93.184.216.34", 80))
        with pytest.raises(OSError):
            socket.getaddrinfo("example.com", 443)
        with pytest.raises(netguard.NetworkBlocked), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"x", ("8.8.8.8", 53))
        with contextlib.closing(socket.socket()) as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            with socket.create_connection(server.getsockname(), timeout=1):
                pass
    assert not netguard.installed()
    netguard.install()


async def test_netguard_blocks_aiohttp(emu: DiscordEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises((netguard.NetworkBlocked, aiohttp.ClientError)):
            await session.get("http://example.com/")
        async with session.get(emu.api_base + "/users/@me", headers={"Authorization": f"Bot {TOKEN}"}) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"


async def test_deferred_update_and_followup_after_defer(
    emu: DiscordEmulator, world: dict[str, Any], launch: Launcher
) -> None:
    class Later(discord.ui.View):
        @discord.ui.button(label="Later", custom_id="later")
        async def later(self, interaction: discord.Interaction, button: discord.ui.Button[Later]) -> None:
            await interaction.response.defer()  # component: DEFERRED_UPDATE_MESSAGE (type 6)
            await interaction.edit_original_response(content="edited later", view=None)

    bot = make_bot()

    @app_commands.command(name="think", description="Defer, then follow up")
    async def think(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("done thinking")
        await interaction.followup.send("and one more")

    bot.tree.add_command(think, guild=guild_obj(world))
    add_sync(bot, guild_obj(world))
    await launch(bot)
    h = await emu.invoke(world["guild"], world["general"], world["alice"], "think")
    msg = await h.message()
    assert msg.content == "done thinking" and not msg.ephemeral and msg["type"] == 20
    (extra,) = await h.followups(1)
    assert extra.content == "and one more"
    assert [m.content for m in emu.messages_in(world["general"])] == ["done thinking", "and one more"]

    channel = bot.get_channel(world["general"].id)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("click me", view=Later())
    h2 = await emu.click(sent.id, "later", world["alice"])
    assert (await h2.response())["type"] == 6
    final = await h2.message()
    assert final.id == sent.id and final.content == "edited later" and final.components == []
