// The mail outbox: committed changes not yet handed to NOTIFY are handed over durably, then announced. Run right
// after each commit, and by the cron for whatever a crash between the commit and the hand-over left behind.
// The hand-over is one D1 batch: a fan-out row per change (its progress record, driven by the cron until every
// recipient has a final ledger row) and the change marked notified. The "change" message that follows only
// starts the fan-out sooner: if it is lost, the cron starts it once the fan-out has been idle for a while.
import { buildMarkNotified, listUnnotifiedChangeIds } from "../store/changes.ts";
import { buildFanoutInserts } from "../store/fanouts.ts";
import type { Bindings } from "../config.ts";
import { FANOUT_IDLE_MS } from "./fanout.ts";

export async function handOverChanges(
  env: Pick<Bindings, "DB" | "NOTIFY">,
  before: Date,
  eventId?: string,
  now = new Date(),
): Promise<number> {
  const ids = await listUnnotifiedChangeIds(env.DB, before, eventId);
  if (ids.length === 0) return 0;
  const [, marked] = await env.DB.batch<{ id: string }>([
    buildFanoutInserts(env.DB, ids, now, new Date(now.getTime() + FANOUT_IDLE_MS)),
    buildMarkNotified(env.DB, ids, now),
  ]);
  const handed = marked!.results.map((r) => r.id);
  if (handed.length === 0) return 0;
  try {
    await env.NOTIFY.sendBatch(
      handed.map((changeId) => ({ body: { v: 1 as const, type: "change" as const, changeId } })),
    );
  } catch (err) {
    console.error("outbox: could not announce handed-over changes; the cron will drive them", handed, err);
  }
  return handed.length;
}
