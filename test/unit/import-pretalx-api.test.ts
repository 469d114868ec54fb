// pretalx REST API submissions: a hand-written page for the traps (both API versions, translated names, states
// off the programme, speakers' private notes, Markdown, resources that are notes or not), and the documentation's
// example in ../shared/samples.
import { describe, expect, it } from "vitest";
import { Event } from "../../src/domain/event.ts";
import { detectFormat, importSchedule } from "../../src/import/index.ts";
import { buildPlainTextFromMarkdown } from "../../src/import/markdown.ts";
import { importPretalxApi } from "../../src/import/pretalx-api.ts";
import { readSample } from "../helpers/samples.ts";
import page from "../fixtures/import/pretalx-api/page.json?raw";
import { catchImportError, editJson } from "../helpers/imports.ts";

const opts = { eventId: "conf-2026", title: "Conf 2026" };

const editPage = (edit: (doc: any) => void) => editJson(page, edit);

const importError = (text: string) => catchImportError(() => importPretalxApi(text, opts));

describe("importPretalxApi: a page of submissions", () => {
  const event = importPretalxApi(page, opts);
  const byCode = new Map(event.sessions.map((s) => [s.sourceId, s]));

  it("reads the submissions on the programme, in schedule order (start, then room as first listed)", () => {
    expect(event.sessions.map((s) => [s.id, s.sourceId, s.start ?? null, s.room ?? null])).toEqual([
      ["parallel", "SAME01", "2026-05-02T09:00:00Z", "Main Hall"],
      ["opening", "EARLY1", "2026-05-02T09:00:00Z", "Side Room"],
      ["closing", "LATE01", "2026-05-02T15:00:00Z", "Main Hall"],
      ["workshop", "UNSCH1", null, null],
    ]);
    // Withdrawn, rejected and still-in-review submissions are not sessions.
    expect(JSON.stringify(event)).not.toMatch(/GONE01|REJ001|NEW001/);
    expect(event.timeZone).toBeUndefined();
    expect(Event.parse(event)).toEqual(event);
  });

  it("reads the legacy API: slot with offsets made UTC, translated room and track, speakers' names", () => {
    expect(byCode.get("LATE01")).toMatchObject({
      title: "Closing",
      start: "2026-05-02T15:00:00Z",
      end: "2026-05-02T15:30:00Z",
      room: "Main Hall",
      track: "Community",
      hosts: ["Ada Lovelace"],
    });
    expect(byCode.get("SAME01")).toMatchObject({ room: "Main Hall", track: "Community", hosts: [] });
  });

  it("reads the current API when expanded: the earliest slot, names not ids, no speaker codes", () => {
    const opening = byCode.get("EARLY1")!;
    expect(opening).toMatchObject({
      start: "2026-05-02T09:00:00Z",
      end: "2026-05-02T09:45:00Z",
      room: "Side Room",
      hosts: ["Grace Hopper"],
    });
    expect(opening.track).toBeUndefined(); // an unexpanded track is only an id
    expect(opening.links).toBeUndefined(); // so are unexpanded resources
  });

  it("makes Markdown plain text, an abstract the same as the description once", () => {
    expect(byCode.get("LATE01")!.description).toBe(
      "What we learned this year.\n\nAgenda\n\n- the year in review\n- next year\n\n" +
        "Take notes at https://pad.example.org/p/closing-2026.",
    );
    expect(byCode.get("EARLY1")!.description).toBe(
      "Welcome to Conf *2026*: see the guide (https://conf.example.org/guide) and snake_case_names.",
    );
    expect(byCode.get("UNSCH1")!.description).toBe("");
  });

  it("takes notes from pads among resources and in the description, never from the speaker's notes to organisers", () => {
    const closing = byCode.get("LATE01")!;
    expect(closing.notes.map((n) => [n.url, n.kind, n.label])).toEqual([
      ["https://hackmd.io/closing-2026", "hackmd", "Shared notes"],
      ["https://pad.example.org/p/closing-2026", "etherpad", undefined],
    ]);
    expect(closing.notesPublished).toBe(true);
    // The handout is a relative path: no URL to keep.
    expect(closing.links).toEqual([{ url: "https://slides.example.org/closing.pdf", title: "Slides" }]);
    expect(JSON.stringify(event)).not.toMatch(/M&Ms|speaker-private|orga-only/);
  });

  it("reads a single submission and a plain list the same way", () => {
    const results = JSON.parse(page).results;
    expect(importPretalxApi(JSON.stringify(results), opts)).toEqual(event);
    const one = importPretalxApi(JSON.stringify(results[0]), opts);
    expect(one.sessions.map((s) => s.sourceId)).toEqual(["LATE01"]);
    const gone = importPretalxApi(JSON.stringify(results[1]), opts);
    expect(gone.sessions).toEqual([]);
  });

  it("is what detectFormat sends pretalx submissions to, in each shape", () => {
    const results = JSON.parse(page).results;
    expect(detectFormat(page)).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify(results))).toBe("pretalx-api");
    expect(detectFormat(JSON.stringify(results[0]))).toBe("pretalx-api");
    expect(detectFormat(`// a comment\n${JSON.stringify(results[4])}`)).toBe("pretalx-api");
    expect(importSchedule(page, opts)).toEqual(event);
  });
});

