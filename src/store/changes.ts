// The change log in D1. Each event numbers its changes 1, 2, 3 … (seq), assigned inside the insert so that
// two writers cannot take the same number (UNIQUE (event_id, seq) fails the later batch, which retries).
import { Change, type NewChange, fitChange } from "../domain/changes.ts";

type ChangeRow = {
  id: string;
  event_id: string;
  seq: number;
  session_id: string | null;
  session_title: string | null;
  type: string;
  url: string | null;
  summary: string;
  excerpt: string;
  lines_added: number;
  lines_removed: number;
  created_at: string;
};

/** A row as a Change; the schema cuts texts of rows written before the limits existed. */
const toChange = (r: ChangeRow): Change =>
  Change.parse({
    id: r.id,
    event: r.event_id,
    seq: r.seq,
    session: r.session_id,
    sessionTitle: r.session_title,
    type: r.type,
    url: r.url,
    summary: r.summary,
    excerpt: r.excerpt,
    linesAdded: r.lines_added,
    linesRemoved: r.lines_removed,
    at: r.created_at,
  });

/**
 * Appends a change unless one with its id exists (redelivered work inserts nothing). `when` is an optional SQL
 * condition with its bindings (e.g. "the pad is still in the state this change was computed from"). The session
 * title, summary and excerpt are cut to their limits first: every feed and mail about the change copies them.
 */
export function insertChange(
  db: D1Database,
  change: NewChange,
  when?: { sql: string; binds: unknown[] },
): D1PreparedStatement {
  const c = fitChange(change);
  return db
    .prepare(
      `INSERT INTO changes (id, event_id, seq, session_id, session_title, type, url, summary, excerpt,
                            lines_added, lines_removed, created_at)
       SELECT ?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM changes WHERE event_id = ?2), ?3, ?4, ?5, ?6, ?7, ?8,
              ?9, ?10, ?11
       WHERE NOT EXISTS (SELECT 1 FROM changes WHERE id = ?1) ${when ? `AND (${when.sql})` : ""}`,
    )
    .bind(
      c.id,
      c.event,
      c.session,
      c.sessionTitle,
      c.type,
      c.url,
      c.summary,
      c.excerpt,
      c.linesAdded,
      c.linesRemoved,
      c.at,
      ...(when?.binds ?? []),
    );
}

/** An event's changes, oldest first (publish pages and groups them). */
export async function listChanges(db: D1Database, eventId: string): Promise<Change[]> {
  const { results } = await db
    .prepare("SELECT * FROM changes WHERE event_id = ? ORDER BY seq")
    .bind(eventId)
    .all<ChangeRow>();
  return results.map(toChange);
}

/** The newest changes of all events, newest first (the feed of everything). */
export async function listRecentChanges(db: D1Database, limit: number): Promise<Change[]> {
  const { results } = await db
    .prepare("SELECT * FROM changes ORDER BY created_at DESC, event_id, seq DESC LIMIT ?")
    .bind(limit)
    .all<ChangeRow>();
  return results.map(toChange);
}

export async function getChange(db: D1Database, id: string): Promise<Change | null> {
  const row = await db.prepare("SELECT * FROM changes WHERE id = ?").bind(id).first<ChangeRow>();
  return row ? toChange(row) : null;
}

/** Changes of one scope (a whole event when sessionId is '') created in [since, until), newest first. */
export async function listChangesBetween(
  db: D1Database,
  scope: { eventId: string; sessionId: string },
  since: string,
  until: string,
): Promise<Change[]> {
  const { results } = await db
    .prepare(
      `SELECT * FROM changes WHERE event_id = ?1 AND (?2 = '' OR session_id = ?2) AND created_at >= ?3 AND created_at < ?4
       ORDER BY seq DESC`,
    )
    .bind(scope.eventId, scope.sessionId, since, until)
    .all<ChangeRow>();
  return results.map(toChange);
}

/** Changes not yet handed to NOTIFY (all events, or one), oldest first, created before `before`. */
export async function listUnnotifiedChangeIds(db: D1Database, before: Date, eventId?: string): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM changes WHERE notified_at IS NULL AND created_at <= ?1 AND (?2 IS NULL OR event_id = ?2)
       ORDER BY created_at LIMIT 100`,
    )
    .bind(before.toISOString(), eventId ?? null)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Marks changes handed to mail (the outbox); RETURNING names those this call marked, so of two racing
 * hand-overs only one queues each change.
 */
export function buildMarkNotified(db: D1Database, ids: string[], now: Date): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE changes SET notified_at = ? WHERE id IN (SELECT value FROM json_each(?)) AND notified_at IS NULL
       RETURNING id`,
    )
    .bind(now.toISOString(), JSON.stringify(ids));
}
