"""One process per database, a database file that vanishes under the bot, and `whiplash-bot restore` (SPEC §4).

The lock and restore are tried with the real command line in subprocesses, as an operator meets them. The
file watch runs in-process through `bot.__main__._serve` (the code `run` runs), with a short check interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import _serve
from bot.content import ContentPack
from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.storage import Storage, load_migrations
from bot.storage.guard import FileWatch, InstanceLock
from bot.timeutil import Clock
from tests.conftest import World
from tests.discussion_helpers import bot_posts, schedule
from tests.harness import TOKEN, make_settings
from tests.test_cli import CLI, _seed, clean_env, run_cli

HELD = "another whiplash-bot instance holds the database"


@pytest.fixture
def clock() -> Clock:
    """`_serve` and `whiplash-bot run` run the bot on the machine's clock, so the emulator does too.

    On the default FakeClock the bot's clock check would rightly see the two disagree and post nothing.
    """
    return utc_now


def reply_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM replies").fetchone()[0])
    finally:
        conn.close()


async def test_a_second_run_exits_at_once_backup_and_export_work_restore_waits(
    emu: DiscordEmulator, tmp_path: Path
) -> None:
    emu.add_guild("Shaffer Conservatory")
    db = tmp_path / "bot.db"
    await _seed(db)
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(db),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="ERROR",
    )
    first = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await emu.wait_for_identify(count=1, timeout=30)
        second = await asyncio.to_thread(
            subprocess.run, [*CLI, "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30
        )
        assert second.returncode == 1
        assert len(second.stderr.strip().splitlines()) == 1 and HELD in second.stderr, second.stderr
        assert emu.identify_count == 1  # the second never reached Discord: no command runs twice

        backup = await asyncio.to_thread(run_cli, "backup", str(tmp_path / "copy.db"), cwd=tmp_path, **_db(db))
        assert backup.returncode == 0, backup.stderr
        export = await asyncio.to_thread(run_cli, "export", "--guild", "1", cwd=tmp_path, **_db(db))
        assert export.returncode == 0 and "hello from the CLI" in export.stdout, export.stderr
        refused = await asyncio.to_thread(run_cli, "restore", str(tmp_path / "copy.db"), cwd=tmp_path, **_db(db))
        assert refused.returncode == 1 and HELD in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1

        first.send_signal(signal.SIGKILL)  # flock dies with the process: no stale lock to clear by hand
        await first.wait()
        restored = await asyncio.to_thread(run_cli, "restore", str(tmp_path / "copy.db"), cwd=tmp_path, **_db(db))
        assert restored.returncode == 0, restored.stderr
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    assert reply_count(db) == 1


def _db(db: Path) -> dict[str, str]:
    return {"DATABASE_PATH": str(db)}


def test_restore_replaces_the_database_with_the_backup(tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.db"
    asyncio.run(_seed(db))
    assert run_cli("backup", str(tmp_path / "copy.db"), cwd=tmp_path, **_db(db)).returncode == 0
    conn = sqlite3.connect(db)  # a later write, left in the -wal, that the restore must not bring back
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("DELETE FROM replies")
    conn.commit()
    result = run_cli("restore", str(tmp_path / "copy.db"), cwd=tmp_path, **_db(db))
    conn.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [
        f"restored {db} from {tmp_path / 'copy.db'} (schema version {len(load_migrations())})"
    ]
    assert reply_count(db) == 1
    assert not [p.name for p in db.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda path: path.write_bytes(b"not a database at all" * 100), "is not an SQLite database"),
        ("corrupt", "integrity check"),
        ("newer", "newer than this program's"),
        (lambda path: None, "is not a file"),
    ],
    ids=["not-sqlite", "corrupt", "newer-schema", "missing"],
)
def test_restore_refuses_a_bad_backup_and_leaves_the_database_alone(tmp_path: Path, make: Any, reason: str) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(_seed(db))
    bad = tmp_path / "bad.db"
    if make == "corrupt":
        _corrupt_copy(db, bad)
    elif make == "newer":
        shutil.copyfile(db, bad)
        conn = sqlite3.connect(bad)
        conn.execute("PRAGMA user_version = 99")
        conn.close()
    else:
        make(bad)
    before = db.read_bytes()
    result = run_cli("restore", str(bad), cwd=tmp_path, **_db(db))
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert db.read_bytes() == before


def _corrupt_copy(db: Path, bad: Path) -> None:
    """A copy whose header is intact but whose replies table page is overwritten, as a torn write leaves it."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    root = int(conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'replies'").fetchone()[0])
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xa5" * page_size
    bad.write_bytes(bytes(data))


