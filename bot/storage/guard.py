"""The database file from outside SQLite: one process per file, a file that vanishes, restore from a backup.

SQLite's own locks keep two connections from corrupting a page, but not two bots from both answering every
command: `InstanceLock` is an exclusive `flock` on `<db>.lock`, held for the life of the process (the kernel
drops it when the process dies, kill -9 included). `FileWatch` notices the file being deleted or replaced
under the running bot, which SQLite never reports: it goes on writing to the old, unlinked file.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import sqlite3
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Self

SQLITE_MAGIC = b"SQLite format 3\x00"
# Offsets into the `-shm` wal-index (https://sqlite.org/walformat.html): the salts of the current WAL in the
# first header copy, and nBackfill / nBackfillAttempted of the checkpoint info. Native byte order.
_SHM_SALT = slice(32, 40)
_SHM_BACKFILL = 96
_SHM_BACKFILL_ATTEMPTED = 128
_SHM_MIN_SIZE = 136
# Below this much free space `run` does not start: every write would fail, the first at READY.
MIN_FREE_BYTES = 1 << 20


class InstanceError(Exception):
    """Another process holds the database, or the lock file cannot be made; the message is one line."""


def lock_path(database: Path) -> Path:
    """Where the instance lock of `database` lives: beside it, so it follows the file's folder."""
    return database.with_name(database.name + ".lock")


def describe_os_error(exc: OSError, path: Path) -> str:
    """One sentence for the OS errors an operator meets on the database's folder."""
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"{path} cannot be written ({exc.strerror}): make its folder writable for the bot's user"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        return f"{blocker} is a file where a folder is needed for {path}"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the disk holding {path}: free some space"
    return f"{path}: {exc.strerror or exc}"


def free_space_problem(database: Path, minimum: int = MIN_FREE_BYTES) -> str | None:
    """A sentence when the disk holding `database` has less than `minimum` bytes free for the bot's user."""
    try:
        info = os.statvfs(database.parent)
    except OSError:
        return None  # opening the database reports a missing or unreadable folder more precisely
    if info.f_bavail * info.f_frsize < minimum:
        return f"no space left on the disk holding {database}: free some space"
    return None


class InstanceLock:
    """An exclusive, non-blocking `flock` on `<db>.lock`; `acquire` raises InstanceError if it is taken."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = lock_path(database)
        self._file: IO[bytes] | None = None

    def acquire(self) -> Self:
        """Take the lock (creating the folder and the lock file) or raise InstanceError with one line."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+b")
        except OSError as exc:
            raise InstanceError(describe_os_error(exc, self.database)) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise InstanceError(
                f"another whiplash-bot instance holds the database {self.database} (lock {self.path}): "
                "stop it first, only one may run per database"
            ) from None
        except OSError as exc:
            handle.close()
            raise InstanceError(describe_os_error(exc, self.path)) from None
        self._file = handle
        return self

    def release(self) -> None:
        """Drop the lock; the lock file stays (removing it could split two waiting processes onto two files)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@dataclass(frozen=True, slots=True)
class FileState:
    """What identifies the database file, and whether SQLite's checkpoints account for its last change."""

    device: int
    inode: int
    mtime_ns: int
    size: int
    checkpoints: bytes | None  # WAL salts + backfill counter; None while a checkpoint is half done


