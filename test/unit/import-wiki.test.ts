import { describe, expect, it } from "vitest";
import type { Event, Session } from "../../src/domain/event.ts";
import { MAX_SESSIONS, MAX_WIKITEXT_BYTES } from "../../src/domain/limits.ts";
import { ImportError } from "../../src/import/errors.ts";
import { importWikiPage } from "../../src/import/wiki.ts";
import seed from "../../data/sources/design-sessions-2019.txt?raw";
import source from "../fixtures/design-sessions-2019.wiki?raw";
import combinedCopy from "../fixtures/import/wiki/combined-2017-2018.txt?raw";
import combinedSource from "../fixtures/import/wiki/combined-2017-2018.wiki?raw";
import diffView from "../fixtures/import/wiki/diff-view.txt?raw";
import revisionBanner from "../fixtures/import/wiki/revision-banner.txt?raw";
import revisionOlderSkin from "../fixtures/import/wiki/revision-older-skin.txt?raw";
import tableOfContents from "../fixtures/import/wiki/table-of-contents.txt?raw";
import tracks from "../fixtures/import/wiki/tracks.wiki?raw";
import { catchImportError } from "../helpers/imports.ts";

const opts = { eventId: "xen-design-sessions-2019", title: "Xen Design Sessions 2019" };
const thread = (n: string) => `https://lists.xenproject.org/archives/html/xen-devel/2019-07/threads.html#${n}`;
const list = (url: string) => ({ url, kind: "mailing-list", watchable: true });
const hackmd = (url: string) => ({ url, kind: "hackmd", watchable: true });

const PUBLISHED: [string, object[]][] = [
  ["Agreeing priorities for the next year", []],
  ["osstest before push to nonrewinding branch - aka Branch management", [list(thread("00709"))]],
  ["Build System gripes", [list(thread("00786"))]],
  ["Further defences for speculative sidechannels", []],
  ["Xen Toolstacks", [list(thread("00789")), hackmd("https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ")]],
  ["Xen Distros", [list(thread("00791")), hackmd("https://hackmd.io/vmacVBYbQiORJ9H4_a9Ivw")]],
  [
    "Live Updating Xen",
    [
      { url: "https://cryptpad.fr/pad/#/2/pad/edit/fCwXg1GmSXXG8bc4ridHAsnR/", kind: "cryptpad", watchable: false },
      { url: "https://wiki.xen.org/wiki/Live-Updating_Xen", kind: "wiki", watchable: true },
      list(thread("00834")),
    ],
  ],
  ["Virtio", []],
  ["Technical debt in the Xen ecosystem (inc libxc/xenstored discussion)", []],
  ["Rust and Xen", []],
  [
    "Community Issues / Improvements - Communication, Code of Conduct, etc.",
    [{ ...hackmd("https://hackmd.io/jaQAUyLDRDaVY5KNCpqdEg"), label: "these need work" }],
  ],
];
const UNPUBLISHED = [
  "A Journey through Unikraft's Build System",
  "Exposing hardware-backed CPU timers to limit overhead from Xen's software timers",
  "LivePatch improvements and features",
  "Xen Adventures in Edge Computing",
  "Run-time control of Speculative mitigation facilities",
  "A new book on Xen?",
  "Nested virtualization",
  "Multi-domain build system",
  "Xen hypercall ABI rework",
  "Xen on RISC-V",
];

const event = importWikiPage(seed, opts);
const session = (e: Event, title: string): Session => {
  const found = e.sessions.find((s) => s.title === title);
  if (!found) throw new Error(`no session ${title}`);
  return found;
};
const paragraphs = (title: string) => session(event, title).description.split("\n\n");

const importError = (text: string) => catchImportError(() => importWikiPage(text, opts));

