"""The storage layer: one interface of named async methods returning dataclasses.

Cogs never hold SQL; every query lives in a mixin here and is scoped to the server it serves.
Two backends run the same mixins: SQLite (`Storage`, the embedded default) and PostgreSQL
(`PostgresStorage`); `open_storage` picks one from DATABASE_URL / DATABASE_PATH, once, at start-up.
SQLite-only features (FTS5, PRAGMAs) stay behind this interface.
"""

from functools import cached_property
from pathlib import Path
from typing import Self

from bot.storage.content_state import ContentStateQueries
from bot.storage.database import Database, Migration, StorageError, load_migrations
from bot.storage.digest import DigestPost, DigestQueries, DigestReply, DigestSetting, WeekFigures
from bot.storage.discussion import DailyPost, DiscussionQueries, Schedule, days_to_mask, mask_to_days
from bot.storage.guilds import GuildQueries, GuildRecord
from bot.storage.highlights import HighlightQueries, HighlightResult
from bot.storage.moderation import ModerationQueries
from bot.storage.postgres import PostgresDatabase, is_postgres_url
from bot.storage.privacy import PrivacyQueries
from bot.storage.replies import (
    EXPORT_COLUMNS,
    DayFigures,
    ExportRow,
    Participant,
    ReplyDelete,
    ReplyOp,
    ReplyQueries,
    ReplyRecord,
)
from bot.storage.streaks import StreakQueries
from bot.storage.watchparty import WatchPartyStore


class Storage(
    GuildQueries,
    DiscussionQueries,
    ReplyQueries,
    ContentStateQueries,
    PrivacyQueries,
    ModerationQueries,
    HighlightQueries,
    StreakQueries,
    DigestQueries,
):
    """Every query the bot makes, composed from one mixin per feature."""

    @cached_property
    def watchparty(self) -> WatchPartyStore:
        return WatchPartyStore(self)

    @classmethod
    async def open(cls, path: Path | str, *, data_key: bytes | None = None, check_data_key: bool = True) -> Self:
        """Open and migrate, then make the stored replies match `data_key` (see `prepare_data_key`).

        `check_data_key=False` is for openers that never read reply content (backup, restore).
        """
        storage = await cls._open(str(path), data_key)
        if check_data_key:
            try:
                await storage.prepare_data_key()
            except BaseException:
                await storage.close()
                raise
        return storage


class PostgresStorage(PostgresDatabase, Storage):
    """The same interface on PostgreSQL: PostgresDatabase's connection calls under the shared stores."""


SQLITE_URL_PREFIX = "sqlite:///"


async def open_storage(target: str | Path, *, data_key: bytes | None = None, check_data_key: bool = True) -> Storage:
    """Open the configured database: a `postgresql://` URL, a `sqlite:///PATH` URL, or a plain SQLite path.

    The one place the backend is chosen. Raises StorageError (one line, no password) when it cannot be used.
    """
    if isinstance(target, str):
        if is_postgres_url(target):
            return await PostgresStorage.open(target, data_key=data_key, check_data_key=check_data_key)
        if target.startswith(SQLITE_URL_PREFIX):
            target = target[len(SQLITE_URL_PREFIX) :]
            if not target:
                raise StorageError("DATABASE_URL: sqlite:/// needs a file path after it, e.g. sqlite:///data/bot.db")
        elif "://" in target:
            scheme = target.split("://", 1)[0]
            raise StorageError(f"DATABASE_URL: unknown scheme {scheme}://; use postgresql:// or sqlite:///PATH")
    return await Storage.open(target, data_key=data_key, check_data_key=check_data_key)


__all__ = [
    "EXPORT_COLUMNS",
    "DailyPost",
    "Database",
    "DayFigures",
    "DigestPost",
    "DigestReply",
    "DigestSetting",
    "ExportRow",
    "GuildRecord",
    "HighlightResult",
    "Migration",
    "Participant",
    "PostgresStorage",
    "ReplyDelete",
    "ReplyOp",
    "ReplyRecord",
    "Schedule",
    "Storage",
    "StorageError",
    "WeekFigures",
    "days_to_mask",
    "load_migrations",
    "mask_to_days",
    "open_storage",
]
