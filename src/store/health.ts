// The pipeline's backlog at a glance, for the admin health page: what is waiting to be processed or sent, what
// failed for good, and how many failure records there are. One D1 batch of counts over partial indexes.
import { z } from "zod";

export type PipelineHealth = {
  receipts: {
    /** Stored, not processed, not given up on: in the queue, or waiting for the sweep to re-queue them. */
    unprocessed: number;
    oldestUnprocessedAt: string | null;
    failed: number;
  };
  fanouts: {
    /** Handed to mail and still owing some recipient a final ledger row. */
    incomplete: number;
    oldestIncompleteAt: string | null;
    /** Closed after too many drives with recipients left without mail (each has a failures row). */
    givenUp: number;
  };
  failures: { subjects: number; lastRecordedAt: string | null };
};

const Count = z.object({ n: z.number(), at: z.string().nullable() });

export async function getPipelineHealth(db: D1Database): Promise<PipelineHealth> {
  const results = await db.batch([
    db.prepare(
      `SELECT COUNT(*) AS n, MIN(received_at) AS at FROM receipts WHERE processed_at IS NULL AND failed_at IS NULL`,
    ),
    db.prepare("SELECT COUNT(*) AS n, MAX(failed_at) AS at FROM receipts WHERE failed_at IS NOT NULL"),
    db.prepare("SELECT COUNT(*) AS n, MIN(handed_at) AS at FROM fanouts WHERE completed_at IS NULL"),
    db.prepare("SELECT COUNT(*) AS n, MAX(completed_at) AS at FROM fanouts WHERE error IS NOT NULL"),
    db.prepare("SELECT COUNT(*) AS n, MAX(recorded_at) AS at FROM failures"),
  ]);
  const [unprocessed, failed, incomplete, givenUp, failures] = results.map((r) => Count.parse(r.results[0]));
  return {
    receipts: { unprocessed: unprocessed!.n, oldestUnprocessedAt: unprocessed!.at, failed: failed!.n },
    fanouts: { incomplete: incomplete!.n, oldestIncompleteAt: incomplete!.at, givenUp: givenUp!.n },
    failures: { subjects: failures!.n, lastRecordedAt: failures!.at },
  };
}
