"""What a database URL names and where it points, without connecting (so without importing asyncpg).

`open_storage` asks `is_postgres_url` on every start: on SQLite the PostgreSQL driver is never imported
(about 4 MB of memory; tests/test_lazy_imports.py checks), so these helpers live apart from bot/storage/postgres.py.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def is_postgres_url(value: str) -> bool:
    """Whether a DATABASE_URL names PostgreSQL (postgresql:// or postgres://)."""
    return value.startswith(("postgresql://", "postgres://"))


def host_and_port(url: str) -> str:
    """Where a PostgreSQL URL points, as `db.example:5432`, for the operator's lines."""
    try:
        parts = urlsplit(url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    except ValueError:
        return "PostgreSQL"


def describe_url(url: str) -> str:
    """The URL without its password, for messages an operator reads."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"
    except ValueError:
        return "the PostgreSQL URL"
