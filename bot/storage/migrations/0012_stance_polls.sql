-- Stance polls (SPEC §11): a prompt with a stance is posted with a native Discord poll.
-- How long the server's polls run, in hours (Discord allows 1 to 768); set with /schedule set poll_hours.
ALTER TABLE schedules ADD COLUMN poll_hours INTEGER NOT NULL DEFAULT 24 CHECK (poll_hours BETWEEN 1 AND 768);

-- A server prompt's stance as JSON text ({"question", "question_de", "answers": [{"text", "text_de"}]});
-- NULL: the prompt has none.
ALTER TABLE server_prompts ADD COLUMN stance TEXT;

-- One row per daily post sent with a poll: what was asked (in the language it was posted in) and, once the
-- poll has ended, Discord's final tally per answer (final_counts, a JSON list in answer order). finalized_at
-- is set exactly once, whichever of the poll's end event or the bot's own look after a restart comes first.
CREATE TABLE stance_polls (
    guild_id      INTEGER NOT NULL,
    message_id    INTEGER NOT NULL,
    channel_id    INTEGER NOT NULL,
    post_date     TEXT NOT NULL,                      -- the daily post's local date, YYYY-MM-DD
    prompt_id     TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('en', 'de')),
    question      TEXT NOT NULL,
    answers       TEXT NOT NULL,                      -- JSON list of the answers as posted
    expires_at    INTEGER NOT NULL,                   -- unix seconds
    final_counts  TEXT,
    total_votes   INTEGER,
    finalized_at  TEXT,
    PRIMARY KEY (guild_id, message_id)
);
CREATE INDEX stance_polls_open ON stance_polls (finalized_at, expires_at);
CREATE INDEX stance_polls_prompt ON stance_polls (guild_id, prompt_id);

-- Who voted for what while a poll runs (from MESSAGE_POLL_VOTE_ADD/REMOVE; opted-out members are never
-- stored): a repeated event changes nothing. Deleted as soon as the poll's final tally is stored.
CREATE TABLE stance_votes (
    guild_id    INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    answer_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (guild_id, message_id, answer_id, user_id)
);
