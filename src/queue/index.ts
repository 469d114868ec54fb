// Routes a batch to its consumer by queue name (wrangler.toml [[queues.consumers]]).
import { type ChangesEnv, handleChangesBatch } from "./changes.ts";
import { handleDeadLetters } from "./dead-letters.ts";
import { type NotifyEnv, handleNotifyBatch } from "./notify.ts";

export async function handleQueue(batch: MessageBatch<unknown>, env: ChangesEnv & NotifyEnv): Promise<void> {
  if (batch.queue.endsWith("-dlq")) return handleDeadLetters(batch, env);
  if (batch.queue === "sessionwire-notify") return handleNotifyBatch(batch, env);
  return handleChangesBatch(batch, env);
}
