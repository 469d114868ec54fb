// D1, the system of record for the catalogue: events, sessions in page order, notes links in page order.
// Reads parse with the domain schemas so that a drift between the tables and the code fails loudly.
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

type EventRow = { id: string; title: string };
type SessionRow = {
  id: string;
  title: string;
  description: string;
  hosts: string;
  notes_published: number;
};
type LinkRow = { session_id: string; url: string; kind: string; label: string | null; watchable: number };

/** Every event's id and when it entered the catalogue (which dates its feeds while they have no items). */
export async function listEvents(db: D1Database): Promise<{ id: string; createdAt: string }[]> {
  const { results } = await db
    .prepare("SELECT id, COALESCE(created_at, updated_at) AS created_at FROM events ORDER BY id")
    .all<{ id: string; created_at: string }>();
  return results.map((r) => ({ id: r.id, createdAt: r.created_at }));
}

export async function getEvent(db: D1Database, eventId: string): Promise<Event | null> {
  const [events, sessions, links] = await db.batch([
    db.prepare("SELECT id, title FROM events WHERE id = ?").bind(eventId),
    db
      .prepare(
        "SELECT id, title, description, hosts, notes_published FROM sessions WHERE event_id = ? ORDER BY position",
      )
      .bind(eventId),
    db
      .prepare(
        "SELECT session_id, url, kind, label, watchable FROM note_links WHERE event_id = ? ORDER BY session_id, position",
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
    });
    notesBySession.set(l.session_id, list);
  }
  // Texts are cut to their limits before the parse: rows written before the limits existed still load (and the
  // next write of the event stores them cut), rather than stopping every edit that could fix them.
  return Event.parse({
    id: event.id,
    title: fitLine(event.title, MAX_EVENT_TITLE_CHARS),
    sessions: (sessions!.results as SessionRow[]).map((s): Session => ({
      id: s.id,
      title: fitLine(s.title, MAX_SESSION_TITLE_CHARS),
      description: fitText(s.description, MAX_DESCRIPTION_CHARS),
      hosts: (JSON.parse(s.hosts) as string[]).slice(0, MAX_HOSTS).map((h) => fitLine(h, MAX_HOST_CHARS)),
      notesPublished: s.notes_published === 1,
      notes: notesBySession.get(s.id) ?? [],
    })),
  });
}

/** The statements that make D1 hold exactly `event`; callers batch them (with the change rows they belong to). */
export function buildPutEventStatements(db: D1Database, event: Event, now: Date): D1PreparedStatement[] {
  const at = now.toISOString();
  const ids = event.sessions.map((s) => s.id);
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO events (id, title, updated_at, created_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET title = ?2, updated_at = ?3`,
      )
      .bind(event.id, event.title, at),
    db
      .prepare("DELETE FROM sessions WHERE event_id = ?1 AND id NOT IN (SELECT value FROM json_each(?2))")
      .bind(event.id, JSON.stringify(ids)),
    db.prepare("DELETE FROM note_links WHERE event_id = ?").bind(event.id),
  ];
  for (const [position, s] of event.sessions.entries()) {
    statements.push(
      db
        .prepare(
          `INSERT INTO sessions (event_id, id, position, title, description, hosts, notes_published, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
           ON CONFLICT (event_id, id) DO UPDATE SET position = ?3, title = ?4, description = ?5, hosts = ?6,
             notes_published = ?7, updated_at = ?8`,
        )
        .bind(event.id, s.id, position, s.title, s.description, JSON.stringify(s.hosts), s.notesPublished ? 1 : 0, at),
    );
    for (const [linkPosition, n] of s.notes.entries()) {
      statements.push(
        db
          .prepare(
            "INSERT INTO note_links (event_id, session_id, position, url, kind, label, watchable) VALUES (?, ?, ?, ?, ?, ?, ?)",
          )
          .bind(event.id, s.id, linkPosition, n.url, n.kind, n.label ?? null, n.watchable ? 1 : 0),
      );
    }
  }
  return statements;
}

export function markNotesPublished(db: D1Database, eventId: string, sessionId: string): D1PreparedStatement {
  return db
    .prepare("UPDATE sessions SET notes_published = 1 WHERE event_id = ? AND id = ? AND notes_published = 0")
    .bind(eventId, sessionId);
}
