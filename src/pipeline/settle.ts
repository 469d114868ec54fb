// Settling: a pad's pending text becomes a published change once it has been quiet for the quiet period. Each
// pending text schedules a "settle" message for when its quiet period ends; the cron re-queues settles for pads
// whose message was lost. A settle that finds the pad edited since waits again; one that finds nothing new,
// or text back to what was published, publishes nothing.
import type { Bindings, Config } from "../config.ts";
import type { NewChange } from "../domain/changes.ts";
import type { ChangesMessage } from "../domain/messages.ts";
import { MAX_DELAY_SECONDS, decideSettle } from "../domain/settle.ts";
import { getEvent, markNotesPublished } from "../store/catalogue.ts";
import { insertChange } from "../store/changes.ts";
import { type PadKey, buildPendingGuard, getPad, listSettledPads, settlePendingText } from "../store/pads.ts";
import { hashText } from "../lib/crypto.ts";
import { type RepublishEnv, republish } from "./republish.ts";

/** A change's id is derived from what it describes, so a retried step computes the same one. */
export async function buildChangeId(parts: (string | number | null)[]): Promise<string> {
  return `chg_${(await hashText(parts.join("\u0000"))).slice(0, 24)}`;
}

export async function scheduleSettle(env: Pick<Bindings, "CHANGES">, key: PadKey, seconds: number): Promise<void> {
  await env.CHANGES.send(
    { v: 1, type: "settle", ...key },
    { delaySeconds: Math.min(Math.max(seconds, 0), MAX_DELAY_SECONDS) },
  );
}

export async function settlePad(
  env: RepublishEnv,
  config: Pick<Config, "quietPeriodSeconds" | "site" | "environment">,
  key: PadKey,
  now: Date,
): Promise<void> {
  const pad = await getPad(env.DB, key);
  if (!pad) return;
  const decision = decideSettle(pad, now, config.quietPeriodSeconds);
  switch (decision.kind) {
    case "idle":
      return;
    case "wait":
      return scheduleSettle(env, key, decision.seconds);
    case "discard":
      await settlePendingText(env.DB, pad, false).run();
      return;
    case "publish": {
      const event = await getEvent(env.DB, key.event);
      const session = event?.sessions.find((s) => s.id === key.session);
      const change: NewChange = {
        // The pending version's time is part of the id: A → B, B → A, A → B again are three changes, while a
        // redelivered settle of the same pad state computes the same id (and the guard below stops it anyway).
        id: await buildChangeId([key.event, key.session, key.url, pad.publishedHash, pad.pendingHash, pad.lastEditAt]),
        event: key.event,
        session: key.session,
        sessionTitle: session?.title ?? null,
        url: key.url,
        at: now.toISOString(),
        ...decision.change,
      };
      await env.DB.batch([
        insertChange(env.DB, change, buildPendingGuard(pad)),
        settlePendingText(env.DB, pad, true),
        // A session's first notes make its notes published, whatever the page said before.
        markNotesPublished(env.DB, key.event, key.session),
      ]);
      await republish(env, config, [key.event]);
    }
  }
}

/** The cron's share: a settle for every pad quiet for the quiet period (in case its own message was lost). */
export async function queueSettledPads(
  env: Pick<Bindings, "DB" | "CHANGES">,
  config: Pick<Config, "quietPeriodSeconds">,
  now: Date,
): Promise<number> {
  const quietSince = new Date(now.getTime() - config.quietPeriodSeconds * 1000);
  const settled = await listSettledPads(env.DB, quietSince);
  const messages = settled.map((key) => ({ body: { v: 1, type: "settle", ...key } satisfies ChangesMessage }));
  if (messages.length) await env.CHANGES.sendBatch(messages);
  return settled.length;
}
