-- Every logged reply wrote four secondary indexes; now two (bench/README §1: SQLite's insert is most of what
-- logging a reply costs). One index, (guild_id, post_date, thread_id, message_id), takes the place of three:
-- - replies_guild_post (guild_id, post_date): a server's replies from a date on (/discussion stats);
-- - replies_thread (thread_id, message_id): one post's replies. Every such query also knows the server and the
--   post's date (a reply carries its post's), so it reads (guild_id, post_date, thread_id), in message id order;
-- - replies_guild_time (guild_id, created_at): the retention purge. A reply is written after its post, so it is
--   never older than the day before its post's date: the purge reads a server's replies up to two days past its
--   cutoff's date and checks created_at on those.
DROP INDEX replies_guild_time;
DROP INDEX replies_thread;
DROP INDEX replies_guild_post;
CREATE INDEX replies_guild_day ON replies (guild_id, post_date, thread_id, message_id);
