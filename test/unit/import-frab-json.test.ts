// frab schedule.json (v1, pretalx exports, the flat v2): hand-written fixtures for the traps, and the real
// samples in ../shared/samples with the counts their README gives.
import { describe, expect, it } from "vitest";
import { Event } from "../../src/domain/event.ts";
import { importFrabJson } from "../../src/import/frab-json.ts";
import { buildPlainText } from "../../src/import/html.ts";
import { buildSessionIds } from "../../src/import/build.ts";
import { readSample } from "../helpers/samples.ts";
import traps from "../fixtures/import/frab-json/traps.v1.json?raw";
import { catchImportError, editJson } from "../helpers/imports.ts";

const opts = { eventId: "traps-2026", title: "Traps 2026" };

const editTraps = (edit: (doc: any) => void) => editJson(traps, edit);

const importError = (text: string) => catchImportError(() => importFrabJson(text, opts));

describe("importFrabJson: schedule.json v1", () => {
  const event = importFrabJson(traps, opts);

  it("gives unique readable ids: accents dropped, a repeated or letterless title named by its source id", () => {
    expect(event.sessions.map((s) => [s.id, s.title])).toEqual([
      ["lightning-talks", "Lightning Talks"],
      ["cafe-unicode", "Café Ünïcode"],
      ["5d0c7e8a-1b2c-4d3e-8f4a-9b8c7d6e5f40", "会議のメモ"],
      ["0b6a1f62-0c3a-4d5e-9f10-000000000102", "Lightning Talks"],
      ["closing", "Closing"],
    ]);
    expect(Event.parse(event)).toEqual(event);
  });

  it("orders by start, then by the conference's room order; a start before the day's start is after midnight", () => {
    expect(event.timeZone).toBe("Europe/Brussels");
    expect(event.sessions.map((s) => [s.start, s.end, s.room])).toEqual([
      ["2026-03-28T10:00:00Z", "2026-03-28T10:30:00Z", "Saal 2"],
      ["2026-03-28T10:00:00Z", "2026-03-28T10:45:00Z", "Saal 1"],
      ["2026-03-28T13:00:00Z", "2026-03-28T13:30:00Z", "Saal 2"],
      // 01:30 on the night the clocks go forward (02:00 in Brussels): still winter time.
      ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "Saal 1"],
      ["2026-03-29T14:00:00Z", "2026-03-29T14:15:00Z", "Saal 1"],
    ]);
  });

  it("takes notes from links and pad URLs in the description, keeps other links apart, never a look-alike", () => {
    const cafe = event.sessions.find((s) => s.id === "cafe-unicode")!;
    expect(cafe.notes).toEqual([
      { url: "https://hackmd.io/cafe-notes", kind: "hackmd", label: "Notes", watchable: true },
      { url: "https://pad.example.org/p/cafe-unicode", kind: "etherpad", watchable: true },
    ]);
    expect(cafe.notesPublished).toBe(true);
    expect(cafe.links).toEqual([
      { url: "https://example.org/slides.pdf", title: "Slides" },
      { url: "https://fahrplan.example.org/system/attachments/1/handout.pdf", title: "Handout" },
    ]);
    expect(cafe).toMatchObject({
      sourceId: "0b6a1f62-0c3a-4d5e-9f10-000000000101",
      track: "Café",
      hosts: ["Zoë"],
      url: "https://fahrplan.example.org/2026/events/101.html",
    });
    const others = event.sessions.filter((s) => s !== cafe);
    expect(others.every((s) => s.notes.length === 0 && !s.notesPublished && s.links === undefined)).toBe(true);
  });

  it("makes HTML descriptions plain text and keeps markdown as written; reads frab and pretalx persons", () => {
    const memo = event.sessions.find((s) => s.title === "会議のメモ")!;
    expect(memo.description).toBe(
      "**Markdown** stays _as text_\n\nEin Link (https://example.org/x) & mehr.\n\n- eins\n- zwei",
    );
    expect(memo.hosts).toEqual(["Kenji"]);
    expect(event.sessions[0]!.hosts).toEqual(["Ada", "Grace"]);
  });

  it("reads a local date without an offset, or HH:MM on the day's date, in the conference's zone", () => {
    const text = editTraps((doc) => {
      const [cafe, lightning] = doc.schedule.conference.days[0].rooms["Saal 1"];
      cafe.date = "2026-03-28T11:00:00";
      lightning.start = "10:15";
    });
    const sessions = importFrabJson(text, opts).sessions;
    expect(sessions.find((s) => s.id === "cafe-unicode")!.start).toBe("2026-03-28T10:00:00Z");
    expect(sessions.find((s) => s.sourceId?.endsWith("102"))!.start).toBe("2026-03-28T09:15:00Z");
  });

  it("keeps a repeated source id only on the first session that has it", () => {
    const text = editTraps((doc) => {
      doc.schedule.conference.days[1].rooms["Saal 1"][0].guid = "0b6a1f62-0c3a-4d5e-9f10-000000000101";
    });
    const sessions = importFrabJson(text, opts).sessions;
    expect(sessions.find((s) => s.id === "cafe-unicode")!.sourceId).toBe("0b6a1f62-0c3a-4d5e-9f10-000000000101");
    expect(sessions.find((s) => s.id === "closing")!.sourceId).toBeUndefined();
  });
});

