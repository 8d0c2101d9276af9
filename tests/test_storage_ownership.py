"""Each feature owns its part of a member's and a server's deletion (bot/storage/ownership.py); this reads the
schema, so a new feature's table that names a member or a server cannot be left out of /privacy forget or the
departed-server purge."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from bot.storage import Storage
from bot.storage.ownership import Deletion
from bot.storage.privacy import FEATURES, GUILD_DELETES, MEMBER_DELETES

# A column naming a member: who wrote, reacted, moderated or created something.
MEMBER_COLUMN = re.compile(r"(^|_)(user|author|moderator|member)_id$|_by$")
# The only forms a deletion takes: scoped to one server, `?` parameters, nothing dialect-specific.
MEMBER_STATEMENT = re.compile(r"^(?:DELETE FROM (\w+)|UPDATE (\w+) SET (\w+) = 0) WHERE guild_id = \? AND (\w+) = \?$")
GUILD_STATEMENT = re.compile(r"^DELETE FROM (\w+) WHERE guild_id = \?$")

Schema = dict[str, list[str]]


async def migrated_schema(path: Path, extra: str = "") -> Schema:
    """Every table of a freshly migrated SQLite database, with its columns (plus `extra` DDL, if given)."""
    storage = await Storage.open(path)
    await storage.close()
    with sqlite3.connect(path) as conn:
        if extra:
            conn.execute(extra)
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        return {table: [row[1] for row in conn.execute(f"PRAGMA table_info('{table}')")] for table in tables}


def member_columns_covered(features: Iterable[Deletion]) -> set[tuple[str, str]]:
    """(table, column) pairs a member's deletion deletes, blanks or keeps on purpose."""
    covered: set[tuple[str, str]] = set()
    for feature in features:
        for statement in feature.member:
            match = MEMBER_STATEMENT.match(statement)
            assert match, f"{feature.feature}: not a scoped member deletion: {statement}"
            deleted, updated, column, where = match.groups()
            if deleted:
                covered.add((deleted, where))
            else:
                assert column == where, f"{feature.feature}: blanks {column} of the rows of {where}: {statement}"
                covered.add((updated, where))
        covered.update((table, column) for table, column, _why in feature.kept)
    return covered


def guild_tables_covered(features: Iterable[Deletion]) -> set[str]:
    tables: set[str] = set()
    for feature in features:
        for statement in feature.guild:
            match = GUILD_STATEMENT.match(statement)
            assert match, f"{feature.feature}: not a one-server deletion: {statement}"
            tables.add(match[1])
    return tables


def uncovered_member_columns(schema: Schema, features: Iterable[Deletion]) -> list[str]:
    """Member columns of `schema` that no feature deletes, blanks or keeps on purpose when a member is forgotten.

    A row deleted by one member column (replies.author_id) takes its other member columns with it.
    """
    covered = member_columns_covered(features)
    deleted_by_row = {table for table, _ in covered}
    missing = []
    for table, columns in sorted(schema.items()):
        for column in columns:
            if not MEMBER_COLUMN.search(column) or (table, column) in covered:
                continue
            missing.append(
                f"{table}.{column}" + (" (the row goes, but not by this column)" if table in deleted_by_row else "")
            )
    return missing


def uncovered_guild_tables(schema: Schema, features: Iterable[Deletion]) -> list[str]:
    covered = guild_tables_covered(features)
    return sorted(table for table, columns in schema.items() if "guild_id" in columns and table not in covered)


async def test_every_member_column_is_forgotten_or_kept_on_purpose(tmp_path: Path) -> None:
    schema = await migrated_schema(tmp_path / "bot.db")
    assert uncovered_member_columns(schema, FEATURES) == [], "add it to its feature's DELETION.member (or .kept)"


async def test_every_table_with_server_data_goes_with_the_server(tmp_path: Path) -> None:
    schema = await migrated_schema(tmp_path / "bot.db")
    assert uncovered_guild_tables(schema, FEATURES) == [], "add it to its feature's DELETION.guild"


async def test_a_new_features_table_is_caught_until_its_feature_declares_it(tmp_path: Path) -> None:
    """The guard itself: a leaderboard opt-in table, as a new feature would add it, is reported until declared."""
    ddl = "CREATE TABLE streak_optins (guild_id INTEGER NOT NULL, user_id INTEGER NOT NULL, since TEXT NOT NULL)"
    schema = await migrated_schema(tmp_path / "bot.db", ddl)
    assert uncovered_member_columns(schema, FEATURES) == ["streak_optins.user_id"]
    assert uncovered_guild_tables(schema, FEATURES) == ["streak_optins"]
    streaks = Deletion(
        feature="streaks",
        member=("DELETE FROM streak_optins WHERE guild_id = ? AND user_id = ?",),
        guild=("DELETE FROM streak_optins WHERE guild_id = ?",),
    )
    assert uncovered_member_columns(schema, (*FEATURES, streaks)) == []
    assert uncovered_guild_tables(schema, (*FEATURES, streaks)) == []


async def test_every_statement_names_a_real_table_and_column(tmp_path: Path) -> None:
    """No stale declaration: each statement and each kept column refers to the schema as migrated."""
    schema = await migrated_schema(tmp_path / "bot.db")
    for table, column in member_columns_covered(FEATURES):
        assert column in schema.get(table, []), f"{table}.{column} is not in the schema"
    for table in guild_tables_covered(FEATURES):
        assert "guild_id" in schema.get(table, []), f"{table} has no guild_id"


def test_privacy_runs_each_statement_once_and_the_server_row_last() -> None:
    assert len(set(MEMBER_DELETES)) == len(MEMBER_DELETES) and len(set(GUILD_DELETES)) == len(GUILD_DELETES)
    assert len({feature.feature for feature in FEATURES}) == len(FEATURES)
    assert GUILD_DELETES[-1] == "DELETE FROM guilds WHERE guild_id = ?"
