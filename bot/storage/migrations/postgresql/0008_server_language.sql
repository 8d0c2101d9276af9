-- The server's language for everything the bot posts unprompted in its channels (daily post, thread name,
-- failure reports): 'en' or 'de', set with /schedule set language. NULL (schedules from before this column)
-- follows the server's preferred locale, as those schedules always did.
ALTER TABLE schedules ADD COLUMN language TEXT CHECK (language IS NULL OR language IN ('en', 'de'));
