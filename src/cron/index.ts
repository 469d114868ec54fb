// Cron dispatch (wrangler.toml [triggers]). Every 10 minutes: poll watched pads, settle pads whose quiet
// period ran out (in case their settle message was lost), re-queue receipts stored but never processed (or
// give up on them), hand changes a crash left in the mail outbox to NOTIFY, and drive fan-outs that stalled
// (recover.ts). Daily: queue the digests of the last 24 hours and forget receipts past their 7-day retention.
import { parseQuietPeriod } from "../domain/settle.ts";
import type { ChangesEnv } from "../queue/changes.ts";
import { queueRecipientBatches } from "../queue/notify.ts";
import { handOverChanges } from "../queue/outbox.ts";
import { listDigestRecipientIds } from "../store/deliveries.ts";
import { listSettledPads } from "../store/pads.ts";
import { deleteExpiredReceipts } from "../store/receipts.ts";
import { pollWatchedLinks } from "./poll.ts";
import { driveFanouts, planReceiptSweep } from "./recover.ts";

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
  // Each step runs whatever the others do: a queue or D1 failure in one must not stall the rest of the recovery.
  const results = await runSteps({
    receipts: async () => {
      const sweep = await planReceiptSweep(env.DB, now);
      const messages = sweep.messages;
      for (let i = 0; i < messages.length; i += 100) await env.CHANGES.sendBatch(messages.slice(i, i + 100));
      // Recorded after the messages went out: a failed send leaves the receipts due, to be re-queued next time.
      if (sweep.statements.length) await env.DB.batch(sweep.statements);
      return { requeued: sweep.requeued, failed: sweep.failed };
    },
    settles: async () => {
      const quietSince = new Date(now.getTime() - parseQuietPeriod(env.QUIET_PERIOD_SECONDS) * 1000);
      const settled = await listSettledPads(env.DB, quietSince);
      const messages = settled.map((key) => ({ body: { v: 1 as const, type: "settle" as const, ...key } }));
      if (messages.length) await env.CHANGES.sendBatch(messages);
      return settled.length;
    },
    handedOver: () => handOverChanges(env, new Date(now.getTime() - STALE_MS), undefined, now),
    fanouts: () => driveFanouts(env, now),
    polled: () => pollWatchedLinks(env, now),
  });
  console.log("cron:", JSON.stringify(results));
  const failed = Object.entries(results).filter(([, r]) => r instanceof Error);
  if (failed.length) throw new Error(`cron: ${failed.map(([name]) => name).join(", ")} failed`);
}

/** Runs every step in order, each on its own: a step's result, or the error it threw. */
async function runSteps<T extends Record<string, () => Promise<unknown>>>(
  steps: T,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> | Error }> {
  const results: Record<string, unknown> = {};
  for (const [name, step] of Object.entries(steps)) {
    try {
      results[name] = await step();
    } catch (err) {
      console.error(`cron: ${name} failed`, err);
      results[name] = err instanceof Error ? err : new Error(String(err));
    }
  }
  return results as { [K in keyof T]: Awaited<ReturnType<T[K]>> | Error };
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
