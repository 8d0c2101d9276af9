"""The storage layer: one interface of named async methods returning dataclasses.

Cogs never hold SQL; every query lives in a mixin here and is scoped to the server it serves.
SQLite-only features (FTS5, PRAGMAs) stay behind this interface.
"""

from bot.storage.database import Database, Migration, StorageError, load_migrations
from bot.storage.guilds import GuildQueries, GuildRecord


class Storage(GuildQueries):
    """Every query the bot makes, composed from one mixin per feature."""


__all__ = ["Database", "GuildRecord", "Migration", "Storage", "StorageError", "load_migrations"]
