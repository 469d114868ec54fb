// D1, the system of record for the catalogue: events, sessions in page order, notes links in page order.
// Reads parse with the domain schemas so that a drift between the tables and the code fails loudly. Writes are
// set-based: the sessions and links that changed go in as JSON arrays read with json_each, a few statements
// whatever the size of the event (D1 allows 1,000 queries per invocation; a conference has 1,000 sessions).
import { Event, type NoteLink, type Session } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_EVENT_TITLE_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_LABEL_CHARS,
  MAX_SESSION_TITLE_CHARS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";

type EventRow = {
  id: string;
  title: string;
  time_zone: string | null;
  source_url: string | null;
  source_format: string | null;
};
type SessionRow = {
  id: string;
  title: string;
  description: string;
  hosts: string;
  notes_published: number;
  schedule: string;
};
type LinkRow = {
  session_id: string;
  url: string;
  kind: string;
  label: string | null;
  watchable: number;
  from_source: number;
};
/** The schedule's fields of a session, stored together as JSON. */
const SCHEDULE_FIELDS = ["sourceId", "start", "end", "room", "track", "url", "links", "withdrawn"] as const;
/** Under D1's 2 MB per bound string, with room for JSON escaping. */
const MAX_JSON_PARAM_CHARS = 500_000;

/**
 * Every event's id, when it entered the catalogue (which dates its feeds while they have no items) and when it was
 * last written (every catalogue edit writes it, those that record no change too).
 */
export async function listEvents(db: D1Database): Promise<{ id: string; createdAt: string; updatedAt: string }[]> {
  const { results } = await db
    .prepare("SELECT id, COALESCE(created_at, updated_at) AS created_at, updated_at FROM events ORDER BY id")
    .all<{ id: string; created_at: string; updated_at: string }>();
  return results.map((r) => ({ id: r.id, createdAt: r.created_at, updatedAt: r.updated_at }));
}

export async function getEvent(db: D1Database, eventId: string): Promise<Event | null> {
  const [events, sessions, links] = await db.batch([
    db.prepare("SELECT id, title, time_zone, source_url, source_format FROM events WHERE id = ?").bind(eventId),
    db
      .prepare(
        `SELECT id, title, description, hosts, notes_published, schedule FROM sessions WHERE event_id = ?
         ORDER BY position`,
      )
      .bind(eventId),
    db
      .prepare(
        `SELECT session_id, url, kind, label, watchable, from_source FROM note_links WHERE event_id = ?
         ORDER BY session_id, position`,
      )
      .bind(eventId),
  ]);
  const event = (events!.results as EventRow[])[0];
  if (!event) return null;
  const notesBySession = new Map<string, NoteLink[]>();
  for (const l of links!.results as LinkRow[]) {
    const list = notesBySession.get(l.session_id) ?? [];
    list.push({
      url: l.url,
      kind: l.kind as NoteLink["kind"],
      ...(l.label === null ? {} : { label: fitLine(l.label, MAX_LABEL_CHARS) }),
      watchable: l.watchable === 1,
      ...(l.from_source === 1 ? { fromSource: true } : {}),
    });
    notesBySession.set(l.session_id, list);
  }
  // Texts are cut to their limits before the parse: rows written before the limits existed still load (and the
  // next write of the event stores them cut), rather than stopping every edit that could fix them.
  return Event.parse({
    id: event.id,
    title: fitLine(event.title, MAX_EVENT_TITLE_CHARS),
    ...(event.time_zone ? { timeZone: event.time_zone } : {}),
    ...(event.source_url
      ? { source: { url: event.source_url, ...(event.source_format ? { format: event.source_format } : {}) } }
      : {}),
    sessions: (sessions!.results as SessionRow[]).map((s): Session => ({
      ...(JSON.parse(s.schedule) as Partial<Session>),
      id: s.id,
      title: fitLine(s.title, MAX_SESSION_TITLE_CHARS),
      description: fitText(s.description, MAX_DESCRIPTION_CHARS),
      hosts: (JSON.parse(s.hosts) as string[]).slice(0, MAX_HOSTS).map((h) => fitLine(h, MAX_HOST_CHARS)),
      notesPublished: s.notes_published === 1,
      notes: notesBySession.get(s.id) ?? [],
    })),
  });
}

