// Builds the calendar model of an event and of each of its sessions from the catalogue and the change log. Pure:
// the same D1 state gives the same calendars (and ETags), so an unchanged calendar is never rewritten.
//
// What calendar apps compare (RFC 5545 §3.8.7): SEQUENCE counts the session's changes that moved it or changed
// its status (session.rescheduled; session.withdrawn; a session.added after a withdrawal, "back on the schedule"),
// and LAST-MODIFIED (and DTSTAMP, which means the same without a METHOD, §3.8.7.2) is the time of the session's
// newest change that alters what its VEVENT says. Both come from the change log, which keeps every change, so they
// are exact and only grow. Notes text changes (notes.published, notes.updated) alter no VEVENT and count for none.
import type { Change, ChangeType } from "../domain/changes.ts";
import type { Event, Session } from "../domain/event.ts";
import { MAX_CALENDAR_DESCRIPTION_CHARS, MAX_SCOPE_TITLE_CHARS } from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildPublicUrl, calendarPaths, pagePaths } from "../paths.ts";

export type CalendarEntry = {
  /** `<session id>@<event id>.sessionwire`: the same wherever the site lives. */
  uid: string;
  sequence: number;
  /** ISO 8601: LAST-MODIFIED and DTSTAMP. */
  modified: string;
  /** UTC instants; a session without an end is an instant (RFC 5545 §3.6.1). */
  start: string;
  end: string | null;
  summary: string;
  location: string | null;
  /** The session's page. */
  url: string;
  /** Plain text: the notes links, the hosts and the session's description. */
  description: string;
  categories: string[];
  cancelled: boolean;
};

export type Calendar = {
  /** The public path it is served at. */
  path: string;
  name: string;
  /** The event's time zone, for apps that show the calendar in it (X-WR-TIMEZONE). */
  timeZone: string | null;
  /** ISO 8601: the newest change of the scope that a VEVENT shows, or `since` (Last-Modified falls back to it). */
  updated: string;
  /** Scheduled sessions only, in the event's order. */
  entries: CalendarEntry[];
};

/** Changes that alter what a session's VEVENT says (title, time, room, status, notes links, description). */
const MODIFYING: ReadonlySet<ChangeType> = new Set([
  "session.added",
  "session.edited",
  "session.retitled",
  "session.rescheduled",
  "session.withdrawn",
  "link.added",
  "link.removed",
  "notes.removed",
]);

type History = { sequence: number; modified: string | null };

/** Each session's SEQUENCE and newest modifying change, from the event's changes (oldest first). */
function buildHistories(changes: Change[]): Map<string, History> {
  const histories = new Map<string, History & { withdrawn: boolean }>();
  for (const c of changes) {
    if (c.session === null || !MODIFYING.has(c.type)) continue;
    const h = histories.get(c.session) ?? { sequence: 0, modified: null, withdrawn: false };
    if (c.type === "session.rescheduled") h.sequence++;
    if (c.type === "session.withdrawn") [h.sequence, h.withdrawn] = [h.sequence + 1, true];
    if (c.type === "session.added" && h.withdrawn) [h.sequence, h.withdrawn] = [h.sequence + 1, false];
    if (h.modified === null || c.at > h.modified) h.modified = c.at;
    histories.set(c.session, h);
  }
  return histories;
}

/** A label that says more than that the link is notes ("Notes" is what schedules call most notes links). */
const hasOwnLabel = (label: string | undefined): label is string => !!label && !/^notes?$/i.test(label.trim());

/** What the description says, cut to its limit: the whole text stays on the session's page (the URL). */
function buildDescription(s: Session): string {
  const head = s.notes.map((n) => `Notes: ${n.url}${hasOwnLabel(n.label) ? ` (${n.label})` : ""}`);
  if (s.hosts.length) head.push(`Hosted by ${s.hosts.join(", ")}`);
  // TEXT escapes LF only: a CR would end the content line.
  const parts = [head.join("\n"), s.description.replace(/\r\n?/g, "\n").trim()].filter(Boolean);
  return fitText(parts.join("\n\n"), MAX_CALENDAR_DESCRIPTION_CHARS);
}

function buildEntry(baseUrl: string, eventId: string, s: Session & { start: string }, h: History, since: string) {
  const entry: CalendarEntry = {
    uid: `${s.id}@${eventId}.sessionwire`,
    sequence: h.sequence,
    modified: h.modified ?? since,
    start: s.start,
    end: s.end ?? null,
    summary: s.title,
    location: s.room ?? null,
    url: buildPublicUrl(baseUrl, pagePaths.session(eventId, s.id)),
    description: buildDescription(s),
    categories: s.track ? [s.track] : [],
    cancelled: s.withdrawn === true,
  };
  return entry;
}

const newest = (times: (string | null | undefined)[], since: string) =>
  times.reduce<string>((max, t) => (t && t > max ? t : max), since);

/**
 * The event's calendar and one per session (an unscheduled session's is empty until it gets a time). `changes`
 * oldest first; `since` (when the event entered the catalogue) dates what no change does.
 */
export function buildEventCalendars(baseUrl: string, event: Event, changes: Change[], since: string): Calendar[] {
  const histories = buildHistories(changes);
  const timeZone = event.timeZone ?? null;
  const entries = new Map<string, CalendarEntry>();
  for (const s of event.sessions) {
    if (!s.start) continue;
    const h = histories.get(s.id) ?? { sequence: 0, modified: null };
    entries.set(s.id, buildEntry(baseUrl, event.id, { ...s, start: s.start }, h, since));
  }
  const eventCalendar: Calendar = {
    path: calendarPaths.event(event.id),
    name: event.title,
    timeZone,
    updated: newest(
      event.sessions.map((s) => histories.get(s.id)?.modified),
      since,
    ),
    entries: [...entries.values()],
  };
  return [
    eventCalendar,
    ...event.sessions.map((s): Calendar => {
      const entry = entries.get(s.id);
      return {
        path: calendarPaths.session(event.id, s.id),
        name: fitLine(`${s.title} · ${event.title}`, MAX_SCOPE_TITLE_CHARS),
        timeZone,
        updated: newest([histories.get(s.id)?.modified], since),
        entries: entry ? [entry] : [],
      };
    }),
  ];
}
