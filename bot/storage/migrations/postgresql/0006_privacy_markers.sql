-- PostgreSQL twin of ../0006_privacy_markers.sql.
CREATE TABLE forgotten_members (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    before_id  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

ALTER TABLE guilds ADD COLUMN purged_before TEXT;
