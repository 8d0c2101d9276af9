"""Each feature owns its queries: a store per feature, reached as an attribute of the storage object.

`Storage` is the connection (open, migrate, transaction, read, backup, scrub, the search index) and nothing
else: a query method added to it, or to a mixin under it, fails here; it belongs in the feature's store
(bot/storage/<feature>.py, a `Store`, with its `DELETION`). The schema side (every table with a member or a
server column is deleted by some feature) is tests/test_storage_ownership.py.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import get_type_hints

import pytest

import bot.storage
from bot.storage import Storage
from bot.storage.database import Database
from bot.storage.ownership import Deletion
from bot.storage.postgres import PostgresDatabase, PostgresStorage
from bot.storage.privacy import FEATURES
from bot.storage.store import Store
from tests.backends import open_db

# The nine stores of the split; stores added later are found by `store_properties` all the same.
EXPECTED = {
    "guilds": "GuildStore",
    "discussion": "DiscussionStore",
    "replies": "ReplyStore",
    "content_state": "ContentStateStore",
    "privacy": "PrivacyStore",
    "moderation": "ModerationStore",
    "highlights": "HighlightStore",
    "streaks": "StreakStore",
    "digest": "DigestStore",
}
WRITES = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+\w+", re.IGNORECASE)


def store_properties() -> dict[str, type[Store]]:
    """Every store attribute of `Storage` (a cached_property returning a Store), by name."""
    found: dict[str, type[Store]] = {}
    for name, value in vars(Storage).items():
        if isinstance(value, cached_property):
            returned = get_type_hints(value.func)["return"]
            if isinstance(returned, type) and issubclass(returned, Store):
                found[name] = returned
    return found


def connection_names() -> set[str]:
    """What the connection offers: everything Database and PostgresDatabase define."""
    return {name for cls in (Database, PostgresDatabase) for klass in cls.__mro__ for name in vars(klass)}


def is_query(value: object) -> bool:
    function = value.__func__ if isinstance(value, classmethod | staticmethod) else value
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def store_modules() -> list[ModuleType]:
    """Every module under bot/storage that defines a Store subclass."""
    modules = []
    for info in pkgutil.iter_modules(bot.storage.__path__, "bot.storage."):
        module = importlib.import_module(info.name)
        if any(
            isinstance(value, type)
            and issubclass(value, Store)
            and value is not Store
            and value.__module__ == info.name
            for value in vars(module).values()
        ):
            modules.append(module)
    return modules


@pytest.mark.parametrize("cls", [Storage, PostgresStorage], ids=lambda cls: cls.__name__)
def test_storage_defines_no_query_of_its_own(cls: type[Storage]) -> None:
    """Every public coroutine on the storage object is the connection's; the queries are in the stores."""
    connection = connection_names()
    queries = sorted(
        f"{klass.__name__}.{name}"
        for klass in cls.__mro__
        if klass not in (object,)
        for name, value in vars(klass).items()
        if not name.startswith("_") and is_query(value) and name not in connection
    )
    assert not queries, f"queries belong in a feature's store (bot/storage/<feature>.py), not on Storage: {queries}"
    own = {name for name in vars(Storage) if not name.startswith("_")}
    assert own == {"open", *store_properties()}, "Storage holds the connection's opening and the store attributes only"


def test_each_feature_store_is_an_attribute_of_the_storage() -> None:
    found = {name: store.__name__ for name, store in store_properties().items()}
    assert EXPECTED.items() <= found.items()


def test_every_store_module_that_writes_declares_its_deletion() -> None:
    """A store that writes rows owns tables: it says what a member's and a server's deletion does to them."""
    modules = store_modules()
    assert {module.__name__.rsplit(".", 1)[1] for module in modules} >= set(EXPECTED)
    missing, unlisted = [], []
    for module in modules:
        if not WRITES.search(Path(module.__file__ or "").read_text(encoding="utf-8")):
            continue
        deletion = getattr(module, "DELETION", None)
        if not isinstance(deletion, Deletion):
            missing.append(module.__name__)
        elif deletion not in FEATURES:
            unlisted.append(module.__name__)
    assert not missing, f"declare DELETION = Deletion(...) (bot/storage/ownership.py) in {missing}"
    assert not unlisted, f"add the DELETION of {unlisted} to FEATURES in bot/storage/privacy.py"


@pytest.mark.usefixtures("backend")
async def test_stores_are_built_once_over_the_one_connection(tmp_path: Path) -> None:
    storage = await open_db(tmp_path / "bot.db")
    try:
        for name in store_properties():
            store = getattr(storage, name)
            assert isinstance(store, Store) and store.db is storage and getattr(storage, name) is store
        assert storage.discussion.dialect == storage.dialect
        assert await storage.discussion.get_schedule(1) is None  # a query runs through the shared connection
    finally:
        await storage.close()
