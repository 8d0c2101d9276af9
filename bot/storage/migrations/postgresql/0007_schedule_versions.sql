-- PostgreSQL twin of ../0007_schedule_versions.sql.
ALTER TABLE schedules ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

ALTER TABLE daily_posts ADD COLUMN timezone TEXT;
