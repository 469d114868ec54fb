// The text reader (reST and Markdown session lists) and the detection that sends a document to it, not to wiki.
import { describe, expect, it } from "vitest";
import type { Event, Session } from "../../src/domain/event.ts";
import { MAX_SESSIONS } from "../../src/domain/limits.ts";
import { detectFormat, importSchedule } from "../../src/import/index.ts";
import { importText } from "../../src/import/text.ts";
import { readSample } from "../helpers/samples.ts";
import seed from "../../data/sources/design-sessions-2019.txt?raw";
import source2019 from "../fixtures/design-sessions-2019.wiki?raw";
import markdown from "../fixtures/import/text/summit.md?raw";
import rst from "../fixtures/import/text/summit.rst?raw";
import { catchImportError } from "../helpers/imports.ts";

const WIKI_FIXTURES = import.meta.glob<string>("../fixtures/import/wiki/*", {
  query: "?raw",
  import: "default",
  eager: true,
});
const opts = { eventId: "summit-2026", title: "Summit 2026" };
const austin = await readSample("text/openstack-summit-austin-2016-session-notes.rst");

const refusal = (text: string) => catchImportError(() => importText(text, opts));

const byTitle = (event: Event, title: string): Session => {
  const session = event.sessions.find((s) => s.title === title);
  if (!session) throw new Error(`no session "${title}" in ${event.sessions.map((s) => s.title).join(", ")}`);
  return session;
};

describe.skipIf(austin === null)("the OpenStack Summit Austin 2016 notes (reST sample)", () => {
  const event = austin === null ? undefined : importText(austin, opts);

  it("reads 17 sessions with 11 etherpad notes links, no times and no source ids", () => {
    expect(detectFormat(austin!)).toBe("text");
    expect(event!.sessions).toHaveLength(17);
    const notes = event!.sessions.flatMap((s) => s.notes);
    expect(notes).toHaveLength(11);
    expect(notes.every((n) => n.kind === "etherpad" && n.url.startsWith("https://etherpad.openstack.org/p/"))).toBe(
      true,
    );
    expect(event!.sessions.filter((s) => s.notesPublished)).toHaveLength(11);
    expect(event!.sessions.some((s) => s.start || s.end || s.sourceId)).toBe(false);
    // The title and the day headings are not sessions; neither is the "To-Do" beside the days.
    expect(event!.sessions.map((s) => s.title)).not.toContain("To-Do");
    expect(event!.sessions[0]).toMatchObject({
      id: "operations-guide-fishbowl",
      title: "Operations Guide Fishbowl",
      notes: [{ url: "https://etherpad.openstack.org/p/AUS-ops-Docs-ops-guide", kind: "etherpad" }],
    });
    expect(event!.sessions[0]!.description).toMatch(
      /^- HP is going task based information that is accessed through search\. EPPO\.\n- Dead tree is dead\./,
    );
    expect(event!.sessions.at(-1)).toMatchObject({
      title: "Documentation Contributors Meetup",
      description: "Much work was discussed. Some was even accomplished.",
    });
  });

  it("keeps nested list items as one flat list, and definitions and labelled links as text", () => {
    expect(byTitle(event!, "Meet the OpenStack Personae (So Far)").description).toMatch(
      /^- Workshop @Rackspace Austin\n- Attributes\n- cloud roles\n- Workshop @IBM Design Austin\n/,
    );
    const sphinx = byTitle(event!, "A Problem: Single Sourcing with Sphinx");
    expect(sphinx.description).toContain(
      "\n\ngit sub-module: these are difficult to set up and to get everyone using them correctly\n\n",
    );
    expect(
      sphinx.description.endsWith("\n\nPelican Static Site Generator, Powered by Python (http://blog.getpelican.com/)"),
    ).toBe(true);
    expect(sphinx.links).toEqual([
      { url: "http://blog.getpelican.com/", title: "Pelican Static Site Generator, Powered by Python" },
    ]);
  });

  it("takes URL lines as related links when they are not pads, and drops directives", () => {
    const split = byTitle(event!, "Cross Project workshops: Brainstorm format for design summit split event");
    expect(split.notes).toEqual([]);
    expect(split.links).toEqual([
      { url: "http://ttx.re/splitting-out-design-summit.html" },
      { url: "http://lists.openstack.org/pipermail/openstack-dev/2016-February/087161.html" },
    ]);
    expect(split.description).toMatch(/^Most people are agreed that a change would be beneficial/);
    const guide = byTitle(event!, "Contributor Guide work session");
    expect(guide.description).toMatch(/^Work items\n\n- improve doc-tools documentation/);
    expect(guide.description).not.toContain("..");
  });
});

