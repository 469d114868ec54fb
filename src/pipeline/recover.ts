// Recovery, run by the 10-minute cron: whatever the queues lost or gave up on is found in D1 and queued again.
// Receipts: unprocessed ones are re-queued in a fair order with backoff (buildSweepDelayMs), at most
// RECEIPTS_PER_SWEEP a run; one still unprocessed after MAX_RECEIPT_SWEEPS re-queues is marked failed. Fan-outs:
// one idle while recipients are still owed its mail is driven again (its planner resumed, or a new pass over the
// recipients without a final ledger row), at most FANOUTS_PER_SWEEP a run; one still owing mail after
// MAX_FANOUT_DRIVES drives is closed, and what it owes is recorded as a failure.
import { type Bindings, QUEUES } from "../config.ts";
import { buildReceiptMessage } from "../domain/messages.ts";
import { getChange } from "../store/changes.ts";
import { type FanoutScope, countUnsentRecipients, listUnsentRecipientIds } from "../store/deliveries.ts";
import { buildFanoutCompletion, buildFanoutDrive, listDueFanouts } from "../store/fanouts.ts";
import { buildFailureUpserts, buildSubject } from "../store/failures.ts";
import { buildReceiptGiveUps, buildReceiptRequeues, listDueReceipts } from "../store/receipts.ts";

/** A receipt is re-queued once it has been unprocessed this long (its queue message retries for ~5 minutes). */
export const RECEIPT_FIRST_WAIT_MS = 5 * 60_000;
/** A receipt still unprocessed when due after this many re-queues is marked failed instead (≈21 h after arrival). */
export const MAX_RECEIPT_SWEEPS = 7;
/** A fan-out still missing mail when due after this many drives is closed, its leftover recorded (≈21 h). */
export const MAX_FANOUT_DRIVES = 7;

/** The wait after the n-th re-queue of a receipt or drive of a fan-out: 10, 20, 40 … 640 minutes. */
export function buildSweepDelayMs(n: number): number {
  return 10 * 60_000 * 2 ** Math.max(0, n - 1);
}

/**
 * Ten sendBatch calls of 100 at most. A re-queue moves a receipt's place in line to 10 minutes or more in the
 * future, so none comes back ahead of a receipt already due: one lost behind k others is re-queued within
 * ⌈k / 1,000⌉ + 1 sweeps.
 */
export const RECEIPTS_PER_SWEEP = 1000;
/** Each costs the cron two or three D1 queries; their "change" messages go out in one sendBatch. */
export const FANOUTS_PER_SWEEP = 50;

/**
 * What this sweep does with the receipts that are due: the messages that re-queue them, and the statements that
 * record it (to commit after the messages went out) and give up on the spent ones.
 */
export async function planReceiptSweep(db: D1Database, now: Date) {
  const due = await listDueReceipts(db, now, RECEIPT_FIRST_WAIT_MS, RECEIPTS_PER_SWEEP);
  const spent = due.filter((r) => r.sweeps >= MAX_RECEIPT_SWEEPS);
  const retry = due.filter((r) => r.sweeps < MAX_RECEIPT_SWEEPS);
  return {
    messages: retry.map((r) => ({ body: buildReceiptMessage(r.id) })),
    statements: [
      ...buildReceiptRequeues(
        db,
        retry.map((r) => ({ id: r.id, retryAt: new Date(now.getTime() + buildSweepDelayMs(r.sweeps + 1)) })),
      ),
      ...buildReceiptGiveUps(
        db,
        spent.map((r) => ({
          id: r.id,
          sweeps: r.sweeps,
          error: `not processed after ${r.sweeps} re-queues${r.lastError ? `; last error: ${r.lastError}` : ""}`,
        })),
        QUEUES.changes,
        now,
      ),
    ],
    requeued: retry.length,
    failed: spent.length,
  };
}

