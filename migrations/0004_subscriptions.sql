-- Email subscriptions: who follows what (double opt-in), per-address state (confirmation throttle,
-- suppression after hard failures), and the send ledger that makes every mail go out exactly once.

-- One row per address × scope. session_id '' means the whole event.
CREATE TABLE subscribers (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  event_id TEXT NOT NULL,
  session_id TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('immediate', 'daily')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
  created_at TEXT NOT NULL,
  confirmed_at TEXT,
  unsubscribed_at TEXT,
  UNIQUE (email, event_id, session_id)
);
CREATE INDEX subscribers_fanout ON subscribers (event_id, status, mode, id);

CREATE TABLE addresses (
  email TEXT PRIMARY KEY,
  confirm_sent_at TEXT,
  hard_failures INTEGER NOT NULL DEFAULT 0,
  suppressed_at TEXT
);

-- The send ledger. id is what the mail is about × whom: "<change id>:<subscriber id>",
-- "digest:<cutoff>:<subscriber id>" or "confirm:<subscriber id>:<hour>". A row is claimed ('sending') before
-- the send and marked 'sent' after it; a redelivered message skips 'sent' and 'failed' rows.
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  subscriber_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('change', 'digest', 'confirm')),
  status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 1,
  provider_id TEXT,
  error TEXT,
  updated_at TEXT NOT NULL
);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

-- The outbox for mail: a change is handed to NOTIFY after it is committed, then marked. The cron re-hands
-- any change left unmarked (the consumer died between the commit and the send), so none is lost.
ALTER TABLE changes ADD COLUMN notified_at TEXT;
UPDATE changes SET notified_at = created_at;
CREATE INDEX changes_unnotified ON changes (created_at) WHERE notified_at IS NULL;
