-- The weekly digest (SPEC §11): off until a moderator enables it. weekday 0 = Monday; local_time HH:MM in
-- the daily schedule's zone. updated_at keeps a digest enabled after this week's moment from going out late.
CREATE TABLE digest_settings (
    guild_id    INTEGER PRIMARY KEY,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    local_time  TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    updated_at  TEXT NOT NULL
);

-- One row per server and digest day (the local date it is due): claimed before anything is sent, like
-- daily_posts, so no restart or double tick posts a week twice. A long digest is sent in parts; parts_sent
-- says how many are confirmed, so a recovery resumes where the crash left off.
CREATE TABLE digest_posts (
    guild_id     INTEGER NOT NULL,
    digest_date  TEXT NOT NULL,                      -- the server's local date, YYYY-MM-DD
    channel_id   INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('claimed', 'sent')),
    parts_sent   INTEGER NOT NULL DEFAULT 0,
    message_id   INTEGER,                            -- the first part
    claimed_at   TEXT NOT NULL,
    posted_at    TEXT,
    PRIMARY KEY (guild_id, digest_date)
);
