-- One daily-discussion schedule per server. next_run_at (unix seconds, UTC) is the next scheduled
-- instant; the partial index makes "which schedules are due" cost what the due rows cost.
CREATE TABLE schedules (
    guild_id           INTEGER PRIMARY KEY,
    channel_id         INTEGER NOT NULL,
    local_time         TEXT NOT NULL,                 -- HH:MM, 24-hour
    timezone           TEXT NOT NULL,                 -- IANA name
    days               INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),  -- bit 0 = Monday
    ping_role_id       INTEGER,
    moderator_role_id  INTEGER,
    log_channel_id     INTEGER,
    paused             INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    next_run_at        INTEGER NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0;

-- One row per server and local day: the claim is written before the send, so no restart, retry
-- or double tick can post a day twice. thread_id equals message_id once the thread exists.
CREATE TABLE daily_posts (
    guild_id     INTEGER NOT NULL,
    post_date    TEXT NOT NULL,                      -- the server's local date, YYYY-MM-DD
    number       INTEGER NOT NULL,                   -- running number in this server
    prompt_id    TEXT NOT NULL,
    channel_id   INTEGER NOT NULL,
    nonce        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
    message_id   INTEGER,
    thread_id    INTEGER,
    claimed_at   TEXT NOT NULL,
    posted_at    TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    error_reported INTEGER NOT NULL DEFAULT 0 CHECK (error_reported IN (0, 1)),
    PRIMARY KEY (guild_id, post_date),
    UNIQUE (guild_id, number)
);
CREATE UNIQUE INDEX daily_posts_message ON daily_posts (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX daily_posts_prompt ON daily_posts (guild_id, prompt_id);
CREATE INDEX daily_posts_recent ON daily_posts (posted_at) WHERE message_id IS NOT NULL;

-- Prompts a moderator queued to be posted next, in order.
CREATE TABLE prompt_queue (
    guild_id   INTEGER NOT NULL,
    prompt_id  TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, prompt_id)
);

-- Logged replies to daily posts (SPEC §7). content is NULL once the message was deleted (a tombstone
-- that stops a replayed create from bringing it back); content_enc marks encrypted content (SPEC §8).
CREATE TABLE replies (
    message_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    post_date    TEXT NOT NULL,
    prompt_id    TEXT NOT NULL,
    thread_id    INTEGER NOT NULL,                   -- the daily post's thread (= its message id)
    channel_id   INTEGER NOT NULL,                   -- where the reply was written
    author_id    INTEGER NOT NULL,
    author_name  TEXT,
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    content      BLOB,
    content_enc  INTEGER NOT NULL DEFAULT 0 CHECK (content_enc IN (0, 1)),
    deleted_at   TEXT
);
CREATE INDEX replies_guild_time ON replies (guild_id, created_at);
CREATE INDEX replies_thread ON replies (thread_id, message_id);
CREATE INDEX replies_author ON replies (guild_id, author_id);

-- Members who asked not to be logged; the only thing kept about them after /privacy optout.
CREATE TABLE optouts (
    guild_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    opted_out_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
