import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/domain/event.ts";
import { ImportError } from "../../src/import/errors.ts";
import { isPadUrl } from "../../src/import/links.ts";
import { importWikiPage } from "../../src/import/wiki.ts";

// Generates design-session pages in both forms (reader copy and MediaWiki source) and checks that the importer
// reads them back, or, for a page cut anywhere, keeps every URL that is still whole or refuses the page.

const WORDS = [
  "virtio",
  "toolstack",
  "build",
  "rust",
  "nested",
  "boot",
  "timer",
  "scheduler",
  "memory",
  "grant",
  "table",
  "design",
  "review",
  "release",
  "security",
  "patch",
  "device",
  "model",
  "guest",
  "hypervisor",
  "live",
  "update",
  "cache",
  "driver",
  "queue",
  "kernel",
  "console",
  "power",
  "fuzzing",
  "arm",
  "x86",
  "abi",
];
const URL_BASES = [
  "https://hackmd.io/",
  "https://cryptpad.fr/pad/#/2/pad/edit/",
  "https://lists.xenproject.org/archives/html/xen-devel/2019-07/msg",
  "https://wiki.xenproject.org/wiki/",
  "https://etherpad.example.org/p/",
  "http://example.org/notes/",
];
const URL_TAILS = ["", "/", "#00709", ".html"];

const words = (min: number, max: number) => fc.array(fc.constantFrom(...WORDS), { minLength: min, maxLength: max });
const url = fc.record({
  base: fc.constantFrom(...URL_BASES),
  token: fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/),
  tail: fc.constantFrom(...URL_TAILS),
});
type UrlSpec = typeof url extends fc.Arbitrary<infer T> ? T : never;

// Sentences end in "."; a question alone on a line reads as a title in a reader copy, as "A new book on Xen?" does.
const sentence = fc.record({
  words: words(3, 12),
  url: fc.option(fc.record({ url, at: fc.nat(), label: words(0, 2) })),
});
const paragraph = fc.record({
  sentences: fc.array(sentence, { minLength: 1, maxLength: 4 }),
  list: fc.option(fc.array(words(1, 4), { minLength: 2, maxLength: 4 })),
});
const link = fc.record({ url, comment: words(0, 3), bullet: fc.constantFrom("* ", "- ", ""), bracket: fc.boolean() });
const session = fc.record({
  title: words(1, 6),
  question: fc.boolean(),
  paragraphs: fc.array(paragraph, { minLength: 1, maxLength: 3 }),
  links: fc.array(link, { maxLength: 3 }),
  notes: fc.constantFrom("none", "block", "inline"),
  marker: fc.constantFrom("For notes, see", "See", "Notes:"),
  tag: fc.boolean(),
});
const page = fc.record({
  source: fc.boolean(),
  sections: fc.boolean(),
  published: fc.nat(),
  chrome: fc.boolean(),
  width: fc.integer({ min: 60, max: 95 }),
  sessions: fc.array(session, { minLength: 1, maxLength: 6 }),
});
type PageSpec = typeof page extends fc.Arbitrary<infer T> ? T : never;

interface Expected {
  title: string;
  published: boolean;
  notes: string[];
  descriptionUrls: string[];
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const w of text.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + w.length <= width) lines[lines.length - 1] = `${last} ${w}`;
    else lines.push(w);
  }
  return lines;
}

