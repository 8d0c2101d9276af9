-- Members who chose to appear on /discussion leaderboard (default: nobody). Streaks themselves are worked
-- out from daily_posts and replies when asked, so nothing else about them is stored. A per-member record:
-- /privacy forget and /privacy optout delete it.
CREATE TABLE leaderboard_optins (
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    opted_in_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
