// Catalogue edits as pure functions: the event after the edit, and the changes subscribers should hear about.
// Admin actions, imports and notes webhooks that introduce a new link all come through here.
import { type Event, type NoteLink, type Session, buildNoteLink } from "./event.ts";
import type { ChangeType } from "./changes.ts";
import { MAX_SESSIONS } from "./limits.ts";

export type CatalogueChange = {
  type: ChangeType;
  /** Null for a change about the whole event. */
  session: Session | null;
  url: string | null;
  summary: string;
};

export type EditResult = { event: Event; changes: CatalogueChange[] };

export class EditError extends Error {}

function replaceSession(event: Event, session: Session): Event {
  const exists = event.sessions.some((s) => s.id === session.id);
  return {
    ...event,
    sessions: exists ? event.sessions.map((s) => (s.id === session.id ? session : s)) : [...event.sessions, session],
  };
}

function requireSession(event: Event, sessionId: string): Session {
  const session = event.sessions.find((s) => s.id === sessionId);
  if (!session) throw new EditError(`event ${event.id} has no session ${sessionId}`);
  return session;
}

/** Adds a notes link (notes are then published); nothing changes when the session already has it. */
export function addNoteLink(event: Event, sessionId: string, url: string, label?: string): EditResult {
  const session = requireSession(event, sessionId);
  if (session.notes.some((n) => n.url === url)) return { event, changes: [] };
  const link = buildNoteLink(url, label);
  const next: Session = { ...session, notesPublished: true, notes: [...session.notes, link] };
  return {
    event: replaceSession(event, next),
    changes: [{ type: "link.added", session: next, url, summary: `Notes link added (${link.kind})` }],
  };
}

export function removeNoteLink(
  event: Event,
  sessionId: string,
  url: string,
  type: ChangeType = "link.removed",
): EditResult {
  const session = requireSession(event, sessionId);
  if (!session.notes.some((n) => n.url === url)) return { event, changes: [] };
  const next: Session = { ...session, notes: session.notes.filter((n) => n.url !== url) };
  const summary = type === "notes.removed" ? "Notes removed" : "Notes link removed";
  return { event: replaceSession(event, next), changes: [{ type, session: next, url, summary }] };
}

const EDITABLE: (keyof Session)[] = ["title", "description", "hosts", "notesPublished"];

/** A session put: the id and title, and whichever other fields the edit gives. */
export type SessionPut = Pick<Session, "id" | "title"> & Partial<Omit<Session, "id" | "title">>;

/**
 * Adds or replaces a session. Fields the put omits keep their current value, read here, when the edit is
 * applied (so an edit queued behind another does not undo it); a new session gets empty defaults. Notes
 * become published, as when a link is added, if the put adds a link and says nothing about it. Links, when
 * given, are compared link by link.
 */
export function putSession(event: Event, input: SessionPut): EditResult {
  const current = event.sessions.find((s) => s.id === input.id);
  if (!current && event.sessions.length >= MAX_SESSIONS) {
    throw new EditError(`event ${event.id} already has ${MAX_SESSIONS} sessions, the most it may have`);
  }
  const notes = input.notes ?? current?.notes ?? [];
  const addsLink = notes.some((n) => !current?.notes.some((c) => c.url === n.url));
  const next: Session = {
    // What a put does not edit (the schedule's time, room, source id, withdrawal) stays as it is.
    ...current,
    id: input.id,
    title: input.title,
    description: input.description ?? current?.description ?? "",
    hosts: input.hosts ?? current?.hosts ?? [],
    notesPublished: input.notesPublished ?? ((current?.notesPublished ?? false) || addsLink),
    notes,
  };
  if (!current) {
    return {
      event: replaceSession(event, next),
      changes: [{ type: "session.added", session: next, url: null, summary: "Session added" }],
    };
  }
  const edited = EDITABLE.filter((k) => JSON.stringify(current[k]) !== JSON.stringify(next[k]));
  const changes: CatalogueChange[] = [];
  if (edited.length)
    changes.push({ type: "session.edited", session: next, url: null, summary: `Edited: ${edited.join(", ")}` });
  for (const n of next.notes) {
    if (!current.notes.some((c) => c.url === n.url)) {
      changes.push({ type: "link.added", session: next, url: n.url, summary: `Notes link added (${n.kind})` });
    }
  }
  for (const c of current.notes) {
    if (!next.notes.some((n) => n.url === c.url)) {
      changes.push({ type: "link.removed", session: next, url: c.url, summary: "Notes link removed" });
    }
  }
  return { event: changes.length ? replaceSession(event, next) : event, changes };
}
