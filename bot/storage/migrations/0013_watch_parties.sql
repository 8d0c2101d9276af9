-- Watch parties (SPEC §11): a Discord scheduled event for the film, its announcement, and the party itself.
-- At most one party per server is scheduled, running or paused at a time (the partial unique index).
-- Film time: elapsed_ms counted before the current run, plus (now - resumed_at) while running; a pause folds
-- the run into elapsed_ms and clears resumed_at. created_by is the moderator who scheduled it (0 once forgotten).
CREATE TABLE watch_parties (
    guild_id          INTEGER NOT NULL,
    event_id          INTEGER NOT NULL,                 -- the Discord scheduled event
    channel_id        INTEGER NOT NULL,                 -- the announcement, the reminder and the threads
    voice_channel_id  INTEGER,                          -- the voice or stage channel; NULL: at a location
    location          TEXT,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    runtime_seconds   INTEGER NOT NULL,
    prompt_count      INTEGER NOT NULL,
    language          TEXT NOT NULL,
    created_by        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('scheduled', 'running', 'paused', 'ended', 'stopped')),
    announcement_id   INTEGER,
    interested        INTEGER NOT NULL DEFAULT 0,
    thread_id         INTEGER,
    elapsed_ms        INTEGER NOT NULL DEFAULT 0,
    resumed_at        TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (guild_id, event_id)
);
CREATE UNIQUE INDEX watch_parties_one_active ON watch_parties (guild_id)
    WHERE status IN ('scheduled', 'running', 'paused');

-- Everything a party sends unprompted, claimed before it is sent (like daily_posts): the reminder (in parts
-- of at most 80 mentions), each prompt (position = its place in content/watchparty.yaml) and the closing
-- message that opens the after-film thread. A claim left 'claimed' by a crash is looked for, then resent
-- with the same nonce; no row is ever claimed twice.
CREATE TABLE watch_party_posts (
    guild_id    INTEGER NOT NULL,
    event_id    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('reminder', 'prompt', 'closing')),
    position    INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('claimed', 'sent')),
    message_id  INTEGER,
    claimed_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, event_id, kind, position)
);