describe("importWikiPage on the 2019 seed (reader copy)", () => {
  it("finds the 21 sessions in page order, with their notes", () => {
    expect(event.id).toBe("xen-design-sessions-2019");
    expect(event.title).toBe("Xen Design Sessions 2019");
    expect(event.sessions.map((s) => [s.title, s.notesPublished, s.notes])).toEqual([
      ...PUBLISHED.map(([title, notes]) => [title, true, notes]),
      ...UNPUBLISHED.map((title) => [title, false, []]),
    ]);
    expect(event.sessions.every((s) => s.hosts.length === 0)).toBe(true);
  });

  it("builds ids from titles", () => {
    expect(event.sessions.map((s) => s.id)).toContain("xen-toolstacks");
    expect(session(event, "A new book on Xen?").id).toBe("a-new-book-on-xen");
    expect(session(event, "Technical debt in the Xen ecosystem (inc libxc/xenstored discussion)").id).toBe(
      "technical-debt-in-the-xen-ecosystem-inc-libxc-xenstored-discussion",
    );
    expect(new Set(event.sessions.map((s) => s.id)).size).toBe(21);
  });

  it("keeps chrome, tags, notes markers and notes URLs out of descriptions", () => {
    const notesUrls = event.sessions.flatMap((s) => s.notes.map((n) => n.url));
    for (const s of event.sessions) {
      for (const junk of [
        "From Xen",
        "Jump to",
        "<syntaxhighlight>",
        "For notes, see",
        "Notes:",
        "Sessions with",
        ...notesUrls,
      ]) {
        expect(s.description).not.toContain(junk);
      }
      expect(s.description).not.toMatch(/^See\b/m);
      expect(s.description).not.toMatch(/\n{3}|^\s|\s$/);
    }
    expect(session(event, "Build System gripes").description).toBe("");
  });

  it("keeps the URLs of descriptions verbatim", () => {
    expect(session(event, UNPUBLISHED[1]!).description).toContain(
      "(see https://github.com/torvalds/linux/commit/2ec16bc0fc7ab544f2d405fd4fdd0d717c5ec0c5).",
    );
    const riscv = session(event, "Xen on RISC-V").description;
    expect(riscv).toContain("both members of https://chipsalliance.org.");
    expect(riscv).toContain(
      "https://content.riscv.org/wp-content/uploads/2017/12/Tue0942-riscv-hypervisor-waterman.pdf",
    );
  });

  it("joins wrapped lines and keeps paragraphs and lists", () => {
    expect(paragraphs("Agreeing priorities for the next year")).toEqual([
      expect.stringMatching(/^This is an attempt .* development and community priorities .* more quickly\.$/),
      "Attendees are expected to",
      "- a) Propose major developments in the works or pipeline\n- b) Vote / provide input on how important these are",
    ]);
    expect(paragraphs("Virtio").slice(1)).toEqual([
      "The topics expected to be discussed during the sessions are:",
      "- Transport to be used\n- How to prevent backend to access all the guest memory\n- Sketch a plan and potential contributors",
    ]);
    expect(
      paragraphs("Community Issues / Improvements - Communication, Code of Conduct, etc.")[1]!.split("\n"),
    ).toEqual([
      "- Do we need a Code of Conduct?",
      "- How can we make Xen Project more welcoming for newcomers?",
      "- How do we communicate better and more effectively on the mailing list",
      "- Feedback: we don't set expectations very well (e.g. around cover letters and in other areas)",
      "- We struggle with things such as bikeshedding",
      "- We don't seem to be good at resolving disagreements effectively (even though we have formal mechanisms in place)",
      "- Frequently communication on xen-devel@ comes across as unfriendly: is there a way to do this better? We don't have the same issues on IRC",
    ]);
    expect(paragraphs("LivePatch improvements and features")).toEqual([
      "Development plans for LivePatch on Xen:",
      [
        "- Support for module parameters",
        "- Additional hooks support",
        "- Concept of expectations",
        "- inline assembly patching",
        "- Replaceable apply/revert actions",
        "- Fixes and improvements for stacked modules",
      ].join("\n"),
    ]);
    expect(paragraphs("Nested virtualization")[2]).toBe(
      "- Nested VMX/SVM\n- PV-Shim\n- Xen Blanket\n- uXen (Type-2 Xen)\n- Xendbg and VMI for nested workloads",
    );
    expect(paragraphs("Xen Toolstacks").slice(-2)).toEqual([
      "A couple of options:",
      "- Make a daemon which links against libxl and exposes that functionality in a backwards-compatible manner\n" +
        "- Make the Xen ABI fully backwards compatible, so that upgrades to Xen will work with older libraries",
    ]);
    const timers = paragraphs(UNPUBLISHED[1]!);
    expect(timers[0]).toBe("Problem to Solve");
    expect(timers).toContain("Attendee Contributions");
    expect(timers).toContain("Preparation");
    expect(paragraphs("Xen hypercall ABI rework").at(-1)).toBe(
      "During the session, I would expect collect potential other issues and trying to sketch a new ABI.",
    );
  });

  it("reads the same page with CRLF line ends, blank lines between paragraphs and the footer chrome", () => {
    expect(importWikiPage(seed.replaceAll("\n", "\r\n"), opts)).toEqual(event);
    const footer =
      '\nRetrieved from "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019"\nCategories: Developers\nNavigation menu\nPersonal tools';
    expect(importWikiPage(seed + footer, opts)).toEqual(event);
    const spaced = importWikiPage(
      seed
        .replace("devices.\nRelated work", "devices.\n\nRelated work")
        .replace("\nSessions without", "\n\nSessions without"),
      opts,
    );
    expect(spaced).toEqual(event);
  });
});

