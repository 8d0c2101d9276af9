-- PostgreSQL twin of ../0009_highlights.sql: Discord ids are BIGINT.
-- Replies a moderator highlighted with the "Highlight reply" context menu (SPEC §11). One row per reply;
-- author_id is the reply's author, so /privacy forget removes the marks on their replies with one statement.
CREATE TABLE reply_highlights (
    guild_id        BIGINT NOT NULL,
    message_id      BIGINT NOT NULL,                -- the reply (replies.message_id)
    author_id       BIGINT NOT NULL,                -- the reply's author
    moderator_id    BIGINT NOT NULL,                -- 0 once that moderator used /privacy forget
    highlighted_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, message_id)
);
CREATE INDEX reply_highlights_author ON reply_highlights (guild_id, author_id);

-- Members' reactions on replies: one row per reply, member and emoji, as Discord counts them. A set, so a
-- duplicated gateway event changes nothing and a removal removes exactly what it names; the reply's count
-- is its number of rows. Emoji is the unicode character or the custom emoji's id. No times are kept.
CREATE TABLE reply_reactions (
    guild_id    BIGINT NOT NULL,
    message_id  BIGINT NOT NULL,                    -- the reply
    user_id     BIGINT NOT NULL,                    -- who reacted
    emoji       TEXT NOT NULL,
    author_id   BIGINT NOT NULL,                    -- the reply's author
    PRIMARY KEY (guild_id, message_id, user_id, emoji)
);
CREATE INDEX reply_reactions_user ON reply_reactions (guild_id, user_id);
CREATE INDEX reply_reactions_author ON reply_reactions (guild_id, author_id);
