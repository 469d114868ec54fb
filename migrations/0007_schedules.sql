-- Schedules: what conference schedules say about a session (its source id, times, room, track, page, related
-- links, withdrawn) as one JSON object, the event's time zone, and which notes links the source itself listed
-- (only those are removed when a re-import no longer lists them).
ALTER TABLE events ADD COLUMN time_zone TEXT;
ALTER TABLE sessions ADD COLUMN schedule TEXT NOT NULL DEFAULT '{}';
ALTER TABLE note_links ADD COLUMN from_source INTEGER NOT NULL DEFAULT 0 CHECK (from_source IN (0, 1));
