// The asynchronous entry points refuse what they do not know: a batch from a queue without a consumer, or a
// cron without a handler, throws (retried, then visible) instead of being acked or skipped in silence.
import { createMessageBatch, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import worker from "../../src/index.ts";

it("throws on a batch from a queue it has no consumer for", async () => {
  const batch = createMessageBatch("sessionwire-typo", [
    { id: "m", timestamp: new Date(), attempts: 1, body: { v: 1, type: "receipt", receiptId: "r" } },
  ]);
  await expect(worker.queue(batch, env)).rejects.toThrow(/no consumer for queue "sessionwire-typo"/);
});

it("throws on a cron it has no handler for", async () => {
  const controller = createScheduledController({ cron: "*/5 * * * *", scheduledTime: new Date() });
  await expect(worker.scheduled(controller, env)).rejects.toThrow(/no handler for cron "\*\/5 \* \* \* \*"/);
});
