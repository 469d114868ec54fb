-- Recovery that cannot starve and fan-outs that resume (issue 8): receipts carry their re-queue count, when
-- the sweep may look at them next, and their final failure; failures keep one row per subject; each change
-- handed to mail gets a fan-out row that records its progress until every recipient has a final ledger row;
-- ledger claims carry a lease, so a re-drive never takes over a send that is still in progress.

-- sweeps: how often the cron re-queued the receipt; retry_at: when it may do so next (NULL until the first
-- re-queue: then 5 minutes after received_at); failed_at/error: given up for good, never re-queued again.
ALTER TABLE receipts ADD COLUMN sweeps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN retry_at TEXT;
ALTER TABLE receipts ADD COLUMN failed_at TEXT;
ALTER TABLE receipts ADD COLUMN error TEXT;
-- The sweep reads unprocessed, unfailed receipts in this order (the same expression as its ORDER BY); it
-- replaces the index of all unprocessed ones, which would make it wade through the failed ones.
DROP INDEX receipts_unprocessed;
CREATE INDEX receipts_sweep ON receipts (COALESCE(retry_at, received_at)) WHERE processed_at IS NULL AND failed_at IS NULL;
CREATE INDEX receipts_failed ON receipts (failed_at) WHERE failed_at IS NOT NULL;

-- One row per subject ("receipt:<id>", "fanout:<change id>", "message:<queue>:<message id>", …): a failure
-- that happens again updates its row (count, latest message and error) instead of adding one.
ALTER TABLE failures ADD COLUMN subject TEXT;
ALTER TABLE failures ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE failures ADD COLUMN first_recorded_at TEXT;
UPDATE failures SET subject = 'legacy:' || id, first_recorded_at = recorded_at;
CREATE UNIQUE INDEX failures_subject ON failures (subject);
CREATE INDEX failures_recorded ON failures (recorded_at);

-- A change's mail, from hand-over to the last recipient. Written by the outbox in the same batch that marks the
-- change notified. Recipients are the confirmed, unsuppressed immediate subscribers of its scope confirmed at or
-- before handed_at. cursor: the last subscriber id the current planning pass has queued; planned_at: when that
-- pass reached the end (NULL while it runs); due_at: when the cron looks at it next (pushed back by activity);
-- drives: how often the cron had to start or resume a pass; completed_at: every recipient has a final ledger
-- row, or the fan-out was closed after too many drives (error then says how many were left without mail).
CREATE TABLE fanouts (
  change_id TEXT PRIMARY KEY,
  handed_at TEXT NOT NULL,
  cursor TEXT NOT NULL DEFAULT '',
  planned_at TEXT,
  due_at TEXT NOT NULL,
  drives INTEGER NOT NULL DEFAULT 0,
  completed_at TEXT,
  error TEXT
);
CREATE INDEX fanouts_due ON fanouts (due_at) WHERE completed_at IS NULL;
CREATE INDEX fanouts_given_up ON fanouts (completed_at) WHERE error IS NOT NULL;

-- A 'sending' row is claimed until lease_until; after that (its holder died) another attempt may take it over.
ALTER TABLE deliveries ADD COLUMN lease_until TEXT;
