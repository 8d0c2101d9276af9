"""The storage layer: one interface of named async methods returning dataclasses.

Cogs never hold SQL; every query lives in a mixin here and is scoped to the server it serves.
SQLite-only features (FTS5, PRAGMAs) stay behind this interface.
"""

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


class Storage(GuildQueries, DiscussionQueries, ReplyQueries, ContentStateQueries, PrivacyQueries, ModerationQueries):
    """Every query the bot makes, composed from one mixin per feature."""


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
