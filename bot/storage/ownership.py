"""Each feature's part of deleting data, declared beside its queries (as Red's cogs answer red_delete_data_for_user).

A storage module that owns tables declares one `DELETION = Deletion(...)`: the statements that forget a member
(`/privacy forget`, `/privacy optout`) and those that remove a departed server's data. bot/storage/privacy.py
collects every feature's `DELETION` in `FEATURES` and runs them all in its one transaction, so a member is
forgotten at once or not at all. tests/test_storage_ownership.py reads the schema: a table with a member
column (author_id, user_id, moderator_id, created_by, ...) or a guild_id that no feature deletes fails it.

The statements are static text with `?` parameters and portable SQL (SQLite and PostgreSQL run them as is).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Deletion:
    """What one feature deletes, or keeps on purpose, when a member or a server is forgotten."""

    feature: str
    member: tuple[str, ...] = ()
    """Statements run with (guild_id, user_id): delete the member's rows, or replace their id by 0."""
    guild: tuple[str, ...] = ()
    """Statements run with (guild_id,): every row of one server in the feature's tables."""
    kept: tuple[tuple[str, str, str], ...] = ()
    """(table, column, why) of member columns deliberately left when a member is forgotten."""
