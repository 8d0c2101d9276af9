"""Queries about the content pack's per-channel state: fact rotation and the excerpt search index.

The full-text search uses SQLite's FTS5 (`excerpt_search`); callers hand in a MATCH expression that
`bot.reviews.build_match_query` made safe, never raw user text. It indexes the shipped content pack only,
so on PostgreSQL it stays an SQLite index in memory (`search_index()`), rebuilt at each start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.storage.ownership import Deletion
from bot.storage.store import Store
from bot.timeutil import to_iso

INDEX_HASH_KEY = "excerpt_search.hash"


@dataclass(frozen=True, slots=True)
class IndexedExcerpt:
    """One row of the search index."""

    excerpt_id: str
    review_id: str
    heading: str
    body: str


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One search result: the excerpt and a snippet of its text with the matched words between markers."""

    excerpt_id: str
    heading: str
    snippet: str
    rank: float


# Insertion order breaks ties of shown_at: SQLite's rowid; PostgreSQL has none, and a round's facts are few,
# so its tie-break is the row's physical place (ctid), which follows insertion in this append-only table.
_SHOWN_FACTS = {
    "sqlite": "SELECT fact_id FROM fact_history WHERE guild_id = ? AND channel_id = ? AND category = ? "
    "ORDER BY shown_at, rowid",
    "postgresql": "SELECT fact_id FROM fact_history WHERE guild_id = ? AND channel_id = ? AND category = ? "
    "ORDER BY shown_at, ctid",
}


class ContentStateStore(Store):
    # -- fact rotation -----------------------------------------------------------------------------------

    async def shown_facts(self, guild_id: int, channel_id: int, category: str) -> list[str]:
        """Ids of the facts shown in this channel's current round for `category` ('' = any), oldest first."""
        rows = await self.read(
            _SHOWN_FACTS[self.dialect],
            (guild_id, channel_id, category),
        )
        return [row["fact_id"] for row in rows]

    async def record_fact(
        self, guild_id: int, channel_id: int, category: str, fact_id: str, now: datetime, *, new_round: bool
    ) -> bool:
        """Mark a fact as shown; `new_round` first forgets the finished round.

        Returns False when the fact was already recorded in this round (another request took it first),
        so that the caller can choose again.
        """
        async with self.transaction() as conn:
            if new_round:
                await conn.execute(
                    "DELETE FROM fact_history WHERE guild_id = ? AND channel_id = ? AND category = ?",
                    (guild_id, channel_id, category),
                )
            cursor = await conn.execute(
                "INSERT INTO fact_history (guild_id, channel_id, category, fact_id, shown_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, channel_id, category, fact_id, to_iso(now)),
            )
            return bool(cursor.rowcount == 1)

    # -- excerpt search ----------------------------------------------------------------------------------

    async def excerpt_index_hash(self) -> str | None:
        index = await self.db.search_index()
        row = await index.read_one("SELECT value FROM meta WHERE key = ?", (INDEX_HASH_KEY,))
        return str(row["value"]) if row else None

    async def rebuild_excerpt_index(self, excerpts: Iterable[IndexedExcerpt], digest: str) -> None:
        """Replace the whole search index with `excerpts` and remember the pack's `digest`, atomically."""
        rows = [(e.excerpt_id, e.review_id, e.heading, e.body) for e in excerpts]
        index = await self.db.search_index()
        async with index.transaction() as conn:
            await conn.execute("DELETE FROM excerpt_search")
            await conn.executemany(
                "INSERT INTO excerpt_search (excerpt_id, review_id, heading, body) VALUES (?, ?, ?, ?)", rows
            )
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (INDEX_HASH_KEY, digest),
            )

    async def ensure_excerpt_index(self, excerpts: Iterable[IndexedExcerpt], digest: str) -> bool:
        """Rebuild the index only when the pack changed since it was built; True if it was rebuilt."""
        if await self.excerpt_index_hash() == digest:
            return False
        await self.rebuild_excerpt_index(excerpts, digest)
        return True

    async def count_excerpt_matches(self, match: str) -> int:
        index = await self.db.search_index()
        row = await index.read_one("SELECT count(*) FROM excerpt_search WHERE excerpt_search MATCH ?", (match,))
        return int(row[0]) if row else 0

    async def search_excerpts(self, match: str, *, limit: int, offset: int = 0) -> list[SearchHit]:
        """Best matches first (bm25; a hit in the heading weighs double); matched words between ** markers."""
        index = await self.db.search_index()
        rows = await index.read(
            "SELECT excerpt_id, highlight(excerpt_search, 2, '**', '**') AS heading, "
            "snippet(excerpt_search, 3, '**', '**', '…', 32) AS snippet, "
            "bm25(excerpt_search, 0.0, 0.0, 2.0, 1.0) AS rank "
            "FROM excerpt_search WHERE excerpt_search MATCH ? ORDER BY rank, excerpt_id LIMIT ? OFFSET ?",
            (match, limit, offset),
        )
        return [SearchHit(row["excerpt_id"], row["heading"], row["snippet"], float(row["rank"])) for row in rows]


# Which facts a server was shown; no member in it.
DELETION = Deletion(feature="content state", guild=("DELETE FROM fact_history WHERE guild_id = ?",))