/** Renders a page and what the importer should find on it; every URL gets a distinct fixed-width index. */
function render(spec: PageSpec): { text: string; expected: Expected[] } {
  let counter = 0;
  const urlOf = (u: UrlSpec) => `${u.base}${u.token}-${String(counter++).padStart(3, "0")}${u.tail}`;
  const out = [
    "Design Sessions 2019",
    ...(spec.chrome && !spec.source ? ["From Xen", "Jump to navigationJump to search"] : []),
  ];
  const published = spec.published % (spec.sessions.length + 1);
  const expected: Expected[] = [];
  for (const [k, s] of spec.sessions.entries()) {
    if (spec.sections && (k === 0 || k === published)) {
      const section = `Sessions ${k < published ? "with" : "without"} published notes`;
      out.push(spec.source ? `== ${section} ==` : section);
    }
    const title = capitalize(s.title.join(" ")) + (s.question ? "?" : "");
    out.push(spec.source ? (spec.sections ? `=== ${title} ===` : `== ${title} ==`) : title);
    if (s.tag) out.push("<syntaxhighlight>");
    const descriptionUrls: string[] = [];
    for (const [p, para] of s.paragraphs.entries()) {
      const list = p < s.paragraphs.length - 1 ? para.list : null; // a description ends in prose
      const text = para.sentences
        .map((sen, i) => {
          const ws = [...sen.words];
          if (sen.url) {
            const u = urlOf(sen.url.url);
            descriptionUrls.push(u);
            const label = sen.url.label.join(" ");
            ws.splice(1 + (sen.url.at % ws.length), 0, spec.source && label ? `[${u} ${label}]` : u);
          }
          return capitalize(ws.join(" ")) + (list && i === para.sentences.length - 1 ? ":" : ".");
        })
        .join(" ");
      out.push(...wrap(text, spec.width));
      if (list) out.push(...list.map((item) => `${spec.source ? "*" : "-"} ${item.join(" ")}`));
      if (spec.source) out.push("");
    }
    if (s.tag) out.push("</syntaxhighlight>");
    const notes = s.links.map((l) => ({ ...l, url: urlOf(l.url) }));
    const linkText = (l: (typeof notes)[number]) => {
      const comment = l.comment.join(" ");
      if (spec.source && l.bracket) return comment ? `[${l.url} ${comment}]` : `[${l.url}]`;
      return comment ? `${l.url} (${comment})` : l.url;
    };
    if (s.notes === "inline" && notes.length > 0) {
      out.push(`See ${linkText(notes[0]!)}`, ...notes.slice(1).map((l) => l.bullet + linkText(l)));
    } else if (s.notes !== "none" || notes.length > 0) {
      out.push(s.marker, ...notes.map((l) => l.bullet + linkText(l)));
    }
    // In the MediaWiki source a URL is a link (outside a code block), and a link to a pad is notes wherever it is.
    const padUrls = spec.source && !s.tag ? descriptionUrls.filter(isPadUrl) : [];
    const notesUrls = [...notes.map((l) => l.url), ...padUrls];
    expected.push({
      title,
      published: spec.sections ? k < published : notesUrls.length > 0,
      notes: notesUrls,
      descriptionUrls,
    });
  }
  if (spec.chrome)
    out.push(
      spec.source
        ? "[[Category:Developers]]"
        : 'Retrieved from "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019"',
    );
  return { text: out.join("\n"), expected };
}

const opts = { eventId: "generated", title: "Generated" };

function tryImport(text: string): Event | ImportError {
  try {
    return importWikiPage(text, opts);
  } catch (e) {
    if (e instanceof ImportError) return e;
    throw e;
  }
}

describe("importWikiPage on generated pages", () => {
  it("reads whole pages back, and keeps every URL of a cut page or refuses it", { timeout: 600000 }, () => {
    fc.assert(
      fc.property(page, fc.option(fc.nat(), { freq: 3 }), (spec, cutAt) => {
        const { text, expected } = render(spec);
        if (cutAt === null) {
          const event = importWikiPage(text, opts);
          expect(event.sessions.map((s) => [s.title, s.notesPublished, s.notes.map((n) => n.url)])).toEqual(
            expected.map((e) => [e.title, e.published, e.notes]),
          );
          for (const [k, e] of expected.entries())
            for (const u of e.descriptionUrls) expect(event.sessions[k]!.description).toContain(u);
          return;
        }
        const cut = text.slice(0, cutAt % (text.length + 1));
        const result = tryImport(cut);
        if (result instanceof ImportError) return;
        const cutLine = cut.slice(cut.lastIndexOf("\n") + 1);
        result.sessions.forEach((s, k) => {
          const title = expected[k]!.title;
          if (k < result.sessions.length - 1) expect(s.title).toBe(title);
          else expect(title.startsWith(s.title)).toBe(true);
        });
        for (const [k, e] of expected.entries()) {
          const s = result.sessions[k];
          for (const u of e.notes.filter((u) => cut.includes(u))) {
            // A link on the cut line may have lost its bracket or marker and be read as description.
            if (cutLine.includes(u)) expect(s?.notes.some((n) => n.url === u) || s?.description.includes(u)).toBe(true);
            else expect(s?.notes.map((n) => n.url)).toContain(u);
          }
          for (const u of e.descriptionUrls.filter((u) => cut.includes(u))) expect(s?.description).toContain(u);
        }
      }),
      { numRuns: 300 },
    );
  });
});
