"""The command line (SPEC §4) and the one place that wires settings, database and bot together."""

from __future__ import annotations

import argparse
import asyncio
import base64
import errno
import importlib.metadata
import logging
import os
import secrets
import signal
import socket
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import discord

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.content import ContentPack
    from bot.discussion.export import ExportFormat
    from bot.sharding import ShardLease
    from bot.storage import Storage
    from bot.storage.guard import FileWatch
    from bot.storage.postgres import ShardLease as PostgresShardLease

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_CONFIG = 2
EXIT_DATABASE_LOST = 3  # distinct, so a supervisor can be told not to restart onto the wrong file

# How often `run` checks that its database file is still the one it opened (README: "within a minute").
DATABASE_WATCH_SECONDS = 30.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="whiplash-bot", description="A Discord bot for film discussion.")
    parser.add_argument("--version", action="version", version=f"whiplash-bot {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="start the bot (migrates the database first)")
    sub.add_parser("check", help="validate config, content pack and migrations offline")
    sync = sub.add_parser("sync", help="register slash commands globally or in one server")
    sync.add_argument("--guild", type=_snowflake, metavar="ID", help="sync to this server only (instant)")
    export = sub.add_parser("export", help="the logged replies of one server as CSV or JSONL, like /replies export")
    export.add_argument("--guild", type=_snowflake, metavar="ID", required=True, help="the server's id")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--out", type=Path, metavar="FILE", help="file to write (default: standard output)")
    backup = sub.add_parser("backup", help="write a consistent online copy of the database")
    backup.add_argument("file", type=Path, metavar="FILE")
    restore = sub.add_parser("restore", help="replace the database with a backup (only while the bot is stopped)")
    restore.add_argument("file", type=Path, metavar="FILE")
    sub.add_parser("genkey", help="print a new random DATA_KEY for encrypting replies at rest")
    move = sub.add_parser("migrate-to-postgres", help="copy the SQLite database into an empty PostgreSQL database")
    move.add_argument("url", metavar="URL", help="postgresql://USER:PASSWORD@HOST:PORT/DATABASE (empty)")
    sandbox = sub.add_parser("sandbox", help="try the bot in a browser: built-in Discord, no token, no network")
    sandbox.add_argument("--port", type=_port, default=8765, metavar="N", help="page port on 127.0.0.1")
    sandbox.add_argument("--data", type=Path, metavar="DIR", help="keep the sandbox database here (default: temp)")
    sandbox.add_argument("--no-browser", action="store_true", help="do not open the page in a browser")
    return parser


def _version() -> str:
    """The installed package's version (pyproject.toml)."""
    try:
        return importlib.metadata.version("whiplash-bot")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535; 0 picks a free one)")
    return int(text)


