-- replies_author (guild_id, author_id) is a prefix of replies_author_day (guild_id, author_id, post_date,
-- deleted_at), which serves every query it served; each logged reply no longer updates a fifth index.
DROP INDEX replies_author;
