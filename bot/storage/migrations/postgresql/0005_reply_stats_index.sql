-- PostgreSQL twin of ../0005_reply_stats_index.sql.
CREATE INDEX replies_guild_post ON replies (guild_id, post_date);
