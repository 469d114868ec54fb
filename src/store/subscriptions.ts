// D1, the system of record for who follows what by mail (see migrations/0004 and 0008). Each state change is one
// conditional statement, so concurrent requests cannot undo a confirmation or both send a confirmation mail.
import { z } from "zod";
import { CONFIRM_TOKEN_TTL_SECONDS } from "../email/tokens.ts";

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

/** `sessions`: the session ids asked for together, '' for the whole event; one event, no duplicates. */
export type SubscriptionRequest = { email: string; event: string; sessions: string[]; mode: SubscriptionMode };

const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * Records a request to subscribe and says whether a confirmation mail may go out now: only when some of its
 * subscriptions are pending and the address is neither suppressed nor sent a confirmation within the hour. `id`
 * is the first pending subscription in the order asked (the one the confirmation message names), else the first.
 */
export async function putSubscriptionRequest(
  db: D1Database,
  request: SubscriptionRequest,
  now: Date,
): Promise<{ id: string; email: string; sendConfirmation: boolean }> {
  const email = normaliseEmail(request.email);
  const rows = await putPendingSubscriptions(db, { ...request, email }, now);
  const bySession = new Map(rows.map((r) => [r.session_id, r]));
  const asked = request.sessions.map((session) => bySession.get(session)!);
  const pending = asked.filter((r) => r.status === "pending");
  const sendConfirmation =
    pending.length > 0 &&
    (await claimConfirmation(db, email, now, { id: crypto.randomUUID(), subscriberIds: pending.map((r) => r.id) }));
  return { id: (pending[0] ?? asked[0]!).id, email, sendConfirmation };
}

/**
 * Upserts each address × scope as pending with the requested mode, in one statement. A confirmed subscription is
 * left exactly as it is (a stranger cannot downgrade or reconfigure it); an unsubscribed one goes back to pending.
 */
async function putPendingSubscriptions(db: D1Database, request: SubscriptionRequest, now: Date) {
  const { results } = await db
    .prepare(
      `INSERT INTO subscribers (id, email, event_id, session_id, mode, status, created_at)
       SELECT json_extract(value, '$[0]'), ?2, ?3, json_extract(value, '$[1]'), ?4, 'pending', ?5
       FROM json_each(?1) WHERE true
       ON CONFLICT (email, event_id, session_id) DO UPDATE SET
         mode = CASE WHEN status = 'confirmed' THEN mode ELSE excluded.mode END,
         confirmed_at = CASE WHEN status = 'confirmed' THEN confirmed_at END,
         unsubscribed_at = CASE WHEN status = 'confirmed' THEN unsubscribed_at END,
         status = CASE WHEN status = 'confirmed' THEN status ELSE 'pending' END
       RETURNING id, session_id, status`,
    )
    .bind(
      JSON.stringify(request.sessions.map((session) => [crypto.randomUUID(), session])),
      request.email,
      request.event,
      request.mode,
      now.toISOString(),
    )
    .all<{ id: string; session_id: string; status: Subscription["status"] }>();
  return results;
}

/**
 * Claims the address's one confirmation mail per hour, in one statement: true (the caller may send) only
 * for the request that set confirm_sent_at, never for a suppressed address. With `request`, the claim records
 * which request the mail is for, and the request's pending subscriptions are stored with it, only if it won.
 */
export async function claimConfirmation(
  db: D1Database,
  email: string,
  now: Date,
  request?: { id: string; subscriberIds: string[] },
): Promise<boolean> {
  const before = new Date(now.getTime() - CONFIRM_INTERVAL_SECONDS * 1000).toISOString();
  const claim = db
    .prepare(
      `INSERT INTO addresses (email, confirm_sent_at, confirm_request_id) VALUES (?1, ?2, ?4)
       ON CONFLICT (email) DO UPDATE SET confirm_sent_at = ?2, confirm_request_id = ?4
       WHERE suppressed_at IS NULL AND (confirm_sent_at IS NULL OR confirm_sent_at < ?3)`,
    )
    .bind(normaliseEmail(email), now.toISOString(), before, request?.id ?? null);
  if (!request) return (await claim.run()).meta.changes === 1;
  const [claimed] = await db.batch([
    claim,
    db
      .prepare(
        `INSERT INTO subscription_requests (id, subscriber_id, created_at)
         SELECT ?1, value, ?3 FROM json_each(?2)
         WHERE EXISTS (SELECT 1 FROM addresses WHERE email = ?4 AND confirm_request_id = ?1 AND confirm_sent_at = ?3)`,
      )
      .bind(request.id, JSON.stringify(request.subscriberIds), now.toISOString(), normaliseEmail(email)),
  ]);
  return claimed!.meta.changes === 1;
}

/** Gives back a claim whose mail could not be queued, so that the person's retry is not throttled. */
export async function releaseConfirmation(db: D1Database, email: string, claimedAt: Date): Promise<void> {
  await db
    .prepare("UPDATE addresses SET confirm_sent_at = NULL WHERE email = ? AND confirm_sent_at = ?")
    .bind(normaliseEmail(email), claimedAt.toISOString())
    .run();
}

