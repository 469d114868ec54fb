// frab/pentabarf schedule.xml: the project's own fixtures for each trap the real files set, then the real files
// in ../shared/samples (skipped with a notice when absent), with the counts their README gives.
import { describe, expect, it } from "vitest";
import type { Event, Session } from "../../src/domain/event.ts";
import { MAX_SESSIONS } from "../../src/domain/limits.ts";
import { importFrabXml } from "../../src/import/frab-xml.ts";
import { buildPlainText } from "../../src/import/html.ts";
import { readSample } from "../helpers/samples.ts";
import ccc from "../fixtures/import/frab-xml/ccc.xml?raw";
import pentabarf from "../fixtures/import/frab-xml/pentabarf.xml?raw";
import { catchImportError } from "../helpers/imports.ts";

const opts = { eventId: "fixture", title: "Fixture" };
const read = (text: string) => importFrabXml(text, opts);
const byTitle = (event: Event, title: string) => event.sessions.find((s) => s.title === title)!;

const refusal = catchImportError;

/** A schedule of one day and one room around the given <event> elements. */
const schedule = (events: string, conference = "<time_zone_name>Europe/Berlin</time_zone_name>") =>
  `<schedule>\n<conference>${conference}</conference>\n<day date="2024-12-27">\n<room name="Saal 1">\n${events}\n</room>\n</day>\n</schedule>\n`;

describe("frab schedule.xml as CCC's frab and the hub write it", () => {
  const event = read(ccc);

  it("reads every event, in schedule order: by start, then rooms as the document lists them", () => {
    expect(event.timeZone).toBe("Europe/Berlin");
    expect(event.title).toBe("Fixture");
    expect(event.sessions.map((s) => [s.start, s.room, s.title])).toEqual([
      ["2024-12-27T09:00:00Z", "Saal 1", "Opening"],
      ["2024-12-27T09:00:00Z", "Saal 2", "Café Ünïcode"],
      ["2024-12-27T10:00:00Z", "Saal 1", "Opening"],
      ["2024-12-28T00:00:00Z", "Saal 2", "日本語のセッション"],
    ]);
  });

  it("maps an event's fields, and finds notes pads in links and description text", () => {
    const opening = event.sessions[0]!;
    expect(opening).toEqual({
      id: "opening",
      title: "Opening",
      sourceId: "aaaaaaaa-0000-4000-8000-000000000010",
      start: "2024-12-27T09:00:00Z",
      end: "2024-12-27T09:30:00Z",
      room: "Saal 1",
      track: "CCC",
      url: "https://events.example.org/congress/event/opening/",
      // subtitle, abstract and description; the description's pretty-printed indentation removed.
      description:
        "Welcome\n\nGlad you could make it & welcome.\n\n" +
        "Notes of the opening: <https://pad.example.org/p/fx1-opening>\nSlides: <https://gist.example.org/slides>",
      hosts: ["Ada", "Grace"],
      // 38c3: the pad URL in the description, without the `&gt;` glued to it.
      notesPublished: true,
      notes: [{ url: "https://pad.example.org/p/fx1-opening", kind: "etherpad", watchable: true }],
      links: [{ url: "https://events.example.org/slides.pdf", title: "Slides (PDF)" }],
    } satisfies Session);
  });

  it("takes the event's own <title>, never one nested in a <link> (39c3)", () => {
    const second = event.sessions[2]!;
    expect(second.title).toBe("Opening");
    expect(second.links).toEqual([{ url: "https://zügli.app", title: "Zügli" }]);
  });

  it("reads a <link> with its URL as text and no href (36c3); drops one that is not a URL", () => {
    const cafe = byTitle(event, "Café Ünïcode");
    expect(cafe.notes).toEqual([{ url: "https://hackmd.io/fx1-cafe", kind: "hackmd", watchable: true }]);
    expect(cafe.links).toEqual([{ url: "https://launchpad.net/cafe", title: "Launchpad" }]);
  });

  it("decodes character references and reads HTML descriptions as plain text", () => {
    const cafe = byTitle(event, "Café Ünïcode");
    expect(cafe.id).toBe("cafe-unicode");
    expect(cafe.description).toBe("Intro & more\n\n- one\n- two\n\nSee the site (https://example.org/x).\nThanks.");
    expect(cafe.hosts).toEqual([]);
    expect(cafe.notesPublished).toBe(true);
  });

  it("builds unique ids: a taken or empty title slug falls back to the source id", () => {
    expect(event.sessions.map((s) => s.id)).toEqual([
      "opening",
      "cafe-unicode",
      "opening-aaaaaaaa-0000-4000-8000-000000000011",
      "aaaaaaaa-0000-4000-8000-000000000021",
    ]);
  });
});

