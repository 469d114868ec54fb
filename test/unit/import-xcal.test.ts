// xCal (iCalendar as XML): pentabarf's export (the real 27C3 one in ../shared/samples, skipped with a notice when
// absent, and a hand-written one), RFC 6321's form, the refusals, and how an XML document is told to be xCal.
import { describe, expect, it } from "vitest";
import { importFrabXml } from "../../src/import/frab-xml.ts";
import { detectFormat, importSchedule } from "../../src/import/index.ts";
import { importXcal } from "../../src/import/xcal.ts";
import { readSample } from "../helpers/samples.ts";
import ccc from "../fixtures/import/frab-xml/ccc.xml?raw";
import frabPentabarf from "../fixtures/import/frab-xml/pentabarf.xml?raw";
import pentabarf from "../fixtures/import/xcal/pentabarf.xcs.xml?raw";
import rfc6321 from "../fixtures/import/xcal/rfc6321.xml?raw";
import { catchImportError } from "../helpers/imports.ts";

const opts = { eventId: "fixture", title: "Fixture" };
const read = (text: string) => importXcal(text, opts);

const refusal = catchImportError;

/** A pentabarf-style calendar around the given vevent elements, the first on line 3. */
const calendar = (vevents: string) =>
  `<iCalendar xmlns:pentabarf="http://pentabarf.org">\n<vcalendar>\n${vevents}\n</vcalendar>\n</iCalendar>\n`;

const SAMPLE = "pentabarf-xcal/27c3.xcs.xml";
const sample = await readSample(SAMPLE);

describe(`the real pentabarf export, ${SAMPLE}`, () => {
  it.skipIf(sample === null)("95 sessions with unique ids, every one timed, in schedule order", () => {
    const event = read(sample!);
    expect(event.sessions).toHaveLength(95);
    expect(new Set(event.sessions.map((s) => s.id)).size).toBe(95);
    expect(new Set(event.sessions.map((s) => s.sourceId)).size).toBe(95);
    expect(event.sessions.filter((s) => !s.start || !s.end)).toEqual([]);
    const starts = event.sessions.map((s) => s.start!);
    expect(starts).toEqual(starts.toSorted());
    // pentabarf names no zone: the schedule's wall-clock times are kept, as UTC (as ics.ts reads floating times).
    expect(event.timeZone).toBeUndefined();
    expect(event.sessions.flatMap((s) => s.notes)).toEqual([]);
  });

  it.skipIf(sample === null)("the first session's fields", () => {
    const [first] = read(sample!).sessions;
    expect(first).toEqual({
      id: "27c3-keynote",
      title: "27C3 Keynote",
      sourceId: "4302@27C3@pentabarf.org",
      start: "2010-12-27T11:30:00Z",
      end: "2010-12-27T12:30:00Z",
      room: "Saal 1",
      track: "Lecture",
      url: "http://events.ccc.de/congress/2010/Fahrplan/events/4302.en.html",
      description: "We come in Peace",
      hosts: ["Rop Gonggrijp"],
      notesPublished: false,
      notes: [],
    });
  });

  it.skipIf(sample === null)("character references decoded, two attendees as two hosts", () => {
    const event = read(sample!);
    const pet = event.sessions.find((s) => s.sourceId === "4244@27C3@pentabarf.org")!;
    expect(pet.description).toContain("came to dominate the \uFB01eld");
    const stuxnet = event.sessions.find((s) => s.sourceId === "4245@27C3@pentabarf.org")!;
    expect(stuxnet).toMatchObject({ hosts: ["Bruce Dang", "Peter Ferrie"], end: "2010-12-28T00:00:00Z" });
  });

  it.skipIf(sample === null)("cut short, at a line's end or inside a tag: refused, naming the line it ends on", () => {
    const half = sample!.slice(0, Math.floor(sample!.length / 2));
    const atLineEnd = half.slice(0, half.lastIndexOf("\n") + 1);
    const error = refusal(() => read(atLineEnd));
    expect(error.line).toBe(atLineEnd.trimEnd().split("\n").length);
    expect(error.reason).toMatch(/<iCalendar>, <vcalendar>.* still open: it is cut short/);
    const inTag = sample!.slice(0, sample!.indexOf("<pentabarf:title>", half.length) + 8);
    expect(refusal(() => read(inTag))).toMatchObject({
      line: inTag.split("\n").length,
      reason: expect.stringMatching(/not well-formed XML/),
    });
  });
});

