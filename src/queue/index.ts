// Routes a batch to its consumer by queue name (wrangler.toml [[queues.consumers]]). A queue this Worker does
// not know throws: its messages are retried (and dead-lettered) rather than silently acked.
import { type Bindings, QUEUES } from "../config.ts";
import { handleChangesBatch } from "./changes.ts";
import { handleDeadLetters } from "./dead-letters.ts";
import { handleHooksBatch } from "./hooks.ts";
import { handleNotifyBatch } from "./notify.ts";

export async function handleQueue(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  switch (batch.queue) {
    case QUEUES.changes:
      return handleChangesBatch(batch, env);
    case QUEUES.notify:
      return handleNotifyBatch(batch, env);
    case QUEUES.hooks:
      return handleHooksBatch(batch, env);
    case QUEUES.changesDeadLetters:
    case QUEUES.notifyDeadLetters:
    case QUEUES.hooksDeadLetters:
      return handleDeadLetters(batch, env);
    default:
      throw new Error(`no consumer for queue ${JSON.stringify(batch.queue)}`);
  }
}