def _snowflake(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 2**64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a Discord id (a positive whole number)")
    return int(text)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `whiplash-bot` console script."""
    args = _parser().parse_args(argv)
    if args.command == "sandbox":  # needs no settings: no token, its own database
        from bot.sandbox import run_sandbox

        sys.exit(run_sandbox(args.port, args.data, open_browser=not args.no_browser))
    if args.command == "genkey":
        print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii"))
        sys.exit(EXIT_OK)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    handlers = {
        "run": _cmd_run,
        "check": _cmd_check,
        "sync": _cmd_sync,
        "backup": _cmd_backup,
        "restore": _cmd_restore,
        "export": _cmd_export,
        "migrate-to-postgres": _cmd_migrate_to_postgres,
    }
    sys.exit(handlers[args.command](settings, args))


def _storage_target(settings: Settings) -> str | Path:
    """The database this run uses: the PostgreSQL URL of DATABASE_URL, else the SQLite file (DATABASE_PATH, or
    the path of a `sqlite:///PATH` DATABASE_URL, which the config has already put there).

    The one place the CLI turns the parsed config into what `bot.storage.open_storage` takes.
    """
    database = settings.database
    if database.kind == "postgresql" and database.url is not None:
        return database.url.get_secret_value()
    return settings.database_path


def _setup_logging(settings: Settings) -> None:
    discord.utils.setup_logging(level=getattr(logging, settings.log_level), root=True)
    logging.getLogger("asyncpg.pool").addFilter(_reason_not_traceback)


def _reason_not_traceback(record: logging.LogRecord) -> bool:
    """asyncpg's pool logs a failed reconnect (PostgreSQL restarting) with a traceback: give its reason, one line."""
    if record.exc_info and record.exc_info[1] is not None:
        record.msg, record.args = f"{record.getMessage()}: {record.exc_info[1]}", ()
        record.exc_info, record.exc_text = None, None
    return True


def _require_token(settings: Settings) -> str | None:
    try:
        return settings.token()
    except ConfigError as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        return None


def _load_content_or_report(settings: Settings) -> ContentPack | None:
    from bot.content import ContentError, default_content_dir, load_content

    folder = settings.content_dir or default_content_dir()
    try:
        return load_content(folder)
    except ContentError as exc:
        for problem in exc.problems:
            print(f"whiplash-bot: content problem: {problem}", file=sys.stderr)
        return None


def _connect_prerequisites(settings: Settings) -> tuple[str, ContentPack] | int:
    """What `run` and `sync` need before talking to Discord: the token and the content; else an exit code."""
    token = _require_token(settings)
    if token is None:
        return EXIT_CONFIG
    _setup_logging(settings)
    content = _load_content_or_report(settings)
    if content is None:
        return EXIT_PROBLEMS
    return token, content


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    ready = _connect_prerequisites(settings)
    if isinstance(ready, int):
        return ready
    token, content = ready
    return asyncio.run(_serve(settings, content, token))


async def _serve(
    settings: Settings, content: ContentPack, token: str, *, watch_seconds: float = DATABASE_WATCH_SECONDS
) -> int:
    """Run the bot until SIGTERM/SIGINT, holding the database's instance lock the whole time."""
    from bot.sharding import ShardScope, ShardTaken
    from bot.storage.guard import InstanceError, InstanceLock, free_space_problem

    target = _storage_target(settings)
    if isinstance(target, str):  # PostgreSQL: no file to lock or watch
        return await _serve_postgres(settings, content, token, target)
    lease = _shard_lease(settings)
    if lease is None:
        log.error("Cannot start: DATABASE_URL selects a database this build cannot open")
        return EXIT_CONFIG
    try:
        lock = InstanceLock(settings.database_path).acquire()
    except InstanceError as exc:
        log.error("Cannot start: %s", exc)
        return EXIT_PROBLEMS
    try:
        full = free_space_problem(settings.database_path)
        if full is not None:
            log.error("Cannot start: %s", full)
            return EXIT_PROBLEMS
        try:
            await lease.acquire(settings.shards or ShardScope.every())
        except ShardTaken as exc:
            log.error("Cannot start: %s", exc)
            return EXIT_PROBLEMS
        try:
            return await _serve_locked(settings, content, token, watch_seconds)
        finally:
            await lease.release()
    finally:
        lock.release()


def _shard_lease(settings: Settings) -> ShardLease | None:
    """The lease on this process's shards (None: the database kind has no backend in this build).

    SQLite: the instance lock admits one process, which runs every shard, so nothing more is needed.
    PostgreSQL: one advisory lock per shard, held on its own connection (see `bot.sharding.ShardLease`).
    """
    from bot.sharding import NoLease

    if settings.database.kind == "sqlite":
        return NoLease()
    return None


async def _serve_locked(settings: Settings, content: ContentPack, token: str, watch_seconds: float) -> int:
    from bot.hooks import point_at
    from bot.storage import Storage, StorageError
    from bot.storage.guard import FileWatch

    point_at(settings.discord_api_base, settings.discord_gateway_url)
    try:
        storage = await Storage.open(settings.database_path, data_key=settings.data_key_bytes())
    except StorageError as exc:
        log.error("Cannot start: %s", exc)
        return EXIT_PROBLEMS
    watch: FileWatch | None = None
    try:
        async with storage:
            watch = FileWatch(settings.database_path)
            code = await _run_bot(settings, storage, content, token, watch, watch_seconds)
    finally:
        if watch is not None:
            watch.close()  # only after the storage is closed: see FileWatch
    if code == EXIT_OK:
        log.info("Stopped; database closed")
    return code


async def _lease_shards(settings: Settings, url: str) -> PostgresShardLease:
    """PostgreSQL's one-instance rule: hold this process's shards (SHARD_COUNT/SHARD_IDS; unset: all of them)."""
    from bot.storage.postgres import ALL_SHARDS, ShardLease

    scope = settings.shards
    if scope is None:  # SHARD_COUNT unset: this process runs every shard, however many Discord recommends
        return await ShardLease.acquire(url, ALL_SHARDS, [0])
    return await ShardLease.acquire(url, scope.count, scope.ids)


async def _serve_postgres(settings: Settings, content: ContentPack, token: str, url: str) -> int:
    from bot.hooks import point_at
    from bot.storage import StorageError, open_storage
    from bot.storage.guard import InstanceError

    point_at(settings.discord_api_base, settings.discord_gateway_url)
    try:
        lease = await _lease_shards(settings, url)
    except (InstanceError, StorageError) as exc:
        log.error("Cannot start: %s", exc)
        return EXIT_CONFIG if str(exc).startswith("DATABASE_URL") else EXIT_PROBLEMS
    try:
        try:
            storage = await open_storage(url, data_key=settings.data_key_bytes())
        except StorageError as exc:
            log.error("Cannot start: %s", exc)
            return EXIT_CONFIG if str(exc).startswith("DATABASE_URL") else EXIT_PROBLEMS
        async with storage:
            code = await _run_bot(settings, storage, content, token, None, 0.0, lease)
    finally:
        await lease.release()
    if code == EXIT_OK:
        log.info("Stopped; database closed")
    return code


async def _run_bot(
    settings: Settings,
    storage: Storage,
    content: ContentPack,
    token: str,
    watch: FileWatch | None,
    watch_seconds: float,
    lease: PostgresShardLease | None = None,
) -> int:
    """Connect and serve until stopped by a signal, the watch finding the database file gone, or the lease lost."""
    import aiohttp

    from bot.client import ShardedWhiplashBot
    from bot.gctuning import tune_gc
    from bot.sharding import describe
    from bot.tasks import TaskGroup

    shards = settings.shards
    if shards is None:
        log.info("Running every shard of Discord's recommended count in this process")
        bot = ShardedWhiplashBot(settings=settings, storage=storage, content=content)
    else:
        log.info("Running %s in this process", describe(shards))
        bot = ShardedWhiplashBot(
            settings=settings, storage=storage, content=content, shard_count=shards.count, shard_ids=list(shards.ids)
        )
    closer = TaskGroup("shutdown")
    watcher = TaskGroup("database-watch")
    lost: list[str] = []

    async def _database_lost(problem: str) -> None:
        # Writing on would go to a file nobody will read again, and a restart on the new file would
        # post today's prompt a second time: stop, and let the operator restore the right file.
        log.error("Stopping: %s; restore the database (whiplash-bot restore FILE) before starting again", problem)
        lost.append(problem)
        if not len(closer):
            closer.spawn(bot.close(), name="close-bot")

    if watch is not None:
        watcher.spawn(watch.watch(watch_seconds, _database_lost), name="database-watch")

    async def _watch_lease(lease: PostgresShardLease) -> None:
        # No second try at the locks: while they were free another process may have taken and run these
        # shards, and a restart is the tested way back in (README, "Deployment"). Queued replies are written
        # by the close; what cannot be, the restarted process's backfill reads again from the threads.
        reason = await lease.lost()
        log.error(
            "Lost the PostgreSQL lease on %s (%s): stopping so that no other process runs them twice; "
            "restart this process to take them back",
            describe(shards) if shards is not None else "every shard",
            reason,
        )
        lease_lost.append(reason)
        if not len(closer):
            closer.spawn(bot.close(), name="close-bot")

    lease_lost: list[str] = []
    if lease is not None:
        watcher.spawn(_watch_lease(lease), name="lease-watch")

    def _stop() -> None:
        if not len(closer):
            log.info("Shutting down")
            closer.spawn(bot.close(), name="close-bot")

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, _stop)
    tune_gc()  # the start-up's objects live as long as the process: see bot/gctuning.py
    try:
        async with bot:
            await bot.start(token)
    except discord.LoginFailure:
        log.error("Discord rejected DISCORD_TOKEN: copy the token again from the Developer Portal (Bot page).")
        return EXIT_PROBLEMS
    except discord.PrivilegedIntentsRequired:
        log.error(
            "The Message Content intent is not enabled: turn on 'Message Content Intent' on the Bot page "
            "of the Developer Portal, then start the bot again."
        )
        return EXIT_PROBLEMS
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.error("Cannot reach Discord at %s: %s", settings.discord_api_base, _network_reason(exc))
        return EXIT_PROBLEMS
    except discord.ConnectionClosed as exc:
        problem = _SHARD_CLOSE_CODES.get(exc.code)
        if problem is None:
            raise
        log.error("Discord closed the connection (%s): %s", exc.code, problem)
        return EXIT_CONFIG
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await watcher.close()
        await closer.join()
    if lost:
        return EXIT_DATABASE_LOST
    return EXIT_PROBLEMS if lease_lost else EXIT_OK


