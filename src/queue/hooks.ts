// The HOOKS consumer: each message is one attempt at one outbound webhook delivery (src/pipeline/hooks.ts), under
// the policy in policy.ts. A delivery that is due again later is retried with the delay its schedule asks for
// (src/outbound/policy.ts), not the generic backoff; anything else that throws (D1 unavailable) retries with
// backoff, then the dead-letter queue records it, and the sweep re-queues the delivery from the ledger. While
// outbound webhooks are refused by the configuration (OUTBOUND_ALLOW_LOOPBACK outside development) nothing is
// sent: every message is retried, like mail while it is not configured.
import { type Bindings, listMissingConfig, readConfig } from "../config.ts";
import { HooksMessage } from "../domain/messages.ts";
import { RetryLater, deliverHook } from "../pipeline/hooks.ts";
import { consumeBatch } from "./policy.ts";

export async function handleHooksBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const config = readConfig(env);
  const missing = listMissingConfig(config, "outbound webhooks");
  if (missing.length) {
    const refusal = new Error(`outbound webhooks are refused: ${missing.join(", ")}`);
    await consumeBatch(batch, env.DB, HooksMessage, () => Promise.reject(refusal));
    return;
  }
  await consumeBatch(
    batch,
    env.DB,
    HooksMessage,
    (message) => deliverHook({ env, config }, message.deliveryId, new Date()),
    {
      retryDelay: (err) => (err instanceof RetryLater ? err.delaySeconds : null),
    },
  );
}