describe("importFrabJson: refusals name where", () => {
  it("names the line and column of invalid or truncated JSON", () => {
    const cut = importError(traps.slice(0, traps.indexOf('"Café Ünïcode"') + 6));
    const line = traps.slice(0, traps.indexOf('"Café Ünïcode"')).split("\n").length;
    expect(cut.line).toBe(line);
    expect(cut.message).toMatch(new RegExp(`^line ${line}: not valid JSON at column \\d+: .*cut short`));

    // A message without a position ("Unexpected token …"): the position is found by reading again.
    const comma = importError('{\n  "schedule": {\n    "version": "1",\n  }\n}');
    expect(comma.message).toMatch(/^line 4: not valid JSON at column 3: /);
    expect(importError('\uFEFF{\r\n  "schedule": [1,,2]\r\n}').message).toMatch(/^line 2: not valid JSON at column 18/);
  });

  it("names the JSON path of a kept field it cannot use", () => {
    const start = importError(
      editTraps((doc) => {
        const closing = doc.schedule.conference.days[1].rooms["Saal 1"][0];
        delete closing.date;
        closing.start = "25:99";
      }),
    );
    expect(start.where).toBe('schedule.conference.days[1].rooms["Saal 1"][0].start');
    expect(start.message).toMatch(/not a valid date/);

    const date = importError(editTraps((doc) => (doc.schedule.conference.days[0].rooms["Saal 2"][1].date = "soon")));
    expect(date.where).toBe('schedule.conference.days[0].rooms["Saal 2"][1].date');

    const title = importError(editTraps((doc) => (doc.schedule.conference.days[0].rooms["Saal 1"][0].title = 42)));
    expect(title.where).toBe('schedule.conference.days[0].rooms["Saal 1"][0].title');

    const empty = importError(editTraps((doc) => (doc.schedule.conference.days[0].rooms["Saal 1"][0].title = " ")));
    expect(empty.message).toMatch(/title is empty/);

    const duration = importError(
      editTraps((doc) => (doc.schedule.conference.days[1].rooms["Saal 1"][0].duration = "long")),
    );
    expect(duration.where).toBe('schedule.conference.days[1].rooms["Saal 1"][0].duration');

    const person = importError(editTraps((doc) => (doc.schedule.conference.days[0].rooms["Saal 1"][0].persons = [7])));
    expect(person.message).toBe(
      'schedule.conference.days[0].rooms["Saal 1"][0].persons[0]: expected a person: a name, or an object with public_name or name',
    );

    const zone = importError(editTraps((doc) => (doc.schedule.conference.time_zone_name = "Mars/Olympus")));
    expect(zone.where).toBe("schedule.conference.time_zone_name");

    const rooms = importError(editTraps((doc) => (doc.schedule.conference.days[1].rooms = ["Saal 1"])));
    expect(rooms.where).toBe("schedule.conference.days[1].rooms");
  });

  it("refuses a start time it cannot place in time", () => {
    const noZone = importError(
      editTraps((doc) => {
        delete doc.schedule.conference.time_zone_name;
        delete doc.schedule.conference.days[0].rooms["Saal 1"][0].date;
      }),
    );
    expect(noZone.where).toBe('schedule.conference.days[0].rooms["Saal 1"][0].start');
    expect(noZone.message).toMatch(/no time_zone_name/);
  });

  it("refuses what is not a schedule, saying what it is", () => {
    expect(importError("[]").message).toMatch(/not a JSON object/);
    expect(importError('{"version": "1"}').message).toBe(
      'schedule: not a frab schedule.json: there is no "schedule" object',
    );
    expect(importError('{"schedule": {"version": "1"}}').where).toBe("schedule.conference");
    const submission =
      '/* from the pretalx docs */\n{"code": "ABCDE", "title": "A talk", "speakers": [], "slot": null}';
    expect(importError(submission).message).toMatch(/^line 1: a pretalx submission \(one talk\), not a schedule/);
    expect(importError(submission.slice(submission.indexOf("\n") + 1)).message).toMatch(/pretalx submission/);
  });
});