describe("importWikiPage on MediaWiki source", () => {
  const wiki = importWikiPage(source, opts);

  it("finds the same sessions, ids and links as the reader copy", () => {
    const shape = (e: Event) =>
      e.sessions.map((s) => [s.id, s.title, s.notesPublished, s.notes.map((n) => [n.url, n.kind, n.watchable])]);
    expect(shape(wiki)).toEqual(shape(event));
    expect(session(wiki, "Build System gripes").notes[0]?.label).toBe("xen-devel thread");
    expect(session(wiki, "A new book on Xen?").title).toBe("A new book on Xen?");
  });

  it("turns markup into plain text paragraphs and lists", () => {
    const agreeing = session(wiki, "Agreeing priorities for the next year").description;
    expect(agreeing).toBe(session(event, "Agreeing priorities for the next year").description);
    expect(session(wiki, "Virtio").description).toContain("\n\n- Transport to be used\n- How to prevent");
    const timers = session(wiki, UNPUBLISHED[1]!).description;
    expect(timers.split("\n\n")[0]).toBe("Problem to Solve");
    expect(timers).toContain(
      "(see commit 2ec16bc (https://github.com/torvalds/linux/commit/2ec16bc0fc7ab544f2d405fd4fdd0d717c5ec0c5)).",
    );
    for (const s of wiki.sessions)
      expect(s.description).not.toMatch(/'''|<\/?syntaxhighlight>|\[https?:|\[\[|==|^\* /m);
  });

  it("keeps deeper headings as subheadings and drops the preamble", () => {
    const page = [
      "Design Sessions",
      "Intro text about the summit.",
      "== Sessions with published notes ==",
      "=== Alpha ===",
      "==== Scheduling ====",
      "The credit2 scheduler.",
      "=== Beta ===",
      "We met again.",
    ].join("\n");
    expect(importWikiPage(page, opts).sessions.map((s) => [s.title, s.description])).toEqual([
      ["Alpha", "Scheduling\n\nThe credit2 scheduler."],
      ["Beta", "We met again."],
    ]);
  });
});

describe("importWikiPage on other pages", () => {
  it("without section lines, a session's notes are published iff it has a link", () => {
    const page = [
      "Design Sessions",
      "Alpha",
      "About alpha.",
      "See https://hackmd.io/a",
      "Beta",
      "About beta.",
      "For notes, see",
    ].join("\n");
    expect(importWikiPage(page, opts).sessions.map((s) => [s.id, s.notesPublished])).toEqual([
      ["alpha", true],
      ["beta", false],
    ]);
  });

  it("suffixes ids of titles that slug the same", () => {
    const page = ["Design Sessions", "== Rust ==", "One.", "== rust! ==", "Two.", "== RUST ==", "Three."].join("\n");
    expect(importWikiPage(page, opts).sessions.map((s) => s.id)).toEqual(["rust", "rust-2", "rust-3"]);
  });

  it("takes an inline link's trailing comment as its label", () => {
    const page = [
      "Design Sessions",
      "Alpha",
      "About alpha.",
      "See https://hackmd.io/a (draft)",
      "* https://etherpad.example.org/p/alpha",
    ].join("\n");
    expect(importWikiPage(page, opts).sessions[0]?.notes).toEqual([
      { url: "https://hackmd.io/a", kind: "hackmd", label: "draft", watchable: true },
      { url: "https://etherpad.example.org/p/alpha", kind: "etherpad", watchable: true },
    ]);
  });
});

// Copies of the Xen page that the importer once read furniture from (issue 10): each imports exactly its sessions.
const TOOLSTACKS_NOTES = [thread("00789"), "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ"];
/** Title, notes published, track and notes URLs of each session, in page order. */
const outline = (e: Event) => e.sessions.map((s) => [s.title, s.notesPublished, s.track, s.notes.map((n) => n.url)]);
const FURNITURE =
  /Revision as of|talk \| contribs|Older revision|Older edit|Jump to|From Xen|No edit summary|intermediate revision|Line \d+:|Retrieved from|Categories|Contents|\t|→/;

describe("importWikiPage on copies with page furniture", () => {
  it("drops a revision banner, its edit summary and the revision links", () => {
    const e = importWikiPage(revisionBanner, opts);
    expect(outline(e)).toEqual([
      ["Build System gripes", true, undefined, [thread("00786")]],
      ["Xen Toolstacks", true, undefined, TOOLSTACKS_NOTES],
      ["Virtio", false, undefined, []],
    ]);
    for (const s of e.sessions) expect(s.description).not.toMatch(FURNITURE);
  });

  it("keeps the title after an older skin's banner and jump links a title, and stops at the footer", () => {
    const e = importWikiPage(revisionOlderSkin, opts);
    expect(outline(e)).toEqual([
      ["Branch management (related to CI v2)", true, undefined, [thread("00709")]],
      ["Build System gripes", true, undefined, [thread("00786")]],
      ["Rust and Xen", false, undefined, []],
    ]);
    expect(e.sessions[0]!.id).toBe("branch-management-related-to-ci-v2");
    expect(e.sessions[0]!.description).toMatch(/^Right now, if a bad commit [\s\S]* How \?$/);
    for (const s of e.sessions) expect(s.description).not.toMatch(FURNITURE);
  });

  it("drops the table of contents, on several lines or on one", () => {
    const expected = [
      ["Build System gripes", true, undefined, [thread("00786")]],
      ["Xen Toolstacks", true, undefined, [TOOLSTACKS_NOTES[1]]],
      ["Virtio", false, undefined, []],
    ];
    const e = importWikiPage(tableOfContents, opts);
    expect(outline(e)).toEqual(expected);
    for (const s of e.sessions) expect(s.description).not.toMatch(FURNITURE);
    const oneLine = tableOfContents.replace(
      /^Contents \[hide\]\n(?:\d.*\n)+/m,
      "Contents [hide] 1 Sessions with published notes 1.1 Build System gripes 1.2 Xen Toolstacks 2 Sessions without published notes 2.1 Virtio\n",
    );
    expect(oneLine).not.toBe(tableOfContents);
    expect(importWikiPage(oneLine, opts)).toEqual(e);
  });

  it("reads a diff view as the revision under it: neither column of the diff is a session", () => {
    const e = importWikiPage(diffView, opts);
    expect(outline(e)).toEqual([
      ["osstest before push to nonrewinding branch - aka Branch management", true, undefined, [thread("00709")]],
      ["Build System gripes", true, undefined, [thread("00786")]],
      ["Virtio", false, undefined, []],
    ]);
    for (const s of e.sessions) expect(s.description).not.toMatch(FURNITURE);
    expect(importWikiPage(diffView.replaceAll("\n", "\r\n"), opts)).toEqual(e);
  });

  it("reads a combined page's years as tracks, never as sessions, with unique ids", () => {
    const e = importWikiPage(combinedCopy, opts);
    expect(outline(e)).toEqual([
      ["Xen Toolstacks", true, "2018", [TOOLSTACKS_NOTES[1]]],
      ["Virtio", false, "2018", []],
      ["Xen Toolstacks", true, "2017", ["https://lists.xenproject.org/archives/html/xen-devel/2017-07/msg01234.html"]],
      ["Nested virtualization", false, "2017", []],
    ]);
    expect(e.sessions.map((s) => s.id)).toEqual([
      "xen-toolstacks",
      "virtio",
      "xen-toolstacks-2",
      "nested-virtualization",
    ]);
    for (const s of e.sessions) expect(s.description).not.toMatch(FURNITURE);
  });
});

describe("importWikiPage on MediaWiki source with years, tracks and markup", () => {
  it("reads a combined page: years and statuses are sections, templates and categories are not content", () => {
    const e = importWikiPage(combinedSource, opts);
    expect(outline(e)).toEqual([
      ["Xen Toolstacks", true, "2018", ["https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ"]],
      ["Virtio", true, "2018", ["https://cryptpad.fr/pad/#/2/pad/edit/fCwXg1GmSXXG8bc4ridHAsnR/"]],
      ["Nested virtualization", false, "2018", []],
      ["Xen Toolstacks", true, "2017", ["https://lists.xenproject.org/archives/html/xen-devel/2017-07/msg01234.html"]],
      ["Live Updating Xen", false, "2017", []],
    ]);
    expect(e.sessions.map((s) => s.id)).toEqual([
      "xen-toolstacks",
      "virtio",
      "nested-virtualization",
      "xen-toolstacks-2",
      "live-updating-xen",
    ]);
    const [toolstacks, virtio, nested] = e.sessions;
    expect(toolstacks!.notes[0]!.label).toBe("HackMD");
    expect(toolstacks!.links).toEqual([{ url: "https://xenbits.xen.org/docs/unstable/", title: "documentation" }]);
    expect(toolstacks!.description).toBe(
      "We have python and partial golang bindings for some of the toolstack libraries, but these may break and need " +
        "recompilation when upgrading to a new version of . See the documentation (https://xenbits.xen.org/docs/unstable/).",
    );
    // A pad named in a description is notes (an end-to-end encrypted one, never fetched).
    expect(virtio!.notes[0]).toMatchObject({ kind: "cryptpad", watchable: false });
    expect(virtio!.description).toMatch(/^There is an interest on Xen on Arm to support virtio on Xen\. Notes will be/);
    expect(nested!.description).toBe("Hardware-assisted nested virtualization is becoming more popular.");
    for (const s of e.sessions) expect(s.description).not.toMatch(/\{\{|\}\}|__|Category|\[\[|''|draft|not-a-session/);
  });

  it("reads a track from a heading that holds only sessions, or from Track: X; a heading outside the sections is none", () => {
    const e = importWikiPage(tracks, opts);
    expect(outline(e)).toEqual([
      [
        "Further defences for speculative sidechannels",
        true,
        "Security",
        ["https://etherpad.example.org/p/sidechannels"],
      ],
      ["Run-time control of Speculative mitigation facilities", true, "Security", []],
      ["Xen hypercall ABI rework", true, "Arm", []],
      ["LivePatch improvements and features", false, "Security", []],
    ]);
    const abi = e.sessions[2]!;
    expect(abi.description).toBe(
      "The current hypercall ABI have some issues on Arm.\n\n- Issue | Proposal\n" +
        "- Guest virtual addresses | XSA-295 (https://xenbits.xen.org/xsa/advisory-295.html)",
    );
    expect(abi.links).toEqual([{ url: "https://xenbits.xen.org/xsa/advisory-295.html", title: "XSA-295" }]);
  });

  it("names the line of a link that no session keeps", () => {
    expect(importError(`${tracks}* [https://example.org/related Related]\n`).line).toBe(tracks.split("\n").length);
    expect(
      importError("== Sessions with published notes ==\nSee [https://example.org/x x]\n=== Alpha ===\nA.").line,
    ).toBe(2);
  });
});

/** Strips list marks and wrapping, so that only the words are compared. */
const words = (text: string) => text.replace(/^- /gm, "").replace(/\s+/g, " ").trim();

/** A cut page imports the sessions before the cut exactly, and the cut session as far as the page goes. */
function expectFaithfulPrefix(cut: string): "imported" | "refused" {
  let partial: Event;
  try {
    partial = importWikiPage(cut, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return "refused";
  }
  const n = partial.sessions.length;
  expect(n).toBeLessThanOrEqual(event.sessions.length);
  expect(partial.sessions.slice(0, n - 1)).toEqual(event.sessions.slice(0, n - 1));
  const last = partial.sessions[n - 1]!;
  const whole = event.sessions[n - 1]!;
  expect(whole.title.startsWith(last.title)).toBe(true);
  expect(last.notesPublished).toBe(whole.notesPublished);
  expect(last.notes.length).toBeLessThanOrEqual(whole.notes.length);
  last.notes.forEach((link, i) => expect(whole.notes[i]!.url.startsWith(link.url)).toBe(true));
  const cutLine = cut.slice(cut.lastIndexOf("\n") + 1).trim();
  const description = last.description.endsWith(cutLine)
    ? last.description.slice(0, -cutLine.length)
    : last.description;
  expect(words(whole.description).startsWith(words(description))).toBe(true);
  return "imported";
}

describe("importWikiPage on cut copies of the seed", () => {
  it("imports a faithful prefix or refuses, wherever the page is cut", () => {
    // Every line end and every third character: cutting at every character takes seconds and finds the same.
    const ends = new Set([...seed.matchAll(/\n/g)].map((m) => m.index + 1));
    for (let end = 1; end < seed.length; end += 3) ends.add(end);
    const outcomes = { imported: 0, refused: 0 };
    for (const end of ends) outcomes[expectFaithfulPrefix(seed.slice(0, end))]++;
    expect(outcomes.imported).toBeGreaterThan(outcomes.refused);
  });

  it("refuses a page cut where a title cannot be told from description", () => {
    const upTo = (text: string) => seed.slice(0, seed.indexOf(text) + text.length);
    expect(importError(upTo("Xen Toolstacks")).line).toBe(28);
    expect(importError(upTo("LivePatch improvements and features")).line).toBe(127);
    expect(importError(upTo("Xen Adventures in Edge Computing\nSince Xen's")).reason).toMatch(
      /is a list item or a session title/,
    );
    expect(importError(upTo("Can we do the same for Xen and osstest ? How ?\nFor no")).line).toBe(17);
  });
});

describe("importWikiPage errors", () => {
  it("refuses pages without sessions", () => {
    expect(importError("").line).toBe(1);
    expect(
      importError("Design Sessions 2019\nFrom Xen\nJump to navigationJump to search\nSessions with published notes")
        .message,
    ).toMatch(/^line \d+: no design sessions/);
    expect(importError("\u0000\u0001\u0002").line).toBe(1);
  });

  it("names the line it cannot read", () => {
    const junk = importError("Design Sessions\n!!!\n???\n");
    expect(junk.line).toBe(2);
    expect(junk.message).toMatch(/^line 2: title "!!!" has no letters or digits/);
    expect(importError("Design Sessions\nFor notes, see\nAlpha\nAbout alpha.").line).toBe(2);
    expect(importError("Design Sessions\nAlpha\nAbout alpha.\nSee https://[bad\nBeta\nAbout beta.").message).toMatch(
      /^line 4: not a valid URL/,
    );
  });

  it("refuses to lose a URL", () => {
    const e = importError("Design Sessions\nAlpha https://hackmd.io/x\nAbout alpha.");
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/https:\/\/hackmd\.io\/x would be lost/);
    expect(
      importError("Design Sessions\nIntro, see the [https://example.org/cfp CFP]\n== Alpha ==\nAbout alpha.").line,
    ).toBe(2);
    expect(
      importError("Design Sessions\nAlpha\nAbout alpha.\nSee https://hackmd.io/a (mirror https://hackmd.io/b)").line,
    ).toBe(4);
  });
});

describe("importWikiPage on a page of too many sessions", () => {
  it("refuses it cleanly, naming the first session past the limit", () => {
    const page = (n: number) =>
      [
        "== Sessions without published notes ==",
        ...Array.from({ length: n }, (_, i) => `=== Talk ${i} ===\nAbout it.\n`),
      ].join("\n");
    expect(importWikiPage(page(MAX_SESSIONS), opts).sessions).toHaveLength(MAX_SESSIONS);
    const error = (() => {
      try {
        importWikiPage(page(MAX_SESSIONS + 1), opts);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ImportError);
    // Line 1 is the section heading; each session is 3 lines.
    expect((error as ImportError).message).toBe(`line ${2 + 3 * MAX_SESSIONS}: more than ${MAX_SESSIONS} sessions`);
  });
});

describe("importWikiPage on MediaWiki source past its size limit", () => {
  it("refuses it before parsing: a page anyone can edit must not cost seconds of CPU per fetch", () => {
    const line = "* [https://hackmd.io/x a] {{t}} [[L]] ''b''\n";
    const page = `== Sessions with published notes ==\n=== Talk ===\n${line.repeat(MAX_WIKITEXT_BYTES / line.length)}`;
    expect(() => importWikiPage(page, opts)).toThrow(
      new ImportError(1, `the wikitext is ${page.length} bytes; at most ${MAX_WIKITEXT_BYTES} are read`),
    );
  });
});
