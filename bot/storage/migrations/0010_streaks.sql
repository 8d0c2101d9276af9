-- Members who chose to appear on /discussion leaderboard (default: nobody). Streaks themselves are worked
-- out from daily_posts and replies when asked, so nothing else about them is stored. A per-member record:
-- /privacy forget and /privacy optout delete it.
CREATE TABLE leaderboard_optins (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    opted_in_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);

-- A member's replies by day, with the deleted marker, without reading the rows: a streak costs what that
-- member's replies cost, however many replies the server has. (message_id is the rowid, so it is in too.)
CREATE INDEX replies_author_day ON replies (guild_id, author_id, post_date, deleted_at);
