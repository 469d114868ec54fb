// Cron dispatch (wrangler.toml [triggers]). Every 10 minutes: poll watched pads, settle pads whose quiet
// period ran out (in case their settle message was lost), re-queue receipts stored but never processed.
// Daily: forget receipts past their 7-day retention.
import { parseQuietPeriod } from "../domain/settle.ts";
import type { ChangesEnv } from "../queue/changes.ts";
import { listSettledPads } from "../store/pads.ts";
import { deleteExpiredReceipts, listStaleReceipts } from "../store/receipts.ts";
import { pollWatchedLinks } from "./poll.ts";

export const POLL_CRON = "*/10 * * * *";
export const DAILY_CRON = "17 3 * * *";
const STALE_RECEIPT_MS = 5 * 60_000;

export async function handleScheduled(controller: { cron: string; scheduledTime: number }, env: ChangesEnv) {
  const now = new Date(controller.scheduledTime);
  if (controller.cron === DAILY_CRON) {
    const deleted = await deleteExpiredReceipts(env.DB, now);
    console.log(`cron: forgot ${deleted} expired receipt(s)`);
    return;
  }
  const stale = await listStaleReceipts(env.DB, new Date(now.getTime() - STALE_RECEIPT_MS));
  const quietSince = new Date(now.getTime() - parseQuietPeriod(env.QUIET_PERIOD_SECONDS) * 1000);
  const settled = await listSettledPads(env.DB, quietSince);
  const messages = [
    ...stale.map((receiptId) => ({ body: { v: 1 as const, type: "receipt" as const, receiptId } })),
    ...settled.map((key) => ({ body: { v: 1 as const, type: "settle" as const, ...key } })),
  ];
  if (messages.length) await env.CHANGES.sendBatch(messages);
  const summary = await pollWatchedLinks(env, now);
  console.log(`cron: re-queued ${stale.length} receipt(s), settled ${settled.length} pad(s), polled`, summary);
}
