-- PostgreSQL twin of ../0001_guilds.sql (same tables, columns and keys; snowflakes are BIGINT).
CREATE TABLE guilds (
    guild_id        BIGINT PRIMARY KEY,
    joined_at       TEXT NOT NULL,
    removed_at      TEXT,
    retention_days  INTEGER NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 1 AND 3650)
);
CREATE INDEX guilds_removed ON guilds (removed_at) WHERE removed_at IS NOT NULL;
