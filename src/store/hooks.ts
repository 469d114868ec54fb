// Outbound webhooks in D1 (migrations/0009): endpoints, their signing secrets, and the delivery ledger that
// makes each change reach each endpoint at most once per success. A delivery is claimed (with a lease) before it
// is sent, and its outcome recorded after; the ledger row's id is the webhook-id of every attempt and replay.
import type { HookFormat } from "../outbound/message.ts";

export type EndpointStatus = "active" | "paused" | "disabled";

export type Endpoint = {
  id: string;
  url: string;
  /** null: every event. */
  event: string | null;
  /** null: the whole event (or every event). */
  session: string | null;
  format: HookFormat;
  description: string;
  status: EndpointStatus;
  /** Why the sender disabled it (410 Gone, days of failures); null unless disabled. */
  disabledReason: string | null;
  statusChangedAt: string;
  /** When its current run of failed attempts began; null after a success. */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
};

type EndpointRow = {
  id: string;
  url: string;
  event_id: string | null;
  session_id: string | null;
  format: HookFormat;
  description: string;
  status: EndpointStatus;
  disabled_reason: string | null;
  status_changed_at: string;
  failing_since: string | null;
  created_at: string;
  updated_at: string;
};

const toEndpoint = (r: EndpointRow): Endpoint => ({
  id: r.id,
  url: r.url,
  event: r.event_id,
  session: r.session_id,
  format: r.format,
  description: r.description,
  status: r.status,
  disabledReason: r.disabled_reason,
  statusChangedAt: r.status_changed_at,
  failingSince: r.failing_since,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** How long a rotated-out secret keeps signing beside the new one. */
export const SECRET_OVERLAP_MS = 24 * 3600_000;
/** The most endpoints one deployment holds: a change's hand-over writes one ledger row per endpoint in scope. */
export const MAX_ENDPOINTS = 100;

export type EndpointFields = Pick<Endpoint, "url" | "event" | "session" | "format" | "description">;

export async function putEndpoint(
  db: D1Database,
  id: string,
  fields: EndpointFields,
  secret: string,
  now: Date,
): Promise<Endpoint> {
  const at = now.toISOString();
  const [inserted] = await db.batch<EndpointRow>([
    db
      .prepare(
        `INSERT INTO hook_endpoints (id, url, event_id, session_id, format, description, status, status_changed_at,
                                     created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?7, ?7) RETURNING *`,
      )
      .bind(id, fields.url, fields.event, fields.session, fields.format, fields.description, at),
    db.prepare("INSERT INTO hook_secrets (endpoint_id, secret, created_at) VALUES (?, ?, ?)").bind(id, secret, at),
  ]);
  return toEndpoint(inserted!.results[0]!);
}

export async function getEndpoint(db: D1Database, id: string): Promise<Endpoint | null> {
  const row = await db.prepare("SELECT * FROM hook_endpoints WHERE id = ?").bind(id).first<EndpointRow>();
  return row ? toEndpoint(row) : null;
}

export async function listEndpoints(db: D1Database): Promise<Endpoint[]> {
  const { results } = await db
    .prepare("SELECT * FROM hook_endpoints ORDER BY created_at, id LIMIT ?")
    .bind(MAX_ENDPOINTS)
    .all<EndpointRow>();
  return results.map(toEndpoint);
}

export async function countEndpoints(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT COUNT(*) AS n FROM hook_endpoints").first<{ n: number }>())!.n;
}

export async function updateEndpoint(
  db: D1Database,
  id: string,
  fields: EndpointFields,
  now: Date,
): Promise<Endpoint | null> {
  const row = await db
    .prepare(
      `UPDATE hook_endpoints SET url = ?2, event_id = ?3, session_id = ?4, format = ?5, description = ?6,
         updated_at = ?7
       WHERE id = ?1 RETURNING *`,
    )
    .bind(id, fields.url, fields.event, fields.session, fields.format, fields.description, now.toISOString())
    .first<EndpointRow>();
  return row ? toEndpoint(row) : null;
}

/**
 * Pauses or resumes an endpoint (an admin's decision). Resuming also lifts a disable and forgets the failing
 * streak: the admin says the endpoint works again.
 */
export async function setEndpointStatus(
  db: D1Database,
  id: string,
  status: "active" | "paused",
  now: Date,
): Promise<Endpoint | null> {
  const row = await db
    .prepare(
      `UPDATE hook_endpoints SET status = ?2, disabled_reason = NULL, status_changed_at = ?3, updated_at = ?3,
         failing_since = CASE WHEN ?2 = 'active' THEN NULL ELSE failing_since END
       WHERE id = ?1 RETURNING *`,
    )
    .bind(id, status, now.toISOString())
    .first<EndpointRow>();
  return row ? toEndpoint(row) : null;
}

/** Deletes an endpoint with its secrets and its ledger; a delivery message still queued finds nothing to send. */
export async function deleteEndpoint(db: D1Database, id: string): Promise<boolean> {
  const [, , deleted] = await db.batch([
    db.prepare("DELETE FROM hook_secrets WHERE endpoint_id = ?").bind(id),
    db.prepare("DELETE FROM hook_deliveries WHERE endpoint_id = ?").bind(id),
    db.prepare("DELETE FROM hook_endpoints WHERE id = ?").bind(id),
  ]);
  return deleted!.meta.changes > 0;
}

/**
 * Makes `secret` the endpoint's current secret: the one it replaces keeps signing for SECRET_OVERLAP_MS, and any
 * older one (from an earlier rotation) stops now, so at most two signatures go out. False for no such endpoint.
 */
export async function rotateSecret(db: D1Database, id: string, secret: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const [, , , inserted] = await db.batch([
    db.prepare("DELETE FROM hook_secrets WHERE endpoint_id = ? AND expires_at IS NOT NULL").bind(id),
    db
      .prepare("UPDATE hook_secrets SET expires_at = ? WHERE endpoint_id = ? AND expires_at IS NULL")
      .bind(new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString(), id),
    db.prepare("UPDATE hook_endpoints SET updated_at = ? WHERE id = ?").bind(at, id),
    db
      .prepare(
        `INSERT INTO hook_secrets (endpoint_id, secret, created_at) SELECT ?1, ?2, ?3
         WHERE EXISTS (SELECT 1 FROM hook_endpoints WHERE id = ?1)`,
      )
      .bind(id, secret, at),
  ]);
  return inserted!.meta.changes > 0;
}

/** The secrets that sign a delivery now: the current one first, then one rotated out less than 24 h ago. */
export async function listSigningSecrets(db: D1Database, endpointId: string, now: Date): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT secret FROM hook_secrets WHERE endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY expires_at IS NOT NULL, created_at DESC`,
    )
    .bind(endpointId, now.toISOString())
    .all<{ secret: string }>();
  return results.map((r) => r.secret);
}

// ——— The hand-over (the outbox of webhooks) ———

export const UNHOOKED_PAGE_SIZE = 100;

/** Changes not yet handed to webhooks (all events, or one), oldest first, created before `before`; a page. */
export async function listUnhookedChangeIds(db: D1Database, before: Date, eventId?: string): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM changes WHERE hooked_at IS NULL AND created_at <= ?1 AND (?2 IS NULL OR event_id = ?2)
       ORDER BY created_at LIMIT ?3`,
    )
    .bind(before.toISOString(), eventId ?? null, UNHOOKED_PAGE_SIZE)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Whether an endpoint (alias e) covers a change (alias c): everything, its event, or its session. */
const IN_SCOPE = `(e.event_id IS NULL OR (e.event_id = c.event_id AND (e.session_id IS NULL OR e.session_id = c.session_id)))`;

/**
 * The hand-over of changes to webhooks, one D1 batch: a pending ledger row for each change × active endpoint in
 * its scope (RETURNING names the rows this batch wrote, for their messages), then the changes marked handed over.
 * A change already marked gets no rows, so of two racing hand-overs only one writes them.
 */
export function buildHookHandOver(db: D1Database, changeIds: string[], now: Date): D1PreparedStatement[] {
  const at = now.toISOString();
  const ids = JSON.stringify(changeIds);
  return [
    db
      .prepare(
        `INSERT INTO hook_deliveries (id, change_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
         SELECT 'msg_' || lower(hex(randomblob(12))), c.id, e.id, 'pending', ?2, ?2, ?2
         FROM changes c JOIN hook_endpoints e ON e.status = 'active' AND ${IN_SCOPE}
         WHERE c.id IN (SELECT value FROM json_each(?1)) AND c.hooked_at IS NULL
         ON CONFLICT (change_id, endpoint_id) DO NOTHING RETURNING id`,
      )
      .bind(ids, at),
    db
      .prepare("UPDATE changes SET hooked_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND hooked_at IS NULL")
      .bind(ids, at),
  ];
}

// ——— The ledger ———

export type DeliveryStatus = "pending" | "sending" | "delivered" | "failed";

export type HookDelivery = {
  id: string;
  changeId: string;
  endpointId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  leaseUntil: string | null;
  lastStatus: number | null;
  lastAnswer: string | null;
  latencyMs: number | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
};

type DeliveryRow = {
  id: string;
  change_id: string;
  endpoint_id: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  lease_until: string | null;
  last_status: number | null;
  last_answer: string | null;
  latency_ms: number | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
};

const toDelivery = (r: DeliveryRow): HookDelivery => ({
  id: r.id,
  changeId: r.change_id,
  endpointId: r.endpoint_id,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseUntil: r.lease_until,
  lastStatus: r.last_status,
  lastAnswer: r.last_answer,
  latencyMs: r.latency_ms,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deliveredAt: r.delivered_at,
});

/**
 * How long a claim holds. An attempt takes at most a DNS lookup and the 15 s send time-out, so a lease is only
 * taken over from an attempt that died between its claim and recording the outcome.
 */
export const HOOK_LEASE_MS = 5 * 60_000;
/** The most the last answer keeps of what an endpoint said. */
export const MAX_ANSWER_CHARS = 1024;

export async function getHookDelivery(db: D1Database, id: string): Promise<HookDelivery | null> {
  const row = await db.prepare("SELECT * FROM hook_deliveries WHERE id = ?").bind(id).first<DeliveryRow>();
  return row ? toDelivery(row) : null;
}

/**
 * Claims a delivery for one attempt: it must be pending and due, or sending under a lease that ran out (its
 * holder died), and its endpoint active. Null when this attempt must not send: a duplicate message, a delivery
 * another attempt holds, one not due yet, delivered, given up, or whose endpoint is paused, disabled or gone.
 */
export async function claimHookDelivery(db: D1Database, id: string, now: Date): Promise<HookDelivery | null> {
  const row = await db
    .prepare(
      `UPDATE hook_deliveries SET status = 'sending', attempts = attempts + 1, lease_until = ?3, updated_at = ?2
       WHERE id = ?1
         AND ((status = 'pending' AND next_attempt_at <= ?2) OR (status = 'sending' AND lease_until <= ?2))
         AND EXISTS (SELECT 1 FROM hook_endpoints e WHERE e.id = endpoint_id AND e.status = 'active')
       RETURNING *`,
    )
    .bind(id, now.toISOString(), new Date(now.getTime() + HOOK_LEASE_MS).toISOString())
    .first<DeliveryRow>();
  return row ? toDelivery(row) : null;
}

/** Whether this attempt disables its endpoint (SQL over the stored row): 410 always, days of failures only while
 * the streak it counted on is still stored. */
const DISABLES = `(?3 IS NOT NULL AND status = 'active' AND (?5 OR failing_since IS NOT NULL))`;

export type AttemptRecord = {
  status: "pending" | "delivered" | "failed";
  nextAttemptAt: Date | null;
  lastStatus: number | null;
  lastAnswer: string;
  latencyMs: number;
};

/**
 * Records an attempt's outcome on its claimed row and the endpoint's failing streak (and disable), in one batch.
 * Only the claim's holder records: a row replayed or deleted meanwhile is left as it is. The streak is settled
 * in SQL against what is stored, not what this attempt read: a success recorded meanwhile by a concurrent attempt
 * ends the streak, so this failure starts a new one and a days-of-failures disable (`gone` false) does not apply.
 */
export async function recordHookAttempt(
  db: D1Database,
  delivery: { id: string; endpointId: string },
  record: AttemptRecord,
  endpoint: { failingSince: string | null; disable: string | null; gone: boolean },
  now: Date,
): Promise<void> {
  const at = now.toISOString();
  await db.batch([
    db
      .prepare(
        `UPDATE hook_deliveries SET status = ?2, next_attempt_at = ?3, lease_until = NULL, last_status = ?4,
           last_answer = ?5, latency_ms = ?6, updated_at = ?7,
           delivered_at = CASE WHEN ?2 = 'delivered' THEN ?7 ELSE delivered_at END
         WHERE id = ?1 AND status = 'sending'`,
      )
      .bind(
        delivery.id,
        record.status,
        record.nextAttemptAt?.toISOString() ?? null,
        record.lastStatus,
        record.lastAnswer.slice(0, MAX_ANSWER_CHARS),
        record.latencyMs,
        at,
      ),
    db
      .prepare(
        `UPDATE hook_endpoints SET failing_since = CASE WHEN ?2 IS NULL THEN NULL ELSE COALESCE(failing_since, ?4) END,
           status = CASE WHEN ${DISABLES} THEN 'disabled' ELSE status END,
           disabled_reason = CASE WHEN ${DISABLES} THEN ?3 ELSE disabled_reason END,
           status_changed_at = CASE WHEN ${DISABLES} THEN ?4 ELSE status_changed_at END
         WHERE id = ?1`,
      )
      .bind(delivery.endpointId, endpoint.failingSince, endpoint.disable, at, endpoint.gone ? 1 : 0),
  ]);
}

/** Gives up on a delivery without an attempt (its change is gone, or crashed attempts used up the schedule). */
export async function markHookDeliveryFailed(db: D1Database, id: string, why: string, now: Date): Promise<void> {
  await db
    .prepare(
      `UPDATE hook_deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL, last_answer = ?2,
         updated_at = ?3 WHERE id = ?1 AND status = 'sending'`,
    )
    .bind(id, why.slice(0, MAX_ANSWER_CHARS), now.toISOString())
    .run();
}

/**
 * Deliveries the sweep re-queues: pending and due since `dueBefore` (their message is late or lost), or sending
 * under a lease that ran out (their attempt died), of active endpoints; the longest waiting first.
 */
export async function listDueHookDeliveryIds(
  db: D1Database,
  dueBefore: Date,
  now: Date,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT d.id FROM hook_deliveries d JOIN hook_endpoints e ON e.id = d.endpoint_id AND e.status = 'active'
       WHERE (d.status = 'pending' AND d.next_attempt_at <= ?1) OR (d.status = 'sending' AND d.lease_until <= ?2)
       ORDER BY COALESCE(d.next_attempt_at, d.lease_until) LIMIT ?3`,
    )
    .bind(dueBefore.toISOString(), now.toISOString(), limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** A page of an endpoint's delivery log, newest first, after the delivery `after` (the previous page's last). */
export async function listHookDeliveries(
  db: D1Database,
  endpointId: string,
  after: string | null,
  limit: number,
): Promise<HookDelivery[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM hook_deliveries WHERE endpoint_id = ?1
         AND (?2 IS NULL OR (created_at, id) < (SELECT created_at, id FROM hook_deliveries WHERE id = ?2))
       ORDER BY created_at DESC, id DESC LIMIT ?3`,
    )
    .bind(endpointId, after, limit)
    .all<DeliveryRow>();
  return results.map(toDelivery);
}