describe("a pentabarf export, hand-written", () => {
  const event = read(pentabarf);

  it("floating times with no zone named are the wall clock, as UTC; cancelled sessions are left out", () => {
    expect(event.timeZone).toBeUndefined();
    expect(event.sessions.map((s) => [s.start, s.end, s.room, s.title])).toEqual([
      // At the same time: rooms in the order the calendar first names them (Saal 2 first).
      ["2024-12-27T11:00:00Z", "2024-12-27T12:00:00Z", "Saal 2", "Café Ünïcode"],
      ["2024-12-27T11:00:00Z", "2024-12-27T11:30:00Z", "Saal 1", "Opening"],
      ["2024-12-28T00:30:00Z", "2024-12-28T01:15:00Z", "Saal 2", "Late Night Hacks"],
    ]);
  });

  it("pentabarf's title, its subtitle first in the description; a duration without dtend", () => {
    expect(event.sessions[1]).toEqual({
      id: "opening",
      title: "Opening",
      sourceId: "101@fx@pentabarf.org",
      start: "2024-12-27T11:00:00Z",
      end: "2024-12-27T11:30:00Z",
      room: "Saal 1",
      track: "Lecture",
      url: "https://events.example.org/fx/101.html",
      description: "Welcome & more\n\nGlad you could make it.\n\nSee https://launchpad.net/fx for the code.",
      hosts: ["Ada", "Grace Hopper"],
      notesPublished: false,
      notes: [],
    });
    const late = event.sessions[2]!;
    expect(late).toMatchObject({ end: "2024-12-28T01:15:00Z", track: "Workshop", hosts: ["Ada"] });
    // A pad in the description is notes, its glued &gt; trimmed; the session's page stays its url.
    expect(late.notes.map((n) => n.url)).toEqual(["https://pad.example.org/p/late-night"]);
    expect(late.notesPublished).toBe(true);
    expect(late.url).toBe("https://events.example.org/fx/102.html");
  });

  it("a summary is the title when pentabarf gives none; a non-ASCII title keeps a readable id", () => {
    expect(event.sessions[0]).toMatchObject({ id: "cafe-unicode", title: "Café Ünïcode", description: "" });
  });

  it("floating times in the zone X-WR-TIMEZONE names, which becomes the event's", () => {
    const zoned = read(pentabarf.replace("<version>", "<x-wr-timezone>Europe/Berlin</x-wr-timezone><version>"));
    expect(zoned.timeZone).toBe("Europe/Berlin");
    expect(zoned.sessions.map((s) => [s.title, s.start, s.end])).toEqual([
      ["Café Ünïcode", "2024-12-27T10:00:00Z", "2024-12-27T11:00:00Z"],
      ["Opening", "2024-12-27T10:00:00Z", "2024-12-27T10:30:00Z"],
      ["Late Night Hacks", "2024-12-27T23:30:00Z", "2024-12-28T00:15:00Z"],
    ]);
  });

  it("a TZID attribute on a time, as the xCal drafts write parameters", () => {
    const vevent = `<vevent><uid>1</uid><summary>A</summary><dtstart tzid="America/New_York">20240704T090000</dtstart><duration>01H00M00S</duration></vevent>`;
    const event = read(calendar(vevent));
    expect(event.timeZone).toBe("America/New_York");
    expect(event.sessions[0]).toMatchObject({ start: "2024-07-04T13:00:00Z", end: "2024-07-04T14:00:00Z" });
  });
});

describe("RFC 6321 xCal", () => {
  const event = read(rfc6321);

  it("typed values and parameters: TZID, UTC, an all-day date, a duration without dtend", () => {
    // The one VTIMEZONE, an IANA name, is the event's zone.
    expect(event.timeZone).toBe("Europe/Brussels");
    expect(event.sessions.map((s) => [s.title, s.start, s.end])).toEqual([
      ["Early Bird", "2026-02-01T07:00:00Z", "2026-02-01T07:20:00Z"],
      ["Keynote", "2026-02-01T08:30:00Z", "2026-02-01T10:00:00Z"],
      ["Hack Day", "2026-02-01T23:00:00Z", "2026-02-02T23:00:00Z"],
    ]);
  });

  it("maps a vevent's properties: CN as host, the first category as track, url, notes pad", () => {
    expect(event.sessions[1]).toEqual({
      id: "keynote",
      title: "Keynote",
      sourceId: "talk-1@example.org",
      start: "2026-02-01T08:30:00Z",
      end: "2026-02-01T10:00:00Z",
      room: "Janson",
      track: "Main track",
      url: "https://fosdem.example.org/keynote/",
      description: "The opening keynote.\nLive notes: https://hedgedoc.example.org/keynote",
      hosts: ["Linus"],
      notesPublished: true,
      notes: [expect.objectContaining({ url: "https://hedgedoc.example.org/keynote", kind: "hedgedoc" })],
    });
  });

  it("a namespace prefix on the elements", () => {
    const prefixed = rfc6321
      .replace('xmlns="urn:ietf:params:xml:ns:icalendar-2.0"', 'xmlns:x="urn:ietf:params:xml:ns:icalendar-2.0"')
      .replace(/<(\/?)(?!\?|!)/g, "<$1x:");
    expect(prefixed).toContain("<x:icalendar");
    expect(read(prefixed).sessions.map((s) => [s.title, s.start, s.hosts])).toEqual(
      event.sessions.map((s) => [s.title, s.start, s.hosts]),
    );
    expect(detectFormat(prefixed)).toBe("xcal");
  });
});

