-- Servers the bot has seen. removed_at marks a server that removed the bot, so its data can be
-- deleted after the grace period; retention_days is the reply retention of SPEC §8.
CREATE TABLE guilds (
    guild_id        INTEGER PRIMARY KEY,
    joined_at       TEXT NOT NULL,
    removed_at      TEXT,
    retention_days  INTEGER NOT NULL DEFAULT 365 CHECK (retention_days BETWEEN 1 AND 3650)
);
CREATE INDEX guilds_removed ON guilds (removed_at) WHERE removed_at IS NOT NULL;