/** Forgets requests whose confirmation links have expired (the daily cron). */
export async function deleteExpiredRequests(db: D1Database, now: Date): Promise<number> {
  const before = new Date(now.getTime() - CONFIRM_TOKEN_TTL_SECONDS * 1000).toISOString();
  const result = await db.prepare("DELETE FROM subscription_requests WHERE created_at < ?").bind(before).run();
  return result.meta.changes;
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

/** Within an event: the whole event first, then sessions by title. */
const SCOPE_ORDER = "s.session_id != '', COALESCE(ss.title, s.session_id), s.session_id";

/**
 * What a confirmation link covers: the subscriptions of a request (what its mail listed), or one subscription
 * (the links the confirmation page offers, and mails sent before requests existed), in any state.
 */
export async function listConfirmationSubscriptions(db: D1Database, confirmationId: string): Promise<Subscription[]> {
  const { results } = await db
    .prepare(
      `${SELECT_SUBSCRIPTION}
       WHERE s.id = ?1 OR s.id IN (SELECT subscriber_id FROM subscription_requests WHERE id = ?1)
       ORDER BY ${SCOPE_ORDER}`,
    )
    .bind(confirmationId)
    .all();
  return results.map((r) => Subscription.parse(r));
}

/**
 * What the confirmation mail queued for a pending subscription asks for: the request the address's hourly claim
 * was made for, when the subscription is part of it; the subscription alone otherwise (a message queued before
 * requests existed). `id` is what the mail's link names; `subscriptions` are those of it still pending.
 */
export async function getPendingConfirmation(
  db: D1Database,
  subscriberId: string,
): Promise<{ id: string; subscriptions: Subscription[] }> {
  const request = await db
    .prepare(
      `SELECT q.id FROM subscribers s
       JOIN addresses a ON a.email = s.email
       JOIN subscription_requests q ON q.id = a.confirm_request_id AND q.subscriber_id = s.id
       WHERE s.id = ?`,
    )
    .bind(subscriberId)
    .first<{ id: string }>();
  const id = request?.id ?? subscriberId;
  const subscriptions = await listConfirmationSubscriptions(db, id);
  return { id, subscriptions: subscriptions.filter((s) => s.status === "pending") };
}

/**
 * The address's pending subscriptions other than `except`. The hourly throttle means a scope asked for within the
 * hour gets no mail of its own; whoever opens a confirmation link has shown they read this address, so the
 * confirmation page offers those too, each behind its own button.
 */
export async function listOtherPendingSubscriptions(
  db: D1Database,
  email: string,
  except: string[],
): Promise<Subscription[]> {
  const { results } = await db
    .prepare(
      `${SELECT_SUBSCRIPTION}
       WHERE s.email = ? AND s.status = 'pending' AND s.id NOT IN (SELECT value FROM json_each(?)) ORDER BY s.created_at`,
    )
    .bind(email, JSON.stringify(except))
    .all();
  return results.map((r) => Subscription.parse(r));
}

/**
 * pending → confirmed, for every subscription a confirmation link covers; a confirmed one stays as it is, an
 * unsubscribed one is not revived by an old link. Returns what the link covers, as it is now.
 */
export async function markSubscriptionConfirmed(
  db: D1Database,
  confirmationId: string,
  now: Date,
): Promise<Subscription[]> {
  await db
    .prepare(
      `UPDATE subscribers SET status = 'confirmed', confirmed_at = ?1
       WHERE status = 'pending'
         AND (id = ?2 OR id IN (SELECT subscriber_id FROM subscription_requests WHERE id = ?2))`,
    )
    .bind(now.toISOString(), confirmationId)
    .run();
  return listConfirmationSubscriptions(db, confirmationId);
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

// The manage page: what one address follows, and changes to it. Every statement is bound to the address, so a
// subscription id from another address's page changes nothing.

/** The address's subscriptions that are not unsubscribed, by event, the whole event before its sessions. */
export async function listAddressSubscriptions(db: D1Database, email: string): Promise<Subscription[]> {
  const { results } = await db
    .prepare(
      `${SELECT_SUBSCRIPTION}
       WHERE s.email = ? AND s.status != 'unsubscribed'
       ORDER BY COALESCE(e.title, s.event_id), s.event_id, ${SCOPE_ORDER}`,
    )
    .bind(email)
    .all();
  return results.map((r) => Subscription.parse(r));
}

/** One of the address's subscriptions, as it is; null when the address has none of that id. */
async function getAddressSubscription(db: D1Database, email: string, id: string): Promise<Subscription | null> {
  const row = await db.prepare(`${SELECT_SUBSCRIPTION} WHERE s.id = ? AND s.email = ?`).bind(id, email).first();
  return row ? Subscription.parse(row) : null;
}

/**
 * Sets how often one of the address's subscriptions is mailed (an unsubscribed one is left as it is). Takes
 * effect at the next send: deliveries read the mode from D1.
 */
export async function putSubscriptionMode(
  db: D1Database,
  subscription: { email: string; id: string; mode: SubscriptionMode },
): Promise<Subscription | null> {
  await db
    .prepare("UPDATE subscribers SET mode = ? WHERE id = ? AND email = ? AND status != 'unsubscribed'")
    .bind(subscription.mode, subscription.id, subscription.email)
    .run();
  return getAddressSubscription(db, subscription.email, subscription.id);
}

/** Unsubscribes the address from one of its subscriptions: as it is now, null when the address has none of that id. */
export async function markAddressSubscriptionUnsubscribed(
  db: D1Database,
  subscription: { email: string; id: string },
  now: Date,
): Promise<Subscription | null> {
  await db
    .prepare(
      `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?
       WHERE id = ? AND email = ? AND status != 'unsubscribed'`,
    )
    .bind(now.toISOString(), subscription.id, subscription.email)
    .run();
  return getAddressSubscription(db, subscription.email, subscription.id);
}

/** Unsubscribes the address from everything, pending requests included: how many subscriptions that ended. */
export async function markAddressUnsubscribed(db: D1Database, email: string, now: Date): Promise<number> {
  const result = await db
    .prepare(
      "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE email = ? AND status != 'unsubscribed'",
    )
    .bind(now.toISOString(), email)
    .run();
  return result.meta.changes;
}
