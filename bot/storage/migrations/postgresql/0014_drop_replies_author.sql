-- PostgreSQL twin of ../0014_drop_replies_author.sql.
DROP INDEX replies_author;
