// The dead-letter consumer: messages that failed every retry are recorded in D1 (with their body and
// attempts) and acked, so an operator can see and replay them. Their receipts stay unprocessed, so the
// cron sweep re-queues them later too.
import { recordFailure } from "../store/failures.ts";

export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Pick<Env, "DB">): Promise<void> {
  for (const msg of batch.messages) {
    await recordFailure(env.DB, batch.queue, msg, "exhausted retries", new Date());
    msg.ack();
  }
}
