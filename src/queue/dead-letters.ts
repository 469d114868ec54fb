// The dead-letter consumer: messages that failed every retry are recorded in D1 (with their body and
// attempts) and acked, so an operator can see and replay them. A dead letter about something already recorded
// (the same receipt after another sweep, another batch of the same fan-out) updates that row. Nothing is lost
// here: receipts stay unprocessed and fan-outs incomplete, so the cron re-queues and re-drives them.
import { buildSubject, recordFailure } from "../store/failures.ts";
import { describeSubject } from "./policy.ts";

export async function handleDeadLetters(batch: MessageBatch<unknown>, env: Pick<Env, "DB">): Promise<void> {
  for (const msg of batch.messages) {
    await recordFailure(
      env.DB,
      {
        subject: describeSubject(msg.body) ?? buildSubject.message(batch.queue, msg.id),
        queue: batch.queue,
        messageId: msg.id,
        attempts: msg.attempts,
        body: msg.body,
        error: "exhausted retries",
      },
      new Date(),
    );
    msg.ack();
  }
}
