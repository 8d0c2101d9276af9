"""Security end to end: server isolation, mention safety, the token kept secret, hostile YAML, injection text.

Each test drives the real bot through the emulator with a real SQLite file and looks at what Discord would
have received: message contents and files, who each message would have pinged (`_pings`, and `_mention_scope`
for what allowed_mentions permitted, which also covers ephemeral messages), and the log records.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.content import ContentPack
from bot.content.yaml_loading import DEFAULT_MAX_BYTES, YamlError, load_yaml_document
from bot.emulator import DiscordEmulator, StoredMessage, permissions
from tests.conftest import World
from tests.discussion_helpers import QUIET, bot_posts, has, logged, posted, schedule, services, tick
from tests.harness import TOKEN, FakeClock, run_bot
from tests.test_cli import CLI, clean_env

NO_PINGS = {"everyone": False, "roles": [], "users": []}


def every_bot_message(emu: DiscordEmulator) -> list[StoredMessage]:
    """Every message the bot made: in channels and threads, and every interaction response and follow-up."""
    found: dict[int, StoredMessage] = {}
    for channel_id in list(emu.channels):
        for message in emu.messages_in(channel_id):
            if message.author_id == emu.bot.id:
                found[message.id] = message
    for record in emu.interactions.values():
        for message in [record.original, *record.followups]:
            if message is not None:
                found[message.id] = message
    return list(found.values())


def visible_text(message: StoredMessage) -> str:
    """Everything a reader of the message sees: content, embeds, component labels and attached files."""
    files = " ".join(f.data.decode("utf-8", errors="replace") for f in message.files if not f.filename.endswith(".png"))
    return " ".join([message.content, json.dumps(message.embeds), json.dumps(message.components), files])


async def answer(emu: DiscordEmulator, guild: Any, where: Any, user: Any, command: str, **options: Any) -> str:
    handle = await emu.invoke(guild, where, user, command, options or None)
    return visible_text(await handle.message())


# ---- every query is scoped to its server --------------------------------------------------------------


async def test_no_command_in_server_b_shows_server_a_data(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    other = emu.add_guild("Nassau Band")
    other_channel = emu.add_text_channel(other, "practice")
    other_mod = emu.add_member(other, "nassau-mod", roles=[emu.add_role(other, "Mods", permissions.MANAGE_GUILD)])
    both = emu.get_user(world.member)  # the same person is a member of both servers
    emu.add_member(other, both)
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread_a = await posted(emu, world, running, clock)
        secrets = [f"server-A-secret-{i}" for i in range(3)]
        for text in secrets:
            last = await emu.send_user_message(thread_a, both, text)
        await logged(running, world.guild.id, has(last))
        await schedule(emu, world, guild=other, channel=other_channel)
        await (await emu.invoke(other, other_channel, other_mod, "schedule post-now")).message()
        thread_b = emu.get_channel(bot_posts(emu, other_channel)[0].id)
        mine = await emu.send_user_message(thread_b, other_mod, "server-B-own")
        await logged(running, other.id, has(mine))

        seen = [
            await answer(emu, other, other_channel, other_mod, "replies export"),
            await answer(emu, other, other_channel, other_mod, "replies export", format="jsonl"),
            await answer(emu, other, other_channel, both, "discussion stats", days=365),
            await answer(emu, other, other_channel, both, "discussion today"),
            await answer(emu, other, other_channel, both, "privacy status"),
            await answer(emu, other, other_channel, other_mod, "schedule show"),
        ]
        text_b = " ".join(seen)
        assert "server-B-own" in text_b  # the export of B holds B's reply ...
        for secret in secrets:
            assert secret not in text_b  # ... and nothing of A's
        assert str(thread_a.id) not in text_b and str(world.guild.id) not in text_b
        assert "Your logged replies to the daily discussion: 0." in seen[4]

        forgot = await answer(emu, other, other_channel, both, "privacy forget")
        assert "(0 entries)" in forgot
        optout = await answer(emu, other, other_channel, both, "privacy optout")
        assert "no longer stored" in optout
        assert await running.storage.privacy.member_summary(world.guild.id, both.id) == (3, False)  # A untouched
        again = await emu.send_user_message(thread_a, both, "still logged in A")
        await logged(running, world.guild.id, has(again))


# ---- nothing the bot sends can ping through stored or submitted text ----------------------------------


async def test_no_bot_message_can_ping_through_user_text(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    drummers = emu.add_role(world.guild, "Drummers", mentionable=True)
    emu.give_bot_role(world.guild, "Announcer", permissions.MENTION_EVERYONE)  # so any leak would really ping
    hostile = f"@everyone @here <@&{drummers.id}> <@{world.moderator.id}> <@!{world.moderator.id}>"
    # Display names are echoed in the stats' top participants (nicknames hold at most 32 characters).
    evil = emu.add_member(world.guild, "evil", nick="@everyone @here")
    role_named = emu.add_member(world.guild, "role-named", nick=f"<@&{drummers.id}>")
    user_named = emu.add_member(world.guild, "user-named", nick=f"<@{world.moderator.id}>")
    emu.get_guild(world.guild).name = "@everyone's server <@&" + str(drummers.id) + ">"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        await schedule(emu, world, ping_role=drummers)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
        await tick(running)
        post = bot_posts(emu, world.channel)[0]
        thread = emu.get_channel(post.id)
        for author in (evil, role_named, user_named, world.member):
            last = await emu.send_user_message(thread, author, hostile)
        direct = await emu.send_user_message(world.channel, evil, hostile, reference_message_id=post.id)
        await logged(running, world.guild.id, lambda rows: has(last)(rows) and has(direct)(rows))

        member, mod, g, ch = world.member, world.moderator, world.guild, world.channel
        outputs = [
            await answer(emu, g, ch, member, "discussion stats", days=30),
            await answer(emu, g, ch, member, "discussion today"),
            await answer(emu, g, ch, mod, "replies export"),
            await answer(emu, g, ch, mod, "replies export", format="jsonl"),
            await answer(emu, g, ch, mod, "schedule show"),
            await answer(emu, g, ch, evil, "privacy status"),
            await answer(emu, g, ch, evil, "privacy optout"),
            await answer(emu, g, ch, evil, "privacy forget"),
            await answer(emu, g, ch, mod, "schedule set", channel=ch, time=hostile[:20], timezone="Europe/Berlin"),
            await answer(emu, g, ch, mod, "schedule set", channel=ch, time="09:00", timezone=hostile[:64]),
            await answer(emu, g, ch, mod, "schedule set", channel=ch, time="09:00", timezone="UTC", days=hostile),
            await answer(emu, g, ch, member, "review search", query=hostile),
            await answer(emu, g, ch, member, "review excerpt", review=hostile),
            await answer(emu, g, ch, member, "film fact", category=hostile[:50]),
        ]
        assert "@everyone" in " ".join(outputs) or "@\u200beveryone" in " ".join(outputs)  # the text did go through
        assert f"<@&{drummers.id}>" in outputs[0] and f"<@{world.moderator.id}>" in outputs[0]  # names in stats
        await services(running)[1].flush()

    messages = every_bot_message(emu)
    assert len(messages) >= len(outputs) + 1
    for message in messages:
        allowed_roles = [drummers.id] if message.id == post.id else []
        assert message.pings["everyone"] is False, (message.content, message.embeds)
        assert message.pings["users"] == [], message.content
        assert message.pings["roles"] in ([], allowed_roles), message.content
        scope = message.get("_mention_scope") or NO_PINGS
        assert scope["everyone"] is False and scope["users"] == [], message.content
        assert [int(r) for r in scope["roles"]] in ([], allowed_roles), message.content
    assert post.pings["roles"] == [drummers.id]  # the configured role is the one ping there is


# ---- the token never appears ------------------------------------------------------------------------


async def test_token_is_absent_from_logs_and_exception_texts(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "MTEx.wrong-secret-token.zz"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    async with run_bot(emu, tmp_path / "bot.db", content, clock=clock, bot_options=QUIET) as running:
        thread = await posted(emu, world, running, clock)
        last = await emu.send_user_message(thread, world.member, "an answer")
        await logged(running, world.guild.id, has(last))
        await answer(emu, world.guild, world.channel, world.moderator, "replies export")
        await emu.close_gateway(4000)
        await emu.wait_for_resume()
        emu.fail("POST", r"/interactions/\d+/[^/]+/callback", 500, times=1)  # a failing command is logged
        handle = await emu.invoke(world.guild, world.channel, world.member, "film info")
        await handle.settle(0.3)
        assert repr(running.bot.settings).count(TOKEN) == 0 and str(running.bot.settings).count(TOKEN) == 0
    raised: list[BaseException] = []
    try:
        async with run_bot(emu, tmp_path / "bot.db", content, token=wrong):
            pass
    except discord.LoginFailure as exc:
        raised.append(exc)
    assert raised, "a wrong token must stop the login"
    texts = [record.getMessage() for record in caplog.records]
    texts += [logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info]
    texts += [repr(exc) + str(exc) + repr(exc.__cause__) + repr(exc.__context__) for exc in raised]
    assert len(texts) > 50  # the DEBUG log of a whole run was captured
    for text in texts:
        assert TOKEN not in text and wrong not in text
        assert TOKEN.split(".")[1] not in text and "wrong-secret-token" not in text


async def test_cli_run_with_a_rejected_token_never_prints_it(emu: DiscordEmulator, tmp_path: Path) -> None:
    wrong = "MTEx.rejected-secret.zz"
    env = clean_env(
        DISCORD_TOKEN=wrong,
        DATABASE_PATH=str(tmp_path / "bot.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="DEBUG",
    )
    process = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    output = stdout.decode() + stderr.decode()
    assert process.returncode == 1, output
    assert "Discord rejected DISCORD_TOKEN" in output
    assert wrong not in output and "rejected-secret" not in output


async def test_check_warns_without_a_data_key_and_not_with_one(tmp_path: Path) -> None:
    from tests.test_privacy_e2e import DATA_KEY

    async def check(**env: str) -> str:
        process = await asyncio.create_subprocess_exec(
            *CLI, "check", cwd=tmp_path, env=clean_env(**env), stdout=asyncio.subprocess.PIPE
        )
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0
        return stdout.decode()

    without, with_key = await asyncio.gather(check(), check(DATA_KEY=DATA_KEY))
    assert "warning: DATA_KEY is not set" in without
    assert "DATA_KEY" not in with_key and DATA_KEY not in with_key


# ---- hostile YAML ----------------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]
"""


