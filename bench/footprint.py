"""Install footprint: the size on disk of each run-time dependency, and what each import costs in memory.

Sizes come from the venv's own records (`importlib.metadata` file lists of every distribution the bot needs,
followed through their requirements, each counted once). Import costs: each library is imported in a fresh
interpreter that has already imported discord.py (the bare bot's baseline), and the VmRSS growth is reported.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import rounded

ROOT = "whiplash-bot"
# What the running bot imports beyond discord.py, and the features that import the rest on first use.
IMPORTS = {
    "pydantic (settings and content models)": "import pydantic, pydantic_settings",
    "babel (plurals, dates)": "from babel import dates, numbers; dates.format_date(None, locale='de')",
    "pyyaml": "import yaml",
    "aiosqlite": "import aiosqlite",
    "the content pack (loaded)": "from bot.content import default_content_dir, load_content; "
    "load_content(default_content_dir())",
    "the bot with every cog (imported)": "import importlib, bot.__main__; from bot.client import extension_names; "
    "[importlib.import_module(n) for n in extension_names()]",
    "matplotlib (first /discussion stats chart)": "import matplotlib; matplotlib.use('Agg'); "
    "from matplotlib.figure import Figure; Figure()",
    "cryptography (DATA_KEY set)": "from cryptography.hazmat.primitives.ciphers.aead import AESGCM",
    "asyncpg (DATABASE_URL=postgresql://)": "import asyncpg",
    "pillow alone (a lighter chart: drawn with ImageDraw)": "from PIL import Image, ImageDraw, ImageFont; "
    "ImageDraw.Draw(Image.new('RGB', (800, 400))).text((10, 10), 'x', font=ImageFont.load_default())",
}
CHILD = (
    "import discord, discord.ext.commands, gc\n"
    "def rss():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024\n"
    "gc.collect(); before = rss()\n"
    "{code}\n"
    "gc.collect(); print(rss() - before)\n"
)


def _name(requirement: str) -> str | None:
    """The distribution a run-time requirement names, or None for an extra's or a platform's requirement."""
    if ";" in requirement and re.search(r"extra\s*==|sys_platform\s*==\s*['\"](win32|darwin)", requirement):
        return None
    match = re.match(r"[A-Za-z0-9_.\-]+", requirement)
    return match.group(0) if match else None


def _size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(str(dist.locate_file(file)))
        if path.is_file():
            total += path.stat().st_size
    return total


def install_sizes() -> dict[str, Any]:
    """MB per distribution the bot needs at run time (transitively), largest first."""
    direct = [n for r in metadata.requires(ROOT) or [] if (n := _name(r))]
    seen: dict[str, metadata.Distribution] = {}
    queue = list(direct)
    while queue:
        name = queue.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower()
        if key in seen:
            continue
        seen[key] = dist
        queue.extend(n for r in dist.requires or [] if (n := _name(r)))
    sizes = {name: _size(dist) / 1e6 for name, dist in seen.items()}
    ordered = dict(sorted(sizes.items(), key=lambda kv: -kv[1]))
    charts = sum(sizes.get(n, 0) for n in ("numpy", "matplotlib", "fonttools", "pillow", "kiwisolver", "contourpy"))
    return {
        "mb": {name: rounded(mb, 1) for name, mb in ordered.items()},
        "total_mb": rounded(sum(sizes.values()), 1),
        "direct": sorted(d.lower() for d in direct),
        "chart_stack_mb": rounded(charts, 1),
        "chart_stack": "numpy, matplotlib, fonttools, pillow, kiwisolver, contourpy (what matplotlib pulls in)",
    }


def import_cost_mb(code: str, repeats: int = 3) -> float:
    """Median VmRSS growth of running `code` in a fresh interpreter that already imported discord.py."""
    values = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", CHILD.format(code=code)], capture_output=True, text=True, check=True, timeout=120
        )
        values.append(float(done.stdout.strip().splitlines()[-1]))
    return sorted(values)[len(values) // 2]


async def run(quick: bool = False) -> dict[str, Any]:
    costs = {}
    for label, code in IMPORTS.items():
        costs[label] = rounded(await asyncio.to_thread(import_cost_mb, code, 1 if quick else 3), 1)
    return {"install": install_sizes(), "import_rss_mb_over_discord_py": costs}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
