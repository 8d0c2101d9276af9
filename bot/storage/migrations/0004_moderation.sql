-- Moderator tools (SPEC §5 /prompts): server-owned prompts, per-server prompt state, members'
-- suggestions and the audit log of moderator changes.

-- Prompts a server wrote itself (added, imported or approved from a suggestion). prompt_id is unique
-- per server ('s-<n>' when the bot names it); seq keeps the order they were created in.
CREATE TABLE server_prompts (
    guild_id    INTEGER NOT NULL,
    prompt_id   TEXT NOT NULL CHECK (length(prompt_id) BETWEEN 1 AND 100),
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'drawn' CHECK (kind IN ('drawn', 'seed-question')),
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    text_de     TEXT CHECK (text_de IS NULL OR length(text_de) BETWEEN 1 AND 300),
    review_id   TEXT,
    passage     TEXT CHECK (passage IS NULL OR length(passage) BETWEEN 1 AND 3500),
    themes      TEXT NOT NULL DEFAULT '[]',               -- JSON list of kebab-case themes
    spoiler     INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1)),
    note        TEXT,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT,
    PRIMARY KEY (guild_id, prompt_id),
    UNIQUE (guild_id, seq)
);

-- The last number the bot used for an 's-<n>' id in a server, so a removed prompt's id is never reused
-- (the history of daily posts refers to prompt ids).
CREATE TABLE server_prompt_ids (
    guild_id  INTEGER PRIMARY KEY,
    last      INTEGER NOT NULL
);

-- Enabled or disabled, for shipped and server prompts alike; no row means enabled.
CREATE TABLE prompt_state (
    guild_id    INTEGER NOT NULL,
    prompt_id   TEXT NOT NULL,
    enabled     INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, prompt_id)
);

-- Members' suggestions. message_id/channel_id locate the moderators' message with the buttons;
-- notified marks a decision the member has been told about (on their next /prompts suggest).
CREATE TABLE suggestions (
    suggestion_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id       INTEGER NOT NULL,
    author_id      INTEGER NOT NULL,
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 300),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    moderator_id   INTEGER,
    prompt_id      TEXT,
    created_at     TEXT NOT NULL,
    decided_at     TEXT,
    channel_id     INTEGER,
    message_id     INTEGER,
    notified       INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1))
);
CREATE INDEX suggestions_guild_status ON suggestions (guild_id, status, suggestion_id);
CREATE INDEX suggestions_author ON suggestions (guild_id, author_id);

-- Every moderator change: who, what, before and after (JSON), when.
CREATE TABLE audit_log (
    entry_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id      INTEGER NOT NULL,
    moderator_id  INTEGER NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT NOT NULL,
    before_json   TEXT,
    after_json    TEXT,
    at            TEXT NOT NULL
);
CREATE INDEX audit_log_guild ON audit_log (guild_id, entry_id);
