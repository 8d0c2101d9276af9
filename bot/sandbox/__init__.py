"""`whiplash-bot sandbox`: the real bot against the built-in Discord emulator, shown in a local web page.

No token, no account, no network: the emulator (bot/emulator), the bot (real cogs, settings and SQLite in
its own folder) and the page's server all run in this process on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import tempfile
import webbrowser
from collections.abc import Iterator
from pathlib import Path

DEFAULT_PORT = 8765
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

log = logging.getLogger(__name__)


def run_sandbox(port: int = DEFAULT_PORT, data: Path | None = None, *, open_browser: bool = True) -> int:
    """Run until Ctrl+C; returns the exit code. Problems an operator can fix are one line on stderr."""
    from bot.content import ContentError, default_content_dir, load_content

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord.client").setLevel(logging.ERROR)  # "voice will NOT be supported": not news here
    problem = _data_problem(data)
    if problem:
        print(f"whiplash-bot: {problem}", file=sys.stderr)
        return EXIT_USAGE
    folder = Path(os.environ.get("CONTENT_DIR") or default_content_dir())
    try:
        content = load_content(folder)
    except ContentError as exc:
        for line in exc.problems:
            print(f"whiplash-bot: content problem: {line}", file=sys.stderr)
        return EXIT_PROBLEMS
    return asyncio.run(_run(content, port, data, open_browser))


def _data_problem(data: Path | None) -> str | None:
    """The sandbox keeps its own database: refuse a --data folder that is a file or holds the production one."""
    if data is None:
        return None
    if data.exists() and not data.is_dir():
        return f"--data {data} is a file; give a folder for the sandbox's own database"
    production = Path(os.environ.get("DATABASE_PATH") or "data/whiplash.db").resolve()
    from bot.sandbox.app import DB_NAME

    if (data / DB_NAME).resolve() == production:
        return f"--data {data} would reuse the production database {production}; choose another folder"
    return None


@contextlib.contextmanager
def _data_folder(data: Path | None) -> Iterator[Path]:
    if data is not None:
        data.mkdir(parents=True, exist_ok=True)
        yield data
        return
    with tempfile.TemporaryDirectory(prefix="whiplash-sandbox-") as folder:
        yield Path(folder)


async def _run(content: object, port: int, data: Path | None, open_browser: bool) -> int:
    from bot.content import ContentPack
    from bot.emulator import netguard
    from bot.sandbox.app import DB_NAME, Sandbox, SandboxError

    assert isinstance(content, ContentPack)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    with netguard.guard(), _data_folder(data) as folder:
        sandbox = Sandbox(content, folder)
        try:
            await sandbox.start(port)
        except SandboxError as exc:
            print(f"whiplash-bot: {exc}", file=sys.stderr)
            await sandbox.stop()
            return EXIT_USAGE
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"Sandbox ready at {sandbox.url} (database {folder / DB_NAME}; Ctrl+C stops)", flush=True)
        if open_browser:
            await loop.run_in_executor(None, webbrowser.open, sandbox.url)
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await sandbox.stop()
    return EXIT_OK