# Gateway close codes that mean the shard settings are wrong: restarting with the same settings cannot help.
_SHARD_CLOSE_CODES = {
    4010: "it refused the shard settings; check SHARD_COUNT and SHARD_IDS",
    4011: "a shard may serve at most 2,500 servers; raise SHARD_COUNT, or unset it to use Discord's recommended count",
}


def _network_reason(exc: BaseException) -> str:
    """The OS's words for a failed connection ("Connection refused"), without aiohttp's wrapping."""
    inner = getattr(exc, "os_error", None) or exc
    if isinstance(inner, TimeoutError):
        return "timed out"
    if isinstance(inner, socket.gaierror):  # the name did not resolve: its own words, not os.strerror's
        return f"cannot resolve the host name ({inner.strerror})"
    code = getattr(inner, "errno", None)
    return os.strerror(code) if isinstance(code, int) and code > 0 else str(inner) or type(inner).__name__


def _cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import check_content, default_content_dir
    from bot.storage import StorageError, load_migrations

    problems: list[str] = []
    folder = settings.content_dir or default_content_dir()
    problems.extend(str(problem) for problem in check_content(folder))
    target = _storage_target(settings)
    migrations = []
    try:
        migrations = load_migrations()
        if isinstance(target, str):
            problems.extend(asyncio.run(_check_postgres(target, len(load_migrations("postgresql")))))
        else:
            _check_database_path(settings.database_path, problems)
            _check_migrations(settings.database_path, len(migrations), problems)
    except StorageError as exc:
        problems.append(f"migrations: {exc}")
    for line in problems:
        print(f"problem: {line}")
    if settings.data_key is None:
        print("warning: DATA_KEY is not set, so reply content is stored unencrypted (`whiplash-bot genkey` makes one)")
    if problems:
        print(f"{len(problems)} problem(s) found")
        return EXIT_PROBLEMS
    print(f"ok: settings, content pack ({folder}) and {len(migrations)} migrations are valid")
    return EXIT_OK


