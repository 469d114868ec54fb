-- The catalogue: events, their design sessions (in page order) and each session's notes links.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  position INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  hosts TEXT NOT NULL DEFAULT '[]', -- JSON array of names
  notes_published INTEGER NOT NULL CHECK (notes_published IN (0, 1)),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (event_id, id)
);

CREATE TABLE note_links (
  event_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  url TEXT NOT NULL,
  kind TEXT NOT NULL,
  label TEXT,
  watchable INTEGER NOT NULL CHECK (watchable IN (0, 1)),
  PRIMARY KEY (event_id, session_id, url),
  FOREIGN KEY (event_id, session_id) REFERENCES sessions(event_id, id) ON DELETE CASCADE
);