/**
 * Makes deliveries of an endpoint pending again, due now, with a fresh schedule and the same id (so the same
 * webhook-id). One being sent right now is left alone. Returns the ids made pending.
 */
export async function replayHookDeliveries(
  db: D1Database,
  endpointId: string,
  ids: string[],
  now: Date,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `UPDATE hook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?3, lease_until = NULL,
         updated_at = ?3
       WHERE endpoint_id = ?1 AND id IN (SELECT value FROM json_each(?2)) AND status != 'sending'
       RETURNING id`,
    )
    .bind(endpointId, JSON.stringify(ids), now.toISOString())
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * The changes in an endpoint's scope created at or after `since`, oldest first, at most `limit`: what a replay
 * since a time covers, including changes the endpoint never got a row for (while it was paused or disabled).
 * Rows are written for those, pending; returns the ids of every row for these changes, and the creation time of
 * the first change past the limit (where a further replay would start), if any.
 */
export async function putReplayDeliveries(
  db: D1Database,
  endpointId: string,
  since: string,
  limit: number,
  now: Date,
): Promise<{ ids: string[]; next: string | null }> {
  const { results: found } = await db
    .prepare(
      `SELECT c.id, c.created_at FROM changes c JOIN hook_endpoints e ON e.id = ?1 AND ${IN_SCOPE}
       WHERE c.created_at >= ?2 ORDER BY c.created_at, c.id LIMIT ?3`,
    )
    .bind(endpointId, since, limit + 1)
    .all<{ id: string; created_at: string }>();
  const next = found[limit]?.created_at ?? null;
  const changeIds = found.slice(0, limit).map((c) => c.id);
  if (changeIds.length === 0) return { ids: [], next };
  const at = now.toISOString();
  const [, rows] = await db.batch<{ id: string }>([
    db
      .prepare(
        `INSERT INTO hook_deliveries (id, change_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
         SELECT 'msg_' || lower(hex(randomblob(12))), value, ?1, 'pending', ?3, ?3, ?3 FROM json_each(?2) WHERE true
         ON CONFLICT (change_id, endpoint_id) DO NOTHING`,
      )
      .bind(endpointId, JSON.stringify(changeIds), at),
    db
      .prepare(
        "SELECT id FROM hook_deliveries WHERE endpoint_id = ?1 AND change_id IN (SELECT value FROM json_each(?2))",
      )
      .bind(endpointId, JSON.stringify(changeIds)),
  ]);
  return { ids: rows!.results.map((r) => r.id), next };
}