describe("importFrabJson: schedule v2 (flat events)", () => {
  const v2 = JSON.stringify({
    schedule: {
      version: "1",
      conference: {
        acronym: "v2test",
        title: "V2",
        time_zone_name: "Europe/Berlin",
        rooms: [
          { name: "Hall A", guid: "11111111-1111-4111-8111-111111111111" },
          { name: "Hall B", guid: "22222222-2222-4222-8222-222222222222" },
        ],
        tracks: [{ name: "Art & Beauty", slug: "art-beauty" }],
        days: [{ index: 1, date: "2026-12-27", start: "2026-12-27T10:00:00+01:00", end: "2026-12-28T04:00:00+01:00" }],
      },
      events: [
        {
          guid: "33333333-3333-4333-8333-333333333333",
          title: "Second",
          start: "2026-12-27T12:00:00+01:00",
          duration: "PT1H30M",
          room: { guid: "22222222-2222-4222-8222-222222222222" },
          track: { slug: "art-beauty" },
          abstract: { de: "Kurz", en: "Short" },
          description: null,
          participants: [{ guid: "x", name: "Alex", role: "SPEAKER" }],
          links: [{ type: "ORIGIN", url: "https://example.org/talk/2" }],
          attachments: [{ type: "SLIDES", url: "https://cryptpad.fr/pad/#/2/pad/edit/abc/" }],
        },
        {
          guid: "44444444-4444-4444-8444-444444444444",
          title: "First",
          start: "2026-12-27T11:00:00+01:00",
          end: "2026-12-27T11:45:00+01:00",
          room: { name: "Hall A", guid: "11111111-1111-4111-8111-111111111111" },
          description: "See https://hedgedoc.example.org/first-notes.",
          participants: [],
          links: [],
        },
      ],
    },
  });

  it("reads flat events with room and track references, translated texts and ISO durations", () => {
    const event = importFrabJson(v2, opts);
    expect(event.sessions.map((s) => [s.id, s.start, s.end, s.room, s.track ?? null])).toEqual([
      ["first", "2026-12-27T10:00:00Z", "2026-12-27T10:45:00Z", "Hall A", null],
      ["second", "2026-12-27T11:00:00Z", "2026-12-27T12:30:00Z", "Hall B", "Art & Beauty"],
    ]);
    const [first, second] = event.sessions;
    expect(first!.notes).toEqual([
      { url: "https://hedgedoc.example.org/first-notes", kind: "hedgedoc", watchable: true },
    ]);
    expect(second).toMatchObject({
      description: "Short",
      hosts: ["Alex"],
      notes: [{ url: "https://cryptpad.fr/pad/#/2/pad/edit/abc/", kind: "cryptpad", watchable: false }],
      links: [{ url: "https://example.org/talk/2" }],
    });
  });

  it("names the path of a flat event's unusable start", () => {
    const bad = JSON.parse(v2);
    bad.schedule.events[1].start = "2026-12-27 11:00 CET";
    expect(importError(JSON.stringify(bad)).where).toBe("schedule.events[1].start");
  });
});

describe("buildPlainText", () => {
  it("keeps text without HTML tags as written, markdown and comparisons included", () => {
    expect(buildPlainText("# Title\r\n\r\n\r\n* a < b\r\n* <3 _x_")).toBe("# Title\n\n* a < b\n* <3 _x_");
  });
  it("makes HTML text: link URLs kept, breaks, lists, headings and entities", () => {
    expect(
      buildPlainText(
        '<h2>Intro</h2><p>See <a href="https://x.org/a?b=1&amp;c=2">the docs</a>, <a href="https://y.org/">y.org</a>.<br/>Next&nbsp;line &#8211; end</p><ul> <li>one</li> <li>two</li></ul>',
      ),
    ).toBe("Intro\n\nSee the docs (https://x.org/a?b=1&c=2), y.org.\nNext line – end\n\n- one\n- two");
  });
});

