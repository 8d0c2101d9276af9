"""The storage layer: one interface of named async methods returning dataclasses.

Cogs never hold SQL; every query lives in a mixin here and is scoped to the server it serves.
SQLite-only features (FTS5, PRAGMAs) stay behind this interface.
"""

from pathlib import Path
from typing import Self

from bot.storage.content_state import ContentStateQueries
from bot.storage.database import Database, Migration, StorageError, load_migrations
from bot.storage.discussion import DailyPost, DiscussionQueries, Schedule, days_to_mask, mask_to_days
from bot.storage.guilds import GuildQueries, GuildRecord
from bot.storage.moderation import ModerationQueries
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


class Storage(
    GuildQueries,
    DiscussionQueries,
    ReplyQueries,
    ContentStateQueries,
    PrivacyQueries,
    ModerationQueries,
    StreakQueries,
):
    """Every query the bot makes, composed from one mixin per feature."""

    @classmethod
    async def open(cls, path: Path | str, *, data_key: bytes | None = None, check_data_key: bool = True) -> Self:
        """Open and migrate, then make the stored replies match `data_key` (see `prepare_data_key`).

        `check_data_key=False` is for openers that never read reply content (backup, restore).
        """
        storage = await super().open(path, data_key=data_key)
        if check_data_key:
            try:
                await storage.prepare_data_key()
            except BaseException:
                await storage.close()
                raise
        return storage


__all__ = [
    "EXPORT_COLUMNS",
    "DailyPost",
    "Database",
    "DayFigures",
    "ExportRow",
    "GuildRecord",
    "Migration",
    "Participant",
    "ReplyDelete",
    "ReplyOp",
    "ReplyRecord",
    "Schedule",
    "Storage",
    "StorageError",
    "days_to_mask",
    "load_migrations",
    "mask_to_days",
]
