// The change log in D1. Each event numbers its changes 1, 2, 3 … (seq), assigned inside the insert so that
// two writers cannot take the same number (UNIQUE (event_id, seq) fails the later batch, which retries).
import { Change, type NewChange } from "../domain/changes.ts";

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
 * condition with its bindings (e.g. "the pad is still in the state this change was computed from").
 */
export function insertChange(
  db: D1Database,
  c: NewChange,
  when?: { sql: string; binds: unknown[] },
): D1PreparedStatement {
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
