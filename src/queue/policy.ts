// The one written policy for every consumer: each message is parsed with its versioned schema and acked or
// retried on its own. A body that does not parse, or work that can never succeed, is recorded in `failures`
// and acked; anything else is retried with exponential backoff (longer when a provider asked us to slow
// down) until max_retries sends it to the dead-letter queue, whose consumer records it.
import type { z } from "zod";
import { recordFailure } from "../store/failures.ts";

/** Work that retrying cannot fix. */
export class PermanentError extends Error {}

export function buildRetryDelay(attempts: number, slowDown = false): number {
  return Math.min((slowDown ? 60 : 10) * 2 ** Math.max(0, attempts - 1), 3600);
}

export async function consumeBatch<T>(
  batch: MessageBatch<unknown>,
  db: D1Database,
  schema: z.ZodType<T>,
  process: (message: T) => Promise<void>,
  classify: (err: unknown) => "permanent" | "slow-down" | "retry" = (err) =>
    err instanceof PermanentError ? "permanent" : "retry",
): Promise<void> {
  for (const msg of batch.messages) {
    const parsed = schema.safeParse(msg.body);
    if (!parsed.success) {
      await recordFailure(db, batch.queue, msg, `unparseable message: ${parsed.error.message}`, new Date());
      msg.ack();
      continue;
    }
    try {
      await process(parsed.data);
      msg.ack();
    } catch (err) {
      const verdict = classify(err);
      if (verdict === "permanent") {
        await recordFailure(db, batch.queue, msg, err instanceof Error ? err.message : String(err), new Date());
        msg.ack();
      } else {
        console.error(`${batch.queue}: will retry`, msg.id, err);
        msg.retry({ delaySeconds: buildRetryDelay(msg.attempts, verdict === "slow-down") });
      }
    }
  }
}