describe("reStructuredText", () => {
  const event = importText(rst, opts);

  it("takes the level most of whose headings hold something as the sessions, the overlined title aside", () => {
    expect(event.sessions.map((s) => [s.id, s.title])).toEqual([
      ["kernel-live-patching", "Kernel live patching"],
      ["toolstack-futures", "Toolstack futures"],
      ["hallway-track", "Hallway track"],
    ]);
  });

  it("reads links, inline markup, lists, subsections and a too-short underline as description", () => {
    const kernel = event.sessions[0]!;
    expect(kernel.notes).toEqual([
      { url: "https://etherpad.example.org/p/livepatch", kind: "etherpad", watchable: true },
    ]);
    expect(kernel.notesPublished).toBe(true);
    expect(kernel.links).toEqual([{ url: "https://docs.example.org/livepatch.html", title: "design document" }]);
    expect(kernel.description).toBe(
      [
        "See the design document (https://docs.example.org/livepatch.html) and the klp tool's README.",
        "- first item, wrapped\n- second item\n- nested item",
        "Open questions",
        "A subsection stays in its session.",
        "Too short",
        "The underline above is shorter than its title: no heading, so this stays in the session too.",
      ].join("\n\n"),
    );
  });

  it("reads a labelled wiki or list link as notes by its label, definitions as 'term: definition'", () => {
    const toolstack = event.sessions[1]!;
    expect(toolstack.notes).toEqual([
      {
        url: "https://lists.example.org/archives/2026-02/msg00042.html",
        kind: "mailing-list",
        label: "Minutes",
        watchable: true,
      },
    ]);
    expect(toolstack.description).toBe(
      [
        "Minutes (https://lists.example.org/archives/2026-02/msg00042.html)",
        "Option A: keep libxl as it is",
        "Option B: rewrite it:",
        "$ xl create guest.cfg",
      ].join("\n\n"),
    );
    // What is under the day-level "Wrap-up" and under the title belongs to no session.
    expect(event.sessions[2]).toMatchObject({ title: "Hallway track", description: "", notesPublished: false });
    expect(JSON.stringify(event)).not.toMatch(/speakers|introduction|logo|comment/i);
  });

  it("is detected and read through importSchedule", () => {
    expect(detectFormat(rst)).toBe("text");
    expect(importSchedule(rst, opts)).toEqual(event);
  });
});