@pytest.mark.parametrize("max_aliases", [0, 10])
def test_yaml_alias_bomb_is_rejected(max_aliases: int) -> None:
    with pytest.raises(YamlError, match="alias"):
        load_yaml_document(BILLION_LAUGHS, max_aliases=max_aliases)


def test_oversized_yaml_is_rejected_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"key: " + b"x" * DEFAULT_MAX_BYTES + b"\n")
    with pytest.raises(YamlError, match="too large"):
        load_yaml_document(big)
    with pytest.raises(YamlError, match="too large"):
        load_yaml_document(big.read_bytes())
    with pytest.raises(YamlError, match="too large"):
        load_yaml_document("a: b\n", max_bytes=4)


@pytest.mark.parametrize(
    "document",
    [
        "!!python/object/apply:os.system ['echo pwned']",
        "!!python/name:os.system",
        "a: &x 1\nb: *x\n",
        "<<: {a: 1}\n",
        "a: 1\na: 2\n",
        b"\xff\xfe not utf-8",
    ],
)
def test_unsafe_or_ambiguous_yaml_is_rejected(document: str | bytes) -> None:
    with pytest.raises(YamlError):
        load_yaml_document(document)


def test_deeply_nested_yaml_is_rejected_as_yaml_error() -> None:
    with pytest.raises(YamlError):
        load_yaml_document("[" * 5000 + "]" * 5000)


