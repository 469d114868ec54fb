// What every schedule importer shares: local times to UTC, and which links are notes.
import { describe, expect, it } from "vitest";
import { ImportError } from "../../src/import/errors.ts";
import { detectFormat } from "../../src/import/index.ts";
import { buildSessionLinks, findUrls } from "../../src/import/links.ts";
import { parseDurationMinutes, readOffsetTime, toUtc } from "../../src/import/time.ts";
import { buildScheduleUrl } from "../../src/watch/sources.ts";
import { readSample } from "../helpers/samples.ts";

describe("toUtc", () => {
  it("converts wall-clock time in a zone, summer and winter", () => {
    expect(toUtc("2010-02-06 09:00", "Europe/Brussels", "start")).toBe("2010-02-06T08:00:00Z");
    expect(toUtc("2023-09-10T14:30:00", "Asia/Kolkata", "start")).toBe("2023-09-10T09:00:00Z");
    expect(toUtc("2019-07-09 10:15", "Europe/Paris", "start")).toBe("2019-07-09T08:15:00Z");
    expect(toUtc("2020-01-13 09:00", "Australia/Queensland", "start")).toBe("2020-01-12T23:00:00Z");
  });
  it("reads a skipped time with the offset before the change, a repeated one as the first", () => {
    expect(toUtc("2026-03-29 02:30", "Europe/Brussels", "start")).toBe("2026-03-29T01:30:00Z");
    expect(toUtc("2026-10-25 02:30", "Europe/Brussels", "start")).toBe("2026-10-25T00:30:00Z");
  });
  it("refuses what is not a time, naming where", () => {
    expect(() => toUtc("tomorrow", "UTC", "days[0].start")).toThrow(ImportError);
    expect(() => toUtc("2026-02-30 10:00", "UTC", "x")).toThrow(/not a valid date/);
  });
  it("reads instants with their UTC offset, and nothing else", () => {
    expect(readOffsetTime("2017-12-27T10:00:00+01:00", "start")).toBe("2017-12-27T09:00:00Z");
    expect(readOffsetTime("2026-03-02T18:00Z", "start")).toBe("2026-03-02T18:00:00Z");
    expect(readOffsetTime("2026-03-02T18:00:00.500-0530", "start")).toBe("2026-03-02T23:30:00Z");
    expect(() => readOffsetTime("2026-03-02 18:00", "slot.start")).toThrow(/^slot\.start: .*UTC offset/);
    expect(() => readOffsetTime("2026-02-30T10:00:00Z", "x")).toThrow(/not a valid date/);
    expect(() => readOffsetTime("2026-13-01T10:00:00Z", "x")).toThrow(/not a valid date/);
  });
  it("reads frab durations", () => {
    expect(parseDurationMinutes("01:30", "d")).toBe(90);
    expect(parseDurationMinutes("0:25", "d")).toBe(25);
    expect(parseDurationMinutes("45", "d")).toBe(45);
    expect(() => parseDurationMinutes("an hour", "d")).toThrow(/duration/);
  });
});

describe("links", () => {
  it("finds URLs in prose without what glued onto them", () => {
    expect(
      findUrls(
        "Notes: https://pad.example.org/p/38c3-foo&gt; and (see https://hackmd.io/abc). Or https://x.org/a_(b).",
      ),
    ).toEqual(["https://pad.example.org/p/38c3-foo", "https://hackmd.io/abc", "https://x.org/a_(b)"]);
  });
  it("keeps notes apart from related links, and never takes a look-alike for a pad", () => {
    const { notes, links } = buildSessionLinks(
      [
        { url: "https://launchpad.net/bugs/1", title: "bug" },
        { url: "https://www.example.org/", title: "Project homepage" },
        { url: "https://hackmd.io/xyz", title: "Notes" },
        { url: "https://wiki.example.org/Meeting", title: "Minutes" },
        { url: "https://wiki.example.org/Project", title: "Project wiki" },
      ],
      ["Bring your padlocks! Notes go to https://etherpad.wikimedia.org/p/foo."],
    );
    expect(notes.map((n) => [n.url, n.kind])).toEqual([
      ["https://hackmd.io/xyz", "hackmd"],
      ["https://wiki.example.org/Meeting", "wiki"],
      ["https://etherpad.wikimedia.org/p/foo", "etherpad"],
    ]);
    expect(links.map((l) => l.url)).toEqual([
      "https://launchpad.net/bugs/1",
      "https://www.example.org/",
      "https://wiki.example.org/Project",
    ]);
  });
});

