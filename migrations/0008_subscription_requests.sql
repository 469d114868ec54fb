-- Several scopes of an event asked for together, confirmed by one mail (issue 12). A request is the set of
-- subscriptions that were pending when it claimed the address's hourly confirmation mail; the mail's link names
-- the request, and confirming it confirms those of them still pending. A subscription asked for again joins the
-- newer request as well, so an older mail's link keeps working for what it listed. Rows are useless once their
-- link has expired (7 days): the daily cron deletes them.
CREATE TABLE subscription_requests (
  id TEXT NOT NULL,
  subscriber_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (id, subscriber_id)
) WITHOUT ROWID;
CREATE INDEX subscription_requests_created ON subscription_requests (created_at);

-- The request the address's last confirmation mail was claimed for (claimConfirmation sets both in one statement).
ALTER TABLE addresses ADD COLUMN confirm_request_id TEXT;
