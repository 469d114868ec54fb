// Calendars from the catalogue and the change log (src/calendar/): what SEQUENCE and LAST-MODIFIED count, what
// the description says, and the iCalendar text as a real parser (ical.js) reads it back: escaped, folded at 75
// octets, CRLF throughout, and bounded for an event of MAX_SESSIONS sessions at every limit.
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { type Calendar, buildEventCalendars } from "../../src/calendar/build.ts";
import { renderCalendar, renderCalendarText } from "../../src/calendar/render.ts";
import type { Change, ChangeType } from "../../src/domain/changes.ts";
import { type Event, type Session, buildNoteLink } from "../../src/domain/event.ts";
import {
  MAX_CALENDAR_DESCRIPTION_CHARS,
  MAX_DESCRIPTION_CHARS,
  MAX_EVENT_TITLE_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_PLACE_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
  MAX_SITE_URL_CHARS,
  MAX_SLUG_CHARS,
  MAX_STORED_VALUE_BYTES,
} from "../../src/domain/limits.ts";
import { measureUtf8 } from "../../src/domain/text.ts";

const BASE = "https://sessions.example.org";
const SINCE = "2026-01-01T00:00:00.000Z";

const session = (overrides: Partial<Session> = {}): Session => ({
  id: "rust-in-xen",
  title: "Rust in Xen",
  description: "Why; and how, with \\ and\r\nanother line",
  hosts: ["Ann", "Bob"],
  notesPublished: true,
  notes: [buildNoteLink("https://hackmd.io/rust?a=1,2", "draft"), buildNoteLink("https://pad.example.org/p/x")],
  start: "2026-02-01T09:00:00Z",
  end: "2026-02-01T09:30:00Z",
  room: "H.1302 (Depage)",
  track: "Xen, hypervisors",
  ...overrides,
});

const event = (sessions: Session[], overrides: Partial<Event> = {}): Event => ({
  id: "conf-2026",
  title: "Conf, 2026; the one",
  timeZone: "Europe/Brussels",
  sessions,
  ...overrides,
});

let seq = 0;
const change = (type: ChangeType, at: string, sessionId: string | null = "rust-in-xen"): Change => ({
  id: `chg_${++seq}`,
  event: "conf-2026",
  seq,
  session: sessionId,
  sessionTitle: sessionId,
  type,
  url: null,
  summary: "",
  excerpt: "",
  linesAdded: 0,
  linesRemoved: 0,
  at,
});

const parse = (text: string) => new ICAL.Component(ICAL.parse(text));
const vevents = (calendar: Calendar) => parse(renderCalendarText(calendar)).getAllSubcomponents("vevent");

describe("SEQUENCE and LAST-MODIFIED", () => {
  it("count reschedules, withdrawals and returns, and date the newest change that alters the entry", () => {
    const changes = [
      change("session.rescheduled", "2026-01-02T10:00:00.000Z"),
      change("notes.published", "2026-01-03T10:00:00.000Z"),
      change("session.withdrawn", "2026-01-04T10:00:00.000Z"),
      change("session.added", "2026-01-05T10:00:00.000Z"), // back on the schedule
      change("session.rescheduled", "2026-01-06T10:00:00.000Z"),
      change("link.added", "2026-01-07T10:00:00.000Z"),
      change("notes.updated", "2026-01-08T10:00:00.000Z"),
      change("session.rescheduled", "2026-01-09T10:00:00.000Z", "other"),
      change("event.imported", "2026-01-10T10:00:00.000Z", null),
    ];
    const [eventCalendar, sessionCalendar] = buildEventCalendars(BASE, event([session()]), changes, SINCE);
    const entry = sessionCalendar!.entries[0]!;
    expect(entry.sequence).toBe(4);
    expect(entry.modified).toBe("2026-01-07T10:00:00.000Z");
    expect(eventCalendar!.entries).toEqual([entry]);
    expect(eventCalendar!.updated).toBe("2026-01-07T10:00:00.000Z");
  });

  it("start at 0 and at `since` for a session no change altered; a first session.added is no revision", () => {
    const added = buildEventCalendars(
      BASE,
      event([session()]),
      [change("session.added", "2026-01-02T00:00:00Z")],
      SINCE,
    );
    expect(added[1]!.entries[0]).toMatchObject({ sequence: 0, modified: "2026-01-02T00:00:00Z" });
    const untouched = buildEventCalendars(
      BASE,
      event([session()]),
      [change("notes.updated", "2026-01-02T00:00:00Z")],
      SINCE,
    );
    expect(untouched[1]!.entries[0]).toMatchObject({ sequence: 0, modified: SINCE });
    expect(untouched[0]!.updated).toBe(SINCE);
  });
});

