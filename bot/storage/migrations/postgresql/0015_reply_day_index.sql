-- PostgreSQL twin of ../0015_reply_day_index.sql.
DROP INDEX replies_guild_time;
DROP INDEX replies_thread;
DROP INDEX replies_guild_post;
CREATE INDEX replies_guild_day ON replies (guild_id, post_date, thread_id, message_id);
