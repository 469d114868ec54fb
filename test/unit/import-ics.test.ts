// The iCalendar reader: the three real calendars of ../shared/samples/ics (when present), a hand-written calendar
// with the traps they and RFC 5545 hold, and the refusals (cut short, not iCalendar, what cannot be kept).
import { describe, expect, it } from "vitest";
import { Event, type Session } from "../../src/domain/event.ts";
import { buildPlainText } from "../../src/import/html.ts";
import { importIcs } from "../../src/import/ics.ts";
import { readSample } from "../helpers/samples.ts";
import truncated from "../fixtures/import/ics/truncated.ics?raw";
import { catchImportError } from "../helpers/imports.ts";

const opts = { eventId: "conf", title: "Conference" };
const crlf = (...lines: string[]) => `${lines.join("\r\n")}\r\n`;
const calendar = (...lines: string[]) => crlf("BEGIN:VCALENDAR", "VERSION:2.0", ...lines, "END:VCALENDAR");
const vevent = (...lines: string[]) => ["BEGIN:VEVENT", ...lines, "END:VEVENT"];

const refusal = (text: string) => catchImportError(() => importIcs(text, opts));

function bySource(event: Event, sourceId: string): Session {
  const found = event.sessions.find((s) => s.sourceId === sourceId);
  if (!found) throw new Error(`no session ${sourceId}`);
  return found;
}

const jres = await readSample("ics/jres-2022.ics");
const kielux = await readSample("ics/kieler-linux-tage-2020.ics");
const lca = await readSample("ics/linux-conf-au-2020.ics");

