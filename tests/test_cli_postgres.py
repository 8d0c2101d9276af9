"""The command line on PostgreSQL, run as a real subprocess: migrate-to-postgres, export, check, backup/restore."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.emulator import DiscordEmulator
from bot.storage import ReplyDelete, ReplyRecord, Schedule, Storage, open_storage
from bot.storage.moderation import PromptFields
from tests.backends import create_database
from tests.harness import TOKEN, eventually
from tests.postgres import PostgresServer
from tests.test_cli import CLI, clean_env, run_cli
from tests.test_config_shards import _connections

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
KEY = bytes(range(32))
KEY_TEXT = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of KEY


async def seed(db: Path, *, data_key: bytes | None = None) -> None:
    """Something in every table a running bot writes."""
    async with await Storage.open(db, data_key=data_key) as storage:
        await storage.guilds.guilds_seen([1, 2], NOW)
        await storage.discussion.save_schedule(
            Schedule(1, 10, "09:00", "Europe/Berlin", 127, None, 5, 11, False, 99, NOW)
        )
        for day in range(3):
            await storage.discussion.claim_post(
                1, date(2026, 11, 21) + timedelta(days=day), f"p{day}", 10, f"n{day}", NOW
            )
        await storage.discussion.mark_sent(1, date(2026, 11, 21), 900, NOW)
        await storage.discussion.queue_prompt(1, "p9", NOW)
        replies = [
            ReplyRecord(1000 + i, 1, date(2026, 11, 21), "p0", 900, 900, 50 + i % 3, "andrew", NOW, None, f"take {i} ü")
            for i in range(450)
        ]
        await storage.replies.apply_reply_ops([*replies, ReplyDelete(1, (1003,), NOW)])
        await storage.privacy.set_optout(1, 77, True, NOW)
        await storage.privacy.forget_member(1, 78, before_id=5000)
        await storage.content_state.record_fact(1, 10, "", "f1", NOW, new_round=False)
        await storage.moderation.add_server_prompt(1, PromptFields(text="What makes a tempo?"), 5, NOW)
        await storage.moderation.add_suggestion(1, 50, "Ask about Fletcher", NOW, max_pending=3)


async def export_lines(target: str | Path, *, data_key: bytes | None = None) -> list[str]:
    async with await open_storage(target, data_key=data_key) as storage:
        return [repr(row) async for row in storage.replies.export_rows(1)]


@pytest.mark.parametrize("encrypted", [False, True])
async def test_migrate_to_postgres_copies_everything_verified_and_refuses_a_second_time(
    tmp_path: Path, pg_server: PostgresServer, encrypted: bool
) -> None:
    db = tmp_path / "bot.db"
    key = KEY if encrypted else None
    await seed(db, data_key=key)
    url = await create_database(pg_server, template="template0")  # a new, empty database: no tables at all
    env = {"DATABASE_PATH": str(db)} | ({"DATA_KEY": KEY_TEXT} if encrypted else {})

    result = await asyncio.to_thread(run_cli, "migrate-to-postgres", url, cwd=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    assert "copied" in result.stdout and "verified" in result.stdout and "whiplash-test" not in result.stdout

    assert await export_lines(url, data_key=key) == await export_lines(db, data_key=key)
    async with await open_storage(url, data_key=key) as pg:
        assert await pg.replies.count_replies(1, include_deleted=True) == 450
        assert (await pg.discussion.get_schedule(1)) is not None
        assert [p.number for p in await pg.discussion.recent_posts(1, 5)] == [3, 2, 1]
        assert await pg.discussion.is_opted_out(1, 77)
        assert await pg.content_state.shown_facts(1, 10, "") == ["f1"]
        suggestion = await pg.moderation.add_suggestion(1, 51, "Another", NOW, max_pending=3)
        assert suggestion is not None and suggestion.suggestion_id == 2  # the identity goes on after the copy
        assert (await pg.moderation.add_server_prompt(1, PromptFields(text="Next?"), 5, NOW)).prompt_id == "s-2"

    again = await asyncio.to_thread(run_cli, "migrate-to-postgres", url, cwd=tmp_path, **env)
    assert again.returncode == 1
    assert again.stderr.count("\n") == 1 and "not empty" in again.stderr


async def test_migrate_to_postgres_refuses_a_database_of_something_else(
    tmp_path: Path, pg_server: PostgresServer
) -> None:
    db = tmp_path / "bot.db"
    await seed(db)
    url = await create_database(pg_server, template="template0")
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE invoices (id INTEGER)")
    await conn.close()
    result = await asyncio.to_thread(run_cli, "migrate-to-postgres", url, cwd=tmp_path, DATABASE_PATH=str(db))
    assert result.returncode == 1 and "not empty" in result.stderr and "invoices" in result.stderr
    conn = await asyncpg.connect(url)
    tables = await conn.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    await conn.close()
    assert [t["table_name"] for t in tables] == ["invoices"]  # nothing was created or copied


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://whiplash:wrong@127.0.0.1:{port}/postgres", "password"),
        ("postgresql://whiplash:pw@127.0.0.1:1/postgres", "cannot reach"),
        ("postgresql://whiplash@127.0.0.1:notaport/db", "not a valid|malformed host or port"),
    ],
)
async def test_a_bad_url_is_one_line_and_exit_2(tmp_path: Path, pg_server: PostgresServer, url: str, says: str) -> None:
    url = url.format(port=pg_server.port)
    db = tmp_path / "bot.db"
    await seed(db)
    for args, env in (
        (("migrate-to-postgres", url), {"DATABASE_PATH": str(db)}),
        (("export", "--guild", "1"), {"DATABASE_URL": url}),
    ):
        result = await asyncio.to_thread(run_cli, *args, cwd=tmp_path, **env)
        assert result.returncode == 2, (args, result.stderr)
        # the argument of migrate-to-postgres and the DATABASE_URL of the config word a malformed URL each their way
        assert result.stderr.count("\n") == 1 and re.search(says, result.stderr) and "Traceback" not in result.stderr
        assert ":wrong@" not in result.stderr and ":pw@" not in result.stderr


@pytest.mark.parametrize(
    ("database", "password", "says"),
    [("postgres", "wrong", "refused the user name or password"), ("nosuchdb", None, "does not exist")],
    ids=["wrong-password", "missing-database"],
)
def test_run_with_a_postgresql_it_cannot_use_exits_2_with_one_line_before_discord(
    tmp_path: Path, pg_server: PostgresServer, listener: socket.socket, database: str, password: str | None, says: str
) -> None:
    """README, PostgreSQL: a wrong password stops `run` with one line naming DATABASE_URL and status 2, and
    Discord (here a port that counts connections) is never contacted."""
    url = pg_server.url(database, password=password) if password else pg_server.url(database)
    port = listener.getsockname()[1]
    result = run_cli(
        "run",
        cwd=tmp_path,
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=url,
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "DATABASE_URL" in lines[0] and says in lines[0] and "Traceback" not in lines[0]
    assert ":wrong@" not in lines[0] and "whiplash-test" not in lines[0]  # never the password
    assert _connections(listener) == 0
    assert not (tmp_path / "data").exists()  # no fallback to the SQLite file


def test_migrate_to_postgres_wants_a_postgresql_url(tmp_path: Path) -> None:
    result = run_cli("migrate-to-postgres", "mysql://x@y/z", cwd=tmp_path, DATABASE_PATH=str(tmp_path / "bot.db"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "postgresql://" in result.stderr


async def test_export_and_check_work_on_postgresql(tmp_path: Path, pg_server: PostgresServer) -> None:
    url = await create_database(pg_server)
    async with await open_storage(url) as storage:
        await storage.replies.apply_reply_ops(
            [ReplyRecord(5, 1, date(2026, 11, 21), "p", 9, 9, 7, "andrew", NOW, None, "hello from PostgreSQL")]
        )
    result = await asyncio.to_thread(run_cli, "export", "--guild", "1", cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].endswith(",hello from PostgreSQL,false,0")  # highlighted, reaction_count
    result = await asyncio.to_thread(run_cli, "check", cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr
    conn = await asyncpg.connect(url)
    await conn.execute("UPDATE schema_version SET version = 999")
    await conn.close()
    result = await asyncio.to_thread(run_cli, "check", cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1 and "newer than this program" in result.stdout


@pytest.mark.parametrize(("command", "tool"), [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_backup_and_restore_on_postgresql_point_to_pg_tools(tmp_path: Path, command: str, tool: str) -> None:
    url = "postgresql://bot:secret@db.invalid/whiplash"
    result = run_cli(command, str(tmp_path / "copy.dump"), cwd=tmp_path, DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and tool in result.stderr and "secret" not in result.stderr


async def test_a_copy_that_does_not_verify_is_rolled_back(tmp_path: Path, pg_server: PostgresServer) -> None:
    """A target that changes rows as they arrive (here a trigger) fails the sample check: nothing stays."""
    from bot.storage.postgres import PostgresStorage
    from bot.storage.transfer import TransferError, copy_into

    db = tmp_path / "bot.db"
    await seed(db)
    url = await create_database(pg_server)
    conn = await asyncpg.connect(url)
    await conn.execute(
        "CREATE FUNCTION rename() RETURNS trigger AS $$ BEGIN NEW.author_name := 'someone else'; RETURN NEW; END $$ "
        "LANGUAGE plpgsql; CREATE TRIGGER rename BEFORE INSERT ON replies FOR EACH ROW EXECUTE FUNCTION rename()"
    )
    await conn.close()
    async with await PostgresStorage.open(url) as target:
        with pytest.raises(TransferError, match="table replies: the row message_id=1000 differs"):
            await copy_into(db, target)
        assert await target.replies.count_replies(1, include_deleted=True) == 0
        assert await target.guilds.get_guild(1) is None  # tables copied before it are rolled back too


async def test_run_on_postgresql_refuses_a_second_process_and_stops_with_sigterm(
    emu: DiscordEmulator, tmp_path: Path, pg_server: PostgresServer
) -> None:
    guild = emu.add_guild("Shaffer Conservatory")
    url = await create_database(pg_server)
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=url,
        DATABASE_PATH=str(tmp_path / "unused.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await emu.wait_until_ready(timeout=30)
        async with await open_storage(url) as storage:
            await eventually(lambda: storage.guilds.get_guild(guild.id), timeout=10)  # READY recorded the server
        second = await asyncio.create_subprocess_exec(
            *CLI, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await asyncio.wait_for(second.communicate(), timeout=30)
        finally:
            if second.returncode is None:  # it did not refuse: stop it, the test fails below
                second.kill()
                await second.wait()
        refused = out.decode() + err.decode()
        assert second.returncode == 1, refused
        assert "shard 0 is already run by another process" in refused and "Traceback" not in refused
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log and "Stopped; database closed" in log
    assert not (tmp_path / "unused.db").exists()  # the SQLite path is not touched
