"""The emulator shards as Discord does (issue 13): GET /gateway/bot, IDENTIFY `shard`, routing, max_concurrency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import DiscordEmulator
from bot.emulator.models import Guild
from bot.sharding import shard_of
from tests.harness import TOKEN, FakeClock

AUTH = {"Authorization": f"Bot {TOKEN}"}
PROPS = {"os": "linux", "browser": "x", "device": "x"}
GUILDS_AND_MESSAGES = (1 << 0) | (1 << 9) | (1 << 15)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def spread_guilds(emu: DiscordEmulator, clock: FakeClock, count: int) -> list[Guild]:
    """`count` guilds created a millisecond apart, so their ids fall on alternating shards of 2."""
    guilds = []
    for n in range(count):
        clock.advance(milliseconds=1)
        guilds.append(emu.add_guild(f"Club {n}"))
    return guilds


async def gateway_bot(http: aiohttp.ClientSession, emu: DiscordEmulator) -> Any:
    async with http.get(f"{emu.api_base}/gateway/bot", headers=AUTH) as resp:
        assert resp.status == 200
        return await resp.json()


class Shard:
    """A raw gateway connection that identified as one shard."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def frames_until_quiet(self, timeout: float = 0.3) -> list[Any]:
        frames = []
        while True:
            try:
                msg = await self.ws.receive(timeout=timeout)
            except TimeoutError:
                return frames
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return frames
            frames.append(msg.json())


async def identify(ws: aiohttp.ClientWebSocketResponse, shard: Any, intents: int = GUILDS_AND_MESSAGES) -> None:
    assert (await ws.receive_json(timeout=5))["op"] == 10
    d: dict[str, Any] = {"token": TOKEN, "intents": intents, "properties": PROPS}
    if shard is not None:
        d["shard"] = shard
    await ws.send_json({"op": 2, "d": d})


async def close_code(http: aiohttp.ClientSession, emu: DiscordEmulator, shard: Any) -> int | None:
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await identify(ws, shard)
        while (await ws.receive(timeout=5)).type is aiohttp.WSMsgType.TEXT:
            pass
        return ws.close_code


async def test_gateway_bot_recommends_one_shard_per_1000_guilds_and_counts_session_starts(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    first = await gateway_bot(http, emu)
    assert first["url"] == emu.gateway_url and first["shards"] == 1
    limit = first["session_start_limit"]
    assert limit == {"total": 1000, "remaining": 1000, "reset_after": limit["reset_after"], "max_concurrency": 1}
    for n in range(1001):
        emu.add_guild(f"G{n}")
    assert (await gateway_bot(http, emu))["shards"] == 2
    emu.recommended_shards = 5  # settable, like a test that wants a given count
    emu.max_concurrency = 16
    answer = await gateway_bot(http, emu)
    assert answer["shards"] == 5 and answer["session_start_limit"]["max_concurrency"] == 16
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await identify(ws, [0, 5])
        assert (await ws.receive_json(timeout=5))["t"] == "READY"
        await ws.close(code=4000)
    assert (await gateway_bot(http, emu))["session_start_limit"]["remaining"] == 999


@pytest.mark.parametrize("shard", [[2, 2], [0, 0], [-1, 2], [0], ["0", "2"], [True, 2], "0,2"])
async def test_identify_with_an_invalid_shard_is_closed_with_4010(
    emu: DiscordEmulator, http: aiohttp.ClientSession, shard: Any
) -> None:
    assert await close_code(http, emu, shard) == 4010
    assert any("invalid shard" in v for v in emu.clear_violations())
    assert emu.gateway.session_starts == 0


async def test_a_shard_with_too_many_guilds_is_closed_with_4011_sharding_required(
    emu: DiscordEmulator, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    emu.max_guilds_per_shard = 3  # Discord's 2500, scaled down
    spread_guilds(emu, clock, 4)
    assert await close_code(http, emu, None) == 4011
    assert await close_code(http, emu, [0, 1]) == 4011
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await identify(ws, [1, 2])  # two per shard: allowed
        assert (await ws.receive_json(timeout=5))["t"] == "READY"
        await ws.close(code=4000)


async def test_each_guild_is_on_the_shard_that_owns_it_and_only_there(
    emu: DiscordEmulator, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    guilds = spread_guilds(emu, clock, 6)
    channels = {g.id: emu.add_text_channel(g, "films") for g in guilds}
    owner = {g.id: shard_of(g.id, 2) for g in guilds}
    assert set(owner.values()) == {0, 1}
    emu.max_concurrency = 2  # shards 0 and 1 are in different buckets: both may identify at once
    async with (
        http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws0,
        http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws1,
    ):
        shards = [Shard(ws0), Shard(ws1)]
        for n, shard in enumerate(shards):
            await identify(shard.ws, [n, 2])
        for n, shard in enumerate(shards):
            frames = await shard.frames_until_quiet()
            ready = frames[0]
            assert ready["t"] == "READY" and ready["d"]["shard"] == [n, 2]
            mine = [str(g) for g, s in owner.items() if s == n]
            assert [g["id"] for g in ready["d"]["guilds"]] == mine
            assert [f["d"]["id"] for f in frames[1:] if f.get("t") == "GUILD_CREATE"] == mine
        for guild in guilds:
            member = emu.add_member(guild, f"fan-{guild.id}")
            await emu.send_user_message(channels[guild.id], member, "Not quite my tempo.")
        late = spread_guilds(emu, clock, 2)  # a join goes to its shard as well
        for n, shard in enumerate(shards):
            frames = await shard.frames_until_quiet()
            seen = {f["d"].get("guild_id") or f["d"].get("id") for f in frames if f.get("op") == 0}
            expected = {str(g.id) for g in [*guilds, *late] if shard_of(g.id, 2) == n}
            assert seen == expected
        await ws0.close(code=4000)
        await ws1.close(code=4000)


async def test_identify_faster_than_max_concurrency_gets_an_invalid_session(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    emu.identify_window = 5.0  # Discord's window (the `emu` fixture turns it off for the pause-less test bot)
    async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as ws:
        await identify(ws, [0, 2])
        assert (await ws.receive_json(timeout=5))["t"] == "READY"
        async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as eager:
            await identify(eager, [1, 2])  # bucket 1 % 1 == 0 % 1: the same bucket, within 5 s
            assert await eager.receive_json(timeout=5) == {"op": 9, "d": False}
        assert emu.gateway.identify_refused == [(1, 2)] and emu.gateway.session_starts == 1
        emu.max_concurrency = 2  # now shard 1 has its own bucket
        async with http.ws_connect(emu.gateway_url + "?v=10&encoding=json") as patient:
            await identify(patient, [1, 2])
            assert (await patient.receive_json(timeout=5))["t"] == "READY"
            await patient.close(code=4000)
        await ws.close(code=4000)
