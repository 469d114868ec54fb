// The one written policy for asynchronous work. Consumers: each message is parsed with its versioned schema and
// acked or retried on its own. A body that does not parse, or work that can never succeed, is recorded in
// `failures` (one row per subject) and acked; anything else is retried with exponential backoff (longer when a
// provider asked us to slow down) until max_retries sends it to the dead-letter queue, whose consumer records
// it. Recovery (the 10-minute cron, src/pipeline/recover.ts): what the queues lost or gave up on is found in D1
// and queued again, with its own backoff and a bound on attempts, after which it is marked failed for good.
import type { z } from "zod";
import { ChangesMessage, HooksMessage, NotifyMessage } from "../domain/messages.ts";
import { isPermanent } from "../pipeline/errors.ts";
import { buildFailureUpserts, buildSubject } from "../store/failures.ts";

export function buildRetryDelay(attempts: number, slowDown = false): number {
  return Math.min((slowDown ? 60 : 10) * 2 ** Math.max(0, attempts - 1), 3600);
}

/**
 * What a message is about, for its failures row: a receipt's message that dies after every sweep keeps
 * updating one row. Null for a body that is neither queue's message.
 */
export function describeSubject(body: unknown): string | null {
  const changes = ChangesMessage.safeParse(body);
  if (changes.success) {
    const m = changes.data;
    if (m.type === "receipt") return buildSubject.receipt(m.receiptId);
    if (m.type === "settle") return buildSubject.pad(m);
    if (m.type === "publish") return buildSubject.publish(m.eventIds.join(","));
    return buildSubject.websub(m.feedUrl);
  }
  const hook = HooksMessage.safeParse(body);
  if (hook.success) return buildSubject.hook(hook.data.deliveryId);
  const notify = NotifyMessage.safeParse(body);
  if (!notify.success) return null;
  const m = notify.data;
  if (m.type === "change" || m.type === "deliver") return buildSubject.fanout(m.changeId);
  if (m.type === "digest") return buildSubject.digest(m.until);
  return buildSubject.confirm(m.subscriberId);
}

export type ConsumeOptions<T> = {
  classify?: (err: unknown) => "permanent" | "slow-down" | "retry";
  /** Statements run after a permanent failure is recorded, e.g. marking its receipt failed. */
  onPermanent?: (message: T, error: string, now: Date) => D1PreparedStatement[];
  /** The delay of a retry the work itself asks for (a webhook delivery's schedule); null: the backoff above. */
  retryDelay?: (err: unknown) => number | null;
};

export async function consumeBatch<T>(
  batch: MessageBatch<unknown>,
  db: D1Database,
  schema: z.ZodType<T>,
  process: (message: T) => Promise<void>,
  {
    classify = (err) => (isPermanent(err) ? "permanent" : "retry"),
    onPermanent = () => [],
    retryDelay = () => null,
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
        const asked = retryDelay(err);
        if (asked === null) console.error(`${batch.queue}: will retry`, msg.id, err);
        msg.retry({ delaySeconds: asked ?? buildRetryDelay(msg.attempts, verdict === "slow-down") });
      }
    }
  }
}
