// The text rules (domain/text.ts) and the limits the schemas enforce where input enters (domain/limits.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdminAction, Change, NotesEvent } from "../../src/domain/changes.ts";
import { Event, NoteLink, Session } from "../../src/domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_EXCERPT_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_IMPORT_TEXT_BYTES,
  MAX_LABEL_CHARS,
  MAX_NOTE_LINKS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_TEXT_BYTES,
  MAX_URL_CHARS,
} from "../../src/domain/limits.ts";
import { cleanLine, cleanText, cutText, fitLine, fitText, measureUtf8 } from "../../src/domain/text.ts";
import { ImportError } from "../../src/import/errors.ts";
import { importWikiPage } from "../../src/import/wiki.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";

// Bidi embeddings, overrides and isolates; DEL and C1; C0 but TAB, LF, CR.
const BIDI = ["\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069"];
const UNSAFE = /[\0-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]/u;

describe("cleanText and cleanLine", () => {
  it("remove bidi controls, DEL and C1 from text, keeping TAB, LF and CR", () => {
    expect(cleanText(`a${BIDI.join("")}b\u007F\u0080\u009Fc\t\n\r\u0000\u001Bd`)).toBe("abc\t\n\rd");
    // The "Trojan Source" title: it displays as "Xen Toolstacks" reversed in part, it is stored as written.
    expect(cleanText("Xen \u202Eskcatsloot\u202C")).toBe("Xen skcatsloot");
    expect(cleanText("pair 😀, lone \uD800")).toBe("pair 😀, lone ");
  });

  it("make one line: controls and line breaks become spaces, blanks fold, ends trimmed", () => {
    expect(cleanLine("  Xen\r\nand\u2028ARM\u0085now\t\u0007x  ")).toBe("Xen and ARM now x");
    expect(cleanLine("Xen\u202E \u2066Toolstacks\u2069")).toBe("Xen Toolstacks");
  });

  it("leave no unsafe character and no line break in any text", () => {
    const unit = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.constantFrom(...BIDI, "\u0085", "\u2028", "\r\n", "\uD800", "\u007F"),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (text) => {
        expect(cleanText(text)).not.toMatch(UNSAFE);
        expect(cleanLine(text)).not.toMatch(/[\p{Cc}\u2028\u2029]|[\uD800-\uDFFF]/u);
        expect(cleanLine(text).isWellFormed()).toBe(true);
      }),
    );
  });
});

describe("cutText, fitLine and fitText", () => {
  it("keep a text at the limit and cut a longer one with an ellipsis, never inside a surrogate pair", () => {
    expect(cutText("abc", 3)).toBe("abc");
    expect(cutText("abcd", 3)).toBe("ab…");
    expect(cutText("a😀b", 3)).toBe("a…");
    expect(cutText("ab 😀", 4)).toBe("ab…");
  });

  it("cut a 2 MB title to its limit, cleaned, as cutting the cleaned whole would", () => {
    const huge = "<&>\"'\u202E\n".repeat(300_000);
    const line = fitLine(huge, MAX_SESSION_TITLE_CHARS);
    expect(line).toHaveLength(MAX_SESSION_TITLE_CHARS);
    expect(line).toBe(cutText(cleanLine(huge), MAX_SESSION_TITLE_CHARS));
    expect(fitText(huge, MAX_EXCERPT_CHARS)).toBe(cutText(cleanText(huge), MAX_EXCERPT_CHARS));
  });

  it("mark a cut even when cleaning empties what is kept", () => {
    expect(fitLine(`ab${"\u0000".repeat(50)}cd`, 10)).toBe("ab …");
  });

  it("are idempotent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), fc.integer({ min: 2, max: 30 }), (text, max) => {
        expect(fitLine(fitLine(text, max), max)).toBe(fitLine(text, max));
        expect(fitLine(text, max).length).toBeLessThanOrEqual(max);
        expect(fitText(text, max).length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe("measureUtf8", () => {
  it("counts UTF-8 bytes as TextEncoder writes them, lone surrogates included", () => {
    const unit = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.constantFrom("\uD800", "\uDC00", "€", "😀"),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 50 }), (text) => {
        expect(measureUtf8(text)).toBe(new TextEncoder().encode(text).byteLength);
      }),
    );
  });
});