/** A session's row as the JSON that json_each reads, in page order. */
function buildSessionRow(s: Session, position: number) {
  const schedule = Object.fromEntries(SCHEDULE_FIELDS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  return {
    id: s.id,
    position,
    title: s.title,
    description: s.description,
    hosts: JSON.stringify(s.hosts),
    notesPublished: s.notesPublished ? 1 : 0,
    schedule: JSON.stringify(schedule),
  };
}

/** Splits rows into JSON arrays of at most MAX_JSON_PARAM_CHARS characters each. */
function chunkJson(rows: unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (current.length && size + json.length + 1 > MAX_JSON_PARAM_CHARS) {
      chunks.push(`[${current.join(",")}]`);
      [current, size] = [[], 2];
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

/**
 * The statements that make D1 hold exactly `event`; callers batch them (with the change rows they belong to).
 * Given the event as stored (`previous`), only the sessions that differ from it (or moved) are written.
 */
export function buildPutEventStatements(
  db: D1Database,
  event: Event,
  now: Date,
  previous: Event | null = null,
): D1PreparedStatement[] {
  const at = now.toISOString();
  const ids = event.sessions.map((s) => s.id);
  const before = new Map(previous?.sessions.map((s, i) => [s.id, JSON.stringify([i, s])]));
  const changed = event.sessions
    .map((s, i) => ({ s, i }))
    .filter(({ s, i }) => before.get(s.id) !== JSON.stringify([i, s]));
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO events (id, title, time_zone, source_url, source_format, updated_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET title = ?2, time_zone = ?3, source_url = ?4, source_format = ?5, updated_at = ?6`,
      )
      .bind(event.id, event.title, event.timeZone ?? null, event.source?.url ?? null, event.source?.format ?? null, at),
    db
      .prepare("DELETE FROM sessions WHERE event_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))")
      .bind(event.id, JSON.stringify(ids)),
  ];
  for (const chunk of chunkJson(changed.map(({ s }) => s.id))) {
    statements.push(
      db
        .prepare("DELETE FROM note_links WHERE event_id = ?1 AND session_id IN (SELECT value FROM json_each(?2))")
        .bind(event.id, chunk),
    );
  }
  for (const chunk of chunkJson(changed.map(({ s, i }) => buildSessionRow(s, i)))) {
    statements.push(
      db
        .prepare(
          `INSERT INTO sessions (event_id, id, position, title, description, hosts, notes_published, schedule, updated_at)
           SELECT ?1, value ->> 'id', value ->> 'position', value ->> 'title', value ->> 'description',
             value ->> 'hosts', value ->> 'notesPublished', value ->> 'schedule', ?3
           FROM json_each(?2) WHERE true
           ON CONFLICT (event_id, id) DO UPDATE SET position = excluded.position, title = excluded.title,
             description = excluded.description, hosts = excluded.hosts, notes_published = excluded.notes_published,
             schedule = excluded.schedule, updated_at = excluded.updated_at`,
        )
        .bind(event.id, chunk, at),
    );
  }
  const links = changed.flatMap(({ s }) =>
    s.notes.map((n, position) => ({
      session: s.id,
      position,
      url: n.url,
      kind: n.kind,
      label: n.label ?? null,
      watchable: n.watchable ? 1 : 0,
      fromSource: n.fromSource ? 1 : 0,
    })),
  );
  for (const chunk of chunkJson(links)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO note_links (event_id, session_id, position, url, kind, label, watchable, from_source)
           SELECT ?1, value ->> 'session', value ->> 'position', value ->> 'url', value ->> 'kind',
             value ->> 'label', value ->> 'watchable', value ->> 'fromSource'
           FROM json_each(?2)`,
        )
        .bind(event.id, chunk),
    );
  }
  return statements;
}

export function markNotesPublished(db: D1Database, eventId: string, sessionId: string): D1PreparedStatement {
  return db
    .prepare("UPDATE sessions SET notes_published = 1 WHERE event_id = ? AND id = ? AND notes_published = 0")
    .bind(eventId, sessionId);
}
