// Fan-outs in D1 (migrations/0005): one row per change handed to mail, its planning progress, and when the cron
// looks at it next. The send ledger (deliveries) is the record of what was sent; this row only says how far the
// planner got and whether every recipient has a final ledger row yet.

export type Fanout = {
  changeId: string;
  /** The recipient set is fixed: subscribers confirmed at or before this. */
  handedAt: string;
  /** The last subscriber id the current planning pass queued ('' before its first page). */
  cursor: string;
  /** When the current pass reached the end; null while it runs. */
  plannedAt: string | null;
  dueAt: string;
  drives: number;
  completedAt: string | null;
};

type FanoutRow = {
  change_id: string;
  handed_at: string;
  cursor: string;
  planned_at: string | null;
  due_at: string;
  drives: number;
  completed_at: string | null;
};

const toFanout = (r: FanoutRow): Fanout => ({
  changeId: r.change_id,
  handedAt: r.handed_at,
  cursor: r.cursor,
  plannedAt: r.planned_at,
  dueAt: r.due_at,
  drives: r.drives,
  completedAt: r.completed_at,
});

/** Opens a fan-out per change (none twice): committed by the outbox in the batch that marks them notified. */
export function buildFanoutInserts(db: D1Database, changeIds: string[], now: Date, dueAt: Date): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO fanouts (change_id, handed_at, due_at) SELECT value, ?2, ?3 FROM json_each(?1) WHERE true
       ON CONFLICT (change_id) DO NOTHING`,
    )
    .bind(JSON.stringify(changeIds), now.toISOString(), dueAt.toISOString());
}

/**
 * The change's fan-out, opened now if it has none (a "change" message queued before fan-outs were recorded, or
 * a change marked notified by migrations/0004).
 */
export async function putFanout(db: D1Database, changeId: string, now: Date, dueAt: Date): Promise<Fanout> {
  const row = await db
    .prepare(
      `INSERT INTO fanouts (change_id, handed_at, due_at) VALUES (?1, ?2, ?3)
       ON CONFLICT (change_id) DO UPDATE SET change_id = change_id RETURNING *`,
    )
    .bind(changeId, now.toISOString(), dueAt.toISOString())
    .first<FanoutRow>();
  return toFanout(row!);
}

/**
 * Records a page the planner queued (and whether it was the last), and keeps the cron away while it works.
 * The cursor never moves back within a pass, so a duplicate planner cannot undo another's progress.
 */
export async function recordPlannedPage(
  db: D1Database,
  changeId: string,
  page: { cursor: string; last: boolean },
  now: Date,
  dueAt: Date,
): Promise<void> {
  await db
    .prepare(
      `UPDATE fanouts SET cursor = MAX(cursor, ?2), planned_at = CASE WHEN ?3 THEN ?4 ELSE planned_at END,
         due_at = MAX(due_at, ?5)
       WHERE change_id = ?1 AND completed_at IS NULL AND planned_at IS NULL`,
    )
    .bind(changeId, page.cursor, page.last ? 1 : 0, now.toISOString(), dueAt.toISOString())
    .run();
}

/** A deliver batch is at work: the cron leaves the fan-out alone until `dueAt` at least. */
export async function touchFanout(db: D1Database, changeId: string, dueAt: Date): Promise<void> {
  await db
    .prepare("UPDATE fanouts SET due_at = MAX(due_at, ?) WHERE change_id = ? AND completed_at IS NULL")
    .bind(dueAt.toISOString(), changeId)
    .run();
}

/** Incomplete fan-outs the cron should look at now, longest waiting first. */
export async function listDueFanouts(db: D1Database, now: Date, limit: number): Promise<Fanout[]> {
  const { results } = await db
    .prepare("SELECT * FROM fanouts WHERE completed_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?")
    .bind(now.toISOString(), limit)
    .all<FanoutRow>();
  return results.map(toFanout);
}

/**
 * Counts a drive: resumes the current pass where its cursor stands, or (restart) starts a new pass over the
 * recipients still without a final ledger row; the cron looks again at `dueAt` unless activity pushes it later.
 */
export function buildFanoutDrive(db: D1Database, changeId: string, restart: boolean, dueAt: Date): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE fanouts SET drives = drives + 1, due_at = ?3,
         cursor = CASE WHEN ?2 THEN '' ELSE cursor END, planned_at = CASE WHEN ?2 THEN NULL ELSE planned_at END
       WHERE change_id = ?1 AND completed_at IS NULL`,
    )
    .bind(changeId, restart ? 1 : 0, dueAt.toISOString());
}

/** Every recipient has a final ledger row, or (with an error) the fan-out was given up on. */
export function buildFanoutCompletion(
  db: D1Database,
  changeId: string,
  now: Date,
  error: string | null = null,
): D1PreparedStatement {
  return db
    .prepare("UPDATE fanouts SET completed_at = ?, error = ? WHERE change_id = ? AND completed_at IS NULL")
    .bind(now.toISOString(), error, changeId);
}
