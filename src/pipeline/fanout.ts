// Fan-out: a change handed to mail is turned into "deliver" messages of at most 100 recipients. A "change"
// message continues its fan-out's planning pass: it pages the change's recipients still owed a mail by id cursor,
// queues them in batches, and stores the cursor after each page (a crash resumes the pass, it does not restart
// it). Whatever is lost on the way (a planner that died, deliver messages dropped or dead-lettered) is found by
// the cron in the ledger and driven again (src/pipeline/recover.ts). The daily digests are queued the same way.
import type { Bindings } from "../config.ts";
import type { Change } from "../domain/changes.ts";
import type { NotifyMessage } from "../domain/messages.ts";
import { getChange } from "../store/changes.ts";
import { listDigestRecipientIds, listUnsentRecipientIds } from "../store/deliveries.ts";
import { putFanout, recordPlannedPage } from "../store/fanouts.ts";
import { PermanentError } from "./errors.ts";

/** A fan-out with no activity (planner page, deliver batch) for this long is looked at by the cron. */
export const FANOUT_IDLE_MS = 5 * 60_000;
const BATCH_SIZE = 100;
const PAGE_SIZE = 25 * BATCH_SIZE;
/**
 * Pages one "change" message plans before handing the rest of its pass to a fresh one (bounds its D1 queries
 * and queue sends at 80 and 40): up to 100,000 recipients, a fan-out is one planner message and its batches.
 */
const PAGES_PER_PLAN = 40;
export const RECIPIENTS_PER_PLAN = PAGES_PER_PLAN * PAGE_SIZE;
const DAY_MS = 86_400_000;

type FanoutEnv = Pick<Bindings, "DB" | "NOTIFY">;

/** The change a fan-out or delivery is about; one that no longer exists can never be sent. */
export async function requireChange(db: D1Database, id: string): Promise<Change> {
  const change = await getChange(db, id);
  if (!change) throw new PermanentError(`no change ${id}`);
  return change;
}

/** Queues subscriber ids as messages of at most 100 (a page of 2,500 makes 25, well inside sendBatch's 256 KB). */
async function queueBatches(
  queue: Queue<NotifyMessage>,
  ids: string[],
  buildBody: (subscriberIds: string[]) => NotifyMessage,
): Promise<number> {
  const messages = [];
  for (let i = 0; i < ids.length; i += BATCH_SIZE) messages.push({ body: buildBody(ids.slice(i, i + BATCH_SIZE)) });
  await queue.sendBatch(messages);
  return messages.length;
}

/**
 * Reads recipients page by page (by id cursor) and queues them as messages of at most 100 ids; returns how
 * many messages it queued.
 */
async function queueRecipientBatches(
  queue: Queue<NotifyMessage>,
  listPage: (after: string, limit: number) => Promise<string[]>,
  buildBody: (subscriberIds: string[]) => NotifyMessage,
): Promise<number> {
  let after = "";
  let queued = 0;
  for (;;) {
    const ids = await listPage(after, PAGE_SIZE);
    if (ids.length === 0) return queued;
    queued += await queueBatches(queue, ids, buildBody);
    after = ids.at(-1)!;
  }
}

/**
 * Continues the fan-out's current pass from its stored cursor: queues the recipients still owed the change in
 * batches of 100, records the cursor after each page, and after PAGES_PER_PLAN pages queues itself again for the
 * rest. A duplicate message, or one for a pass that already reached the end, queues nothing.
 */
export async function planFanout(env: FanoutEnv, changeId: string, now: Date) {
  const change = await requireChange(env.DB, changeId);
  const quietUntil = new Date(now.getTime() + FANOUT_IDLE_MS);
  const fanout = await putFanout(env.DB, changeId, now, quietUntil);
  if (fanout.completedAt || fanout.plannedAt) return;
  const scope = { changeId, eventId: change.event, sessionId: change.session, handedAt: fanout.handedAt };
  let after = fanout.cursor;
  for (let page = 0; page < PAGES_PER_PLAN; page++) {
    // One id past the page says whether another follows, so a pass that ends on a full page needs no extra message.
    const found = await listUnsentRecipientIds(env.DB, scope, after, PAGE_SIZE + 1);
    const ids = found.slice(0, PAGE_SIZE);
    if (ids.length) {
      await queueBatches(env.NOTIFY, ids, (subscriberIds) => ({ v: 1, type: "deliver", changeId, subscriberIds }));
      after = ids.at(-1)!;
    }
    const last = found.length <= PAGE_SIZE;
    await recordPlannedPage(env.DB, changeId, { cursor: after, last }, now, quietUntil);
    if (last) return;
  }
  await env.NOTIFY.send({ v: 1, type: "change", changeId });
}

/**
 * Digest windows tile: each run covers the 24 hours before its scheduled time, and the ledger id carries the
 * window's end, so a re-run of the same cron sends nothing twice.
 */
export async function queueDigests(env: FanoutEnv, now: Date): Promise<number> {
  const until = now.toISOString();
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  return queueRecipientBatches(
    env.NOTIFY,
    (after, limit) => listDigestRecipientIds(env.DB, after, limit),
    (subscriberIds) => ({ v: 1, type: "digest", since, until, subscriberIds }),
  );
}
