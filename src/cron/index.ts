// Cron dispatch (wrangler.toml [triggers]). Every 10 minutes: re-queue receipts stored but never processed (or
// give up on them), settle pads whose quiet period ran out (in case their settle message was lost), hand changes
// a crash left in the mail outbox to NOTIFY, drive fan-outs that stalled, hand over and re-queue outbound
// webhook deliveries the queue lost, poll watched pads, and follow events' schedule sources. Daily: queue
// the digests of the last 24 hours and forget receipts past their 7-day retention, and subscribe requests whose
// confirmation links have expired. A cron this Worker does not
// know throws, so a trigger added in wrangler.toml without its code fails loudly.
import { type Bindings, readConfig } from "../config.ts";
import { queueDigests } from "../pipeline/fanout.ts";
import { handOverChanges } from "../pipeline/handover.ts";
import { sweepHooks } from "../pipeline/hooks.ts";
import { pollWatchedLinks } from "../pipeline/poll.ts";
import { driveFanouts, requeueReceipts } from "../pipeline/recover.ts";
import { queueSettledPads } from "../pipeline/settle.ts";
import { followSources } from "../pipeline/sources.ts";
import { deleteExpiredReceipts } from "../store/receipts.ts";
import { deleteExpiredRequests } from "../store/subscriptions.ts";

export const POLL_CRON = "*/10 * * * *";
export const DAILY_CRON = "17 3 * * *";
/** A committed change not handed to mail after this long was left by a crash: the cron hands it over. */
const STALE_MS = 5 * 60_000;

export async function handleScheduled(controller: { cron: string; scheduledTime: number }, env: Bindings) {
  const now = new Date(controller.scheduledTime);
  const config = readConfig(env);
  switch (controller.cron) {
    case DAILY_CRON: {
      const digests = await queueDigests(env, now);
      const deleted = await deleteExpiredReceipts(env.DB, now);
      const requests = await deleteExpiredRequests(env.DB, now);
      console.log(
        `cron: queued ${digests} digest batch(es), forgot ${deleted} expired receipt(s) and ${requests} subscribe request row(s)`,
      );
      return;
    }
    case POLL_CRON: {
      // Each step runs whatever the others do: a queue or D1 failure in one must not stall the rest of the recovery.
      const results = await runSteps({
        receipts: () => requeueReceipts(env, now),
        settles: () => queueSettledPads(env, config, now),
        handedOver: () => handOverChanges(env, new Date(now.getTime() - STALE_MS), undefined, now),
        fanouts: () => driveFanouts(env, now),
        hooks: () => sweepHooks(env, new Date(now.getTime() - STALE_MS), now),
        polled: () => pollWatchedLinks(env, config, now),
        sources: () => followSources(env, config, now),
      });
      console.log("cron:", JSON.stringify(results));
      const failed = Object.entries(results).filter(([, r]) => r instanceof Error);
      if (failed.length) throw new Error(`cron: ${failed.map(([name]) => name).join(", ")} failed`);
      return;
    }
    default:
      throw new Error(`no handler for cron ${JSON.stringify(controller.cron)}`);
  }
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
