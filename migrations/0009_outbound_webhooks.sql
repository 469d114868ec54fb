-- Signed outbound webhooks (issue 13): endpoints an admin registers, their signing secrets, and the delivery
-- ledger that makes each published change reach each endpoint at most once per success.

-- An endpoint and its scope: every change (event_id NULL), one event's (session_id NULL), or one session's.
-- status: 'active' receives deliveries; 'paused' by an admin; 'disabled' by the sender itself (410 Gone, or
-- failing continuously for days), with why in disabled_reason and when in status_changed_at.
-- failing_since: when the current run of failed attempts began (NULL after any success).
CREATE TABLE hook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  event_id TEXT,
  session_id TEXT,
  format TEXT NOT NULL DEFAULT 'standard',
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
  disabled_reason TEXT,
  status_changed_at TEXT NOT NULL,
  failing_since TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX hook_endpoints_scope ON hook_endpoints (status, event_id, session_id);

-- Signing secrets (whsec_…). The current one has expires_at NULL; a rotation gives the previous one an expiry
-- 24 hours on, and until then deliveries carry a signature with each.
CREATE TABLE hook_secrets (
  endpoint_id TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  PRIMARY KEY (endpoint_id, secret)
) WITHOUT ROWID;

-- The delivery ledger: one row per change × endpoint, written by the hand-over in the batch that marks the change
-- handed to webhooks. Its id is the webhook-id of every attempt and replay. status: 'pending' (next attempt at
-- next_attempt_at), 'sending' (claimed until lease_until: a crashed attempt is taken over after that),
-- 'delivered' (a 2xx), 'failed' (the schedule ran out, or the endpoint answered 410). last_answer holds the
-- first KiB of the endpoint's last answer (or why the attempt failed), latency_ms the last attempt's time.
CREATE TABLE hook_deliveries (
  id TEXT PRIMARY KEY,
  change_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  lease_until TEXT,
  last_status INTEGER,
  last_answer TEXT,
  latency_ms INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  delivered_at TEXT,
  UNIQUE (change_id, endpoint_id)
);
CREATE INDEX hook_deliveries_log ON hook_deliveries (endpoint_id, created_at);
CREATE INDEX hook_deliveries_due ON hook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX hook_deliveries_leased ON hook_deliveries (lease_until) WHERE status = 'sending';

-- The outbox for webhooks, like notified_at for mail: a change is handed over (its ledger rows written) after it
-- is committed, then marked. Changes published before this migration were never meant for endpoints.
ALTER TABLE changes ADD COLUMN hooked_at TEXT;
UPDATE changes SET hooked_at = created_at;
CREATE INDEX changes_unhooked ON changes (created_at) WHERE hooked_at IS NULL;