describe("importPretalxApi: refusals name where", () => {
  it("refuses a document cut short, naming the line", () => {
    const error = importError(page.slice(0, Math.floor(page.length / 2)));
    expect(error.line).toBeGreaterThan(1);
    expect(error.message).toMatch(/not valid JSON at column \d+: .*cut short/);
  });

  it("refuses one page of several: the rest would read as withdrawn", () => {
    const error = importError(
      editPage((doc) => (doc.next = "https://conf.example.org/api/events/conf/submissions/?offset=7")),
    );
    expect(error.where).toBe("next");
    expect(error.reason).toMatch(
      /^this is one page of 7 submissions .*: fetch every page and import them as one list$/,
    );
  });

  it("refuses a submission it cannot read, naming its path", () => {
    expect(importError(editPage((doc) => delete doc.results[4].title)).message).toBe("results[4].title: missing");
    const local = importError(editPage((doc) => (doc.results[0].slot.start = "2026-05-02 17:00")));
    expect(local.where).toBe("results[0].slot.start");
    expect(local.reason).toMatch(/UTC offset/);
    const backwards = importError(editPage((doc) => (doc.results[5].slot.end = "2026-05-02T08:00:00Z")));
    expect(backwards.message).toBe("results[5].slot.end: the session ends before it starts");
    const room = importError(editPage((doc) => (doc.results[0].slot.room = ["Main Hall"])));
    expect(room.where).toBe("results[0].slot.room");
    const twice = importError(editPage((doc) => (doc.results[6].code = "LATE01")));
    expect(twice.message).toBe("results[6].code: submission LATE01 is listed twice (also at results[0])");
    const list = importError(JSON.stringify([{ code: "A", title: "A", speakers: [{ name: 3 }] }]));
    expect(list.message).toBe("[0].speakers[0]: expected a speaker { name } or a code");
    expect(importError('"a talk"').message).toMatch(/^line 1: not pretalx API submissions/);
  });
});

describe("buildPlainTextFromMarkdown", () => {
  it("drops the marks and keeps what they mark", () => {
    expect(
      buildPlainTextFromMarkdown(
        "# Title #\n\n> quoted **bold** and __strong__, ~~gone~~\n\n+ one\n- two\n\n---\n\n1. first\n\n" +
          "![logo](https://x.org/logo.png) [https://x.org](https://x.org/) Q&amp;A\n\n```sh\n*not* [emphasis](x)\n```",
      ),
    ).toBe(
      "Title\n\nquoted bold and strong, gone\n\n- one\n- two\n\n1. first\n\nlogo https://x.org/ Q&A\n\n" +
        "*not* [emphasis](x)",
    );
  });
  it("leaves words with underscores and stars in maths alone", () => {
    expect(buildPlainTextFromMarkdown("use snake_case_names and 2 * 3 * 4")).toBe("use snake_case_names and 2 * 3 * 4");
  });
});

describe("importPretalxApi: the sample", async () => {
  const SAMPLE = "pretalx-api/submission.docs-example.jsonc";
  const text = await readSample(SAMPLE);

  it.skipIf(text === null)(`${SAMPLE}: one confirmed talk after its comment line`, () => {
    expect(detectFormat(text!)).toBe("pretalx-api");
    const event = importPretalxApi(text!, opts);
    expect(event.sessions).toEqual([
      {
        id: "a-talk",
        sourceId: "ABCDE",
        title: "A talk",
        description: "A good talk.\n\nI will expand upon the properties of the talk, primarily its high quality.",
        hosts: ["Jane"],
        notesPublished: false,
        notes: [],
        start: "2017-12-27T10:00:00Z",
        end: "2017-12-27T10:30:00Z",
        room: "R101",
      },
    ]);
  });

  it.skipIf(text === null)(`${SAMPLE}: refused when cut short, naming the line`, () => {
    const error = importError(text!.slice(0, Math.floor(text!.length / 2)));
    expect(error.line).toBeGreaterThan(2);
    expect(error.message).toMatch(/not valid JSON at column \d+: .*cut short/);
  });
});
