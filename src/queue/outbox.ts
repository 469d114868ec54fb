// The mail outbox: committed changes not yet handed to NOTIFY are sent there and marked. Run right after each
// commit, and by the cron for whatever a crash between the commit and the send left behind.
import { listUnnotifiedChangeIds, markNotified } from "../store/changes.ts";
import type { NotifyMessage } from "./messages.ts";

export async function handOverChanges(
  env: { DB: D1Database; NOTIFY: Queue<NotifyMessage> },
  before: Date,
  eventId?: string,
): Promise<number> {
  const ids = await listUnnotifiedChangeIds(env.DB, before, eventId);
  if (ids.length === 0) return 0;
  await env.NOTIFY.sendBatch(ids.map((changeId) => ({ body: { v: 1 as const, type: "change" as const, changeId } })));
  await markNotified(env.DB, ids, new Date());
  return ids.length;
}
