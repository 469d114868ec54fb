// The asynchronous entry points refuse what they do not know: a batch from a queue without a consumer, or a
// cron without a handler, throws (retried, then visible) instead of being acked or skipped in silence.
import { expect, it } from "vitest";
import { buildBatch, runBatch, runCron } from "../helpers/queue.ts";

it("throws on a batch from a queue it has no consumer for", async () => {
  const batch = buildBatch("sessionwire-typo", [{ id: "m", body: { v: 1, type: "receipt", receiptId: "r" } }]);
  await expect(runBatch(batch)).rejects.toThrow(/no consumer for queue "sessionwire-typo"/);
});

it("throws on a cron it has no handler for", async () => {
  await expect(runCron("*/5 * * * *", new Date())).rejects.toThrow(/no handler for cron "\*\/5 \* \* \* \*"/);
});