describe("buildScheduleUrl", () => {
  it("reads a MediaWiki page as its wikitext, in either URL form, and anything else as it is", () => {
    expect(buildScheduleUrl("https://wiki.xenproject.org/wiki/Design_Sessions_2019")).toBe(
      "https://wiki.xenproject.org/wiki/Design_Sessions_2019?action=raw",
    );
    expect(buildScheduleUrl("https://en.example.org/w/index.php?title=Design_Sessions&oldid=5")).toBe(
      "https://en.example.org/w/index.php?title=Design_Sessions&oldid=5&action=raw",
    );
    expect(buildScheduleUrl("https://pretalx.example.org/conf/schedule/export/schedule.json")).toBe(
      "https://pretalx.example.org/conf/schedule/export/schedule.json",
    );
  });
});

describe("detectFormat: JSON documents", async () => {
  // The rule: a ptgbot state has `slots` and `schedule` objects and no `schedule.conference`; pretalx API
  // submissions are objects with `code`, `title` and `submission_type` or `speakers` (one, a list, or a page's
  // `results`); any other JSON, or JSON that does not parse, goes to frab-json, whose reader says what is wrong.
  const SAMPLES: [string, string][] = [
    ["frab-json/cccamp-2019.json", "frab-json"],
    ["frab-json/pretalx-democon.json", "frab-json"],
    ["frab-json/rc3-channels-2020.pretalx.json", "frab-json"],
    ["frab-json/38c3-hub.v2-example.json", "frab-json"],
    ["frab-json/winterchaos-2022.invalid.json", "frab-json"],
    ["ptgbot/openstack-ptg-denver-2018.json", "ptgbot"],
    ["pretalx-api/submission.docs-example.jsonc", "pretalx-api"],
  ];
  const texts = new Map(await Promise.all(SAMPLES.map(async ([path]) => [path, await readSample(path)] as const)));
  for (const [path, format] of SAMPLES) {
    it.skipIf(texts.get(path) === null)(`sample ${path} is ${format}`, () => {
      expect(detectFormat(texts.get(path)!)).toBe(format);
    });
  }

  const FIXTURES = import.meta.glob<string>("../fixtures/import/**/*.{json,jsonc}", {
    query: "?raw",
    import: "default",
    eager: true,
  });
  it("detects every JSON fixture as the format its folder names", () => {
    const found = Object.entries(FIXTURES).map(([path, text]) => [path, detectFormat(text)]);
    expect(found.length).toBeGreaterThanOrEqual(3);
    for (const [path, format] of found) expect(path).toContain(`/import/${format}/`);
  });

  it("tells the JSON shapes apart", () => {
    const submission = { code: "ABCDE", title: "A talk", submission_type: "Talk" };
    expect(detectFormat(JSON.stringify({ slots: {}, schedule: {} }))).toBe("ptgbot");
    expect(detectFormat(JSON.stringify({ slots: {}, schedule: { conference: {} } }))).toBe("frab-json");
    expect(detectFormat(JSON.stringify({ slots: [], schedule: {} }))).toBe("frab-json");
    expect(detectFormat(JSON.stringify(submission))).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify({ code: "ABCDE", title: "A talk", speakers: [] }))).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify({ code: "ABCDE", title: "A talk" }))).toBe("frab-json");
    expect(detectFormat(JSON.stringify([submission, submission]))).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify([submission, { title: "x" }]))).toBe("frab-json");
    expect(detectFormat(JSON.stringify({ count: 1, next: null, results: [submission] }))).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify({ count: 0, next: null, results: [] }))).toBe("frab-json");
    expect(detectFormat(`/* docs */\n// and a line\n${JSON.stringify(submission)}`)).toBe("pretalx-api");
    expect(detectFormat("[]")).toBe("frab-json");
    expect(detectFormat('{"slots": {}, "schedule": {')).toBe("frab-json");
  });
});