describe("schemas where input enters", () => {
  const session = buildTestSession();
  const notes = {
    type: "notes.updated",
    event: "test-summit-2026",
    session: "xen-toolstacks",
    url: "https://hackmd.io/a",
  };

  it("measure notes and import text in UTF-8 bytes, not UTF-16 units", () => {
    expect(NotesEvent.safeParse({ ...notes, text: "x".repeat(MAX_TEXT_BYTES) }).success).toBe(true);
    expect(NotesEvent.safeParse({ ...notes, text: "x".repeat(MAX_TEXT_BYTES + 1) }).success).toBe(false);
    // 400,000 three-byte characters: far under the limit in string length, over it in bytes.
    const euros = "€".repeat(400_000);
    expect(euros.length).toBeLessThan(MAX_TEXT_BYTES);
    const refused = NotesEvent.safeParse({ ...notes, text: euros });
    expect(refused.error?.issues.map((i) => i.message)).toEqual([
      `Too big: expected at most ${MAX_TEXT_BYTES} bytes of UTF-8`,
    ]);
    const importing = { action: "event.import", event: "x", title: "X" };
    expect(AdminAction.safeParse({ ...importing, text: "€".repeat(MAX_IMPORT_TEXT_BYTES / 4) }).success).toBe(true);
    expect(AdminAction.safeParse({ ...importing, text: euros }).success).toBe(false);
  });

  it.each([
    ["title", { title: "x".repeat(MAX_SESSION_TITLE_CHARS + 1) }],
    ["empty title", { title: "\u202E\u0000 " }],
    ["description", { description: "x".repeat(MAX_DESCRIPTION_CHARS + 1) }],
    ["host", { hosts: ["x".repeat(MAX_HOST_CHARS + 1)] }],
    ["hosts", { hosts: Array.from({ length: MAX_HOSTS + 1 }, (_, i) => `Host ${i}`) }],
    [
      "notes",
      {
        notes: Array.from({ length: MAX_NOTE_LINKS + 1 }, (_, i) => ({
          ...session.notes[0]!,
          url: `https://hackmd.io/${i}`,
        })),
      },
    ],
  ])("refuses a session with too long a %s", (_, overrides) => {
    expect(Session.safeParse({ ...session, ...overrides }).success).toBe(false);
  });

  it("takes every field at its limit", () => {
    const full = {
      ...session,
      title: "t".repeat(MAX_SESSION_TITLE_CHARS),
      description: "d".repeat(MAX_DESCRIPTION_CHARS),
      hosts: Array.from({ length: MAX_HOSTS }, () => "h".repeat(MAX_HOST_CHARS)),
      notes: Array.from({ length: MAX_NOTE_LINKS }, (_, i) => ({
        ...session.notes[1]!,
        url: `https://hackmd.io/${i}`.padEnd(MAX_URL_CHARS, "x"),
        label: "l".repeat(MAX_LABEL_CHARS),
      })),
    };
    expect(Session.safeParse(full).error).toBeUndefined();
  });

  it("refuses a notes URL or label over its limit", () => {
    const link = session.notes[1]!;
    expect(NoteLink.safeParse({ ...link, url: `https://hackmd.io/${"x".repeat(MAX_URL_CHARS)}` }).success).toBe(false);
    expect(NoteLink.safeParse({ ...link, label: "x".repeat(MAX_LABEL_CHARS + 1) }).success).toBe(false);
  });

  it("cleans titles, hosts, labels and descriptions as it parses them", () => {
    const parsed = Event.parse(
      buildTestEvent({
        title: "Test\u202E Summit\u0000",
        sessions: [
          {
            ...session,
            title: "Xen\u2066 Toolstacks\r\n",
            hosts: ["Ada\u202D Lovelace"],
            description: "Line one\u0007\nline two\u2069",
            notes: [{ ...session.notes[1]!, label: "live\u202E notes" }],
          },
        ],
      }),
    );
    expect(parsed.title).toBe("Test Summit");
    expect(parsed.sessions[0]).toMatchObject({
      title: "Xen Toolstacks",
      hosts: ["Ada Lovelace"],
      description: "Line one\nline two",
      notes: [{ label: "live notes" }],
    });
  });

  it("cuts a change's texts rather than refusing them: old rows must still be read", () => {
    const change = Change.parse({
      id: "chg_1",
      event: "test-summit-2026",
      seq: 1,
      session: "xen-toolstacks",
      sessionTitle: `Xen\u202E ${"&".repeat(2_000_000)}`,
      type: "notes.updated",
      url: "https://hackmd.io/a",
      summary: "s".repeat(2_000_000),
      excerpt: "<&>\"'".repeat(400_000),
      linesAdded: 1,
      linesRemoved: 0,
      at: "2026-11-27T10:00:00.000Z",
    });
    expect(change.sessionTitle).toHaveLength(MAX_SESSION_TITLE_CHARS);
    expect(change.sessionTitle!.startsWith("Xen &&&")).toBe(true);
    expect(change.summary).toHaveLength(MAX_SUMMARY_CHARS);
    expect(change.excerpt).toHaveLength(MAX_EXCERPT_CHARS);
    expect(change.excerpt.endsWith("…")).toBe(true);
  });
});

describe("the importer", () => {
  const opts = { eventId: "summit", title: "Summit" };

  it("cleans what it imports with the same schemas", () => {
    const event = importWikiPage("Design Sessions\n== Xen\u202E on Arm ==\nAbout\u2066 Arm.", opts);
    expect(event.sessions[0]).toMatchObject({ title: "Xen on Arm", description: "About Arm." });
  });

  it("refuses a page with a title over the limit, naming its line", () => {
    const title = "T".repeat(MAX_SESSION_TITLE_CHARS + 1);
    let error: unknown;
    try {
      importWikiPage(`Design Sessions\n== Alpha ==\nAbout alpha.\n== ${title} ==\nAbout it.`, opts);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).line).toBe(4);
  });
});