describe("entries", () => {
  it("leave out sessions without a time; each unscheduled session's own calendar is empty", () => {
    const calendars = buildEventCalendars(
      BASE,
      event([session(), session({ id: "later", start: undefined, end: undefined })]),
      [],
      SINCE,
    );
    expect(calendars.map((c) => [c.path, c.entries.map((e) => e.uid)])).toEqual([
      ["/events/conf-2026/calendar.ics", ["rust-in-xen@conf-2026.sessionwire"]],
      ["/events/conf-2026/sessions/rust-in-xen/calendar.ics", ["rust-in-xen@conf-2026.sessionwire"]],
      ["/events/conf-2026/sessions/later/calendar.ics", []],
    ]);
  });

  it("are the same wherever the site lives but for the page URL", () => {
    const [a] = buildEventCalendars(BASE, event([session()]), [], SINCE);
    const [b] = buildEventCalendars("http://127.0.0.1:8787/", event([session()]), [], SINCE);
    expect(b!.entries[0]).toEqual({
      ...a!.entries[0],
      url: "http://127.0.0.1:8787/events/conf-2026/sessions/rust-in-xen",
    });
  });

  it("say everything a calendar app shows, escaped and read back as it was", () => {
    const calendars = buildEventCalendars(
      BASE,
      event([session(), session({ id: "gone", withdrawn: true, end: undefined })]),
      [],
      SINCE,
    );
    const text = renderCalendarText(calendars[0]!);
    const calendar = parse(text);
    expect(calendar.getFirstPropertyValue("prodid")).toBe("-//sessionwire//sessionwire calendars//EN");
    expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
    // ical.js reads X- and RFC 7986 properties as unknown (raw) text: what it gets is the escaped value.
    expect(text).toContain("\r\nX-WR-CALNAME:Conf\\, 2026\\; the one\r\n");
    expect(text).toContain("\r\nNAME:Conf\\, 2026\\; the one\r\n");
    expect(text).toContain("\r\nX-WR-TIMEZONE:Europe/Brussels\r\n");
    expect(text).toContain("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n");
    const [rust, gone] = calendar.getAllSubcomponents("vevent");
    const value = (name: string) => rust!.getFirstPropertyValue(name);
    expect(value("uid")).toBe("rust-in-xen@conf-2026.sessionwire");
    expect(String(value("dtstart"))).toBe("2026-02-01T09:00:00Z");
    expect(String(value("dtend"))).toBe("2026-02-01T09:30:00Z");
    expect(String(value("dtstamp"))).toBe("2026-01-01T00:00:00Z");
    expect(String(value("last-modified"))).toBe("2026-01-01T00:00:00Z");
    expect(value("summary")).toBe("Rust in Xen");
    expect(value("location")).toBe("H.1302 (Depage)");
    expect(value("categories")).toBe("Xen, hypervisors");
    expect(value("url")).toBe(`${BASE}/events/conf-2026/sessions/rust-in-xen`);
    expect(value("status")).toBe("CONFIRMED");
    expect(value("sequence")).toBe(0);
    expect(value("description")).toBe(
      "Notes: https://hackmd.io/rust?a=1,2 (draft)\nNotes: https://pad.example.org/p/x\nHosted by Ann, Bob\n\n" +
        "Why; and how, with \\ and\nanother line",
    );
    expect(gone!.getFirstPropertyValue("status")).toBe("CANCELLED");
    expect(gone!.hasProperty("dtend")).toBe(false);
    // Content lines end with CRLF, the last one too, and are folded at 75 octets.
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    for (const line of text.split("\r\n")) expect(measureUtf8(line)).toBeLessThanOrEqual(75);
  });

  it("cut the description to its limit, notes links first", () => {
    const long = session({ description: "é".repeat(MAX_DESCRIPTION_CHARS) });
    const description = vevents(buildEventCalendars(BASE, event([long]), [], SINCE)[0]!)[0]!.getFirstPropertyValue(
      "description",
    ) as string;
    expect(description).toHaveLength(MAX_CALENDAR_DESCRIPTION_CHARS);
    expect(description.startsWith("Notes: https://hackmd.io/rust?a=1,2 (draft)\n")).toBe(true);
    expect(description.endsWith("é…")).toBe(true);
  });

  it("write each session's VEVENT the same in the event's calendar and in its own", () => {
    const calendars = buildEventCalendars(BASE, event([session(), session({ id: "other" })]), [], SINCE);
    const eventText = renderCalendarText(calendars[0]!);
    for (const own of calendars.slice(1)) {
      const vevent = /BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/.exec(renderCalendarText(own))![0];
      expect(eventText).toContain(vevent);
    }
  });
});

describe("size", () => {
  it("keeps the calendar of MAX_SESSIONS sessions at every limit under what KV stores", async () => {
    const wide = (n: number) => "€".repeat(n); // 3 bytes of UTF-8 each, escaped by nothing
    const sessions = Array.from({ length: MAX_SESSIONS }, (_, i) =>
      session({
        id: `${i}-`.padEnd(MAX_SLUG_CHARS, "s"),
        title: wide(MAX_SESSION_TITLE_CHARS),
        description: wide(MAX_DESCRIPTION_CHARS),
        hosts: Array.from({ length: MAX_HOSTS }, () => wide(MAX_HOST_CHARS)),
        room: wide(MAX_PLACE_CHARS),
        track: wide(MAX_PLACE_CHARS),
      }),
    );
    const host = "h".repeat(MAX_SITE_URL_CHARS - "https://".length);
    const big = event(sessions, { id: "e".repeat(MAX_SLUG_CHARS), title: wide(MAX_EVENT_TITLE_CHARS) });
    const [calendar] = buildEventCalendars(`https://${host}`, big, [], SINCE);
    const { body } = await renderCalendar(calendar!);
    const bytes = measureUtf8(body);
    // About 19 MB, 9.5 KB a session: a 1,000-session conference at every limit stays under 10 MB (the bench's
    // conference of real schedules, 1,017 sessions, comes to 1.2 MB).
    expect(bytes).toBeLessThan(MAX_STORED_VALUE_BYTES);
    expect(bytes / MAX_SESSIONS).toBeLessThan(10_000);
  });
});
