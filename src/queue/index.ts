// Routes a batch to its consumer by queue name (wrangler.toml [[queues.consumers]]).
import { type ChangesEnv, handleChangesBatch } from "./changes.ts";
import { handleDeadLetters } from "./dead-letters.ts";

export async function handleQueue(batch: MessageBatch<unknown>, env: ChangesEnv): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return handleDeadLetters(batch, env);
  return handleChangesBatch(batch, env);
}
