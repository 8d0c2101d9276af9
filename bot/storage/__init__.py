"""The storage layer: the one database connection, and one store of named queries per feature.

`Storage` is the connection (open, migrate, transaction, read, backup, scrub, the search index); each feature's
queries live in its own store (`bot.storage.<feature>`: a `Store` subclass, its tables' migrations and its part
of a member's deletion, `DELETION`), reached as an attribute of the storage object and built once, on first use:
`bot.storage.discussion.get_schedule(guild_id)`. Services and cogs are handed the stores they use.
Two backends run the same stores: SQLite (`Storage`, the embedded default) and PostgreSQL
(`bot.storage.postgres.PostgresStorage`, imported only for a postgresql:// URL: asyncpg stays out of a bot on
SQLite); `open_storage` picks one from DATABASE_URL / DATABASE_PATH, once, at start-up.
SQLite-only features (FTS5, PRAGMAs) stay behind this interface.

A new feature adds a store: a module bot/storage/<feature>.py with `class XStore(Store)` and, if it has tables,
`DELETION` (collected in `FEATURES`, bot/storage/privacy.py), plus one `cached_property` on `Storage` below.
No query method lives on `Storage` itself (tests/test_storage_stores.py checks).
"""

from functools import cached_property
from pathlib import Path
from typing import Self

from bot.storage.content_state import ContentStateStore
from bot.storage.database import Database, Migration, StorageError, load_migrations
from bot.storage.digest import DigestPost, DigestReply, DigestSetting, DigestStore, WeekFigures
from bot.storage.discussion import DailyPost, DiscussionStore, Schedule, days_to_mask, mask_to_days
from bot.storage.guilds import GuildRecord, GuildStore
from bot.storage.highlights import HighlightResult, HighlightStore
from bot.storage.moderation import ModerationStore
from bot.storage.polls import PollStore
from bot.storage.privacy import PrivacyStore
from bot.storage.replies import (
    EXPORT_COLUMNS,
    DayFigures,
    ExportRow,
    Participant,
    ReplyDelete,
    ReplyOp,
    ReplyRecord,
    ReplyStore,
)
from bot.storage.store import Store
from bot.storage.streaks import StreakStore
from bot.storage.urls import is_postgres_url
from bot.storage.watchparty import WatchPartyStore


class Storage(Database):
    """The opened database and, as attributes, every feature's store over it (each built once, on first use)."""

    @classmethod
    async def open(cls, path: Path | str, *, data_key: bytes | None = None, check_data_key: bool = True) -> Self:
        """Open and migrate, then make the stored replies match `data_key` (see `ReplyStore.prepare_data_key`).

        `check_data_key=False` is for openers that never read reply content (backup, restore).
        """
        storage = await cls._open(str(path), data_key)
        if check_data_key:
            try:
                await storage.replies.prepare_data_key()
            except BaseException:
                await storage.close()
                raise
        return storage

    # ---- the feature stores (a new feature adds one line pair here) --------------------------------------

    @cached_property
    def guilds(self) -> GuildStore:
        return GuildStore(self)

    @cached_property
    def discussion(self) -> DiscussionStore:
        return DiscussionStore(self)

    @cached_property
    def replies(self) -> ReplyStore:
        return ReplyStore(self)

    @cached_property
    def content_state(self) -> ContentStateStore:
        return ContentStateStore(self)

    @cached_property
    def privacy(self) -> PrivacyStore:
        return PrivacyStore(self)

    @cached_property
    def moderation(self) -> ModerationStore:
        return ModerationStore(self)

    @cached_property
    def highlights(self) -> HighlightStore:
        return HighlightStore(self)

    @cached_property
    def streaks(self) -> StreakStore:
        return StreakStore(self)

    @cached_property
    def digest(self) -> DigestStore:
        return DigestStore(self)

    @cached_property
    def polls(self) -> PollStore:
        return PollStore(self)

    @cached_property
    def watchparty(self) -> WatchPartyStore:
        return WatchPartyStore(self)


SQLITE_URL_PREFIX = "sqlite:///"


async def open_storage(target: str | Path, *, data_key: bytes | None = None, check_data_key: bool = True) -> Storage:
    """Open the configured database: a `postgresql://` URL, a `sqlite:///PATH` URL, or a plain SQLite path.

    The one place the backend is chosen. Raises StorageError (one line, no password) when it cannot be used.
    """
    if isinstance(target, str):
        if is_postgres_url(target):
            from bot.storage.postgres import PostgresStorage  # asyncpg: imported for PostgreSQL only

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
    "ContentStateStore",
    "DailyPost",
    "Database",
    "DayFigures",
    "DigestPost",
    "DigestReply",
    "DigestSetting",
    "DigestStore",
    "DiscussionStore",
    "ExportRow",
    "GuildRecord",
    "GuildStore",
    "HighlightResult",
    "HighlightStore",
    "Migration",
    "ModerationStore",
    "Participant",
    "PollStore",
    "PrivacyStore",
    "ReplyDelete",
    "ReplyOp",
    "ReplyRecord",
    "ReplyStore",
    "Schedule",
    "Storage",
    "StorageError",
    "Store",
    "StreakStore",
    "WeekFigures",
    "days_to_mask",
    "load_migrations",
    "mask_to_days",
    "open_storage",
]
