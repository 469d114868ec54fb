// Merging a new version of an event's schedule into the catalogue, and the changes people hear about.
// - The first import of an event (no sessions yet) is its baseline: one "event.imported" change, not one per
//   session.
// - Afterwards a session is matched by the source's own id where both sides have one, else by its id (slug), so a
//   retitled session keeps its id, page, feed and subscribers. New sessions get an id no other session holds.
// - Each matched session gives at most one change of each type: session.retitled, session.rescheduled (start,
//   end or room), link.added / link.removed for notes links. A session that came from the source (it has a source
//   id) and is gone from the new version is kept and marked withdrawn (session.withdrawn); one that comes back
//   is "session.added" again. Descriptions, speakers, tracks and related links follow the source silently.
// - Notes links the source gave are marked `fromSource`; only those are removed when the source drops them, so a
//   link added by an admin or a notes webhook survives every re-import.
import { type CatalogueChange, EditError, type EditResult } from "./edits.ts";
import { type Event, type NoteLink, type Session, buildSlug } from "./event.ts";
import { MAX_SESSIONS, MAX_SLUG_CHARS } from "./limits.ts";

/** `base`, or `base-2`, `base-3` … : the first that `taken` does not hold (within the slug limit). */
export function buildFreeId(base: string, taken: Set<string>): string {
  const root = base || "session";
  if (!taken.has(root)) return root;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const id = `${root.slice(0, MAX_SLUG_CHARS - suffix.length).replace(/-+$/, "")}${suffix}`;
    if (!taken.has(id)) return id;
  }
}

const markFromSource = (notes: NoteLink[]): NoteLink[] => notes.map((n) => ({ ...n, fromSource: true }));

const describeTime = (s: Session) =>
  [s.start ? s.start.slice(0, 16).replace("T", " ") : null, s.room ?? null].filter(Boolean).join(", ") || "unscheduled";

export function mergeImportedEvent(current: Event | null, imported: Event): EditResult {
  const base = { ...(current ?? imported), title: imported.title, timeZone: imported.timeZone ?? current?.timeZone };
  if (!base.timeZone) delete base.timeZone;
  if (!current || current.sessions.length === 0) {
    const sessions = imported.sessions.map((s) => ({ ...s, notes: markFromSource(s.notes) }));
    return {
      event: { ...base, sessions },
      changes: [
        {
          type: "event.imported",
          session: null,
          url: null,
          summary: `Schedule imported: ${sessions.length} session${sessions.length === 1 ? "" : "s"}`,
        },
      ],
    };
  }

  const bySource = new Map(current.sessions.filter((s) => s.sourceId).map((s) => [s.sourceId!, s]));
  const byId = new Map(current.sessions.map((s) => [s.id, s]));
  const matched = new Set<string>();
  const taken = new Set(current.sessions.map((s) => s.id));
  const changes: CatalogueChange[] = [];
  const next = new Map<string, Session>();
  const added: Session[] = [];

  for (const incoming of imported.sessions) {
    const found =
      (incoming.sourceId ? bySource.get(incoming.sourceId) : undefined) ??
      (() => {
        const s = byId.get(incoming.id);
        // A session with another source id is another session that happens to share the slug.
        return s && !(s.sourceId && incoming.sourceId && s.sourceId !== incoming.sourceId) ? s : undefined;
      })();
    if (!found || matched.has(found.id)) {
      const id = buildFreeId(incoming.id || buildSlug(incoming.title), taken);
      taken.add(id);
      const session: Session = { ...incoming, id, notes: markFromSource(incoming.notes) };
      added.push(session);
      changes.push({ type: "session.added", session, url: null, summary: "Session added" });
      continue;
    }
    matched.add(found.id);
    const session = mergeSession(found, incoming);
    next.set(found.id, session);
    changes.push(...describeSessionChanges(found, session));
  }

  const sessions: Session[] = current.sessions.map((s) => {
    const merged = next.get(s.id);
    if (merged) return merged;
    if (!s.sourceId || s.withdrawn) return s;
    const withdrawn = { ...s, withdrawn: true };
    changes.push({ type: "session.withdrawn", session: withdrawn, url: null, summary: "Withdrawn from the schedule" });
    return withdrawn;
  });
  if (sessions.length + added.length > MAX_SESSIONS) {
    throw new EditError(
      `event ${current.id} would have ${sessions.length + added.length} sessions, over ${MAX_SESSIONS}`,
    );
  }
  return { event: { ...base, sessions: [...sessions, ...added] }, changes };
}

/** The stored session brought to what the source now says; notes links others added are kept. */
function mergeSession(stored: Session, incoming: Session): Session {
  const sourceUrls = new Set(incoming.notes.map((n) => n.url));
  const kept = stored.notes.filter((n) => !n.fromSource && !sourceUrls.has(n.url));
  const notes = [...incoming.notes.map((n) => ({ ...n, fromSource: true })), ...kept];
  const session: Session = {
    ...incoming,
    id: stored.id,
    notes,
    notesPublished: stored.notesPublished || incoming.notesPublished || notes.length > 0,
  };
  delete session.withdrawn;
  return session;
}

function describeSessionChanges(before: Session, after: Session): CatalogueChange[] {
  const changes: CatalogueChange[] = [];
  if (before.withdrawn)
    changes.push({ type: "session.added", session: after, url: null, summary: "Back on the schedule" });
  if (before.title !== after.title)
    changes.push({ type: "session.retitled", session: after, url: null, summary: `Retitled from "${before.title}"` });
  if (before.start !== after.start || before.end !== after.end || before.room !== after.room) {
    const summary = `Rescheduled: ${describeTime(before)} → ${describeTime(after)}`;
    changes.push({ type: "session.rescheduled", session: after, url: null, summary });
  }
  for (const n of after.notes) {
    if (!before.notes.some((b) => b.url === n.url))
      changes.push({ type: "link.added", session: after, url: n.url, summary: `Notes link added (${n.kind})` });
  }
  for (const b of before.notes) {
    if (!after.notes.some((n) => n.url === b.url))
      changes.push({ type: "link.removed", session: after, url: b.url, summary: "Notes link removed" });
  }
  return changes;
}