# ---- SQL and FTS metacharacters are data ----------------------------------------------------------------

INJECTION = "'); DROP TABLE replies;--"
SHORT_INJECTION = "');DROP TABLE s;--"  # /schedule set's time takes at most 20 characters


async def test_sql_and_fts_metacharacters_are_stored_and_returned_verbatim(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "bot.db"
    clock.set(datetime(2026, 11, 21, 7, 0, tzinfo=UTC))
    texts = [INJECTION, 'Robert"); DELETE FROM optouts WHERE ("1"="1', "x' OR '1'='1", '%_\\ NEAR(a b) * "unclosed']
    async with run_bot(emu, db, content, clock=clock, bot_options=QUIET) as running:
        g, ch, mod = world.guild, world.channel, world.moderator
        errors = [
            await answer(emu, g, ch, mod, "schedule set", channel=ch, time=SHORT_INJECTION, timezone="UTC"),
            await answer(emu, g, ch, mod, "schedule set", channel=ch, time="09:00", timezone="UTC", days=INJECTION),
        ]
        assert f"“{SHORT_INJECTION}”" in errors[0], errors
        assert "“')” is not a day" in errors[1], errors  # the days are split at spaces and commas, item by item
        assert await running.storage.discussion.get_schedule(g.id) is None
        for query in ['"unclosed', "NEAR(", "a OR", "*", "') OR 1=1 --", "excerpt_search MATCH 'x'", INJECTION]:
            text = await answer(emu, g, ch, world.member, "review search", query=query)
            assert "Something went wrong" not in text, (query, text)

        thread = await posted(emu, world, running, clock)
        sent = [await emu.send_user_message(thread, world.member, text) for text in texts]
        await emu.edit_user_message(thread, sent[-1], texts[-1] + " " + INJECTION)
        rows = await logged(running, g.id, lambda rows: len(rows) == len(texts) and rows[-1].edited_at)
        assert [r.content for r in rows] == [*texts[:-1], texts[-1] + " " + INJECTION]

        csv_message = await (await emu.invoke(g, ch, mod, "replies export")).message()
        jsonl_message = await (await emu.invoke(g, ch, mod, "replies export", {"format": "jsonl"})).message()
    exported = list(csv.DictReader(io.StringIO(csv_message.files[0].data.decode("utf-8"))))
    assert [row["content"] for row in exported] == [r.content for r in rows]
    lines = jsonl_message.files[0].data.decode("utf-8").splitlines()
    assert [json.loads(line)["content"] for line in lines] == [r.content for r in rows]
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"replies", "optouts", "guilds", "schedules"} <= tables
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
