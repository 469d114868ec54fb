// The one written policy for asynchronous work. Consumers: each message is parsed with its versioned schema and
// acked or retried on its own. A body that does not parse, or work that can never succeed, is recorded in
// `failures` (one row per subject) and acked; anything else is retried with exponential backoff (longer when a
// provider asked us to slow down) until max_retries sends it to the dead-letter queue, whose consumer records
// it. Recovery (the 10-minute cron): what the queues lost or gave up on is found in D1 and queued again, with
// its own backoff and a bound on attempts, after which it is marked failed for good.
import type { z } from "zod";
import { buildFailureUpserts, buildSubject } from "../store/failures.ts";
import { describeSubject } from "./messages.ts";

/** Work that retrying cannot fix. */
export class PermanentError extends Error {}

export function buildRetryDelay(attempts: number, slowDown = false): number {
  return Math.min((slowDown ? 60 : 10) * 2 ** Math.max(0, attempts - 1), 3600);
}

/** A receipt is re-queued once it has been unprocessed this long (its queue message retries for ~5 minutes). */
export const RECEIPT_FIRST_WAIT_MS = 5 * 60_000;
/** A receipt still unprocessed when due after this many re-queues is marked failed instead (≈21 h after arrival). */
export const MAX_RECEIPT_SWEEPS = 7;
/** A fan-out with no activity (planner page, deliver batch) for this long is looked at by the cron. */
export const FANOUT_IDLE_MS = 5 * 60_000;
/** A fan-out still missing mail when due after this many drives is closed, its leftover recorded (≈21 h). */
export const MAX_FANOUT_DRIVES = 7;

/** The wait after the n-th re-queue of a receipt or drive of a fan-out: 10, 20, 40 … 640 minutes. */
export function buildSweepDelayMs(n: number): number {
  return 10 * 60_000 * 2 ** Math.max(0, n - 1);
}

export type ConsumeOptions<T> = {
  classify?: (err: unknown) => "permanent" | "slow-down" | "retry";
  /** Statements run after a permanent failure is recorded, e.g. marking its receipt failed. */
  onPermanent?: (message: T, error: string, now: Date) => D1PreparedStatement[];
};

export async function consumeBatch<T>(
  batch: MessageBatch<unknown>,
  db: D1Database,
  schema: z.ZodType<T>,
  process: (message: T) => Promise<void>,
  {
    classify = (err) => (err instanceof PermanentError ? "permanent" : "retry"),
    onPermanent = () => [],
  }: ConsumeOptions<T> = {},
): Promise<void> {
  for (const msg of batch.messages) {
    /** Records the failure (then runs `after`) and acks; if D1 refuses, retries instead, so nothing is lost. */
    const recordAndAck = async (error: string, after: (now: Date) => D1PreparedStatement[] = () => []) => {
      const now = new Date();
      const subject = describeSubject(msg.body) ?? buildSubject.message(batch.queue, msg.id);
      try {
        // The record first: if what `after` marks does not go through, the retry fails the same way and marks
        // it then (the record's count shows the repeat).
        await buildFailureUpserts(
          db,
          [{ subject, queue: batch.queue, messageId: msg.id, attempts: msg.attempts, body: msg.body, error }],
          now,
        ).run();
        for (const statement of after(now)) await statement.run();
        msg.ack();
      } catch (recordErr) {
        console.error(`${batch.queue}: could not record a failure; will retry`, msg.id, recordErr);
        msg.retry({ delaySeconds: buildRetryDelay(msg.attempts) });
      }
    };
    const parsed = schema.safeParse(msg.body);
    if (!parsed.success) {
      await recordAndAck(`unparseable message: ${parsed.error.message}`);
      continue;
    }
    try {
      await process(parsed.data);
      msg.ack();
    } catch (err) {
      const verdict = classify(err);
      if (verdict === "permanent") {
        const error = err instanceof Error ? err.message : String(err);
        await recordAndAck(error, (now) => onPermanent(parsed.data, error, now));
      } else {
        console.error(`${batch.queue}: will retry`, msg.id, err);
        msg.retry({ delaySeconds: buildRetryDelay(msg.attempts, verdict === "slow-down") });
      }
    }
  }
}
