// The one way in for anything that may change the catalogue: store a receipt (deduplicated), then queue it.
// A 2xx is answered only after this returns, so nothing acknowledged is ever lost: if the queue send fails
// the caller answers 5xx, and the stored receipt is re-queued by the cron sweep (a retried delivery then
// finds it already received).
import type { Bindings } from "../config.ts";
import type { Observation } from "../domain/changes.ts";
import { measureUtf8 } from "../domain/text.ts";
import { putReceipt } from "../store/receipts.ts";

export type IngestResult = { status: "queued"; receiptId: string } | { status: "duplicate" };

/**
 * The largest payload a receipt stores, as UTF-8 JSON. D1 refuses a row over 2,000,000 bytes; the rest of the
 * receipt row (ids, the external id with its notes URL, times) stays well under the 100,000 bytes left. Notes
 * text is at most 1 MiB, but JSON escapes it: a text of quotes doubles, one of control characters grows sixfold.
 */
export const MAX_PAYLOAD_BYTES = 1_900_000;

/** The payload cannot be stored as one receipt; the routes answer 413. */
export class PayloadTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`the payload is ${bytes} bytes as JSON, over ${MAX_PAYLOAD_BYTES}`);
  }
}

export async function ingest(
  env: Pick<Bindings, "DB" | "CHANGES">,
  item: { source: string; externalId: string; payload: Observation },
  now: Date,
): Promise<IngestResult> {
  const bytes = measureUtf8(JSON.stringify(item.payload));
  if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(bytes);
  const receiptId = await putReceipt(env.DB, item, now);
  if (!receiptId) return { status: "duplicate" };
  await env.CHANGES.send({ v: 1, type: "receipt", receiptId });
  return { status: "queued", receiptId };
}
