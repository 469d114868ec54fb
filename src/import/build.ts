// What every schedule reader ends with. Session ids for a schedule's sessions: a readable slug of the title; when the title gives none (no Latin
// letters or digits) or another session already has it, a slug of the source's own id (frab guid or id,
// iCalendar UID), which stays the same when the schedule is reordered; only then a numbered suffix.
import { Event, type Session, buildSlug } from "../domain/event.ts";
import { ImportError } from "./errors.ts";
import { MAX_SESSIONS, MAX_SLUG_CHARS } from "../domain/limits.ts";

/** One id per session, in the order given (put the sessions in schedule order first: the first keeps the plain slug). */
export function buildSessionIds(sessions: { title: string; sourceId?: string | undefined }[]): string[] {
  const used = new Set<string>();
  return sessions.map(({ title, sourceId }) => {
    const candidates = [buildSlug(title), sourceId ? buildSlug(sourceId) : ""].filter(Boolean);
    if (candidates.length === 0) candidates.push("session");
    let id = candidates.find((slug) => !used.has(slug));
    for (let n = 2; !id || used.has(id); n++) {
      const suffix = `-${n}`;
      id = `${candidates[0]!.slice(0, MAX_SLUG_CHARS - suffix.length).replace(/-+$/, "")}${suffix}`;
    }
    used.add(id);
    return id;
  });
}

/**
 * The event a reader read, checked against the catalogue's schema. A session that breaks it is refused naming
 * where the document gave it (`whereOf(index)`: its line or path), and so is the first session past
 * MAX_SESSIONS; anything else is the caller's id or title.
 */
export function buildImportedEvent(
  opts: { eventId: string; title: string },
  timeZone: string | undefined,
  sessions: Session[],
  whereOf: (index: number) => number | string | undefined,
): Event {
  if (sessions.length > MAX_SESSIONS)
    throw new ImportError(whereOf(MAX_SESSIONS) ?? 1, `more than ${MAX_SESSIONS} sessions`);
  const parsed = Event.safeParse({ id: opts.eventId, title: opts.title, ...(timeZone ? { timeZone } : {}), sessions });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const index = issue?.path[0] === "sessions" ? issue.path[1] : undefined;
  const where = typeof index === "number" ? whereOf(index) : undefined;
  if (issue && where !== undefined) throw new ImportError(where, `${issue.path.slice(2).join(".")}: ${issue.message}`);
  throw parsed.error;
}

/**
 * Schedule order: by start, then rooms in the order the document first names them, then document order;
 * sessions without a start last.
 */
export function sortBySchedule<T extends { order: number; room?: string | undefined }>(
  drafts: T[],
  startOf: (draft: T) => number | undefined,
): T[] {
  const rooms = new Map<string, number>();
  for (const d of drafts) if (d.room !== undefined && !rooms.has(d.room)) rooms.set(d.room, rooms.size);
  const room = (d: T) => (d.room === undefined ? rooms.size : rooms.get(d.room)!);
  const start = (d: T) => startOf(d) ?? Infinity;
  return drafts.toSorted((a, b) => start(a) - start(b) || room(a) - room(b) || a.order - b.order);
}
