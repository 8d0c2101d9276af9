"""The base of a feature's store: its tables' queries over the one shared database connection.

Each feature owns a store (its queries), its tables (migrations) and its part of a member's deletion
(`DELETION`, bot/storage/ownership.py). A store is built once over the opened `Database` (SQLite or
PostgreSQL, the same calls) and handed to the services and cogs that use it; it holds no state of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.crypto import ContentCipher
    from bot.storage.database import Connection, Database, Dialect, Row


class Store:
    """A feature's queries. Subclasses call `read`, `read_one`, `stream` and `transaction` as on the database."""

    __slots__ = ("db",)

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def dialect(self) -> Dialect:
        return self.db.dialect

    @property
    def cipher(self) -> ContentCipher:
        return self.db.cipher

    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """The database's one-writer transaction (see `Database.transaction`)."""
        return self.db.transaction()

    async def read(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        return await self.db.read(sql, params)

    async def read_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        return await self.db.read_one(sql, params)

    def stream(self, sql: str, params: Iterable[Any] = ()) -> AsyncIterator[Row]:
        return self.db.stream(sql, params)

    def blob(self, value: str | bytes | None) -> str | bytes | None:
        return self.db.blob(value)

    async def serialize(self, conn: Connection, scope: int, key: int) -> None:
        await self.db.serialize(conn, scope, key)