describe("pentabarf schedule.xml (FOSDEM): no guid, no <date>, no time zone name", () => {
  const event = read(pentabarf);

  it("reads local times in the zone the conference's city names, past midnight on the next day", () => {
    expect(event.timeZone).toBe("Europe/Brussels");
    expect(event.sessions.map((s) => [s.sourceId, s.start, s.end])).toEqual([
      ["819", "2010-02-06T09:00:00Z", "2010-02-06T09:45:00Z"],
      // 01:30 under the day of 6 February, before <day_change> 08:00: the night after it.
      ["900", "2010-02-07T00:30:00Z", "2010-02-07T01:00:00Z"],
      ["901", "2010-02-07T08:00:00Z", "2010-02-07T09:00:00Z"],
    ]);
  });

  it("keeps plain-text paragraphs, and tells a notes page from a project's homepage", () => {
    const welcome = event.sessions[0]!;
    expect(welcome.description).toBe("Opening talk\n\nFirst paragraph,\nhard-wrapped.\n\nSecond paragraph.");
    expect(welcome.hosts).toEqual(["FOSDEM Staff"]);
    expect(welcome.notes).toEqual([
      { url: "https://wiki.example.org/Welcome_notes", kind: "wiki", label: "Notes", watchable: true },
    ]);
    expect(welcome.links).toEqual([{ url: "https://launchpad.net/drizzle", title: "Drizzle" }]);
    expect(event.sessions[1]).toMatchObject({ notesPublished: false, notes: [], links: [], description: "" });
  });
});

describe("lenient readings of real producers", () => {
  it("wafer: <date> is UTC while <start> and even <day date> are local: <date> wins", () => {
    const event = read(
      schedule(
        `<event id="35" guid="455d075f"><date>2023-09-10T05:00:00+00:00</date><start>10:30</start>` +
          `<duration>00:20</duration><title>Opening Ceremony</title></event>`,
        "<time_zone_name>Asia/Kolkata</time_zone_name>",
      ).replace("2024-12-27", "2023-09-09"),
    );
    expect(event.timeZone).toBe("Asia/Kolkata");
    expect(event.sessions[0]).toMatchObject({ start: "2023-09-10T05:00:00Z", end: "2023-09-10T05:20:00Z" });
  });

  it("lswt: <person> under <event>, no guid, one id given to the same break in two rooms", () => {
    const text =
      `<schedule><conference><title>LSWT</title></conference><day date="2019-05-22">` +
      `<room name="Talks"><event id="101"><title>Welcome</title><date>2019-05-22T09:00:00Z</date>` +
      `<duration>00:10</duration><person>Dr. A, B</person><description><![CDATA[]]></description></event>` +
      `<event id="997"><title>Coffee</title><date>2019-05-22T11:00:00Z</date><person></person></event></room>` +
      `<room name="Tutorials"><event id="997"><title>Coffee</title><date>2019-05-22T11:00:00Z</date></event></room>` +
      `</day></schedule>`;
    const event = read(text);
    expect(event.timeZone).toBeUndefined();
    expect(event.sessions.map((s) => [s.id, s.sourceId, s.room, s.hosts])).toEqual([
      ["welcome", "101", "Talks", ["Dr. A, B"]],
      ["coffee", "997@Talks", "Talks", []],
      ["coffee-997-tutorials", "997@Tutorials", "Tutorials", []],
    ]);
  });

  it("gives no time rather than a wrong one when there is no zone and no <date>", () => {
    const event = read(
      schedule(`<event id="1"><start>10:00</start><duration>00:30</duration><title>A</title></event>`, ""),
    );
    expect(event.timeZone).toBeUndefined();
    expect(event.sessions[0]!.start).toBeUndefined();
    expect(event.sessions[0]!.end).toBeUndefined();
  });

  it("reads <start> with one hour digit or with seconds", () => {
    const event = read(schedule(`<event id="1"><start>9:00:00</start><title>A</title></event>`));
    expect(event.sessions[0]!.start).toBe("2024-12-27T08:00:00Z");
  });

  it("reads a <date> without an offset in the conference's zone", () => {
    const event = read(schedule(`<event id="1"><date>2024-12-27T10:00:00</date><title>A</title></event>`));
    expect(event.sessions[0]!.start).toBe("2024-12-27T09:00:00Z");
  });

  it("leaves a named entity that XML does not define as written, and never reads CDATA as markup", () => {
    const event = read(
      schedule(`<event id="1"><title>A&amp;nbsp;B</title><abstract><![CDATA[x &amp; <y>]]></abstract></event>`),
    );
    expect(event.sessions[0]!.title).toBe("A&nbsp;B");
    expect(event.sessions[0]!.description).toBe("x &amp; <y>");
  });
});

