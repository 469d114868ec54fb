// The fan-out side of subscriptions in D1: who receives a change or a digest, and the send ledger
// (migrations/0004) that makes each mail go out once however often its queue message is delivered.

export type Recipient = {
  id: string;
  email: string;
  eventId: string;
  /** '' for the whole event. */
  sessionId: string;
  mode: "immediate" | "daily";
  status: "pending" | "confirmed" | "unsubscribed";
  suppressed: boolean;
};

type RecipientRow = {
  id: string;
  email: string;
  event_id: string;
  session_id: string;
  mode: Recipient["mode"];
  status: Recipient["status"];
  suppressed_at: string | null;
};

const toRecipient = (r: RecipientRow): Recipient => ({
  id: r.id,
  email: r.email,
  eventId: r.event_id,
  sessionId: r.session_id,
  mode: r.mode,
  status: r.status,
  suppressed: r.suppressed_at !== null,
});

/** Confirmed, unsuppressed subscribers of one mode whose scope covers the session (by id, after a cursor). */
export async function listRecipientIds(
  db: D1Database,
  scope: { eventId: string; sessionId: string | null; mode: Recipient["mode"] },
  after: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id FROM subscribers s LEFT JOIN addresses a ON a.email = s.email
       WHERE s.event_id = ?1 AND s.status = 'confirmed' AND s.mode = ?2 AND s.id > ?3
         AND (s.session_id = '' OR s.session_id = ?4) AND a.suppressed_at IS NULL
       ORDER BY s.id LIMIT ?5`,
    )
    .bind(scope.eventId, scope.mode, after, scope.sessionId ?? "", limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Confirmed, unsuppressed daily subscribers of every event, by id after a cursor. */
export async function listDigestRecipientIds(db: D1Database, after: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id FROM subscribers s LEFT JOIN addresses a ON a.email = s.email
       WHERE s.status = 'confirmed' AND s.mode = 'daily' AND s.id > ? AND a.suppressed_at IS NULL
       ORDER BY s.id LIMIT ?`,
    )
    .bind(after, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** The current state of these subscribers: read when sending, so an unsubscribe takes effect mid-fan-out. */
export async function getRecipients(db: D1Database, ids: string[]): Promise<Recipient[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id, s.email, s.event_id, s.session_id, s.mode, s.status, a.suppressed_at
       FROM subscribers s LEFT JOIN addresses a ON a.email = s.email
       WHERE s.id IN (SELECT value FROM json_each(?)) ORDER BY s.id`,
    )
    .bind(JSON.stringify(ids))
    .all<RecipientRow>();
  return results.map(toRecipient);
}

/**
 * Claims a ledger row before a send. True when this attempt should send: the row is new, or an earlier attempt
 * claimed it and died before recording the outcome (the transport's idempotency key makes that resend safe
 * where the provider supports one). False when it was sent, or failed for good, already.
 */
export async function claimDelivery(
  db: D1Database,
  d: { id: string; subscriberId: string; kind: "change" | "digest" | "confirm" },
  now: Date,
): Promise<boolean> {
  const row = await db
    .prepare(
      `INSERT INTO deliveries (id, subscriber_id, kind, status, attempts, updated_at) VALUES (?1, ?2, ?3, 'sending', 1, ?4)
       ON CONFLICT (id) DO UPDATE SET attempts = attempts + 1, updated_at = ?4 WHERE status = 'sending'
       RETURNING status`,
    )
    .bind(d.id, d.subscriberId, d.kind, now.toISOString())
    .first<{ status: string }>();
  return row !== null;
}

export async function markDelivered(db: D1Database, id: string, providerId: string, now: Date): Promise<void> {
  await db
    .prepare("UPDATE deliveries SET status = 'sent', provider_id = ?, error = NULL, updated_at = ? WHERE id = ?")
    .bind(providerId, now.toISOString(), id)
    .run();
}

/** Hard failures after which an address gets nothing more (Cloudflare's own bounce list works the same way). */
export const SUPPRESS_AFTER_HARD_FAILURES = 3;

/**
 * Records a permanent failure. When it blames the address, counts it, and suppresses the address once it has
 * failed that way often enough.
 */
export async function markFailed(
  db: D1Database,
  failure: { id: string; email: string; error: string; blamesAddress: boolean },
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  const mark = db
    .prepare("UPDATE deliveries SET status = 'failed', error = ?, updated_at = ? WHERE id = ?")
    .bind(failure.error.slice(0, 500), at, failure.id);
  if (!failure.blamesAddress) {
    await mark.run();
    return;
  }
  await db.batch([
    mark,
    db
      .prepare(
        `INSERT INTO addresses (email, hard_failures, suppressed_at) VALUES (?1, 1, CASE WHEN 1 >= ?3 THEN ?2 END)
         ON CONFLICT (email) DO UPDATE SET hard_failures = hard_failures + 1,
           suppressed_at = COALESCE(suppressed_at, CASE WHEN hard_failures + 1 >= ?3 THEN ?2 END)`,
      )
      .bind(failure.email, at, SUPPRESS_AFTER_HARD_FAILURES),
  ]);
}
