// The NOTIFY consumer: parses each message and dispatches it to fan-out or delivery (src/pipeline/), under the
// policy in policy.ts: a provider rate limit slows the message down (what was sent is in the ledger and is
// skipped on the retry), anything else transient retries with backoff, then the dead-letter queue records it.
// While mail is not configured (src/config.ts: a secret, MAIL_FROM, or a PUBLIC_BASE_URL production refuses)
// nothing is sent: every message is retried the same way, so what is queued goes out once an operator fixes it.
import { type Bindings, listMissingConfig, readConfig } from "../config.ts";
import { NotifyMessage } from "../domain/messages.ts";
import { MailError } from "../email/model.ts";
import { selectTransport } from "../email/transport.ts";
import { type DeliverDeps, deliverChange, deliverConfirmation, deliverDigest } from "../pipeline/deliver.ts";
import { isPermanent } from "../pipeline/errors.ts";
import { planFanout } from "../pipeline/fanout.ts";
import { consumeBatch } from "./policy.ts";

export async function handleNotifyBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const config = readConfig(env);
  const missing = listMissingConfig(config, "mail");
  if (missing.length) {
    const refusal = new Error(`mail is not configured: missing ${missing.join(", ")}`);
    await consumeBatch(batch, env.DB, NotifyMessage, () => Promise.reject(refusal));
    return;
  }
  const deps: DeliverDeps = { env, config, transport: selectTransport(env.EMAIL, config.mail) };
  await consumeBatch(batch, env.DB, NotifyMessage, (message) => processNotifyMessage(message, deps, new Date()), {
    classify: (err) =>
      isPermanent(err) ? "permanent" : err instanceof MailError && err.kind === "rate-limit" ? "slow-down" : "retry",
  });
}

export function processNotifyMessage(message: NotifyMessage, deps: DeliverDeps, now: Date): Promise<void> {
  switch (message.type) {
    case "change":
      return planFanout(deps.env, message.changeId, now);
    case "deliver":
      return deliverChange(deps, message.changeId, message.subscriberIds, now);
    case "digest":
      return deliverDigest(deps, message, now);
    case "confirm":
      return deliverConfirmation(deps, message.subscriberId, now);
  }
}
