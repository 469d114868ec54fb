// Versioned bodies of the messages on the CHANGES queue. Anything that does not parse is recorded and acked.
import { z } from "zod";
import { Slug } from "../domain/event.ts";

export const ChangesMessage = z.discriminatedUnion("type", [
  /** A stored receipt to process (its payload is in D1: notes text can exceed a message's 128 KB). */
  z.object({ v: z.literal(1), type: z.literal("receipt"), receiptId: z.string().min(1) }),
  /** Check whether a notes link's pending text has been quiet long enough to publish. */
  z.object({ v: z.literal(1), type: z.literal("settle"), event: Slug, session: Slug, url: z.string() }),
  /** Tell the WebSub hub that a feed changed (retried on its own, so a failing hub never blocks publishing). */
  z.object({ v: z.literal(1), type: z.literal("websub"), feedUrl: z.url() }),
]);
export type ChangesMessage = z.infer<typeof ChangesMessage>;
