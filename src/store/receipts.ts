// Receipts in D1: the durable, deduplicated record of every inbound item (see migrations/0002), and what the
// recovery sweep needs (migrations/0005): how often a receipt was re-queued, when it is due again, and whether it
// failed for good.
import { Observation } from "../domain/changes.ts";
import { buildReceiptMessage } from "../domain/messages.ts";
import { type Failure, buildFailureUpserts, buildSubject } from "./failures.ts";

export const RECEIPT_TTL_DAYS = 7;

export type Receipt = {
  id: string;
  source: string;
  externalId: string;
  payload: Observation;
  receivedAt: string;
  processedAt: string | null;
  failedAt: string | null;
};

export type ReceiptItem = { source: string; externalId: string; payload: Observation };

/** Stores a receipt; returns its id, or null when (source, externalId) was already received. */
export async function putReceipt(db: D1Database, item: ReceiptItem, now: Date): Promise<string | null> {
  const [stored] = await putReceipts(db, [{ item, now }]);
  return stored ?? null;
}

/** Rows per insert: each binds 5 values, and D1 takes at most 100 bound parameters per statement. */
const ROWS_PER_INSERT = 20;

/**
 * Stores receipts in one D1 batch (one transaction), 20 rows per statement; returns each one's id in order, or
 * null for one whose (source, externalId) was already received, before or earlier in the same list.
 */
export async function putReceipts(
  db: D1Database,
  receipts: { item: ReceiptItem; now: Date }[],
): Promise<(string | null)[]> {
  const ids = receipts.map(() => crypto.randomUUID());
  const statements = [];
  for (let start = 0; start < receipts.length; start += ROWS_PER_INSERT) {
    const rows = receipts.slice(start, start + ROWS_PER_INSERT);
    statements.push(
      db
        .prepare(
          `INSERT INTO receipts (id, source, external_id, payload, received_at) VALUES
           ${rows.map(() => "(?, ?, ?, ?, ?)").join(", ")}
           ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
        )
        .bind(
          ...rows.flatMap(({ item, now }, i) => [
            ids[start + i],
            item.source,
            item.externalId,
            JSON.stringify(item.payload),
            now.toISOString(),
          ]),
        ),
    );
  }
  const results = await db.batch<{ id: string }>(statements);
  const stored = new Set(results.flatMap((r) => r.results.map((row) => row.id)));
  return ids.map((id) => (stored.has(id) ? id : null));
}

export async function getReceipt(db: D1Database, id: string): Promise<Receipt | null> {
  const row = await db
    .prepare("SELECT id, source, external_id, payload, received_at, processed_at, failed_at FROM receipts WHERE id = ?")
    .bind(id)
    .first<{
      id: string;
      source: string;
      external_id: string;
      payload: string;
      received_at: string;
      processed_at: string | null;
      failed_at: string | null;
    }>();
  if (!row) return null;
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    payload: Observation.parse(JSON.parse(row.payload)),
    receivedAt: row.received_at,
    processedAt: row.processed_at,
    failedAt: row.failed_at,
  };
}

export function markReceiptProcessed(db: D1Database, id: string, now: Date): D1PreparedStatement {
  return db.prepare("UPDATE receipts SET processed_at = ? WHERE id = ?").bind(now.toISOString(), id);
}

/** Marks a receipt that can never be processed: the sweep never re-queues it again. */
export function markReceiptFailed(db: D1Database, id: string, error: string, now: Date): D1PreparedStatement {
  return db
    .prepare("UPDATE receipts SET failed_at = ?, error = ? WHERE id = ? AND processed_at IS NULL AND failed_at IS NULL")
    .bind(now.toISOString(), error.slice(0, 2000), id);
}

export type DueReceipt = { id: string; sweeps: number; lastError: string | null };

/**
 * Unprocessed, unfailed receipts the sweep may re-queue now, in a fair order: a receipt never re-queued is due
 * `firstWaitMs` after it arrived and ranks by its arrival; a re-queued one ranks by its retry_at, which each
 * re-queue moves later (with backoff), so no set of receipts can keep the head of the line. Each comes with the
 * last error recorded about it (its failures row), for the reason it is given up with.
 */
export async function listDueReceipts(db: D1Database, now: Date, firstWaitMs: number, limit: number) {
  const { results } = await db
    .prepare(
      `SELECT r.id, r.sweeps, f.error AS last_error FROM receipts r LEFT JOIN failures f ON f.subject = ?4 || r.id
       WHERE r.processed_at IS NULL AND r.failed_at IS NULL AND COALESCE(r.retry_at, r.received_at) <= ?1
         AND (r.retry_at IS NOT NULL OR r.received_at <= ?2)
       ORDER BY COALESCE(r.retry_at, r.received_at) LIMIT ?3`,
    )
    .bind(now.toISOString(), new Date(now.getTime() - firstWaitMs).toISOString(), limit, buildSubject.receipt(""))
    .all<{ id: string; sweeps: number; last_error: string | null }>();
  return results.map((r): DueReceipt => ({ id: r.id, sweeps: r.sweeps, lastError: r.last_error }));
}

/** Counts a re-queue of these receipts and sets when each may be re-queued next. */
export function buildReceiptRequeues(db: D1Database, receipts: { id: string; retryAt: Date }[]): D1PreparedStatement[] {
  // One statement per distinct retry time (receipts re-queued equally often share one), each naming its ids.
  const byTime = Map.groupBy(receipts, (r) => r.retryAt.toISOString());
  return [...byTime].map(([retryAt, group]) =>
    db
      .prepare("UPDATE receipts SET sweeps = sweeps + 1, retry_at = ? WHERE id IN (SELECT value FROM json_each(?))")
      .bind(retryAt, JSON.stringify(group.map((r) => r.id))),
  );
}

/**
 * Gives up on receipts for good: each is marked failed with its reason, and its failures row (one per receipt)
 * says so, under the queue that could not process it.
 */
export function buildReceiptGiveUps(
  db: D1Database,
  receipts: { id: string; error: string; sweeps: number }[],
  queue: string,
  now: Date,
): D1PreparedStatement[] {
  if (receipts.length === 0) return [];
  const failures = receipts.map((r): Failure => ({
    subject: buildSubject.receipt(r.id),
    queue,
    messageId: "sweep",
    attempts: r.sweeps,
    body: buildReceiptMessage(r.id),
    error: r.error,
  }));
  return [
    db
      .prepare(
        `UPDATE receipts SET failed_at = ?2, error = j.error
         FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.error') AS error FROM json_each(?1)) AS j
         WHERE receipts.id = j.id AND receipts.processed_at IS NULL AND receipts.failed_at IS NULL`,
      )
      .bind(JSON.stringify(receipts.map((r) => ({ id: r.id, error: r.error.slice(0, 2000) }))), now.toISOString()),
    buildFailureUpserts(db, failures, now),
  ];
}

/** Forgets receipts older than the retention window; a sender retrying after that is a new delivery. */
export async function deleteExpiredReceipts(db: D1Database, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - RECEIPT_TTL_DAYS * 86_400_000).toISOString();
  const result = await db.prepare("DELETE FROM receipts WHERE received_at < ?").bind(cutoff).run();
  return result.meta.changes;
}