describe("refused whole, naming the line", () => {
  it("a truncated document", () => {
    const cut = pentabarf.slice(0, pentabarf.indexOf("<dtend>"));
    const error = refusal(() => read(cut));
    expect(error.line).toBe(cut.trimEnd().split("\n").length);
    expect(error.reason).toMatch(/ends with <iCalendar>, <vcalendar>, <vevent> still open: it is cut short/);
    expect(refusal(() => read(rfc6321.replace("</dtend>", ""))).reason).toMatch(/not well-formed XML/);
  });

  it("a DOCTYPE: no entity expansion and no external entity", () => {
    const external = `<?xml version="1.0"?>\n<!DOCTYPE iCalendar [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n${calendar(
      "<vevent><summary>&x;</summary></vevent>",
    )}`;
    const error = refusal(() => read(external));
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/DOCTYPE is not accepted/);
  });

  it("values it cannot keep, on their vevent's line", () => {
    const at = (vevents: string) => refusal(() => read(calendar(vevents)));
    expect(at(`<vevent><summary>A</summary></vevent>\n<vevent><summary> </summary></vevent>`)).toMatchObject({
      line: 4,
      reason: "the vevent has no summary: a session needs a title",
    });
    expect(at(`<vevent><summary>A</summary><dtstart>20241327T100000</dtstart></vevent>`)).toMatchObject({
      line: 3,
      reason: '<dtstart> "20241327T100000" is not a date or a date and time',
    });
    expect(
      at(`<vevent><summary>A</summary><dtstart>20241227T100000</dtstart><duration>an hour</duration></vevent>`),
    ).toMatchObject({ line: 3, reason: '<duration> "an hour" is not a duration (PT1H30M)' });
    expect(
      at(`<vevent><summary>A</summary><dtstart tzid="Mitteleuropa">20241227T100000</dtstart></vevent>`).reason,
    ).toMatch(/unknown time zone "Mitteleuropa"/);
    expect(
      at(`<vevent><summary>A</summary><dtstart>20241227T100000</dtstart><dtend>20241227T090000</dtend></vevent>`)
        .reason,
    ).toBe("the session ends (2024-12-27T09:00:00Z) before it starts (2024-12-27T10:00:00Z)");
    expect(
      at(`<vevent><uid>u</uid><summary>A</summary></vevent>\n<vevent><uid>u</uid><summary>B</summary></vevent>`),
    ).toMatchObject({ line: 4, reason: 'UID "u" is also the UID of the vevent at line 3' });
  });

  it("a calendar without sessions, and XML that is not xCal", () => {
    expect(refusal(() => read(calendar("<version>2.0</version>"))).reason).toMatch(/no vevent found/);
    expect(refusal(() => read(ccc)).reason).toMatch(/root element is <schedule>, not <icalendar>.*read as frab-xml/);
  });
});

describe("detection", () => {
  it("XML whose root is iCalendar, icalendar or vcalendar is xcal; other XML stays frab-xml", () => {
    expect(detectFormat(pentabarf)).toBe("xcal");
    expect(detectFormat(rfc6321)).toBe("xcal");
    expect(detectFormat("\uFEFF<vcalendar><vevent><summary>A</summary></vevent></vcalendar>")).toBe("xcal");
    expect(detectFormat(ccc)).toBe("frab-xml");
    expect(detectFormat(frabPentabarf)).toBe("frab-xml");
    expect(detectFormat("<!-- <iCalendar> --><schedule></schedule>")).toBe("frab-xml");
    expect(detectFormat("<html><body>iCalendar</body></html>")).toBe("frab-xml");
    expect(detectFormat("<icalendars/>")).toBe("frab-xml");
  });

  it.skipIf(sample === null)("the sample is read as xcal unless forced; frab-xml forced on it points at xcal", () => {
    expect(detectFormat(sample!)).toBe("xcal");
    expect(importSchedule(sample!, opts).sessions).toHaveLength(95);
    const forced = refusal(() => importSchedule(sample!, { ...opts, format: "frab-xml" }));
    expect(forced.reason).toMatch(/xCal calendar \(root <iCalendar>.*import it as xcal/);
    expect(refusal(() => importFrabXml(pentabarf, opts)).reason).toMatch(/import it as xcal/);
  });
});
