"""Settings: one validated object read from the environment or a `.env` file (SPEC §3)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Which variable each field comes from, for error messages.
_ENV_NAMES = {
    "discord_token": "DISCORD_TOKEN",
    "database_path": "DATABASE_PATH",
    "content_dir": "CONTENT_DIR",
    "dev_guild_id": "DEV_GUILD_ID",
    "log_level": "LOG_LEVEL",
    "discord_api_base": "DISCORD_API_BASE",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
    "data_key": "DATA_KEY",
}


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every setting of SPEC §3. Built once in `main` and passed down."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    discord_token: SecretStr | None = None
    database_path: Path = Path("data/whiplash.db")
    content_dir: Path | None = None
    dev_guild_id: int | None = Field(default=None, gt=0, lt=2**64)
    log_level: LogLevel = "INFO"
    discord_api_base: str = DEFAULT_API_BASE
    discord_gateway_url: str = DEFAULT_GATEWAY_URL
    data_key: SecretStr | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("discord_api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or "://" not in value[:8] or len(value) < 10:
            raise ValueError("must be an http:// or https:// URL ending in the API version, such as /api/v10")
        return value

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("ws://", "wss://")) or len(value) < 8:
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @field_validator("discord_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value().strip()
            if not raw or any(ch.isspace() for ch in raw):
                raise ValueError("must be the bot token from the Developer Portal, with no spaces")
            value = SecretStr(raw)
        return value

    @field_validator("data_key")
    @classmethod
    def _key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_data_key(value.get_secret_value())
        return value

    def data_key_bytes(self) -> bytes | None:
        """The 32-byte encryption key, or None when DATA_KEY is unset."""
        return None if self.data_key is None else decode_data_key(self.data_key.get_secret_value())

    def token(self) -> str:
        """The bot token; raises ConfigError naming DISCORD_TOKEN when it is not set."""
        if self.discord_token is None:
            raise ConfigError(
                "DISCORD_TOKEN is not set: put the bot token from the Developer Portal in .env or the environment."
            )
        return self.discord_token.get_secret_value()


def decode_data_key(text: str) -> bytes:
    """Decode a DATA_KEY (urlsafe base64 of 32 bytes), raising ValueError with a clear sentence."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii") + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("must be urlsafe base64 (generate one with `whiplash-bot genkey`)") from None
    if len(key) != 32:
        raise ValueError("must decode to 32 bytes (generate one with `whiplash-bot genkey`)")
    return key


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning any validation error into one ConfigError line.

    The offending value is never included in the message, so a token cannot leak into a log.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        name = _ENV_NAMES.get(field, field.upper())
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name} is invalid: {reason}.") from None
