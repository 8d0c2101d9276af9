"""The systemd units shipped in deploy/ (README, "Deployment"): systemd itself accepts them, and they say what
the README says they do.

`systemd-analyze verify` checks every directive and that ExecStart exists; it merely warns (exit 0) about an
unknown or malformed setting, so any output at all fails the test. The units name the program where README
installs it (/opt/whiplash-bot); the test points them at this checkout's installed `whiplash-bot` instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import EXIT_CONFIG, EXIT_DATABASE_LOST
from tests.postgres import services_required

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
INSTALLED = "/opt/whiplash-bot/bin/whiplash-bot"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if services_required():
            pytest.fail("systemd-analyze is required here (WHIPLASH_REQUIRE_SERVICES=1): apt-get install systemd")
        pytest.skip("systemd unit check skipped: no systemd-analyze (apt-get install systemd)")
    return found


def settings(unit: str) -> dict[str, list[str]]:
    """The unit's `Key=value` lines (a key may repeat), comments left out."""
    found: dict[str, list[str]] = {}
    for line in (DEPLOY / unit).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def here(unit: str, folder: Path) -> Path:
    """A copy of the unit in `folder` that starts this checkout's installed program."""
    text = (DEPLOY / unit).read_text()
    assert text.count(INSTALLED) == 1, "the unit starts the program README installs"
    program = Path(sys.executable).parent / "whiplash-bot"
    assert program.is_file(), "pip install -e . puts whiplash-bot beside python"
    copy = folder / unit
    copy.write_text(text.replace(INSTALLED, str(program)))
    return copy


@pytest.mark.parametrize(
    ("unit", "checked"),
    [("whiplash-bot.service", "whiplash-bot.service"), ("whiplash-bot@.service", "whiplash-bot@0-3.service")],
    ids=["one-machine", "shard-template"],
)
def test_systemd_accepts_the_shipped_units(tmp_path: Path, unit: str, checked: str) -> None:
    analyze = systemd_analyze()
    here(unit, tmp_path)
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / checked)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_systemd_analyze_verify_catches_a_misspelt_setting(tmp_path: Path) -> None:
    """The check above can fail: a typo is only a warning to systemd, and the test counts it."""
    analyze = systemd_analyze()
    copy = here("whiplash-bot.service", tmp_path)
    copy.write_text(copy.read_text().replace("ProtectClock=", "ProtectClok="))
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60, check=False)
    assert "ProtectClok" in result.stdout + result.stderr


def test_the_one_machine_unit_keeps_sqlite_in_its_state_folder_and_restarts_only_what_helps() -> None:
    unit = settings("whiplash-bot.service")
    assert unit["StateDirectory"] == ["whiplash-bot"]
    assert unit["Environment"] == ["DATABASE_PATH=/var/lib/whiplash-bot/whiplash.db"]
    assert unit["ExecStart"] == [f"{INSTALLED} run"] and unit["EnvironmentFile"] == ["/etc/whiplash-bot/env"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == [f"{EXIT_CONFIG} {EXIT_DATABASE_LOST}"]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert unit[hardening] in (["yes"], ["strict"]), hardening


def test_the_shard_template_takes_shard_ids_from_its_instance_name() -> None:
    unit = settings("whiplash-bot@.service")
    assert unit["Environment"] == ["SHARD_IDS=%I"]  # %I: unescaped, so whiplash-bot@0\x2c2 runs SHARD_IDS=0,2
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == [f"{EXIT_CONFIG} {EXIT_DATABASE_LOST}"]
    assert "StateDirectory" not in unit and unit["ProtectSystem"] == ["strict"]  # nothing local is written


def test_readme_deployment_names_what_the_units_use() -> None:
    """README's install steps and the units agree on the program, the secrets file and the database."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Deployment") : readme.index("## Slash commands")]
    one, shards = settings("whiplash-bot.service"), settings("whiplash-bot@.service")
    assert "deploy/whiplash-bot.service" in section and "deploy/whiplash-bot@.service" in section
    assert "python3 -m venv /opt/whiplash-bot" in section and INSTALLED in section
    assert one["EnvironmentFile"] == shards["EnvironmentFile"] == ["/etc/whiplash-bot/env"]
    assert "/etc/whiplash-bot/env" in section
    database = one["Environment"][0].removeprefix("DATABASE_PATH=")
    assert f"DATABASE_PATH={database}" in section and f"useradd --system --home-dir {Path(database).parent}" in section
    assert one["User"] == shards["User"] == ["whiplash"] and "sudo -u whiplash" in section
    assert one["RestartSec"] == ["5"] and "5 s after a failure" in section
    assert shards["RestartSec"] == ["10"] and "every 10 s" in section


def test_the_env_file_cannot_take_the_units_own_settings_by_surprise() -> None:
    """systemd lets EnvironmentFile= override Environment=: README tells which settings stay out of the file."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Deployment") : readme.index("## Slash commands")]
    for unit in ("whiplash-bot.service", "whiplash-bot@.service"):
        for assignment in settings(unit)["Environment"]:
            name = assignment.split("=", 1)[0]
            assert f"`{name}` out of the env file" in " ".join(section.split()), name