def test_restore_of_an_older_schema_is_migrated_at_the_next_start(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    for migration in load_migrations()[:2]:
        conn.executescript(migration.sql)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    db = tmp_path / "bot.db"
    result = run_cli("restore", str(old), cwd=tmp_path, **_db(db))
    assert result.returncode == 0 and "(schema version 2)" in result.stdout, result.stderr

    async def reopen() -> int:
        async with await Storage.open(db) as storage:
            return await storage.schema_version()

    assert asyncio.run(reopen()) == len(load_migrations())


async def _post_today(emu: DiscordEmulator, world: World) -> None:
    await schedule(emu, world)
    handle = await emu.invoke(world.guild, world.channel, world.moderator, "schedule post-now")
    await handle.message()


@pytest.mark.parametrize("how", ["rm", "mv", "cp"])
async def test_a_database_deleted_or_replaced_under_the_bot_stops_it(
    emu: DiscordEmulator, world: World, content: ContentPack, tmp_path: Path, caplog: Any, how: str
) -> None:
    caplog.set_level(logging.INFO)
    db = tmp_path / "bot.db"
    async with await Storage.open(db) as storage:
        await storage.backup_to(tmp_path / "old.db")  # taken before today's post: restoring it would post again
    settings = make_settings(emu, db, dev_guild_id=world.guild.id)
    serving = asyncio.create_task(_serve(settings, content, TOKEN, watch_seconds=0.05))
    try:
        await emu.wait_until_ready(timeout=30)
        await emu.wait_for_request("PUT", r"/guilds/\d+/commands", timeout=10)
        await _post_today(emu, world)
        assert len(bot_posts(emu, world.channel)) == 1
        # Reading from another process while the watch checks every 50 ms is no alarm (the CLI takes ~1 s):
        backup = await asyncio.to_thread(run_cli, "backup", str(tmp_path / "now.db"), cwd=tmp_path, **_db(db))
        assert backup.returncode == 0, backup.stderr
        assert not serving.done()
        if how == "rm":
            db.unlink()
        elif how == "mv":
            os.replace(tmp_path / "old.db", db)
        else:
            shutil.copyfile(tmp_path / "old.db", db)  # same inode, new content
        code = await asyncio.wait_for(serving, timeout=20)
    finally:
        if not serving.done():
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    word = {"rm": "was deleted", "mv": "was replaced", "cp": "was overwritten"}[how]
    assert code == 3  # README: RestartPreventExitStatus=3
    assert len(errors) == 1 and word in errors[0] and "restore" in errors[0], errors
    assert len(bot_posts(emu, world.channel)) == 1
    if how == "cp":  # the bot's old WAL was not checkpointed into the file put there, nor left to be replayed
        assert db.read_bytes() == (tmp_path / "old.db").read_bytes()
        assert not Path(f"{db}-wal").exists() and not Path(f"{db}-shm").exists()


async def test_the_file_watch_sees_nothing_wrong_in_the_bot_s_own_writes_and_checkpoints(tmp_path: Path) -> None:
    """No false alarm: SQLite's checkpoints write the main file too, and must never read as a `cp`.

    Another process reads the database meanwhile (as `whiplash-bot backup` does): the watch must not disturb
    SQLite's locks, or that process would rebuild the WAL index under the bot and its writes would fail.
    """
    db = tmp_path / "bot.db"
    problems: list[str] = []

    async def report(problem: str) -> None:
        problems.append(problem)

    storage = await Storage.open(db)
    watch = FileWatch(db)
    try:
        assert await asyncio.to_thread(_sqlite_shm_lock_held, db)
        watching = asyncio.create_task(watch.watch(0, report))
        try:
            for i in range(300):
                async with storage.transaction() as conn:
                    await conn.execute("INSERT INTO guilds (guild_id, joined_at) VALUES (?, ?)", (1000 + i, "2026"))
                if i % 7 == 0:
                    await storage.read("PRAGMA wal_checkpoint(PASSIVE)")
                if i % 50 == 0:
                    await storage.read("PRAGMA wal_checkpoint(TRUNCATE)")
                    assert await asyncio.to_thread(_count_in_another_process, db) == i + 1
                await asyncio.sleep(0)
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
        assert problems == []
        assert await asyncio.to_thread(_sqlite_shm_lock_held, db)  # the watch left SQLite's locks alone
        rows = await storage.read("SELECT COUNT(*) FROM guilds")
        assert rows[0][0] == 300
        # … while the same bytes copied over the file, at a later time, are caught:
        shutil.copyfile(db, tmp_path / "copy.db")
        shutil.copyfile(tmp_path / "copy.db", db)
        later = watch.opened.mtime_ns + 10_000_000  # file times tick coarsely; a real `cp` comes later than 10 ms
        os.utime(db, ns=(later, later))
        problem = watch.problem()
        assert problem is not None and "overwritten" in problem, problem
    finally:
        await storage.close()
        watch.close()


def _sqlite_shm_lock_held(db: Path) -> bool:
    """Whether a connection still holds SQLite's "dead man switch" read lock on the -shm (unix VFS: byte 128).

    Asked from another process, as another SQLite connection would: without the lock, that connection
    would take itself for the first one and rebuild the WAL index under the bot.
    """
    script = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "try:\n"
        "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)\n"
        "except OSError:\n"
        "    print('held')\n"
        "else:\n"
        "    print('free')\n"
    )
    result = subprocess.run([sys.executable, "-c", script, f"{db}-shm"], capture_output=True, text=True, check=True)
    return result.stdout.strip() == "held"


def _count_in_another_process(db: Path) -> int:
    script = (
        "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM guilds').fetchone()[0])"
    )
    result = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True, text=True, check=True)
    return int(result.stdout)


def test_a_lock_held_by_another_process_is_seen(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    with InstanceLock(db):
        result = run_cli("restore", str(tmp_path / "any.db"), cwd=tmp_path, **_db(db))
    assert result.returncode == 1 and HELD in result.stderr