class FileWatch:
    """Checks that the database file is still the one the bot opened, untouched by other programs.

    The `-shm` file is read through one descriptor kept open until `close`, which must come after the
    database connection is closed: closing any descriptor of a file drops every POSIX lock the process
    holds on it, SQLite's included, and another process would then rebuild the WAL index under the bot.
    """

    def __init__(self, database: Path) -> None:
        self.database = database
        try:
            self._shm: int | None = os.open(f"{database}-shm", os.O_RDONLY)
        except OSError:
            self._shm = None  # not in WAL mode: deletion and replacement are still seen, an overwrite is not
        self.opened = self.sample()
        self._last = self.opened
        self._holder: sqlite3.Connection | None = None

    def close(self) -> None:
        """Release the `-shm` descriptor; only once the database connection is closed (see the class)."""
        if self._holder is not None:
            self._holder.close()  # read-only: never checkpoints; the stale WAL goes with it
            self._holder = None
            for suffix in ("-wal", "-shm"):
                Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        if self._shm is not None:
            os.close(self._shm)
            self._shm = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sample(self) -> FileState:
        """The file's state now; raises FileNotFoundError when it is gone."""
        before = self._checkpoint_marker()  # read before the file: a checkpoint moves the counters first
        info = os.stat(self.database)
        after = self._checkpoint_marker()
        return FileState(info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size, before if before == after else None)

    def _checkpoint_marker(self) -> bytes | None:
        """Salts and backfill counter of the WAL index; they change before SQLite writes the main file.

        None without a `-shm` or while a checkpoint is in progress (attempted > done).
        """
        if self._shm is None:
            return None
        head = os.pread(self._shm, _SHM_MIN_SIZE, 0)
        if len(head) < _SHM_MIN_SIZE:
            return None
        (done,) = struct.unpack_from("=I", head, _SHM_BACKFILL)
        (attempted,) = struct.unpack_from("=I", head, _SHM_BACKFILL_ATTEMPTED)
        if attempted != done:
            return None
        return head[_SHM_SALT] + head[_SHM_BACKFILL : _SHM_BACKFILL + 4]

    def problem(self) -> str | None:
        """A sentence if the file at the path is gone, another file, or was written by another program."""
        database = self.database
        try:
            now = self.sample()
        except FileNotFoundError:
            return f"the database file {database} was deleted while the bot was running"
        except OSError as exc:
            return f"the database file {database} cannot be checked: {exc.strerror}"
        if (now.device, now.inode) != (self.opened.device, self.opened.inode):
            return f"the database file {database} was replaced by another file while the bot was running"
        last = self._last
        changed = (now.mtime_ns, now.size) != (last.mtime_ns, last.size)
        # SQLite writes the main file only in a checkpoint, which first moves the WAL index's counters. A change
        # with the counters steady at both samples was made by something else: a `cp` over the live file.
        if changed and now.checkpoints is not None and now.checkpoints == last.checkpoints:
            self._hold_wal()
            return f"the database file {database} was overwritten by another program while the bot was running"
        if now.checkpoints is not None:  # only a sample taken between checkpoints is a reference
            self._last = now
        return None

    def _hold_wal(self) -> None:
        """Keep the bot's WAL out of the file that now stands at the path.

        Closing the last connection checkpoints the WAL into the main file: here, pages of the old database
        into the new one. A read-only connection of this process, open until `close`, makes the bot's close
        not the last one; it never checkpoints itself, and `close` removes the stale `-wal` and `-shm`, so
        the file the operator put there is left as it was.
        """
        try:
            holder = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True)
        except sqlite3.Error:
            return
        with contextlib.suppress(sqlite3.Error):
            holder.execute("SELECT 1 FROM sqlite_schema LIMIT 1").fetchall()  # takes the shared lock
        self._holder = holder

    async def watch(self, interval: float, on_problem: Callable[[str], Awaitable[None]]) -> None:
        """Every `interval` seconds, check the file; call `on_problem` once and return when it is wrong."""
        while True:
            await asyncio.sleep(interval)
            problem = self.problem()
            if problem is not None:
                await on_problem(problem)
                return


class RestoreError(Exception):
    """The backup cannot be restored; the message is one line."""


def check_backup(source: Path, latest_version: int) -> int:
    """The schema version of `source` once it is known to be a whole SQLite database this program can use."""
    if not source.is_file():
        raise RestoreError(f"{source} is not a file")
    with source.open("rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise RestoreError(f"{source} is not an SQLite database")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{source} cannot be opened as an SQLite database: {exc}") from None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        verdict = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        verdict = [str(exc)]
    finally:
        conn.close()
    if verdict != ["ok"]:
        raise RestoreError(f"{source} fails SQLite's integrity check: {verdict[0]}")
    if version > latest_version:
        raise RestoreError(
            f"{source} is at schema version {version}, newer than this program's {latest_version}: upgrade the bot"
        )
    return version


def replace_database(source: Path, database: Path) -> None:
    """Copy `source` beside `database`, flush it to disk, then rename it over `database` in one step.

    The copy goes through SQLite's backup API, so a backup still in WAL mode is copied whole. The old
    `-wal` and `-shm` are removed before the rename: SQLite would otherwise replay the old WAL into the new file.
    """
    database.parent.mkdir(parents=True, exist_ok=True)
    temporary = database.with_name(f".{database.name}.restoring")
    temporary.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dest = sqlite3.connect(temporary)
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, database)
        folder = os.open(database.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