describe("refusals name the line", () => {
  it("a document cut short: the line it ends on and what is left open", () => {
    const cut = ccc.slice(0, ccc.lastIndexOf("</room>") + "</room>".length);
    const error = refusal(() => read(cut));
    expect(error.line).toBe(cut.split("\n").length);
    expect(error.reason).toBe(
      "the document ends with <schedule>, <day> still open: it is cut short or not well-formed XML",
    );
  });

  it("a document that is not well-formed", () => {
    expect(refusal(() => read("<schedule>\n<day>\n</room>\n</schedule>")).line).toBe(3);
    expect(refusal(() => read("<schedule>\n<title>Q & A</title>\n</schedule>")).line).toBe(2);
    expect(refusal(() => read("")).reason).toMatch(/not well-formed XML/);
    expect(refusal(() => read("title,start\nA,10:00\n")).reason).toMatch(/not well-formed XML/);
  });

  it("a DOCTYPE: no entity expansion (billion laughs) and no external entity", () => {
    const laughs =
      `<?xml version="1.0"?>\n<!DOCTYPE schedule [\n<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n` +
      schedule(`<event id="1"><title>&b;</title></event>`);
    const laughing = refusal(() => read(laughs));
    expect(laughing.line).toBe(2);
    expect(laughing.reason).toMatch(/DOCTYPE is not accepted/);
    const external = `<!DOCTYPE schedule [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n${schedule(`<event id="1"><title>&x;</title></event>`)}`;
    expect(refusal(() => read(external)).reason).toMatch(/DOCTYPE is not accepted/);
  });

  it("another XML format: pentabarf's xCal, or any other root", () => {
    const xcal = `<?xml version="1.0"?>\n<iCalendar xmlns:xCal="urn:ietf:params:xml:ns:xcal"><vcalendar><vevent><summary>A</summary></vevent></vcalendar></iCalendar>`;
    const error = refusal(() => read(xcal));
    expect(error.line).toBe(2);
    expect(error.reason).toMatch(/xCal calendar .* not a frab schedule\.xml/);
    expect(refusal(() => read("<rss><channel/></rss>")).reason).toMatch(/root element is <rss>, not <schedule>/);
  });

  it("a schedule without events: importing it would withdraw every session", () => {
    expect(refusal(() => read("<schedule><conference><title>X</title></conference></schedule>")).reason).toMatch(
      /no <event> found/,
    );
  });

  it("a value it cannot keep, on the event's line", () => {
    const at = (events: string) => refusal(() => read(schedule(events)));
    expect(at(`<event id="1"><title>A</title></event>\n<event id="2"><title> </title></event>`)).toMatchObject({
      line: 6,
      reason: "<event 2>: has no <title>",
    });
    expect(at(`<event id="3"><title>A</title><date>2024-12-27 10:00</date></event>`)).toMatchObject({
      line: 5,
      reason: '<event 3>: <date> "2024-12-27 10:00" is not an ISO date and time',
    });
    expect(
      at(`<event id="4"><title>A</title><date>2024-12-27T10:00:00Z</date><duration>an hour</duration></event>`),
    ).toMatchObject({
      line: 5,
      reason: '<event 4> <duration>: "an hour" is not a duration (HH:MM)',
    });
    expect(at(`<event id="5"><title>A</title><start>ten</start></event>`).reason).toBe(
      '<event 5>: <start> "ten" is not a time (HH:MM)',
    );
  });

  it("what the parser's own limits refuse: elements nested over 100 deep", () => {
    const deep = schedule(`<event id="1"><title>A</title>${"<x>".repeat(120)}${"</x>".repeat(120)}</event>`);
    expect(refusal(() => read(deep))).toMatchObject({
      line: 1,
      reason: "cannot read the XML: Maximum nested tags exceeded",
    });
  });

  it(`more than ${MAX_SESSIONS} events`, () => {
    const events = Array.from({ length: MAX_SESSIONS + 1 }, (_, i) => `<event id="${i}"><title>T ${i}</title></event>`);
    const error = refusal(() => read(schedule(events.join("\n"))));
    expect(error.line).toBe(5 + MAX_SESSIONS);
    expect(error.reason).toBe(`more than ${MAX_SESSIONS} events`);
  });
});

