// The fan-out side of subscriptions in D1: who receives a change or a digest, and the send ledger
// (migrations/0004) that makes each mail go out once however often its queue message is delivered. The ledger
// is also the progress record of a change's fan-out: a recipient is done once their row is 'sent' or 'failed'.

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

export type FanoutScope = {
  changeId: string;
  eventId: string;
  /** The change's session; null for an event-wide change (only whole-event subscribers hear of it). */
  sessionId: string | null;
  /** Subscribers confirmed after this are not recipients (the set is fixed at hand-over). */
  handedAt: string;
};

// A change's recipients: confirmed, unsuppressed immediate subscribers whose scope covers its session and who
// were confirmed at or before the hand-over (a subscription confirmed without a date predates that column). Of
// those, the ones without a final ledger row ('sent' or 'failed') for this change, so a new planning pass
// queues only what is still owed. A 'sending' row counts as owed: its claim's lease decides who may send.
const UNSENT_RECIPIENTS = `FROM subscribers s
       LEFT JOIN addresses a ON a.email = s.email
       LEFT JOIN deliveries d ON d.id = ?1 || ':' || s.id
       WHERE s.event_id = ?2 AND s.status = 'confirmed' AND s.mode = 'immediate'
         AND (s.session_id = '' OR s.session_id = ?3) AND a.suppressed_at IS NULL
         AND (s.confirmed_at IS NULL OR s.confirmed_at <= ?4)
         AND (d.status IS NULL OR d.status = 'sending')`;

/** Recipients of a change still owed its mail, by id after a cursor. */
export async function listUnsentRecipientIds(
  db: D1Database,
  scope: FanoutScope,
  after: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT s.id ${UNSENT_RECIPIENTS} AND s.id > ?5 ORDER BY s.id LIMIT ?6`)
    .bind(scope.changeId, scope.eventId, scope.sessionId ?? "", scope.handedAt, after, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** How many recipients of a change are still owed its mail. */
export async function countUnsentRecipients(db: D1Database, scope: FanoutScope): Promise<number> {
  const row = await db
    .prepare(`SELECT COUNT(*) AS n ${UNSENT_RECIPIENTS}`)
    .bind(scope.changeId, scope.eventId, scope.sessionId ?? "", scope.handedAt)
    .first<{ n: number }>();
  return row!.n;
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
 * How long a claim holds. No invocation outlives it (15 minutes is the consumer's wall-time limit), so a lease is
 * only ever taken over from an attempt that died between its claim and recording the outcome.
 */
export const DELIVERY_LEASE_MS = 15 * 60_000;

/**
 * Claims a ledger row before a send. "claimed" when this attempt should send: the row is new, or an earlier
 * attempt claimed it and gave it back or died (its lease ran out) before recording the outcome (the transport's
 * idempotency key makes that resend safe where the provider supports one). "busy" while another attempt holds
 * the lease; "final" when it was sent, or failed for good, already.
 */
export async function claimDelivery(
  db: D1Database,
  d: { id: string; subscriberId: string; kind: "change" | "digest" | "confirm" },
  now: Date,
): Promise<"claimed" | "busy" | "final"> {
  const row = await db
    .prepare(
      `INSERT INTO deliveries (id, subscriber_id, kind, status, attempts, updated_at, lease_until)
       VALUES (?1, ?2, ?3, 'sending', 1, ?4, ?5)
       ON CONFLICT (id) DO UPDATE SET attempts = attempts + 1, updated_at = ?4, lease_until = ?5
         WHERE status = 'sending' AND (lease_until IS NULL OR lease_until <= ?4)
       RETURNING status`,
    )
    .bind(d.id, d.subscriberId, d.kind, now.toISOString(), new Date(now.getTime() + DELIVERY_LEASE_MS).toISOString())
    .first<{ status: string }>();
  if (row) return "claimed";
  const current = await db.prepare("SELECT status FROM deliveries WHERE id = ?").bind(d.id).first<{ status: string }>();
  return current?.status === "sending" ? "busy" : "final";
}

/** Gives a claim back after a send that failed without an outcome, so the retry may send at once. */
export async function releaseDelivery(db: D1Database, id: string): Promise<void> {
  await db.prepare("UPDATE deliveries SET lease_until = NULL WHERE id = ? AND status = 'sending'").bind(id).run();
}

export async function markDelivered(db: D1Database, id: string, providerId: string, now: Date): Promise<void> {
  await db
    .prepare(
      "UPDATE deliveries SET status = 'sent', provider_id = ?, error = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
    )
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
    .prepare("UPDATE deliveries SET status = 'failed', error = ?, lease_until = NULL, updated_at = ? WHERE id = ?")
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