async def _check_postgres(url: str, latest: int) -> list[str]:
    """The PostgreSQL side of `check`: the server answers, and its schema is not newer than this program's."""
    from bot.storage import StorageError, load_migrations
    from bot.storage.postgres import create_pool, read_version
    from bot.storage.urls import describe_url

    if [m.name for m in load_migrations("postgresql")] != [m.name for m in load_migrations()]:
        return ["migrations: bot/storage/migrations/postgresql/ does not match the SQLite migrations one for one"]
    try:
        pool = await create_pool(url, size=1)
    except StorageError as exc:
        return [str(exc)]
    try:
        async with pool.acquire() as conn:
            version = await read_version(conn)
    finally:
        await pool.close()
    if version > latest:
        return [f"{describe_url(url)}: schema version {version} is newer than this program's {latest}"]
    return []


def _check_database_path(database: Path, problems: list[str]) -> None:
    """Can `run` create or write the database? Tried for real: file modes say nothing to root or a read-only mount."""
    from bot.storage.guard import describe_os_error

    folder = database.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", str(existing))
        if database.is_dir():
            problems.append(f"DATABASE_PATH {database} is a folder; it must name a file")
            return
        if database.exists():
            os.close(os.open(database, os.O_RDWR))
        with tempfile.TemporaryFile(dir=existing):
            pass  # the -wal, -shm and lock files are created beside the database
    except OSError as exc:
        problems.append(f"DATABASE_PATH: {describe_os_error(exc, database)}")


