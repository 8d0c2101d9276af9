"""Settings: one validated object read from the environment or a `.env` file (SPEC §3)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.sharding import ShardScope, parse_shard_ids

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
    "database_url": "DATABASE_URL",
    "shard_count": "SHARD_COUNT",
    "shard_ids": "SHARD_IDS",
}

MAX_SHARDS = 1 << 16

DatabaseKind = Literal["sqlite", "postgresql"]


@dataclass(frozen=True, slots=True)
class DatabaseTarget:
    """The database chosen at start-up: an SQLite file, or a PostgreSQL URL (a secret: never log `url`)."""

    kind: DatabaseKind
    path: Path | None = None
    url: SecretStr | None = None

    def __str__(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite at {self.path}"
        return f"PostgreSQL at {_url_without_password(self.url.get_secret_value() if self.url else '')}"


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
    database_url: SecretStr | None = None  # may carry a password: never echoed
    shard_count: int | None = None
    shard_ids: str | None = None

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

    @field_validator("shard_count", mode="before")
    @classmethod
    def _shard_count_shape(cls, value: object) -> object:
        if value is None:
            return None
        text = str(value).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_SHARDS:
            raise ValueError(f"must be the total number of shards, a whole number from 1 to {MAX_SHARDS}")
        return int(text)

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_database_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _database_and_shards_agree(self) -> Self:
        target = self.database
        if target.kind == "sqlite" and target.path != self.database_path:
            if "database_path" in self.model_fields_set:
                raise ValueError(
                    f"DATABASE_URL names the SQLite file {target.path} but DATABASE_PATH names {self.database_path}: "
                    "set only one of them"
                )
            assert target.path is not None
            object.__setattr__(self, "database_path", target.path)  # one path for lock, backup, check
        if self.shard_ids is not None and self.shard_count is None:
            raise ValueError("SHARD_IDS is set without SHARD_COUNT: set SHARD_COUNT to the total number of shards")
        try:
            shards = self.shards
        except ValueError as exc:
            raise ValueError(f"SHARD_IDS is invalid: {exc}") from None
        if shards is not None and target.kind == "sqlite" and not shards.complete:
            raise ValueError(
                f"SHARD_IDS runs only some of the {shards.count} shards, but an SQLite database serves one "
                "process, which must run them all: leave SHARD_IDS unset or use PostgreSQL (DATABASE_URL)"
            )
        return self

    @property
    def database(self) -> DatabaseTarget:
        """The database chosen by DATABASE_URL, else the SQLite file at DATABASE_PATH."""
        if self.database_url is None:
            return DatabaseTarget("sqlite", path=self.database_path)
        return parse_database_url(self.database_url.get_secret_value())

    @property
    def shards(self) -> ShardScope | None:
        """The shards this process runs; None when SHARD_COUNT is unset (Discord's recommended count, all here)."""
        if self.shard_count is None:
            return None
        if self.shard_ids is None:
            return ShardScope.every(self.shard_count)
        return ShardScope(self.shard_count, parse_shard_ids(self.shard_ids, self.shard_count))

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


def parse_database_url(text: str) -> DatabaseTarget:
    """`sqlite:///PATH` or `postgresql://…`/`postgres://…`, checked for shape only (no connection).

    Raises ValueError with a sentence that never repeats the URL, which may hold a password.
    """
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise ValueError("must be a URL such as postgresql://user:password@host:5432/whiplash or sqlite:///PATH")
    if scheme == "sqlite":
        if not rest.startswith("/") or not rest[1:].strip():
            raise ValueError("an SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db")
        return DatabaseTarget("sqlite", path=Path(rest[1:]))
    if scheme not in ("postgresql", "postgres"):
        raise ValueError("must start with postgresql://, postgres:// or sqlite:///")
    if any(ch.isspace() for ch in text):
        raise ValueError("must not contain spaces")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        raise ValueError("has a malformed host or port (expected postgresql://user:password@host:5432/db)") from None
    database = parts.path.removeprefix("/")
    if "/" in database:
        raise ValueError("names more than one database in its path (expected postgresql://…/dbname)")
    if not parts.hostname and "host=" not in parts.query:
        raise ValueError("names no host (expected postgresql://user:password@host:5432/db)")
    return DatabaseTarget("postgresql", url=SecretStr(text))


def _url_without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning any validation error into one ConfigError line.

    The offending value is never included in the message, so a token cannot leak into a log.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across variables: its sentence names them
            raise ConfigError(f"{reason}.") from None
        field = str(first["loc"][0])
        name = _ENV_NAMES.get(field, field.upper())
        raise ConfigError(f"{name} is invalid: {reason}.") from None
