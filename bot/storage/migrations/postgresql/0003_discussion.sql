-- PostgreSQL twin of ../0003_discussion.sql. Times stay ISO 8601 text written from the bot's clock, as on SQLite.
CREATE TABLE schedules (
    guild_id           BIGINT PRIMARY KEY,
    channel_id         BIGINT NOT NULL,
    local_time         TEXT NOT NULL,
    timezone           TEXT NOT NULL,
    days               INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
    ping_role_id       BIGINT,
    moderator_role_id  BIGINT,
    log_channel_id     BIGINT,
    paused             INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    next_run_at        BIGINT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0;

CREATE TABLE daily_posts (
    guild_id     BIGINT NOT NULL,
    post_date    TEXT NOT NULL,
    number       INTEGER NOT NULL,
    prompt_id    TEXT NOT NULL,
    channel_id   BIGINT NOT NULL,
    nonce        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('claimed', 'sent', 'failed')),
    message_id   BIGINT,
    thread_id    BIGINT,
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

CREATE TABLE prompt_queue (
    guild_id   BIGINT NOT NULL,
    prompt_id  TEXT NOT NULL,
    queued_at  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, prompt_id)
);

-- content holds bytes here (BYTEA): plain text is stored UTF-8 encoded, sealed text as the cipher made it.
CREATE TABLE replies (
    message_id   BIGINT PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    post_date    TEXT NOT NULL,
    prompt_id    TEXT NOT NULL,
    thread_id    BIGINT NOT NULL,
    channel_id   BIGINT NOT NULL,
    author_id    BIGINT NOT NULL,
    author_name  TEXT,
    created_at   TEXT NOT NULL,
    edited_at    TEXT,
    content      BYTEA,
    content_enc  INTEGER NOT NULL DEFAULT 0 CHECK (content_enc IN (0, 1)),
    deleted_at   TEXT
);
CREATE INDEX replies_guild_time ON replies (guild_id, created_at);
CREATE INDEX replies_thread ON replies (thread_id, message_id);
CREATE INDEX replies_author ON replies (guild_id, author_id);

CREATE TABLE optouts (
    guild_id    BIGINT NOT NULL,
    user_id     BIGINT NOT NULL,
    opted_out_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
