// The CHANGES consumer: parses each message and dispatches it to its use case in src/pipeline/, under the policy
// in policy.ts. A receipt that can never be processed is marked failed with its error, so the sweep never
// re-queues it.
import { type Bindings, readConfig } from "../config.ts";
import { ChangesMessage } from "../domain/messages.ts";
import { processReceipt } from "../pipeline/receipts.ts";
import { finishPublish, pingHub } from "../pipeline/republish.ts";
import { settlePad } from "../pipeline/settle.ts";
import { markReceiptFailed } from "../store/receipts.ts";
import { consumeBatch } from "./policy.ts";

export async function handleChangesBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const config = readConfig(env);
  await consumeBatch(
    batch,
    env.DB,
    ChangesMessage,
    (message) => {
      const now = new Date();
      switch (message.type) {
        case "receipt":
          return processReceipt(env, config, message.receiptId, now);
        case "settle":
          return settlePad(env, config, message, now);
        case "publish":
          return finishPublish(env, config, message.eventIds);
        case "websub":
          return pingHub(config, message.feedUrl);
      }
    },
    {
      onPermanent: (message, error, now) =>
        message.type === "receipt" ? [markReceiptFailed(env.DB, message.receiptId, error, now)] : [],
    },
  );
}
