"""A throwaway PostgreSQL server for the tests: initdb in a temporary folder, pg_ctl on a free loopback port.

Debian's PostgreSQL 15 keeps its programs in /usr/lib/postgresql/15/bin (not on PATH). `initdb` refuses to
run as root, so as root the server runs as the `postgres` OS user, in a folder made accessible to it. No
systemd, no system cluster: the server lives as long as the test session and is stopped at its end.
Each test gets its own database, copied from a migrated template (CREATE DATABASE … TEMPLATE is fast).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REQUIRE_SERVICES = "WHIPLASH_REQUIRE_SERVICES"
USER = "whiplash"
PASSWORD = "whiplash-test"  # a throwaway server on loopback; the password is there so wrong ones can fail


def find_bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: PG_BIN, then PATH, then Debian's versioned folders, newest first."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates.extend(p / "bin" for p in versions)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One running server; `url(name)` is the URL of a database in it."""

    bin_dir: Path
    root: Path
    port: int
    as_postgres: bool
    _counter: int = field(default=0)

    def url(self, database: str, *, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def next_name(self, prefix: str = "t") -> str:
        self._counter += 1
        return f"{prefix}_{os.getpid()}_{self._counter}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    def start(self) -> None:
        data = self.root / "data"
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(pwfile, "postgres")
        init = self._run(
            "initdb", "-D", str(data), "-U", USER, "--pwfile", str(pwfile), "-A", "scram-sha-256",
            "-E", "UTF8", "--locale", "C", "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        started = self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        if started.returncode != 0:
            log = (self.root / "log").read_text(errors="replace") if (self.root / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-500:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Start a server for the block and stop it (and remove its folder) after; RuntimeError if it cannot start."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL is not installed (no initdb/pg_ctl; apt-get install postgresql)")
    as_postgres = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="whiplash-pg-"))
    if as_postgres:
        os.chmod(root, 0o755)
    server = PostgresServer(bin_dir=bin_dir, root=root, port=_free_port(), as_postgres=as_postgres)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def services_required() -> bool:
    """CI sets WHIPLASH_REQUIRE_SERVICES=1: a missing PostgreSQL is then a failure, not a skip."""
    return os.environ.get(REQUIRE_SERVICES) == "1"