/** Re-queues the receipts that are due, then records it (a failed send leaves them due for the next sweep). */
export async function requeueReceipts(env: Pick<Bindings, "DB" | "CHANGES">, now: Date) {
  const sweep = await planReceiptSweep(env.DB, now);
  const { messages } = sweep;
  for (let i = 0; i < messages.length; i += 100) await env.CHANGES.sendBatch(messages.slice(i, i + 100));
  if (sweep.statements.length) await env.DB.batch(sweep.statements);
  return { requeued: sweep.requeued, failed: sweep.failed };
}

/**
 * Looks at the fan-outs that have been idle until their due time: completes those whose recipients all have a
 * final ledger row, closes those driven too often (recording what they still owe), and drives the rest by
 * queuing a "change" message that resumes or restarts their planning pass.
 */
export async function driveFanouts(env: Pick<Bindings, "DB" | "NOTIFY">, now: Date) {
  const due = await listDueFanouts(env.DB, now, FANOUTS_PER_SWEEP);
  const statements: D1PreparedStatement[] = [];
  const driven: string[] = [];
  const summary = { completed: 0, closed: 0, driven: 0, skipped: 0 };
  for (const fanout of due) {
    // One fan-out at a time, each on its own: a D1 error while looking at one leaves it due for the next run
    // and the others still go on (fifty fan-outs make over a hundred queries, so one error is likely enough).
    try {
      const looked = await lookAtFanout(env.DB, fanout, now);
      statements.push(...looked.statements);
      summary[looked.outcome]++;
      if (looked.outcome === "driven") driven.push(fanout.changeId);
    } catch (err) {
      console.error("cron: could not look at fan-out", fanout.changeId, err);
      summary.skipped++;
    }
  }
  // The drives are committed before their messages go out, so a planner that runs at once finds its pass reset
  // (a lost send only delays the fan-out until it is due again).
  if (statements.length) await env.DB.batch(statements);
  if (driven.length)
    await env.NOTIFY.sendBatch(
      driven.map((changeId) => ({ body: { v: 1 as const, type: "change" as const, changeId } })),
    );
  return summary;
}

type DueFanout = Awaited<ReturnType<typeof listDueFanouts>>[number];

/** What the sweep does with one due fan-out: complete it, close it, or drive it again; and the statements for it. */
async function lookAtFanout(
  db: D1Database,
  fanout: DueFanout,
  now: Date,
): Promise<{ outcome: "completed" | "closed" | "driven"; statements: D1PreparedStatement[] }> {
  const change = await getChange(db, fanout.changeId);
  if (!change) {
    return {
      outcome: "closed",
      statements: [buildFanoutCompletion(db, fanout.changeId, now, "the change no longer exists")],
    };
  }
  const scope: FanoutScope = {
    changeId: change.id,
    eventId: change.event,
    sessionId: change.session,
    handedAt: fanout.handedAt,
  };
  if ((await listUnsentRecipientIds(db, scope, "", 1)).length === 0) {
    return { outcome: "completed", statements: [buildFanoutCompletion(db, change.id, now)] };
  }
  if (fanout.drives >= MAX_FANOUT_DRIVES) {
    const owed = await countUnsentRecipients(db, scope);
    const error = `gave up after ${fanout.drives} drives: ${owed} recipient(s) never got this change`;
    const sample = await listUnsentRecipientIds(db, scope, "", 100);
    return {
      outcome: "closed",
      statements: [
        buildFanoutCompletion(db, change.id, now, error),
        buildFailureUpserts(
          db,
          [
            {
              subject: buildSubject.fanout(change.id),
              queue: QUEUES.notify,
              messageId: "sweep",
              attempts: fanout.drives,
              body: { changeId: change.id, owed, subscriberIds: sample },
              error,
            },
          ],
          now,
        ),
      ],
    };
  }
  // A pass that never reached its end is resumed where its cursor stands; a finished one that still left
  // recipients without a final row is followed by a new pass over exactly those.
  const restart = fanout.plannedAt !== null;
  const nextDue = new Date(now.getTime() + buildSweepDelayMs(fanout.drives + 1));
  return { outcome: "driven", statements: [buildFanoutDrive(db, change.id, restart, nextDue)] };
}