describe("the sample calendars", () => {
  it.skipIf(jres === null)("JRES 2022: 120 sessions, not 559; TZID times, stray CRs, a character cut by a fold", () => {
    const event = importIcs(jres!, opts);
    expect(event.sessions).toHaveLength(120);
    expect(new Set(event.sessions.map((s) => s.sourceId)).size).toBe(120);
    // No VTIMEZONE and no X-WR-TIMEZONE: the one TZID every session names.
    expect(event.timeZone).toBe("Europe/Paris");
    const talk = bySource(event, "presentation_129@conf-ng.jres.org");
    expect(talk).toMatchObject({
      id: "182-numerique-enjeux-geopolitiques-externalites-environnementales-et-chaines-de-dependance",
      title: "182 - Numérique : Enjeux géopolitiques, externalités environnementales et chaînes de dépendance",
      start: "2022-05-17T12:00:00Z", // 14:00 in Paris, summer time
      end: "2022-05-17T14:00:00Z",
      room: "Amphithéâtre 1600",
    });
    // `\r\r\n` ends one line: the description's folds are joined, its `\n` escapes are its line breaks.
    expect(talk.description).toMatch(/^Les interdépendances .* leur histoire…\nEt, aujourd'hui, aucun acteur/);
    expect(event.sessions.some((s) => s.description.includes("\r"))).toBe(false);
    // The file's one invalid UTF-8 sequence (a fold inside "’") is one U+FFFD, and the text around it is kept.
    expect(bySource(event, "presentation_209@conf-ng.jres.org").description).toContain("systèmes d\uFFFDexploitation.");
    // "Pause" comes back every day: the first keeps its title's slug, the others are named by their UID.
    const pauses = event.sessions.filter((s) => s.title === "Pause").map((s) => s.id);
    expect(pauses[0]).toBe("pause");
    expect(pauses.length).toBeGreaterThan(1);
    for (const id of pauses.slice(1)) expect(id).toMatch(/^presentation-\d+-conf-ng-jres-org$/);
    expect(event.sessions.map((s) => s.start)).toEqual(event.sessions.map((s) => s.start).sort());
  });

  it.skipIf(kielux === null)("Kieler Linux-Tage 2020: 24 sessions, UTC times, a URL and an attendee each", () => {
    const event = importIcs(kielux!, opts);
    expect(event.sessions).toHaveLength(24);
    expect(event.timeZone).toBeUndefined();
    const xen = bySource(event, "467@KOLT20");
    expect(xen).toMatchObject({
      title: "Xen - ist das nicht tot?",
      hosts: ["Jürgen Groß"],
      start: "2020-09-18T12:00:00Z",
      end: "2020-09-18T13:00:00Z",
      room: "Ravensberg",
      url: "https://kielux.de/programm/KOLT20#467",
      notes: [],
      notesPublished: false,
    });
    expect(xen.links).toBeUndefined(); // the session's own page is its url, not a related link
    expect(xen.description).toContain("Xen war lange Zeit die Plattform zur Virtualisierung");
    // Plain lines and an HTML list in one description.
    const m23 = bySource(event, "485@KOLT20").description;
    expect(m23).toContain("Das können z.B. sein:\n\n- Automatische Updates\n- Skripte für Clients erstellen\n");
    expect(event.sessions.every((s) => s.url && s.hosts.length === 1)).toBe(true);
  });

  it.skipIf(lca === null)("linux.conf.au 2020: 262 sessions, HTML descriptions as text, speakers", () => {
    const event = importIcs(lca!, opts);
    expect(event.sessions).toHaveLength(262);
    expect(event.timeZone).toBe("Australia/Brisbane");
    expect(bySource(event, "201@lca2020.linux.org.au")).toMatchObject({
      title: "Main Conference: plenary",
      id: "201-lca2020-linux-org-au", // "main-conference-plenary" went to the first plenary
      description:
        "Women of Open Technology Breakfast, Presented by ThoughtWorks\n\nOnly for attendees with a ticket.\n\n" +
        "Gold Coast Convention and Exhibition Centre, Room 5",
      start: "2020-01-13T21:00:00Z", // 07:00 on the 14th in Brisbane
      end: "2020-01-13T23:00:00Z",
      room: "Room 5",
    });
    const git = bySource(event, "122@lca2020.linux.org.au");
    expect(git.hosts).toEqual(["Gaurav Nelson"]);
    expect(git.description).toMatch(/^Dealing with Git/); // the "Speaker:" line became the host
    expect(git.description).toContain("`git checkout -b <branch-name>`"); // not HTML
    expect(event.sessions.filter((s) => s.hosts.length > 0)).toHaveLength(190);
    expect(event.sessions.some((s) => /<\/?(p|em|a)\b/.test(s.description))).toBe(false);
  });

  it.skipIf(jres === null)("a sample cut in the middle of a VEVENT is refused, naming its last line", () => {
    const cut = jres!.slice(0, jres!.indexOf("DTEND", jres!.indexOf("UID:presentation_3@")));
    const error = refusal(cut);
    expect(error.line).toBe(cut.split("\n").length - 1); // the text ends with a line end
    expect(error.message).toMatch(/the file ends inside VEVENT \(begun at line \d+\): is it cut short\?/);
  });
});

describe("a hand-written calendar", () => {
  const text = calendar(
    "PRODID:-//sessionwire//test//EN",
    "X-WR-CALNAME;CHARSET=UTF-8;ENCODING=8BIT:Fixture Conf",
    "X-WR-TIMEZONE:Europe/Brussels",
    // A Windows zone name, defined in the file: ical.js computes with the definition.
    "BEGIN:VTIMEZONE",
    "TZID:W. Europe Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010101T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
    ...vevent(
      "UID:windows@fixture",
      "DTSTAMP;TZID=Europe/Paris:20260101T000000", // odd but not kept
      "X-ODD;NOVALUE:ignored", // ical.js would refuse this parameter; the property is not kept
      "DTSTART;TZID=W. Europe Standard Time:20260604T140000",
      "DURATION:PT1H30M",
      "SUMMARY;LANGUAGE=en:Summer in a zone the file defines",
      'ORGANIZER;CN="Doe, Jane";SENT-BY="mailto:a@b.example":mailto:jane@example.org',
      'ATTENDEE;CN=Max Mustermann;X-PARAM="a;b:c":mailto:max@example.org',
      "LOCATION:Room B",
      "CATEGORIES:Kernel\\, Virtualisation,Security",
    ),
    ...vevent(
      "UID:iana@fixture",
      "DTSTART;TZID=America/New_York:20260604T080000",
      "DTEND;TZID=America/New_York:20260604T083000",
      "SUMMARY:An IANA zone the file does not define",
      "LOCATION:Room A",
    ),
    ...vevent(
      "UID:floating@fixture",
      "DTSTART:20260604T090000",
      "DTEND:20260604T100000",
      "SUMMARY:Floating: the calendar's zone",
      "LOCATION:Room B",
    ),
    ...vevent(
      "UID:utc@fixture",
      "DTSTART:20260604T070000Z",
      "DTEND:20260604T073000Z",
      // Folded with a space and with a tab, in the middle of a word.
      "SUMMARY:Folded and ü",
      " nfolded",
      "\t again",
      "LOCATION:Room A",
      "DESCRIPTION:Notes: https://hackmd.io/abc123\\, slides: https://example.org/s",
      " lides.pdf\\nA padlock is not a pad.",
      "URL;VALUE=URI:https://fixture.example/talks/utc",
    ),
    ...vevent(
      "UID:allday@fixture",
      "DTSTART;VALUE=DATE:20260605",
      "SUMMARY:Hackathon",
      "URL:https://pad.fixture.example/p/hackathon",
    ),
    ...vevent(
      "UID:weekly@fixture",
      "DTSTART:20260603T160000Z",
      "DTEND:20260603T170000Z",
      "RRULE:FREQ=WEEKLY;COUNT=4",
      "SUMMARY:Weekly call",
    ),
    ...vevent(
      "UID:weekly@fixture",
      "RECURRENCE-ID:20260610T160000Z",
      "DTSTART:20260610T170000Z",
      "DTEND:20260610T180000Z",
      "SUMMARY:Weekly call (moved)",
    ),
    ...vevent("UID:cancelled@fixture", "STATUS:CANCELLED", "DTSTART:20260604T070000Z", "SUMMARY:Called off"),
    ...vevent("UID:untimed@fixture", "SUMMARY:Speakers' dinner", "DESCRIPTION:Speaker: Ann Lee and Bo Chen"),
  );
  const event = importIcs(text, opts);

  it("reads every kind of time as UTC, in schedule order", () => {
    expect(event.timeZone).toBe("Europe/Brussels");
    expect(event.sessions.map((s) => [s.sourceId, s.start, s.end])).toEqual([
      ["weekly@fixture", "2026-06-03T16:00:00Z", "2026-06-03T17:00:00Z"], // RRULE: its first occurrence only
      // 09:00 in Brussels; at the same time as the next, and Room B is the first room the file names.
      ["floating@fixture", "2026-06-04T07:00:00Z", "2026-06-04T08:00:00Z"],
      ["utc@fixture", "2026-06-04T07:00:00Z", "2026-06-04T07:30:00Z"],
      ["windows@fixture", "2026-06-04T12:00:00Z", "2026-06-04T13:30:00Z"], // 14:00 at +02:00, plus DURATION
      ["iana@fixture", "2026-06-04T12:00:00Z", "2026-06-04T12:30:00Z"], // 08:00 in New York, summer time
      ["allday@fixture", "2026-06-04T22:00:00Z", "2026-06-05T22:00:00Z"], // a day from midnight in Brussels
      ["untimed@fixture", undefined, undefined],
    ]);
  });

  it("skips occurrence overrides and cancelled sessions", () => {
    expect(event.sessions.map((s) => s.title)).not.toContain("Weekly call (moved)");
    expect(event.sessions.map((s) => s.title)).not.toContain("Called off");
  });

  it("keeps hosts, room, track, url and notes apart", () => {
    expect(bySource(event, "windows@fixture")).toMatchObject({
      title: "Summer in a zone the file defines",
      hosts: ["Max Mustermann", "Doe, Jane"],
      room: "Room B",
      track: "Kernel, Virtualisation",
    });
    const utc = bySource(event, "utc@fixture");
    expect(utc.title).toBe("Folded and ünfolded again");
    expect(utc.url).toBe("https://fixture.example/talks/utc");
    expect(utc.description).toBe(
      "Notes: https://hackmd.io/abc123, slides: https://example.org/slides.pdf\nA padlock is not a pad.",
    );
    // Only pads become notes; a slides URL in prose is neither notes nor a related link.
    expect(utc.notes).toEqual([{ url: "https://hackmd.io/abc123", kind: "hackmd", watchable: true }]);
    expect(utc.notesPublished).toBe(true);
    expect(utc.links).toBeUndefined();
    // A URL that is a pad is the session's notes too.
    expect(bySource(event, "allday@fixture").notes.map((n) => n.url)).toEqual([
      "https://pad.fixture.example/p/hackathon",
    ]);
    expect(bySource(event, "untimed@fixture")).toMatchObject({ hosts: ["Ann Lee", "Bo Chen"], description: "" });
  });

  it("gives an Event the domain accepts", () => {
    expect(Event.parse(event)).toEqual(event);
  });

  it("is refused when cut anywhere before its END:VCALENDAR, always naming a line", () => {
    const whole = text.lastIndexOf("END:VCALENDAR") + "END:VCALENDAR".length;
    for (let end = 0; end < whole; end++) {
      const error = refusal(text.slice(0, end));
      expect(error.line, `cut at ${end}`).toBeGreaterThan(0);
    }
    expect(importIcs(text.slice(0, whole), opts)).toEqual(event);
  });

  it("reads stray CRs as one line end and U+FFFD as text", () => {
    // What a JRES line looks like, and a character whose UTF-8 bytes a fold cut in two (decoded as U+FFFDs).
    const stray =
      "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20260604T070000Z\r\r\nDESCRIPTION:one \r\r\n \\n\r\n two\r\r\n" +
      "SUMMARY:Caf\uFFFD\r\r\n \uFFFD au lait\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const [session] = importIcs(stray, opts).sessions;
    expect(session).toMatchObject({ title: "Caf\uFFFD au lait", description: "one\ntwo", id: "caf-au-lait" });
  });

  it("reads floating times as UTC when the calendar names no zone", () => {
    const floating = importIcs(calendar(...vevent("DTSTART:20260604T090000", "SUMMARY:Anywhere")), opts);
    expect(floating.timeZone).toBeUndefined();
    expect(floating.sessions[0]).toMatchObject({ start: "2026-06-04T09:00:00Z", id: "anywhere" });
    expect(floating.sessions[0]!.sourceId).toBeUndefined();
  });
});

describe("refusals", () => {
  it("a calendar cut in the middle of a VEVENT, naming its last line", () => {
    const error = refusal(truncated);
    expect(error.message).toBe("line 20: the file ends inside VEVENT (begun at line 13): is it cut short?");
    expect(error.line).toBe(20);
  });

  it("what is not iCalendar at all", () => {
    expect(refusal("").message).toBe("line 1: not an iCalendar file: it is empty");
    expect(refusal('{"schedule": {}}').message).toBe(
      'line 1: not an iCalendar file: expected BEGIN:VCALENDAR, found "{"schedule": {}}"',
    );
    expect(refusal("\n\nBEGIN:VEVENT\nEND:VEVENT\n").line).toBe(3);
    expect(refusal(" folded\r\nBEGIN:VCALENDAR\r\n").line).toBe(1);
  });

  it("a line that is not NAME:value, an END that closes the wrong component, content after the end", () => {
    const garbage = calendar(...vevent("UID:a", "SUMMARY:A", "this is not a property"));
    expect(refusal(garbage).message).toBe(
      'line 6: not an iCalendar line (NAME:value) in VEVENT: "this is not a property"',
    );
    expect(refusal(calendar("BEGIN:VEVENT", "SUMMARY:A", "END:VTODO")).message).toBe(
      "line 5: END:VTODO inside VEVENT (begun at line 3)",
    );
    expect(refusal(`${calendar()}SUMMARY:after\r\n`).message).toBe(
      'line 4: expected BEGIN:VCALENDAR, found "SUMMARY:after"',
    );
  });

  it("a kept property ical.js cannot read, naming its line", () => {
    const error = refusal(calendar(...vevent("SUMMARY:A", 'ATTENDEE;CN="Unclosed:mailto:a@b.example')));
    expect(error.line).toBe(5);
    expect(error.reason).toMatch(/^cannot read the property: .*no matching double quote/);
    expect(refusal(calendar(...vevent("SUMMARY:A", "DTSTART:20260604T090000", "DURATION:1 hour"))).line).toBe(6);
  });

  it("times that cannot be placed", () => {
    const at = (...lines: string[]) => refusal(calendar(...vevent("SUMMARY:A", ...lines)));
    expect(at("DTSTART;TZID=Mars/Olympus:20260604T090000").message).toBe(
      'line 5: unknown time zone "Mars/Olympus": the file has no VTIMEZONE for it and it is not an IANA name',
    );
    expect(at("DTSTART:2026X0604").message).toBe("line 5: DTSTART is not a date or a date and time");
    expect(at("DTSTART:20260230T090000Z").message).toBe('line 5: "2026-02-30T09:00:00Z" is not a valid date and time');
    expect(at("DTSTART:20260604T090000Z", "DTEND:20260604T080000Z").line).toBe(6);
  });

  it("a VEVENT without a title, and two VEVENTs with one UID", () => {
    expect(refusal(calendar(...vevent("UID:a", "DTSTART:20260604T090000Z"))).message).toBe(
      "line 3: the VEVENT has no SUMMARY: a session needs a title",
    );
    const twice = calendar(...vevent("UID:a", "SUMMARY:A"), ...vevent("UID:a", "SUMMARY:B"));
    expect(refusal(twice).message).toBe('line 7: UID "a" is also the UID of the VEVENT at line 3');
  });
});

describe("buildPlainText", () => {
  it("renders HTML blocks, lists, line breaks, links and entities as plain text", () => {
    expect(
      buildPlainText(
        '<p>One &amp; <em>two</em></p>\n<p>See <a href="https://x.org/a?b=1&amp;c=2">the page</a> or ' +
          '<a href="https://y.org">https://y.org</a>.<br/>Next line</p><ul>\n <li>first</li>\n <li>second</li>\n</ul>' +
          "After &#8211; &#x2014; &hellip;",
      ),
    ).toBe(
      "One & two\n\nSee the page (https://x.org/a?b=1&c=2) or https://y.org.\nNext line\n\n- first\n- second\n\n" +
        "After – — &hellip;",
    );
  });
  it("leaves text without HTML as written, tidying blank lines", () => {
    expect(buildPlainText("a <b-c> &amp; d  \n\n\n\ne\r\nf\n")).toBe("a <b-c> &amp; d\n\ne\nf");
  });
});
