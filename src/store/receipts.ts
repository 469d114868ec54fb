// Receipts in D1: the durable, deduplicated record of every inbound item (see migrations/0002).
import { Observation } from "../domain/changes.ts";

export const RECEIPT_TTL_DAYS = 7;

export type Receipt = {
  id: string;
  source: string;
  externalId: string;
  payload: Observation;
  processedAt: string | null;
};

/** Stores a receipt; returns its id, or null when (source, externalId) was already received. */
export async function putReceipt(
  db: D1Database,
  item: { source: string; externalId: string; payload: Observation },
  now: Date,
): Promise<string | null> {
  const row = await db
    .prepare(
      `INSERT INTO receipts (id, source, external_id, payload, received_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source, external_id) DO NOTHING RETURNING id`,
    )
    .bind(crypto.randomUUID(), item.source, item.externalId, JSON.stringify(item.payload), now.toISOString())
    .first<{ id: string }>();
  return row?.id ?? null;
}

export async function getReceipt(db: D1Database, id: string): Promise<Receipt | null> {
  const row = await db
    .prepare("SELECT id, source, external_id, payload, processed_at FROM receipts WHERE id = ?")
    .bind(id)
    .first<{ id: string; source: string; external_id: string; payload: string; processed_at: string | null }>();
  if (!row) return null;
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    payload: Observation.parse(JSON.parse(row.payload)),
    processedAt: row.processed_at,
  };
}

export function markReceiptProcessed(db: D1Database, id: string, now: Date): D1PreparedStatement {
  return db.prepare("UPDATE receipts SET processed_at = ? WHERE id = ?").bind(now.toISOString(), id);
}

/** Receipts stored but never processed (their queue send failed, or their messages died), oldest first. */
export async function listStaleReceipts(db: D1Database, olderThan: Date, limit = 100): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM receipts WHERE processed_at IS NULL AND received_at < ? ORDER BY received_at LIMIT ?")
    .bind(olderThan.toISOString(), limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Forgets receipts older than the retention window; a sender retrying after that is a new delivery. */
export async function deleteExpiredReceipts(db: D1Database, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - RECEIPT_TTL_DAYS * 86_400_000).toISOString();
  const result = await db.prepare("DELETE FROM receipts WHERE received_at < ?").bind(cutoff).run();
  return result.meta.changes;
}
