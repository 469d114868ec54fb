// D1, the system of record for who follows what by mail (see migrations/0004). Each state change is one
// conditional statement, so concurrent requests cannot undo a confirmation or both send a confirmation mail.
import { z } from "zod";

export const CONFIRM_INTERVAL_SECONDS = 3600;

export const SubscriptionMode = z.enum(["immediate", "daily"]);
export type SubscriptionMode = z.infer<typeof SubscriptionMode>;

export const Subscription = z.object({
  id: z.string(),
  email: z.string(),
  event: z.string(),
  /** '' = the whole event. */
  session: z.string(),
  mode: SubscriptionMode,
  status: z.enum(["pending", "confirmed", "unsubscribed"]),
  /** Null when the event or session has left the catalogue since. */
  eventTitle: z.string().nullable(),
  sessionTitle: z.string().nullable(),
});
export type Subscription = z.infer<typeof Subscription>;

export type SubscriptionRequest = { email: string; event: string; session: string; mode: SubscriptionMode };

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Records a request to subscribe and says whether a confirmation mail may go out now: only for a pending
 * subscription whose address is neither suppressed nor sent a confirmation within the hour.
 */
export async function putSubscriptionRequest(
  db: D1Database,
  request: SubscriptionRequest,
  now: Date,
): Promise<{ id: string; email: string; sendConfirmation: boolean }> {
  const row = await putPendingSubscription(db, request, now);
  const sendConfirmation = row.status === "pending" && (await claimConfirmation(db, row.email, now));
  return { id: row.id, email: row.email, sendConfirmation };
}

/**
 * Upserts the address × scope as pending with the requested mode. A confirmed subscription is left exactly as
 * it is (a stranger cannot downgrade or reconfigure it); an unsubscribed one goes back to pending.
 */
async function putPendingSubscription(
  db: D1Database,
  request: SubscriptionRequest,
  now: Date,
): Promise<{ id: string; email: string; status: Subscription["status"] }> {
  const row = await db
    .prepare(
      `INSERT INTO subscribers (id, email, event_id, session_id, mode, status, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?)
       ON CONFLICT (email, event_id, session_id) DO UPDATE SET
         mode = CASE WHEN status = 'confirmed' THEN mode ELSE excluded.mode END,
         confirmed_at = CASE WHEN status = 'confirmed' THEN confirmed_at END,
         unsubscribed_at = CASE WHEN status = 'confirmed' THEN unsubscribed_at END,
         status = CASE WHEN status = 'confirmed' THEN status ELSE 'pending' END
       RETURNING id, email, status`,
    )
    .bind(
      crypto.randomUUID(),
      normaliseEmail(request.email),
      request.event,
      request.session,
      request.mode,
      now.toISOString(),
    )
    .first<{ id: string; email: string; status: Subscription["status"] }>();
  return row!;
}

/**
 * Claims the address's one confirmation mail per hour, in one statement: true (the caller may send) only
 * for the request that set confirm_sent_at, never for a suppressed address.
 */
export async function claimConfirmation(db: D1Database, email: string, now: Date): Promise<boolean> {
  const before = new Date(now.getTime() - CONFIRM_INTERVAL_SECONDS * 1000).toISOString();
  const result = await db
    .prepare(
      `INSERT INTO addresses (email, confirm_sent_at) VALUES (?1, ?2)
       ON CONFLICT (email) DO UPDATE SET confirm_sent_at = ?2
       WHERE suppressed_at IS NULL AND (confirm_sent_at IS NULL OR confirm_sent_at < ?3)`,
    )
    .bind(normaliseEmail(email), now.toISOString(), before)
    .run();
  return result.meta.changes === 1;
}

/** Gives back a claim whose mail could not be queued, so that the person's retry is not throttled. */
export async function releaseConfirmation(db: D1Database, email: string, claimedAt: Date): Promise<void> {
  await db
    .prepare("UPDATE addresses SET confirm_sent_at = NULL WHERE email = ? AND confirm_sent_at = ?")
    .bind(normaliseEmail(email), claimedAt.toISOString())
    .run();
}

const SELECT_SUBSCRIPTION = `SELECT s.id, s.email, s.event_id AS event, s.session_id AS session, s.mode, s.status,
              e.title AS eventTitle, ss.title AS sessionTitle
       FROM subscribers s
       LEFT JOIN events e ON e.id = s.event_id
       LEFT JOIN sessions ss ON ss.event_id = s.event_id AND ss.id = s.session_id`;

export async function getSubscription(db: D1Database, id: string): Promise<Subscription | null> {
  const row = await db.prepare(`${SELECT_SUBSCRIPTION} WHERE s.id = ?`).bind(id).first();
  return row ? Subscription.parse(row) : null;
}

/**
 * The address's other pending subscriptions. The hourly throttle means a second scope asked for within the
 * hour gets no mail of its own; whoever opens a confirmation link has shown they read this address, so the
 * confirmation page offers those too, each behind its own button.
 */
export async function listOtherPendingSubscriptions(
  db: D1Database,
  subscription: Subscription,
): Promise<Subscription[]> {
  const { results } = await db
    .prepare(`${SELECT_SUBSCRIPTION} WHERE s.email = ? AND s.status = 'pending' AND s.id != ? ORDER BY s.created_at`)
    .bind(subscription.email, subscription.id)
    .all();
  return results.map((r) => Subscription.parse(r));
}

/** pending → confirmed; a confirmed one stays as it is, an unsubscribed one is not revived by an old link. */
export async function markSubscriptionConfirmed(db: D1Database, id: string, now: Date): Promise<Subscription | null> {
  await db
    .prepare("UPDATE subscribers SET status = 'confirmed', confirmed_at = ? WHERE id = ? AND status = 'pending'")
    .bind(now.toISOString(), id)
    .run();
  return getSubscription(db, id);
}

/** Any state → unsubscribed, at once: the next fan-out reads status from D1 and skips it. */
export async function markSubscriptionUnsubscribed(
  db: D1Database,
  id: string,
  now: Date,
): Promise<Subscription | null> {
  await db
    .prepare(
      "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE id = ? AND status != 'unsubscribed'",
    )
    .bind(now.toISOString(), id)
    .run();
  return getSubscription(db, id);
}