describe("buildPlainText", () => {
  it("keeps Markdown autolinks and comparisons as text", () => {
    expect(buildPlainText("Pad: <https://pad.example.org/p/x>\nif a < b and c > d")).toBe(
      "Pad: <https://pad.example.org/p/x>\nif a < b and c > d",
    );
  });
  it("reads headings, line breaks, links whose text is their URL, and drops scripts", () => {
    expect(
      buildPlainText(
        '<h2>Title</h2><p>one<br>two &nbsp;three</p><script>alert(1)</script><p><a href="https://x.org/">https://x.org/</a></p>',
      ),
    ).toBe("Title\n\none\ntwo three\n\nhttps://x.org/");
  });
});

// The real schedules. Counts and expectations are those of ../shared/samples/README.md.
/** Path, sessions, and sessions without an end (lswt's hackathon has an empty <duration>). */
const COMPLETE: [string, number, number][] = [
  ["frab-xml/fosdem-2010.2010-01-20.xml", 235, 0],
  ["frab-xml/fosdem-2010.2010-02-01.xml", 300, 0],
  ["frab-xml/debconf23.wafer.xml", 117, 0],
  ["frab-xml/lswt-2019.nonconforming.xml", 31, 1],
  ["frab-xml/synthetic-all-fields.xml", 1, 0],
];
const TRUNCATED = ["36c3", "38c3", "39c3", "fosdem-2021"].map((name) => `frab-xml/${name}.truncated.xml`);
const XCAL = "pentabarf-xcal/27c3.xcs.xml";
const samples = new Map(
  await Promise.all(
    [...COMPLETE.map(([path]) => path), ...TRUNCATED, XCAL].map(
      async (path) => [path, await readSample(path)] as const,
    ),
  ),
);
const sample = (path: string) => samples.get(path) ?? "";
const absent = (...paths: string[]) => paths.some((path) => samples.get(path) === null);

