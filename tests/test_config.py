"""Settings: defaults, validation and secrecy (SPEC §3)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE, ConfigError, load_settings

ALL_VARS = (
    "DISCORD_TOKEN",
    "DATABASE_PATH",
    "CONTENT_DIR",
    "DEV_GUILD_ID",
    "LOG_LEVEL",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DATA_KEY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.database_path == Path("data/whiplash.db")
    assert settings.content_dir is None
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.discord_api_base == DEFAULT_API_BASE
    assert settings.discord_gateway_url.startswith("wss://")
    assert settings.data_key_bytes() is None


def test_reads_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DEV_GUILD_ID=1234\nLOG_LEVEL=debug\nDATABASE_PATH=x/y.db\n", encoding="utf-8")
    settings = load_settings()
    assert settings.dev_guild_id == 1234
    assert settings.log_level == "DEBUG"
    assert settings.database_path == Path("x/y.db")


def test_environment_beats_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=ERROR\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    assert load_settings().log_level == "WARNING"


def test_empty_value_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEV_GUILD_ID", "")
    assert load_settings().dev_guild_id is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEV_GUILD_ID", "abc", "DEV_GUILD_ID is invalid"),
        ("DEV_GUILD_ID", "-5", "DEV_GUILD_ID is invalid"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL is invalid"),
        ("DISCORD_API_BASE", "ftp://x", "DISCORD_API_BASE is invalid"),
        ("DISCORD_GATEWAY_URL", "http://x", "DISCORD_GATEWAY_URL is invalid"),
        ("DATA_KEY", "not-a-key", "DATA_KEY is invalid"),
        ("DISCORD_TOKEN", "two words", "DISCORD_TOKEN is invalid"),
    ],
)
def test_malformed_values_give_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert value not in message  # the offending value (maybe a secret) is never echoed


def test_token_is_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret-token-value")
    settings = load_settings()
    assert settings.token() == "MTIz.secret-token-value"
    assert "secret-token-value" not in repr(settings)
    assert "secret-token-value" not in str(settings.model_dump())


def test_missing_token_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        load_settings().token()


def test_data_key_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    key = bytes(range(32))
    monkeypatch.setenv("DATA_KEY", base64.urlsafe_b64encode(key).decode())
    assert load_settings().data_key_bytes() == key


def test_short_data_key_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_KEY", base64.urlsafe_b64encode(b"short").decode())
    with pytest.raises(ConfigError, match="32 bytes"):
        load_settings()
