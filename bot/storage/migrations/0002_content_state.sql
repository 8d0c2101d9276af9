-- Which facts a channel has seen, so /film fact does not repeat one until its category is exhausted.
CREATE TABLE fact_history (
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    category    TEXT NOT NULL,   -- '' for "any category"
    fact_id     TEXT NOT NULL,
    shown_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id, category, fact_id)
);

-- Full-text index over every review excerpt, rebuilt from the content pack when it changes.
-- unicode61 with remove_diacritics 2 folds "für" and "fur" together.
CREATE VIRTUAL TABLE excerpt_search USING fts5(
    excerpt_id UNINDEXED,
    review_id UNINDEXED,
    heading,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Small key/value facts about the database itself (e.g. the hash of the indexed content pack).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
