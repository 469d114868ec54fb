// Finding a session in an event: filters by notes status, day, room and track, and a text search over titles,
// descriptions and hosts. A query comes from a URL anyone can write, so it is read against the event: a value
// the event does not have is dropped, a repeated parameter counts once, the search text is cleaned and cut. What
// is left is small and canonical, so it can also key a rendered view (routes/pages.tsx, http/render-once.ts).
import type { Session } from "./event.ts";
import { MAX_SEARCH_CHARS } from "./limits.ts";
import { cleanLine } from "./text.ts";

/** `published`: the source says notes are out (with or without a link); `missing`: no notes yet. */
export const NOTES_FILTERS = ["published", "missing"] as const;
export type NotesFilter = (typeof NOTES_FILTERS)[number];

export type SessionQuery = { q?: string; notes?: NotesFilter; day?: string; room?: string; track?: string };

/** What an event's sessions can be filtered by: days (YYYY-MM-DD in its time zone), rooms and tracks, sorted. */
export type FilterOptions = { days: string[]; rooms: string[]; tracks: string[] };

/** A session's day in `timeZone`, as YYYY-MM-DD (en-CA writes dates that way). */
export function buildDayOf(timeZone: string): (start: string) => string {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  return (start) => format.format(new Date(start));
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b, "en"));

export function listFilterOptions(sessions: Session[], dayOf: (start: string) => string): FilterOptions {
  return {
    days: [...new Set(sessions.flatMap((s) => (s.start ? [dayOf(s.start)] : [])))].sort(),
    rooms: sorted(sessions.flatMap((s) => (s.room ? [s.room] : []))),
    tracks: sorted(sessions.flatMap((s) => (s.track ? [s.track] : []))),
  };
}

/** The search text as a person typed it, made one clean line of at most MAX_SEARCH_CHARS. */
function readSearch(raw: string): string | undefined {
  // Cleaning only removes and folds characters: a window of twice the limit decides the result, whatever its size.
  const line = cleanLine(raw.slice(0, 2 * MAX_SEARCH_CHARS));
  const cut = line.length > MAX_SEARCH_CHARS ? line.slice(0, MAX_SEARCH_CHARS).replace(/[\uD800-\uDBFF]$/, "") : line;
  return cut.trim() || undefined;
}

const pick = <T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined =>
  value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;

/** A query from URL parameters (the first of repeated ones): values the event has, nothing else. */
export function readSessionQuery(params: URLSearchParams, options: FilterOptions): SessionQuery {
  const query: SessionQuery = {
    q: readSearch(params.get("q") ?? ""),
    notes: pick(params.get("notes") ?? undefined, NOTES_FILTERS),
    day: pick(params.get("day") ?? undefined, options.days),
    room: pick(params.get("room") ?? undefined, options.rooms),
    track: pick(params.get("track") ?? undefined, options.tracks),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as SessionQuery;
}

/** The query in canonical form (fixed order, encoded): "" when it filters nothing. */
export function buildQueryString(query: SessionQuery): string {
  const params = new URLSearchParams();
  for (const key of ["q", "notes", "day", "room", "track"] as const) {
    const value = query[key];
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

/** Case and accents do not matter in a search: "Zürich" is found by "zurich". */
export const foldText = (text: string) => text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

// The folded text of a session, computed once per session object: the parsed event a page is built from is kept
// while it is current (store/read-cache.ts), so a search over 1,000 sessions does not fold them all again.
const searchTexts = new WeakMap<Session, string>();
function getSearchText(s: Session): string {
  let text = searchTexts.get(s);
  if (text === undefined) {
    text = foldText([s.title, s.description, ...s.hosts].join("\n"));
    searchTexts.set(s, text);
  }
  return text;
}

/** The sessions that match every part of the query; each word of the search must appear (in any order). */
export function filterSessions(sessions: Session[], query: SessionQuery, dayOf: (start: string) => string): Session[] {
  const words = query.q ? [...new Set(foldText(query.q).split(/\s+/).filter(Boolean))] : [];
  return sessions.filter(
    (s) =>
      (query.notes === undefined || s.notesPublished === (query.notes === "published")) &&
      (query.day === undefined || (s.start !== undefined && dayOf(s.start) === query.day)) &&
      (query.room === undefined || s.room === query.room) &&
      (query.track === undefined || s.track === query.track) &&
      (words.length === 0 || words.every((w) => getSearchText(s).includes(w))),
  );
}
