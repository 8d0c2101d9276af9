-- /discussion stats counts a server's replies from a date on (participants, top participants):
-- with only (guild_id, created_at) and (guild_id, author_id) it walked every reply of the server.
CREATE INDEX replies_guild_post ON replies (guild_id, post_date);
