"""Start-up faults an operator meets print one line and exit non-zero, never a traceback (SPEC §3).

Each case runs the real `whiplash-bot run` in a subprocess with LOG_LEVEL=ERROR, so the one line is all of
stderr. The tests run as root, which ignores file modes: a read-only folder and a full disk are real small
tmpfs mounts (remounted read-only, or filled up); without the right to mount, those cases are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import TOKEN
from tests.test_cli import _seed, run_cli


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `folder`, unmounted after; skips the test where mounting is not allowed."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Write until the disk is full."""
    sink = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(sink, b"\0" * 4096)
    finally:
        os.close(sink)


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released): connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(tmp_path: Path, db: Path, api_base: str | None = None) -> subprocess.CompletedProcess[str]:
    port = unused_port()
    return run_cli(
        "run",
        cwd=tmp_path,
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(db),
        DISCORD_API_BASE=api_base or f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/",
        LOG_LEVEL="ERROR",
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_no_network_is_one_line_naming_the_address(tmp_path: Path) -> None:
    port = unused_port()
    api = f"http://127.0.0.1:{port}/api/v10"
    line = one_line(start(tmp_path, tmp_path / "bot.db", api_base=api))
    assert f"Cannot reach Discord at {api}: Connection refused" in line


def test_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    line = one_line(start(tmp_path, tmp_path / "data" / "sub" / "bot.db"))
    assert f"{tmp_path / 'data'} is a file where a folder is needed" in line
    check = run_cli("check", cwd=tmp_path, DATABASE_PATH=str(tmp_path / "data" / "bot.db"))
    assert check.returncode == 1 and "problem: DATABASE_PATH:" in check.stdout and "is a file" in check.stdout


def test_read_only_folder_with_an_existing_database(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "4m") as folder:
        db = folder / "bot.db"
        asyncio.run(_seed(db))
        read_only(folder)
        line = one_line(start(tmp_path, db))
        assert "cannot be written" in line and "Read-only file system" in line, line


def test_unwritable_database_path_fails_run_and_check(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "4m") as folder:
        read_only(folder)
        db = folder / "data" / "bot.db"
        line = one_line(start(tmp_path, db))
        assert "cannot be written" in line, line
        check = run_cli("check", cwd=tmp_path, DATABASE_PATH=str(db))
        problems = [line for line in check.stdout.splitlines() if line.startswith("problem:")]
        assert check.returncode == 1 and len(problems) == 1, check.stdout
        assert "DATABASE_PATH" in problems[0] and "cannot be written" in problems[0]


@pytest.mark.parametrize("existing", [False, True], ids=["new-database", "existing-database"])
def test_disk_full_at_start(tmp_path: Path, existing: bool) -> None:
    with tmpfs(tmp_path / "small", "4m") as folder:
        db = folder / "bot.db"
        if existing:
            asyncio.run(_seed(db))
        fill(folder)
        line = one_line(start(tmp_path, db))
        assert f"Cannot start: no space left on the disk holding {db}: free some space" in line, line


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 9)"), "Connection refused"),
        (socket.gaierror(-3, "Temporary failure in name resolution"), "cannot resolve the host name"),
        (TimeoutError(), "timed out"),
    ],
    ids=["refused", "dns", "timeout"],
)
def test_network_errors_are_named_in_the_operating_system_s_words(error: OSError, reason: str) -> None:
    import aiohttp

    from bot.__main__ import _network_reason

    key = aiohttp.client_reqrep.ConnectionKey("discord.com", 443, True, True, None, None, None)
    wrapped = aiohttp.ClientConnectorError(key, error) if not isinstance(error, TimeoutError) else error
    assert reason in _network_reason(wrapped)
