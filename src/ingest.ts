// The one way in for anything that may change the catalogue: store a receipt (deduplicated), then queue it.
// A 2xx is answered only after this returns, so nothing acknowledged is ever lost: if the queue send fails
// the caller answers 5xx, and the stored receipt is re-queued by the cron sweep (a retried delivery then
// finds it already received).
import type { Observation } from "./domain/changes.ts";
import type { ChangesMessage } from "./queue/messages.ts";
import { putReceipt } from "./store/receipts.ts";

export type IngestResult = { status: "queued"; receiptId: string } | { status: "duplicate" };

export async function ingest(
  env: { DB: D1Database; CHANGES: Queue<ChangesMessage> },
  item: { source: string; externalId: string; payload: Observation },
  now: Date,
): Promise<IngestResult> {
  const receiptId = await putReceipt(env.DB, item, now);
  if (!receiptId) return { status: "duplicate" };
  await env.CHANGES.send({ v: 1, type: "receipt", receiptId });
  return { status: "queued", receiptId };
}
