-- PostgreSQL twin of ../0002_content_state.sql. The review search index (excerpt_search, SQLite FTS5) is not
-- here: on PostgreSQL it is an in-process SQLite index over the shipped content pack (bot/storage/content_state.py).
CREATE TABLE fact_history (
    guild_id    BIGINT NOT NULL,
    channel_id  BIGINT NOT NULL,
    category    TEXT NOT NULL,   -- '' for "any category"
    fact_id     TEXT NOT NULL,
    shown_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id, category, fact_id)
);

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
