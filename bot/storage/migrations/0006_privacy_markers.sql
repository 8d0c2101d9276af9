-- Members who used /privacy forget or /privacy optout in a server: no message of theirs with an id up to
-- before_id (the id of their request, a Discord id that encodes its time) is ever logged again, whatever
-- the retention purge removed since, and however often the bot re-reads a thread. Ids only; the retention
-- purge leaves these rows alone; they go with the rest of the server's data when the bot leaves it.
CREATE TABLE forgotten_members (
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    before_id  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- The created_at cutoff of the server's last retention purge: a reply older than it is never stored
-- again (the backfill re-reads threads older than a short retention), so a purge is for good.
ALTER TABLE guilds ADD COLUMN purged_before TEXT;