def _check_migrations(database: Path, latest: int, problems: list[str]) -> None:
    """Apply every migration to a scratch in-memory database, then compare with the real file."""
    from bot.storage import load_migrations

    scratch = sqlite3.connect(":memory:")
    try:
        for migration in load_migrations():
            try:
                scratch.executescript(migration.sql)
            except sqlite3.Error as exc:
                problems.append(f"migrations/{migration.name}: {exc}")
                return
    finally:
        scratch.close()
    if database.exists():
        try:
            real = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
            try:
                version = int(real.execute("PRAGMA user_version").fetchone()[0])
            finally:
                real.close()
        except sqlite3.Error as exc:
            problems.append(f"{database}: cannot be read as an SQLite database: {exc}")
            return
        if version > latest:
            problems.append(f"{database}: schema version {version} is newer than this program's {latest}")


def _cmd_sync(settings: Settings, args: argparse.Namespace) -> int:
    ready = _connect_prerequisites(settings)
    if isinstance(ready, int):
        return ready
    token, content = ready
    return asyncio.run(_sync(settings, content, token, args.guild))


async def _sync(settings: Settings, content: ContentPack, token: str, guild_id: int | None) -> int:
    from bot.client import WhiplashBot
    from bot.hooks import point_at
    from bot.storage import StorageError, open_storage

    point_at(settings.discord_api_base, settings.discord_gateway_url)
    try:
        storage = await open_storage(_storage_target(settings), data_key=settings.data_key_bytes())
    except StorageError as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG if str(exc).startswith("DATABASE_URL") else EXIT_PROBLEMS
    async with storage:
        bot = WhiplashBot(settings=settings, storage=storage, content=content)
        async with bot:
            try:
                await bot.login(token)
            except discord.LoginFailure:
                log.error("Discord rejected DISCORD_TOKEN: copy the token again from the Developer Portal.")
                return EXIT_PROBLEMS
            guild = discord.Object(id=guild_id) if guild_id else None
            if guild is not None:
                bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
    where = f"server {guild_id}" if guild_id else "all servers (global; may take up to an hour to show)"
    print(f"synced {len(synced)} commands to {where}")
    return EXIT_OK


def _cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_backup(settings, args.file))