describe("buildSessionIds", () => {
  it("falls back to the source id, then to a numbered suffix that stays within the slug limit", () => {
    const long = "x".repeat(250);
    expect(
      buildSessionIds([
        { title: "Talk", sourceId: "A1" },
        { title: "Talk", sourceId: "B2" },
        { title: "Talk", sourceId: "B2" },
        { title: "Talk" },
        { title: "日本語" },
        { title: "日本語" },
        { title: long },
        { title: long },
      ]),
    ).toEqual(["talk", "b2", "talk-2", "talk-3", "session", "session-2", "x".repeat(200), `${"x".repeat(198)}-2`]);
  });
});

describe("importFrabJson: the samples", async () => {
  const COUNTS: [string, number, string | undefined][] = [
    ["frab-json/cccamp-2019.json", 79, "Europe/Berlin"],
    ["frab-json/pretalx-democon.json", 36, "UTC"],
    ["frab-json/rc3-channels-2020.pretalx.json", 48, undefined],
    ["frab-json/38c3-hub.v2-example.json", 2, "Europe/Berlin"],
    // Fails its schema on purpose, in what is not kept (a string id beside the guid, a person's id and code,
    // rooms under schedule, pretalx's answers): read leniently.
    ["frab-json/winterchaos-2022.invalid.json", 1, "Europe/Zurich"],
  ];
  const SUBMISSION = "pretalx-api/submission.docs-example.jsonc";
  const paths = [...COUNTS.map(([path]) => path), SUBMISSION];
  const texts = new Map(await Promise.all(paths.map(async (path) => [path, await readSample(path)] as const)));
  const CAMP = "frab-json/cccamp-2019.json";

  for (const [path, count, zone] of COUNTS) {
    it.skipIf(texts.get(path) === null)(`${path}: ${count} sessions, every one timed`, () => {
      const event = importFrabJson(texts.get(path)!, opts);
      expect(event.sessions).toHaveLength(count);
      expect(event.timeZone).toBe(zone);
      expect(Event.parse(event)).toEqual(event);
      expect(event.sessions.every((s) => s.start && s.end && s.room && s.sourceId)).toBe(true);
      expect(new Set(event.sessions.map((s) => s.sourceId)).size).toBe(count);
    });
    it.skipIf(texts.get(path) === null)(`${path}: refused when cut short`, () => {
      const text = texts.get(path)!;
      const error = importError(text.slice(0, Math.floor(text.length / 2)));
      expect(error.line).toBeGreaterThan(1);
      expect(error.message).toMatch(/not valid JSON at column \d+: .*cut short/);
    });
  }

  it.skipIf(texts.get(CAMP) === null)(
    "cccamp-2019: links and attachments (on base_url) are related links, none is notes",
    () => {
      const event = importFrabJson(texts.get(CAMP)!, opts);
      const links = event.sessions.flatMap((s) => s.links ?? []);
      expect(event.sessions.flatMap((s) => s.notes)).toEqual([]);
      expect(links).toContainEqual({
        url: "https://fahrplan.events.ccc.de/system/event_attachments/attachments/000/003/792/original/Hacking_Containers_and_Kubernetes.pdf?1566398735",
        title: "Slides",
      });
      expect(event.sessions[0]).toMatchObject({
        id: "opening-ceremony",
        start: "2019-08-21T09:00:00Z",
        end: "2019-08-21T09:30:00Z",
        hosts: ["jinxx", "smtw"],
      });
      expect(event.sessions.map((s) => s.description).join("\n")).not.toMatch(/<\/?(?:p|a|li|ul|br|b)\b/);
    },
  );

  it.skipIf(texts.get(SUBMISSION) === null)(`${SUBMISSION}: a submission, not a schedule`, () => {
    expect(importError(texts.get(SUBMISSION)!).message).toMatch(
      /^line 1: a pretalx submission \(one talk\), not a schedule/,
    );
  });
});
