// Versioned bodies of the messages on the CHANGES and NOTIFY queues. Anything that does not parse is recorded and
// acked (src/queue/policy.ts).
import { z } from "zod";
import { Slug } from "./event.ts";

export const ChangesMessage = z.discriminatedUnion("type", [
  /** A stored receipt to process (its payload is in D1: notes text can exceed a message's 128 KB). */
  z.object({ v: z.literal(1), type: z.literal("receipt"), receiptId: z.string().min(1) }),
  /** Check whether a notes link's pending text has been quiet long enough to publish. */
  z.object({ v: z.literal(1), type: z.literal("settle"), event: Slug, session: Slug, url: z.string() }),
  /** Tell the WebSub hub that a feed changed (retried on its own, so a failing hub never blocks publishing). */
  z.object({ v: z.literal(1), type: z.literal("websub"), feedUrl: z.url() }),
  /** Finish publishing these events' read model (a run that failed or ran out of its KV budget). */
  z.object({ v: z.literal(1), type: z.literal("publish"), eventIds: z.array(Slug).min(1).max(100) }),
]);
export type ChangesMessage = z.infer<typeof ChangesMessage>;

export const buildReceiptMessage = (receiptId: string) => ({ v: 1, type: "receipt", receiptId }) as const;

/** Bodies of the NOTIFY queue: each names at most 100 subscribers, so each send batch is acked on its own. */
export const NotifyMessage = z.discriminatedUnion("type", [
  /**
   * A change handed to mail: continue its fan-out's current planning pass (queue "deliver" batches of the
   * recipients without a sent or failed ledger row, from the cursor stored in its fan-out row).
   */
  z.object({ v: z.literal(1), type: z.literal("change"), changeId: z.string().min(1) }),
  /** Send one change to these subscribers, one mail each, through the send ledger. */
  z.object({
    v: z.literal(1),
    type: z.literal("deliver"),
    changeId: z.string().min(1),
    subscriberIds: z.array(z.string().min(1)).min(1).max(100),
  }),
  /** Send these daily subscribers the changes in their scope from [since, until), one mail each. */
  z.object({
    v: z.literal(1),
    type: z.literal("digest"),
    since: z.iso.datetime(),
    until: z.iso.datetime(),
    subscriberIds: z.array(z.string().min(1)).min(1).max(100),
  }),
  /** Send a pending subscriber its confirmation mail. */
  z.object({ v: z.literal(1), type: z.literal("confirm"), subscriberId: z.string().min(1) }),
]);
export type NotifyMessage = z.infer<typeof NotifyMessage>;

/** Bodies of the HOOKS queue: one outbound webhook delivery, named by its ledger row (which holds the rest). */
export const HooksMessage = z.discriminatedUnion("type", [
  z.object({ v: z.literal(1), type: z.literal("deliver"), deliveryId: z.string().min(1).max(100) }),
]);
export type HooksMessage = z.infer<typeof HooksMessage>;
