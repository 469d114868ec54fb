-- Schedules: what conference schedules say about a session (its source id, times, room, track, page, related
-- links, withdrawn) as one JSON object, the event's time zone, and which notes links the source itself listed
-- (only those are removed when a re-import no longer lists them). An event may name the schedule it follows:
-- the cron fetches it with a conditional GET and re-imports it when its text changed.
ALTER TABLE events ADD COLUMN time_zone TEXT;
ALTER TABLE events ADD COLUMN source_url TEXT;
ALTER TABLE events ADD COLUMN source_format TEXT;
ALTER TABLE events ADD COLUMN source_etag TEXT;
ALTER TABLE events ADD COLUMN source_last_modified TEXT;
ALTER TABLE events ADD COLUMN source_hash TEXT;
ALTER TABLE events ADD COLUMN source_checked_at TEXT;
ALTER TABLE sessions ADD COLUMN schedule TEXT NOT NULL DEFAULT '{}';
ALTER TABLE note_links ADD COLUMN from_source INTEGER NOT NULL DEFAULT 0 CHECK (from_source IN (0, 1));
