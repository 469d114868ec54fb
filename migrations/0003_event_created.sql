-- When an event first entered the catalogue: dates its feeds while they have no items, so that editing the
-- catalogue does not change (and re-announce) feeds whose items did not change.
ALTER TABLE events ADD COLUMN created_at TEXT;
UPDATE events SET created_at = updated_at WHERE created_at IS NULL;
