// Cron dispatch (wrangler.toml [triggers]). Every 10 minutes: poll watched pads, settle pads whose quiet
// period ran out (in case their settle message was lost), re-queue receipts stored but never processed,
// hand changes a crash left in the mail outbox to NOTIFY. Daily: queue the digests of the last 24 hours and
// forget receipts past their 7-day retention.
import { parseQuietPeriod } from "../domain/settle.ts";
import type { ChangesEnv } from "../queue/changes.ts";
import { queueRecipientBatches } from "../queue/notify.ts";
import { handOverChanges } from "../queue/outbox.ts";
import { listDigestRecipientIds } from "../store/deliveries.ts";
import { listSettledPads } from "../store/pads.ts";
import { deleteExpiredReceipts, listStaleReceipts } from "../store/receipts.ts";
import { pollWatchedLinks } from "./poll.ts";

export const POLL_CRON = "*/10 * * * *";
export const DAILY_CRON = "17 3 * * *";
const STALE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

export async function handleScheduled(controller: { cron: string; scheduledTime: number }, env: ChangesEnv) {
  const now = new Date(controller.scheduledTime);
  if (controller.cron === DAILY_CRON) {
    const digests = await queueDigests(env, now);
    const deleted = await deleteExpiredReceipts(env.DB, now);
    console.log(`cron: queued ${digests} digest batch(es), forgot ${deleted} expired receipt(s)`);
    return;
  }
  const stale = await listStaleReceipts(env.DB, new Date(now.getTime() - STALE_MS));
  const quietSince = new Date(now.getTime() - parseQuietPeriod(env.QUIET_PERIOD_SECONDS) * 1000);
  const settled = await listSettledPads(env.DB, quietSince);
  const messages = [
    ...stale.map((receiptId) => ({ body: { v: 1 as const, type: "receipt" as const, receiptId } })),
    ...settled.map((key) => ({ body: { v: 1 as const, type: "settle" as const, ...key } })),
  ];
  if (messages.length) await env.CHANGES.sendBatch(messages);
  const handedOver = await handOverChanges(env, new Date(now.getTime() - STALE_MS));
  const summary = await pollWatchedLinks(env, now);
  console.log(
    `cron: re-queued ${stale.length} receipt(s), settled ${settled.length} pad(s), handed ${handedOver} change(s) to mail, polled`,
    summary,
  );
}

/**
 * Digest windows tile: each run covers the 24 hours before its scheduled time, and the ledger id carries the
 * window's end, so a re-run of the same cron sends nothing twice.
 */
async function queueDigests(env: ChangesEnv, now: Date): Promise<number> {
  const until = now.toISOString();
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  return queueRecipientBatches(
    env.NOTIFY,
    (after, limit) => listDigestRecipientIds(env.DB, after, limit),
    (subscriberIds) => ({ v: 1, type: "digest", since, until, subscriberIds }),
  );
}
