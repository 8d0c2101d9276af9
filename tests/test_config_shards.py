"""DATABASE_URL, SHARD_COUNT and SHARD_IDS (SPEC §3, issue 13): parsed once, and every bad value is one line,
exit 2, before any connection to Discord or a database."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from bot.sharding import ShardScope
from tests.harness import TOKEN
from tests.test_cli import CLI, clean_env

VARS = ("DATABASE_URL", "DATABASE_PATH", "SHARD_COUNT", "SHARD_IDS")


@pytest.fixture(autouse=True)
def clean_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_unset_database_url_means_sqlite_at_database_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", "x/bot.db")
    target = load_settings().database
    assert (target.kind, target.path, target.url) == ("sqlite", Path("x/bot.db"), None)


def test_sqlite_url_selects_that_file_for_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/other.db")
    settings = load_settings()
    assert settings.database.kind == "sqlite" and settings.database.path == Path("data/other.db")
    assert settings.database_path == Path("data/other.db")  # the instance lock, backup and check use it
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/whiplash/bot.db")
    assert load_settings().database_path == Path("/srv/whiplash/bot.db")


def test_sqlite_url_and_the_same_database_path_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///data/bot.db")
    monkeypatch.setenv("DATABASE_PATH", "data/bot.db")
    assert load_settings().database_path == Path("data/bot.db")


@pytest.mark.parametrize("url", ["postgresql://whiplash:pw@db.example:5432/whiplash", "postgres://db/whiplash"])
def test_postgresql_url_is_kept_secret(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    target = load_settings().database
    assert target.kind == "postgresql" and target.url is not None and target.url.get_secret_value() == url
    assert "pw" not in str(target).replace("postgres", "") and "pw" not in repr(target)


def test_shards_unset_count_only_and_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().shards is None  # Discord's recommended count, every shard here
    monkeypatch.setenv("SHARD_COUNT", "3")
    assert load_settings().shards == ShardScope(3, (0, 1, 2))
    monkeypatch.setenv("SHARD_IDS", "0-2")
    assert load_settings().shards == ShardScope(3, (0, 1, 2))
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/whiplash")
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0,2")
    assert load_settings().shards == ShardScope(4, (0, 2))


BAD = [
    ({"DATABASE_URL": "mysql://db/whiplash"}, "DATABASE_URL"),
    ({"DATABASE_URL": "whiplash.db"}, "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://u:s3cret@db:99999/whiplash"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://u:s3cret@db:5432/a/b"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql:///whiplash"}, "DATABASE_URL"),
    ({"DATABASE_URL": "sqlite:///a.db", "DATABASE_PATH": "b.db"}, "DATABASE_PATH"),
    ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
    ({"SHARD_COUNT": "two"}, "SHARD_COUNT"),
    ({"SHARD_IDS": "0"}, "SHARD_COUNT"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "0-2"}, "SHARD_IDS"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "x"}, "SHARD_IDS"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "0"}, "SHARD_IDS"),  # SQLite: one process runs every shard
    ({"DATABASE_URL": "postgresql://db/w", "SHARD_COUNT": "4", "SHARD_IDS": "3-5"}, "SHARD_IDS"),
]


@pytest.mark.parametrize(("env", "named"), BAD)
def test_bad_values_raise_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert named in message and "\n" not in message and "s3cret" not in message


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI with a short timeout: a bot that went on to connect would hang on the silent listener."""
    try:
        return subprocess.run(
            [*CLI, *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=20, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"whiplash-bot {' '.join(args)} did not stop at the bad setting: it went on to connect")


def _connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = sock.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.mark.parametrize(("env", "named"), BAD)
def test_run_with_a_bad_value_exits_2_with_one_line_before_connecting(
    tmp_path: Path, listener: socket.socket, env: dict[str, str], named: str
) -> None:
    port = listener.getsockname()[1]
    env = {
        key: value.replace("db:", f"127.0.0.1:{port}/") if key == "DATABASE_URL" and "99999" not in value else value
        for key, value in env.items()
    }
    env.update(
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10",
        DISCORD_GATEWAY_URL=f"ws://127.0.0.1:{port}/gateway",
    )
    result = run_cli("run", cwd=tmp_path, **env)
    assert result.returncode == 2, result.stderr
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in lines[0], lines
    assert "s3cret" not in lines[0]
    assert _connections(listener) == 0
    assert not (tmp_path / "data").exists()  # no database was created either


def test_check_validates_them_too(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path, SHARD_COUNT="2", SHARD_IDS="0-2")
    assert result.returncode == 2 and "SHARD_IDS" in result.stderr
    result = run_cli("check", cwd=tmp_path, SHARD_COUNT="2", SHARD_IDS="0-1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_postgresql_url_never_falls_back_to_the_sqlite_file(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port with nothing listening: PostgreSQL cannot be reached there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli(
        "run",
        cwd=tmp_path,
        DISCORD_TOKEN=TOKEN,
        DATABASE_URL=f"postgresql://whiplash:s3cret@127.0.0.1:{port}/whiplash",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
        DISCORD_GATEWAY_URL="ws://127.0.0.1:9/gateway",
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "DATABASE_URL" in lines[0], lines
    assert "s3cret" not in lines[0] and "Traceback" not in lines[0]
    assert not (tmp_path / "data").exists()  # no SQLite database at DATABASE_PATH's default
