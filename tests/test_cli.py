"""The command line (SPEC §4), run as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.emulator import DiscordEmulator
from tests.harness import TOKEN, eventually

CLI = [sys.executable, "-m", "bot"]
ENV_VARS = ("DISCORD_TOKEN", "DATABASE_PATH", "CONTENT_DIR", "DEV_GUILD_ID", "DATA_KEY", "LOG_LEVEL")


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS and not k.startswith("DISCORD_")}
    env.update(values)
    return env


@asynccontextmanager
async def run_against(
    emu: DiscordEmulator, folder: Path, *, log_level: str = "INFO"
) -> AsyncIterator[tuple[asyncio.subprocess.Process, Path]]:
    """`whiplash-bot run` against `emu` (a subprocess, its output in folder/bot.log), once it has logged READY;
    terminated after."""
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(folder / "bot.db"),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL=log_level,
    )
    log = folder / "bot.log"
    with log.open("ab") as sink:
        proc = await asyncio.create_subprocess_exec(*CLI, "run", cwd=folder, env=env, stdout=sink, stderr=sink)
    try:
        await eventually(lambda: "Ready as" in log.read_text(), timeout=60)
        yield proc, log
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 30)


def run_cli(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=60, check=False
    )


def test_run_without_token_exits_2_at_once_naming_the_variable(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_cli("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 5  # "within a second" is measured by the benchmark, not asserted here


def test_malformed_setting_exits_2_without_echoing_it(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path, DEV_GUILD_ID="not-a-number-secret")
    assert result.returncode == 2
    assert "DEV_GUILD_ID" in result.stderr and "not-a-number-secret" not in result.stderr


def test_check_passes_on_the_shipped_pack(tmp_path: Path) -> None:
    result = run_cli("check", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok:" in result.stdout
    assert "DATA_KEY is not set" in result.stdout


def test_check_names_file_entry_and_reason_on_a_broken_pack(tmp_path: Path) -> None:
    from bot.content import default_content_dir

    pack = tmp_path / "pack"
    shutil.copytree(default_content_dir(), pack)
    facts = pack / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("category: production", "category: gossip", 1), encoding="utf-8")
    result = run_cli("check", cwd=tmp_path, CONTENT_DIR=str(pack))
    assert result.returncode == 1
    problem_lines = [line for line in result.stdout.splitlines() if line.startswith("problem:")]
    assert problem_lines and all("facts.yaml" in line for line in problem_lines)
    assert "category" in problem_lines[0]


def test_check_reports_a_database_newer_than_the_program(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    result = run_cli("check", cwd=tmp_path, DATABASE_PATH=str(db))
    assert result.returncode == 1 and "newer than this program" in result.stdout


def test_backup_and_export_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.db"
    asyncio.run(_seed(db))
    result = run_cli("backup", str(tmp_path / "copy.db"), cwd=tmp_path, DATABASE_PATH=str(db))
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT COUNT(*) FROM replies").fetchone()[0] == 1
    copy.close()
    result = run_cli("export", "--guild", "1", "--format", "csv", cwd=tmp_path, DATABASE_PATH=str(db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "post_date,prompt_id,message_id,thread_id,author_id,author_name,created_at,edited_at,content,"
        "highlighted,reaction_count"
    )
    assert lines[1].endswith(",hello from the CLI,false,0")
    result = run_cli("export", "--guild", "2", "--format", "jsonl", cwd=tmp_path, DATABASE_PATH=str(db))
    assert result.returncode == 0 and result.stdout == ""  # another server's replies are not exported


async def _seed(db: Path) -> None:
    from datetime import UTC, date, datetime

    from bot.storage import ReplyRecord, Storage

    now = datetime(2026, 11, 21, 9, tzinfo=UTC)
    async with await Storage.open(db) as storage:
        await storage.replies.apply_reply_ops(
            [ReplyRecord(5, 1, date(2026, 11, 21), "p", 9, 9, 7, "andrew", now, None, "hello from the CLI")]
        )


async def test_run_against_the_emulator_and_stop_with_sigterm(emu: DiscordEmulator, tmp_path: Path) -> None:
    emu.add_guild("Shaffer Conservatory")
    db = tmp_path / "bot.db"
    env = clean_env(
        DISCORD_TOKEN=TOKEN,
        DATABASE_PATH=str(db),
        DISCORD_API_BASE=emu.api_base,
        DISCORD_GATEWAY_URL=emu.gateway_url,
        LOG_LEVEL="INFO",
    )
    process = await asyncio.create_subprocess_exec(
        *CLI, "run", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        await emu.wait_until_ready(timeout=30)
        await emu.wait_for_request("GET", r"/users/@me", timeout=5)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert "Stopped; database closed" in log
    assert TOKEN not in log
    assert db.exists() and not Path(f"{db}-wal").exists()  # the last connection closed cleanly


DATA_KEY = "q5b7lK8gq8bXq9qvYH2HnM3r0c5nUeP0Zb1kYw0l7nA="
OTHER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


async def _seed_encrypted(db: Path) -> None:
    from datetime import UTC, date, datetime

    from bot.config import decode_data_key
    from bot.storage import ReplyRecord, Storage

    now = datetime(2026, 11, 21, 9, tzinfo=UTC)
    async with await Storage.open(db, data_key=decode_data_key(DATA_KEY)) as storage:
        await storage.replies.apply_reply_ops(
            [ReplyRecord(m, 1, date(2026, 11, 21), "p", 9, 9, 7, "andrew", now, None, f"reply {m}") for m in (5, 6, 7)]
        )


def test_run_or_sync_with_a_changed_or_missing_data_key_stops_with_one_line(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(_seed_encrypted(db))
    nowhere = "http://127.0.0.1:9"  # never reached: the key is checked before connecting
    for command, key in (("run", OTHER_KEY), ("run", None), ("sync", OTHER_KEY)):
        env = {"DISCORD_TOKEN": TOKEN, "DATABASE_PATH": str(db), "DISCORD_API_BASE": nowhere + "/api/v10"}
        env["DISCORD_GATEWAY_URL"] = "ws://127.0.0.1:9"
        if key is not None:
            env["DATA_KEY"] = key
        result = run_cli(command, cwd=tmp_path, **env)
        assert result.returncode == 1, result.stderr
        output = (result.stdout + result.stderr).strip().splitlines()
        assert len(output) == 1 and "DATA_KEY" in output[0] and "Traceback" not in result.stderr, output


def test_export_leaves_out_and_names_a_reply_that_cannot_be_decrypted(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    asyncio.run(_seed_encrypted(db))
    conn = sqlite3.connect(db)
    conn.execute("UPDATE replies SET content = substr(content, 1, length(content) - 1) WHERE message_id = 6")
    conn.commit()
    conn.close()
    result = run_cli("export", "--guild", "1", cwd=tmp_path, DATABASE_PATH=str(db), DATA_KEY=DATA_KEY)
    assert result.returncode == 1
    assert [line.split(",")[2] for line in result.stdout.splitlines()[1:]] == ["5", "7"]
    assert result.stderr.strip() == "whiplash-bot: 1 replies cannot be decrypted and were left out: 6"
