-- Every change of a schedule bumps its version: the poster advances next_run_at only if the version is
-- still the one it read (compare-and-set), so a tick racing /schedule set cannot overwrite the new next run.
ALTER TABLE schedules ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- The zone a day was claimed in (NULL for days claimed before this column): after a zone change, the next
-- day is not posted before this day has ended in its own zone, so no local day gets two posts.
ALTER TABLE daily_posts ADD COLUMN timezone TEXT;