describe("the real schedules in ../shared/samples", () => {
  for (const [path, count, endless] of COMPLETE) {
    it.skipIf(absent(path))(`${path}: ${count} sessions, every one with a start`, () => {
      const event = read(sample(path));
      expect(event.sessions).toHaveLength(count);
      expect(event.sessions.filter((s) => !s.start)).toEqual([]);
      expect(event.sessions.filter((s) => !s.end)).toHaveLength(endless);
    });
  }

  for (const path of TRUNCATED) {
    it.skipIf(absent(path))(`${path}: refused, naming the line it ends on`, () => {
      const text = sample(path);
      const error = refusal(() => read(text));
      expect(error.line).toBe(text.trimEnd().split("\n").length);
      expect(error.reason).toMatch(/cut short/);
    });
  }

  // Closed by hand, the cut-short files show their traps are read: they were cut after a </room>.
  it.skipIf(absent(...TRUNCATED))("the cut-short files, closed, give their traps' right readings", () => {
    const closed = (path: string) => read(`${sample(path)}</day></schedule>\n`);
    const c36 = closed(TRUNCATED[0]!);
    expect(byTitle(c36, "ChameleonMini Workshop").links).toEqual([
      { url: "https://github.com/emsec/ChameleonMini/wiki" },
      { url: "https://shop.kasper.it/chameleonmini/" },
    ]);
    // 36c3's notes pad given in a <link>.
    expect(c36.sessions.flatMap((s) => s.notes.map((n) => n.url))).toContain("https://pads.ccc.de/z0OBzhUp1w");
    const c38 = closed(TRUNCATED[1]!);
    expect(c38.timeZone).toBe("Europe/Berlin");
    // The CryptPad in a <description> (its glued &gt; trimmed), and CCC's own pad host, used by two sessions.
    expect(c38.sessions.flatMap((s) => s.notes.map((n) => n.url))).toEqual([
      "https://cryptpad.fr/pad/#/2/pad/view/RwZ3IxG-YtcMzIdSB0g2Ti66dL23s9VhPbvjVM2vKQc/",
      "https://pads.ccc.de/TmTN4Yn8Ga",
      "https://pads.ccc.de/TmTN4Yn8Ga",
    ]);
    const c39 = closed(TRUNCATED[2]!);
    expect(c39.sessions.map((s) => s.title)).not.toContain("Zügli");
    expect(byTitle(c39, "All my Deutschlandtickets gone: Fraud at an industrial scale").links).toEqual([
      { url: "https://zügli.app", title: "Zügli" },
    ]);
    expect(closed(TRUNCATED[3]!).sessions).toHaveLength(118);
  });

  it.skipIf(absent(XCAL))(`${XCAL}: XML, but not frab: refused as xCal`, () => {
    expect(refusal(() => read(sample(XCAL))).reason).toMatch(/xCal calendar \(root <iCalendar>/);
  });

  const [before, after] = COMPLETE.map(([path]) => path);
  it.skipIf(absent(before!, after!))("FOSDEM 2010's two revisions: 67 added, 2 removed, 3 retitled, 19 moved", () => {
    const old = new Map(read(sample(before!)).sessions.map((s) => [s.sourceId, s]));
    const now = new Map(read(sample(after!)).sessions.map((s) => [s.sourceId, s]));
    const kept = [...now.keys()].filter((id) => old.has(id));
    const changed = (test: (a: Session, b: Session) => boolean) =>
      kept.filter((id) => test(old.get(id)!, now.get(id)!)).length;
    expect(now.size - kept.length).toBe(67);
    expect(old.size - kept.length).toBe(2);
    expect(changed((a, b) => a.title !== b.title)).toBe(3);
    expect(changed((a, b) => a.start !== b.start || a.end !== b.end || a.room !== b.room)).toBe(19);
  });

  it.skipIf(absent(before!, after!))("FOSDEM 2010: no notes, its launchpad.net and project links are related", () => {
    for (const path of [before!, after!]) {
      const sessions = read(sample(path)).sessions;
      expect(sessions.flatMap((s) => s.notes)).toEqual([]);
      expect(sessions.some((s) => s.links?.some((l) => l.url.startsWith("https://launchpad.net/")))).toBe(true);
    }
  });
});