async def _backup(settings: Settings, target: Path) -> int:
    from bot.storage import Storage, StorageError

    if isinstance(_storage_target(settings), str):
        print(
            "whiplash-bot: backup copies an SQLite database; on PostgreSQL use pg_dump: "
            f'pg_dump --format=custom --file={target} "$DATABASE_URL"',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    if not settings.database_path.exists():
        print(f"whiplash-bot: there is no database at {settings.database_path} to back up", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        async with await Storage.open(settings.database_path, check_data_key=False) as storage:  # copies, never reads
            await storage.backup_to(target)
    except StorageError as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    size = os.path.getsize(target)
    print(f"backed up {settings.database_path} to {target} ({size} bytes)")
    return EXIT_OK


def _cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Replace the database with a checked backup, only while no bot holds it.

    An older schema is restored as it is; `run` migrates it first thing, as after any upgrade.
    """
    from bot.storage import load_migrations
    from bot.storage.guard import InstanceError, InstanceLock, RestoreError, check_backup, replace_database

    source: Path = args.file
    if isinstance(_storage_target(settings), str):
        print(
            "whiplash-bot: restore replaces an SQLite database; on PostgreSQL stop the bot and use pg_restore: "
            f'pg_restore --clean --if-exists --dbname="$DATABASE_URL" {source}',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    target = settings.database_path
    try:
        with InstanceLock(target):
            version = check_backup(source, len(load_migrations()))
            replace_database(source, target)
    except (InstanceError, RestoreError) as exc:
        print(f"whiplash-bot: cannot restore: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except (OSError, sqlite3.Error) as exc:
        print(f"whiplash-bot: cannot restore {source} to {target}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    latest = len(load_migrations())
    later = f"; `run` migrates it to version {latest} when it starts" if version < latest else ""
    print(f"restored {target} from {source} (schema version {version}){later}")
    return EXIT_OK


def _cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_export(settings, args.guild, args.format, args.out))


async def _export(settings: Settings, guild_id: int, fmt: ExportFormat, out: Path | None) -> int:
    from bot.crypto import DecryptionError
    from bot.discussion.export import export_bytes
    from bot.storage import StorageError, open_storage

    target = _storage_target(settings)
    if isinstance(target, Path) and not target.exists():
        print(f"whiplash-bot: there is no database at {settings.database_path}", file=sys.stderr)
        return EXIT_PROBLEMS
    unreadable: list[int] = []
    try:
        async with await open_storage(target, data_key=settings.data_key_bytes()) as storage:
            data, count = await export_bytes(storage.replies.export_rows(guild_id, unreadable=unreadable), fmt)
    except (StorageError, DecryptionError) as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG if str(exc).startswith("DATABASE_URL") else EXIT_PROBLEMS
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        print(f"wrote {count} replies of server {guild_id} to {out}", file=sys.stderr)
    if unreadable:
        ids = ", ".join(map(str, unreadable))
        print(f"whiplash-bot: {len(unreadable)} replies cannot be decrypted and were left out: {ids}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def _cmd_migrate_to_postgres(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_migrate_to_postgres(settings, args.url))


async def _migrate_to_postgres(settings: Settings, url: str) -> int:
    """Copy DATABASE_PATH into the empty PostgreSQL database at `url`, in one transaction, verified."""
    from bot.storage import Storage, StorageError
    from bot.storage.guard import InstanceError, InstanceLock
    from bot.storage.postgres import PostgresStorage
    from bot.storage.transfer import copy_into, target_problem
    from bot.storage.urls import describe_url, is_postgres_url

    url = url.strip()
    if not is_postgres_url(url):
        print(
            "whiplash-bot: URL must be a postgresql:// URL, e.g. postgresql://bot:PASSWORD@db.host/whiplash",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    source = settings.database_path
    if not source.exists():
        print(f"whiplash-bot: there is no SQLite database at {source} (DATABASE_PATH) to copy", file=sys.stderr)
        return EXIT_CONFIG
    try:
        with InstanceLock(source):  # the bot must be stopped: a reply logged during the copy would be lost
            problem = await target_problem(url)
            if problem is not None:
                print(f"whiplash-bot: {problem}", file=sys.stderr)
                return EXIT_PROBLEMS
            async with await Storage.open(source, check_data_key=False):
                pass  # brings an older file to the current schema first, as `run` would
            async with await PostgresStorage.open(url, check_data_key=False) as target:
                report = await copy_into(source, target)
    except InstanceError as exc:
        print(f"whiplash-bot: cannot copy while the bot runs: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except StorageError as exc:
        print(f"whiplash-bot: {exc}", file=sys.stderr)
        return EXIT_CONFIG if str(exc).startswith("DATABASE_URL") else EXIT_PROBLEMS
    print(
        f"copied {report.rows} rows of {len(report.tables)} tables from {source} to {describe_url(url)}; "
        f"verified: every table's row count and {report.sampled} sampled rows"
    )
    busiest = sorted(report.tables.items(), key=lambda item: -item[1])[:4]
    print("  " + ", ".join(f"{table}: {count}" for table, count in busiest if count) or "  (no rows)")
    print("next: set DATABASE_URL to this URL (keep DATA_KEY as it is) and start the bot")
    return EXIT_OK


if __name__ == "__main__":
    main()