describe("Markdown", () => {
  const event = importText(markdown, opts);

  it("reads ATX and setext headings: the setext title aside, days above sessions, a subheading inside one", () => {
    expect(detectFormat(markdown)).toBe("text");
    expect(event.sessions.map((s) => [s.id, s.title])).toEqual([
      ["release-process", "Release process"],
      ["ci", "CI"],
      ["security", "Security"],
      ["docs-website", "Docs & website"],
    ]);
  });

  it("reads links, emphasis, code, fenced code and lists; a comment is nothing", () => {
    const [release, ci, security, docs] = event.sessions;
    expect(release!.notes).toEqual([
      { url: "https://hackmd.io/release-2026", kind: "hackmd", label: "pad", watchable: true },
    ]);
    expect(release!.links).toEqual([{ url: "https://slides.example.org/release.pdf" }]);
    expect(release!.description).toBe(
      "Notes: pad (https://hackmd.io/release-2026), slides at https://slides.example.org/release.pdf\n\n" +
        "- Decision: keep the six-month cadence, as agreed in my_branch_name\n- Owner: release-team",
    );
    expect(ci!.description).toBe(
      "# not a heading: fenced code\nmake check\n\nAction items\n\n- fix the flaky test\n- ask infra",
    );
    expect(security!.notes.map((n) => n.url)).toEqual(["https://pad.example.org/p/security"]);
    expect(security!.description).toBe("");
    expect(docs).toMatchObject({ description: "", notes: [], notesPublished: false });
    expect(JSON.stringify(event)).not.toContain("Not a session");
  });

  it("reads CRLF line ends as LF", () => {
    expect(importText(markdown.replace(/\n/g, "\r\n"), opts)).toEqual(event);
  });

  it("takes a level of headings that all hold text as sessions, with no document title", () => {
    const flat = importText("# One\nhttps://hackmd.io/one\n\n# Two\nText of two.\n", opts);
    expect(flat.sessions.map((s) => [s.title, s.description, s.notes.length])).toEqual([
      ["One", "", 1],
      ["Two", "Text of two.", 0],
    ]);
  });

  it("takes the deepest level when no level's headings mostly hold text (a bare list of titles)", () => {
    const bare = importText(
      "Day one\n=======\n\nAlpha\n-----\n\nBeta\n----\n\nDay two\n=======\n\nGamma\n-----\n",
      opts,
    );
    expect(bare.sessions.map((s) => s.title)).toEqual(["Alpha", "Beta", "Gamma"]);
  });
});

describe("refusal", () => {
  it("refuses a document without headings, naming line 1", () => {
    const e = refusal("Some prose.\n\nhttps://etherpad.example.org/p/x\n");
    expect(e.line).toBe(1);
    expect(e.message).toMatch(/no session headings/);
  });

  it("reads an underline shorter than its title as text: no heading, refused", () => {
    expect(refusal("Session one\n---\nhttps://etherpad.example.org/p/x\n").line).toBe(1);
  });

  it("refuses a document whose only heading is its title, naming the title's line", () => {
    const e = refusal("=======\n Title\n=======\n\nIntroduction only.\n");
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/document's title/);
  });

  it("refuses more sessions than an event holds, naming the first one too many", () => {
    const text = Array.from({ length: MAX_SESSIONS + 1 }, (_, i) => `# S${i}\n`).join("\n");
    const e = refusal(text);
    expect(e.line).toBe(2 * MAX_SESSIONS + 1);
    expect(e.message).toMatch(/more than/);
  });
});

describe("detection", () => {
  it("keeps every wiki page (wikitext and reader copies) a wiki page", () => {
    const pages = { "data/sources/design-sessions-2019.txt": seed, "design-sessions-2019.wiki": source2019 };
    const all = Object.entries({ ...pages, ...WIKI_FIXTURES });
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const [name, text] of all) expect([name, detectFormat(text)]).toEqual([name, "wiki"]);
  });

  it("does not take a wiki page's numbered list or rule for text headings", () => {
    const wikitext = "== Sessions ==\n=== Virtio ===\n# first\n# second\n\nAB\n----\n\nCD\n----\n";
    expect(detectFormat(wikitext)).toBe("wiki");
    // One heading alone is not a session list either.
    expect(detectFormat("Design Sessions\n\nNotes\n-----\nhttps://hackmd.io/x\n")).toBe("wiki");
    expect(detectFormat("# Notes\nhttps://hackmd.io/x\n")).toBe("wiki");
    // A title starts a block: a paragraph's last line above a rule is no heading.
    expect(detectFormat("Design Sessions\nAB\n----\n\nVirtio\nCD\n----\n")).toBe("wiki");
    // Nor is a line of text before a rule that is shorter than it.
    expect(detectFormat("A long line of prose\n----\n\nAnother long line\n----\n")).toBe("wiki");
  });

  it("sends two reST or Markdown headings to the text reader", () => {
    expect(detectFormat("Alpha\n=====\ntext\n\nBeta\n====\ntext\n")).toBe("text");
    expect(detectFormat("# Alpha\ntext\n\n## Beta\ntext\n")).toBe("text");
  });
});
