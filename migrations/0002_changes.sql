-- Notes changes: what came in (receipts), what each watched notes link last published and what is still
-- settling (pads), what subscribers hear about (changes), and what could not be processed (failures).

-- Every inbound item that may change something: a webhook delivery, an admin action, a poller observation.
-- UNIQUE (source, external_id) turns a redelivery into a no-op; rows are kept 7 days (senders retry for days).
-- The payload is stored here, not in the queue message, because notes text may exceed a message's 128 KB.
CREATE TABLE receipts (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  external_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  processed_at TEXT,
  UNIQUE (source, external_id)
);
CREATE INDEX receipts_received ON receipts (received_at);
CREATE INDEX receipts_unprocessed ON receipts (processed_at, received_at);

-- One row per notes link whose text we have seen. "published" is what subscribers were last told about;
-- "pending" is the newest text still inside its quiet period. etag/last_modified drive the poller's
-- conditional GETs.
CREATE TABLE pads (
  event_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  url TEXT NOT NULL,
  published_hash TEXT,
  published_text TEXT,
  published_revision INTEGER,
  pending_hash TEXT,
  pending_text TEXT,
  pending_revision INTEGER,
  last_edit_at TEXT,
  etag TEXT,
  last_modified TEXT,
  checked_at TEXT,
  PRIMARY KEY (event_id, session_id, url)
);
CREATE INDEX pads_pending ON pads (last_edit_at) WHERE pending_hash IS NOT NULL;

-- The change log. seq orders changes per event (1, 2, 3 …) and is the pagination cursor.
CREATE TABLE changes (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  session_id TEXT,
  session_title TEXT,
  type TEXT NOT NULL,
  url TEXT,
  summary TEXT NOT NULL,
  excerpt TEXT NOT NULL DEFAULT '',
  lines_added INTEGER NOT NULL DEFAULT 0,
  lines_removed INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  UNIQUE (event_id, seq)
);
CREATE INDEX changes_session ON changes (event_id, session_id, seq);

-- Queue messages that could not be parsed or exhausted their retries: recorded, never dropped silently.
CREATE TABLE failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  message_id TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  body TEXT NOT NULL,
  error TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
