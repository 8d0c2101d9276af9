"""The running bot loads what a feature needs only when the feature is first used (issue 16 §3).

matplotlib (with numpy) draws one chart in /discussion stats, cryptography seals replies only when DATA_KEY
is set and asyncpg talks to PostgreSQL only when DATABASE_URL is postgresql://: none of them belongs in the
memory of a bot that has just started on SQLite. The bot runs as a real subprocess
(`python -m bot run`) against the emulator; once it is READY, its memory map (/proc/PID/maps) shows every
compiled extension it loaded, so a library imported anywhere at start-up shows up there.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.emulator import DiscordEmulator
from bot.emulator.snowflake import utc_now
from bot.timeutil import Clock
from tests.test_cli import run_against

HEAVY = ("matplotlib", "numpy", "cryptography", "PIL", "asyncpg")


@pytest.fixture
def clock() -> Clock:
    """The bot runs as a subprocess, on the machine's clock; so does the emulator."""
    return utc_now


def loaded_heavy_libraries(pid: int) -> set[str]:
    """Which of HEAVY have a compiled module mapped into the process `pid`."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {name for name in HEAVY if f"/site-packages/{name}/" in maps}


async def test_a_started_bot_on_sqlite_has_not_loaded_matplotlib_numpy_cryptography_or_asyncpg(
    emu: DiscordEmulator, tmp_path: Path
) -> None:
    async with run_against(emu, tmp_path) as (proc, log):
        await asyncio.sleep(0.5)  # on_ready handlers (the first scheduler tick, the backfill) run
        assert proc.returncode is None, log.read_text()[-2000:]
        loaded = loaded_heavy_libraries(proc.pid)
        assert loaded == set(), f"loaded at start: {sorted(loaded)}\n{log.read_text()[-2000:]}"


def test_importing_the_bot_and_every_cog_imports_no_chart_cipher_or_postgresql_library() -> None:
    code = (
        "import importlib, sys\n"
        "import bot.__main__\n"
        "from bot.client import extension_names\n"
        "for name in extension_names(): importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "", done.stdout
