// Reads a "Design Sessions" wiki page into an Event: either the MediaWiki source of such a page (its wikitext,
// as `action=raw` gives it) or the reader copy (text copied from the page as a browser shows it).
//
// The MediaWiki source is parsed with a maintained wikitext parser (wikitext.ts). Headings below the section
// headings are sessions: a section heading says whether notes are published ("Sessions with(out) published
// notes"), or names a year or a track ("2018", "Track: Arm", or any heading that holds only deeper headings); it is
// never a session. Deeper headings are subheadings of a session's description. A notes marker ("For notes, see",
// "See", "Notes:") and the link lines under it give the session's notes; the other external links of a session
// are sorted by buildSessionLinks (pads are notes, the rest related links). Templates, magic words, categories
// and the table of contents are not content.
//
// The reader copy has lost its markup, so its page furniture (revision banners, "Jump to …", diff views, the table
// of contents: wiki-furniture.ts) is dropped first, and a title is told from prose by its context (heuristics):
// - Forced boundaries: the first line after a section line or after a notes block (a marker and the URL lines
//   under it) is a title, and so is every `== X ==` line.
// - Elsewhere a line is a title only if it is short (MAX_TITLE_LENGTH), does not end in , ; : or . (a title is
//   not a sentence), is not a list item or a subheading of the proposal form, its previous line ended a sentence
//   or was a short list item, and its next line is description that does not start lowercase (a lowercase start
//   continues a wrapped sentence). After a short list item the next line must also be long prose: a run of
//   short lines after "…:" is a list.
// - The last line decides nothing, since a copy may be cut anywhere: a line there that could be a title, or a
//   session resting on a last line that does not end a sentence, is refused rather than guessed.
// The source is recognised by a heading where the first session should start (the first line under the first
// section line, else the first line after the page title).
// Nothing is dropped silently: a URL of the page's content that ends up neither in a notes link nor in a
// description is an ImportError, like anything else the importer cannot read.
import { buildNoteLink, buildSlug, type Event, type NoteLink } from "../domain/event.ts";
import { MAX_WIKITEXT_BYTES } from "../domain/limits.ts";
import { measureUtf8 } from "../domain/text.ts";
import { ImportError } from "./errors.ts";
import { buildImportedEvent, buildSessionIds } from "./build.ts";
import { buildSessionLinks } from "./links.ts";
import { listContentLines } from "./wiki-furniture.ts";
import { readWikitext, renderParts, type WikiBlock, type WikiLink, type WikiPart } from "./wikitext.ts";

/** The seed's longest title has 80 characters; its wrapped prose runs up to 93 (a line of 91 follows a sentence end). */
const MAX_TITLE_LENGTH = 85;
/** Shorter lines are list-item sized; longer ones are wrapped prose. */
const SHORT_LINE = 60;
/** Subheadings of the Xen design-session proposal form: description, never titles. */
const FORM_SUBHEADINGS = new Set(["problem to solve", "attendee contributions", "preparation"]);

const STATUS_SECTION = /^sessions (with|without) published notes:?$/i;
/** A year alone, or with the words a page's heading puts around it: "2018", "Design Sessions 2018". */
const YEAR_SECTION =
  /^(?:(?:xen|project|developer|design|summit|sessions?|and|the|of|in)\s+)*((?:19|20)\d\d)(?:\s+(?:design\s+)?sessions?)?:?$/i;
const TRACK_SECTION = /^track\s*:\s*(.+)$/i;
const HEADING = /^(={1,6})(?!=)\s*(.+?)\s*(?<!=)\1$/;
const NOTES_MARKER = /^(?:for notes,?\s+see|see|notes)\s*:?(?:\s+(.+))?$/i;
const MARKER_WORDS = /^(?:for notes,?\s+see|see|notes)\s*:?$/i;
const LINK_LINE = /^(?:[*#-]+\s*)?(\[?https?:\/\/.*)$/;
const BRACKET_LINK = /^\[(https?:\/\/[^\s\]]+)(?:\s+([^\]]*))?\](.*)$/;
const BARE_LINK = /^(https?:\/\/\S+)(.*)$/;
const BRACKET_LINKS = /\[(https?:\/\/[^\s\]]+)(?:\s+([^\]]*))?\]/g;
const URLS = /https?:\/\/[^\s<>[\]"]+/g;
const BULLET = /^(?:[*#]+\s*|-\s+)/;
const LETTER_ITEM = /^[a-z0-9]\)\s/;
const SENTENCE_END = /[.?!]["'”’)\]]*$/;
const PARAGRAPH_END = /[.?!:]["'”’)\]]*$/;
const STRAY_TAG =
  /<\/?(?:syntaxhighlight|source|pre|nowiki|code|tt|br|div|span|p|small|big|center|blockquote)\b[^<>]*>/gi;
const EMPHASIS = /'{2,}/g;

/** What a section heading or line sets for the sessions under it: a status, or a track (a year is one). */
type Section = { published: boolean } | { track: string; year: boolean };

type Line = { no: number; text: string } & (
  | { kind: "blank" | "text" }
  | { kind: "section"; section: Section }
  | { kind: "heading"; level: number }
  | { kind: "marker"; link: WikiLink | undefined }
  | { kind: "link"; link: WikiLink }
);

interface Draft {
  title: string;
  line: number;
  /** Chosen by the title heuristics rather than a forced boundary or a heading. */
  inferred: boolean;
  published: boolean | undefined;
  track: string | undefined;
  notes: NoteLink[];
  /** Has a notes marker: its notes block, not the page's last line, ends its description. */
  marked: boolean;
  description: Description;
  /** Reader copy only: the lines its description was made from. */
  descriptionLines: Line[];
  /** MediaWiki source only: the external links of its title and description. */
  links: WikiLink[];
}

export function importWikiPage(text: string, opts: { eventId: string; title: string }): Event {
  const lines = readLines(text);
  // Where the first session starts (under the first section line, if any) tells the two forms apart.
  const first = lines
    .slice(lines.findIndex((l) => l.kind === "section") + 1)
    .find((l) => l.kind !== "blank" && l.kind !== "section");
  if (first?.kind === "heading" && measureUtf8(text) > MAX_WIKITEXT_BYTES)
    throw new ImportError(1, `the wikitext is ${measureUtf8(text)} bytes; at most ${MAX_WIKITEXT_BYTES} are read`);
  const source = first?.kind === "heading" ? parseSourcePage(text) : undefined;
  const drafts = source?.drafts ?? parseReaderPage(lines);
  if (drafts.length === 0) throw new ImportError(first?.no ?? 1, "no design sessions found on the page");

  for (const d of drafts) {
    if (!buildSlug(d.title))
      throw new ImportError(d.line, `title "${d.title}" has no letters or digits to build an id from`);
  }
  const ids = buildSessionIds(drafts);
  const sessions = drafts.map((d, i) => {
    const found = buildSessionLinks(d.links.map((l) => ({ url: l.url, title: l.label })));
    const noted = new Set(d.notes.map((n) => n.url));
    const notes = [...d.notes, ...found.notes.filter((n) => !noted.has(n.url))];
    const links = found.links.filter((l) => !noted.has(l.url));
    return {
      id: ids[i]!,
      title: d.title,
      description: d.description.render(),
      hosts: [],
      notesPublished: d.published ?? notes.length > 0,
      notes,
      ...(d.track ? { track: d.track } : {}),
      ...(links.length > 0 ? { links } : {}),
    };
  });
  const event = buildImportedEvent(opts, undefined, sessions, (i) => drafts[i]?.line);
  const lost = source ? source.lost : findLostUrl(lines, event);
  if (lost) {
    throw new ImportError(
      lost.line,
      `the URL ${lost.url} would be lost: it is neither a notes link nor in a description`,
    );
  }
  return event;
}

function readLines(text: string): Line[] {
  const raw = text.split(/\r\n?|\n/);
  let start = 0;
  while (start < raw.length && raw[start]!.trim() === "") start++;
  // The page title, which may name the year ("Design Sessions 2019").
  const title = start < raw.length ? classify(raw[start]!.trim(), 0) : undefined;
  if (title?.kind === "text" || (title?.kind === "section" && "year" in title.section && title.section.year)) start++;
  const lines: Line[] = [];
  for (const { no, text: source } of listContentLines(raw, start)) {
    const text = source.replace(STRAY_TAG, "").replace(EMPHASIS, "").trim();
    if (text || !source) lines.push(classify(text, no)); // a line of tags only is dropped, not a blank
  }
  return lines;
}

function readSection(text: string): Section | undefined {
  const status = STATUS_SECTION.exec(text);
  if (status) return { published: status[1]!.toLowerCase() === "with" };
  const year = YEAR_SECTION.exec(text);
  if (year) return { track: year[1]!, year: true };
  const track = TRACK_SECTION.exec(text);
  return track ? { track: track[1]!.trim(), year: false } : undefined;
}

function classify(text: string, no: number): Line {
  if (!text) return { no, text, kind: "blank" };
  const heading = HEADING.exec(text);
  const bare = heading ? heading[2]! : text;
  const section = readSection(bare);
  if (section) return { no, text, kind: "section", section };
  if (heading) return { no, text: bare, kind: "heading", level: heading[1]!.length };
  const marker = NOTES_MARKER.exec(text);
  if (marker) {
    const link = marker[1] === undefined ? undefined : parseLink(marker[1]);
    if (marker[1] === undefined || link) return { no, text, kind: "marker", link };
  }
  const linkLine = LINK_LINE.exec(text);
  const link = linkLine && parseLink(linkLine[1]!);
  if (link) return { no, text, kind: "link", link };
  return { no, text, kind: "text" };
}

/** `https://x (comment)`, `[https://x label]`; a trailing comment becomes the label. */
function parseLink(text: string): WikiLink | undefined {
  const bracket = BRACKET_LINK.exec(text);
  const bare = bracket ? null : BARE_LINK.exec(text);
  if (!bracket && !bare) return undefined;
  const url = bracket ? bracket[1]! : trimUrl(bare![1]!);
  const rest = bracket ? bracket[3]! : bare![1]!.slice(url.length) + bare![2]!;
  return { url, label: buildLabel(bracket?.[2], rest) };
}

/** A link's label: its own text, then the comment after it ("– (these need work)" → "these need work"). */
function buildLabel(text: string | undefined, rest: string): string | undefined {
  const comment = rest
    .replace(/^[\s.,;:!?–-]+/, "")
    .replace(/^\((.*)\)$/, "$1")
    .trim();
  return [text?.trim(), comment].filter(Boolean).join(" ") || undefined;
}

/** Sentence punctuation after a URL is not part of it. */
function trimUrl(url: string): string {
  return url.replace(/[.,;:!?]+$/, "");
}

/** `[https://x label]` → `label (https://x)`: a description keeps its URLs. */
function renderText(text: string): string {
  return text.replace(BRACKET_LINKS, (_, url: string, label: string | undefined) =>
    label?.trim() ? `${label.trim()} (${url})` : url,
  );
}

function parseReaderPage(lines: Line[]): Draft[] {
  const drafts: Draft[] = [];
  const last = lines.findLast((l) => l.kind !== "blank");
  let published: boolean | undefined;
  let track: string | undefined;
  let boundary = true; // the next plain line is a title
  let inNotes = false;
  let afterBlank = false;
  let prev: { line: Line; role: Role } | undefined; // the session's previous description line

  for (const [i, line] of lines.entries()) {
    const current = drafts.at(-1);
    if (line.kind === "blank") {
      current?.description.breakParagraph();
      afterBlank = true;
      continue;
    }
    if (line.kind === "section") {
      const { section } = line;
      if ("published" in section) published = section.published;
      else [track, published] = [section.track, section.year ? undefined : published]; // a year has its own sections
      boundary = true;
      inNotes = false;
    } else if (line.kind === "heading") {
      drafts.push(newDraft(line.text, line.no, published, track, false));
      boundary = inNotes = false;
      prev = undefined;
    } else if (line.kind === "marker" || (line.kind === "link" && inNotes)) {
      addNotes(current, line.no, line.text, line.link ? [line.link] : []);
      inNotes = true;
    } else if (boundary || inNotes) {
      if (line === last)
        throw new ImportError(line.no, `the page ends with the title "${line.text}": is it cut short?`);
      drafts.push(newDraft(line.text, line.no, published, track, false));
      boundary = inNotes = false;
      prev = undefined;
    } else if (current && prev && isTitleCandidate(line.text, prev, afterBlank)) {
      const next = nextContent(lines, i);
      if (!next)
        throw new ImportError(
          line.no,
          `cannot tell whether the last line "${line.text}" is a session title or description: is the page cut short?`,
        );
      const description = (next.kind === "text" || next.kind === "link") && !startsLowercase(next.text);
      if (description && prev.role === "item" && !isLongProse(next) && next === last) {
        throw new ImportError(
          line.no,
          `cannot tell whether "${line.text}" is a list item or a session title: is the page cut short?`,
        );
      }
      if (description && (prev.role !== "item" || isLongProse(next))) {
        drafts.push(newDraft(line.text, line.no, published, track, true));
        prev = undefined;
      } else {
        prev = { line, role: describeReaderLine(current, line, afterBlank ? undefined : prev, lines, i) };
      }
    } else if (current) {
      prev = { line, role: describeReaderLine(current, line, afterBlank ? undefined : prev, lines, i) };
    }
    afterBlank = false;
  }

  const final = drafts.at(-1);
  const only = final?.descriptionLines.length === 1 ? final.descriptionLines[0] : undefined;
  if (final?.inferred && !final.marked && only && only === last && !SENTENCE_END.test(last.text)) {
    throw new ImportError(
      last.no,
      `cannot tell whether "${final.title}" is a session title: the page ends right after it, mid-sentence`,
    );
  }
  return drafts;
}

type Role = "prose" | "item" | "continuation" | "subheading";

function isTitleCandidate(text: string, prev: { line: Line; role: Role }, afterBlank: boolean): boolean {
  const prevEnds =
    afterBlank || SENTENCE_END.test(prev.line.text) || (prev.role === "item" && prev.line.text.length <= SHORT_LINE);
  return (
    prevEnds &&
    text.length <= MAX_TITLE_LENGTH &&
    !/[,;:.]$/.test(text) &&
    listItemText(text) === undefined &&
    !isSubheading(text)
  );
}

/** Adds a reader-copy line to the description: a list item, the continuation of one, a subheading or prose. */
function describeReaderLine(
  draft: Draft,
  line: Line,
  prev: { line: Line; role: Role } | undefined,
  lines: Line[],
  i: number,
): Role {
  const d = draft.description;
  const text = renderText(line.text);
  draft.descriptionLines.push(line);
  if (isSubheading(text)) {
    d.subheading(text);
    return "subheading";
  }
  const item = listItemText(text);
  if (item !== undefined) {
    d.item(item);
    return "item";
  }
  const inList = prev !== undefined && (prev.role === "item" || prev.role === "continuation");
  if (inList && isContinuation(prev.line, line)) {
    d.continueItem(text);
    return "continuation";
  }
  if (inList || prev?.line.text.endsWith(":")) {
    // Unmarked items: short lines (unless a paragraph follows), or longer ones that wrap but end no sentence.
    const short = text.length <= SHORT_LINE && !SENTENCE_END.test(text) && !isLongProse(nextContent(lines, i));
    const wrapped = text.length > SHORT_LINE && !startsLowercase(text) && !SENTENCE_END.test(itemEnd(lines, i));
    if (short || wrapped) {
      d.item(text);
      return "item";
    }
  }
  const newParagraph = !prev || prev.role !== "prose" || (PARAGRAPH_END.test(prev.line.text) && !startsLowercase(text));
  d.prose(text, newParagraph);
  return "prose";
}

/** The last line of the item starting at `i`: lowercase lines after a long line continue it. */
function itemEnd(lines: Line[], i: number): string {
  let j = i;
  while (isContinuation(lines[j]!, lines[j + 1])) j++;
  return lines[j]!.text;
}

/** A wrapped line goes on when the next line starts lowercase after a long line. */
function isContinuation(line: Line, next: Line | undefined): boolean {
  return next?.kind === "text" && startsLowercase(next.text) && line.text.length > SHORT_LINE;
}

type Heading = WikiBlock & { kind: "heading" };

/** The MediaWiki source's sessions, and the first URL of its content that no session keeps (preamble, postamble). */
function parseSourcePage(text: string): { drafts: Draft[]; lost: { line: number; url: string } | undefined } {
  const blocks = readWikitext(text);
  const roles = assignHeadingRoles(blocks);
  const drafts: Draft[] = [];
  let lost: { line: number; url: string } | undefined;
  /** The open section headings, outermost first. */
  let scope: ({ level: number } & Partial<{ published: boolean; track: string }>)[] = [];
  let current: Draft | undefined;
  let inNotes = false;
  for (const block of blocks) {
    if (block.kind === "blank") {
      current?.description.breakParagraph();
      continue;
    }
    const links = block.parts.flatMap((p) => ("link" in p ? [p.link] : []));
    if (block.kind === "heading") {
      const role = roles.get(block)!;
      const title = renderTitle(block.parts);
      inNotes = false;
      if (role.kind === "session") {
        const published = scope.findLast((s) => s.published !== undefined)?.published;
        current = newDraft(title, block.line, published, scope.findLast((s) => s.track)?.track, false);
        current.links.push(...links);
        drafts.push(current);
      } else if (role.kind === "subheading" && current) {
        current.description.subheading(title);
        current.links.push(...links);
      } else {
        scope = scope.filter((s) => s.level < block.level);
        if (role.kind === "section") scope.push({ level: block.level, ...role.section });
        current = undefined;
        if (links[0]) lost ??= { line: block.line, url: links[0].url };
      }
      continue;
    }
    const notes = readNotesLine(block, inNotes);
    if (notes) {
      addNotes(current, block.line, renderParts(block.parts), notes);
      inNotes = true;
      continue;
    }
    inNotes = false;
    if (!current) {
      if (links[0]) lost ??= { line: block.line, url: links[0].url };
      continue;
    }
    current.links.push(...links);
    const line = renderParts(block.parts);
    const item = /[*#]/.test(block.list) ? line : listItemText(line);
    if (isSubheading(line)) current.description.subheading(line);
    else if (item !== undefined) current.description.item(item);
    else current.description.prose(line, false);
  }
  return { drafts, lost };
}

type HeadingRole = { kind: "section"; section: Section } | { kind: "session" | "subheading" | "outside" };

/**
 * What each heading of a source page is. Section headings name a status, a year or a track. Sessions are the
 * shallowest headings below them that are not groups (a heading with no text of its own and deeper headings under
 * it, e.g. a track): "below" a section heading means deeper than it where some session is (sessions nested under
 * "== Sessions with published notes =="), else after it at any level (a page that puts both at one level). On a
 * page without section headings every heading counts. A shallower heading between the sections and the sessions
 * names a track; a heading outside every section (an introduction, "See also") holds no sessions.
 */
function assignHeadingRoles(blocks: WikiBlock[]): Map<Heading, HeadingRole> {
  const headings = blocks.flatMap((b, i) => (b.kind === "heading" ? [{ block: b, i }] : []));
  const info = headings.map(({ block, i }, k) => {
    const next = headings[k + 1];
    const body = blocks.slice(i + 1, next?.i ?? blocks.length).some((b) => b.kind === "line");
    const title = renderTitle(block.parts);
    return {
      block,
      section: readSection(title),
      candidate: !isSubheading(title) && (body || !next || next.block.level <= block.level),
    };
  });
  const firstSection = info.findIndex((h) => h.section);
  const after = info.slice(Math.max(firstSection, 0));
  // Nested when a session candidate is deeper than a section heading before it.
  const nested = after.some(
    (h, k) => h.candidate && !h.section && after.slice(0, k).some((s) => s.section && s.block.level < h.block.level),
  );
  const levels = after.filter((h, k) => {
    if (!h.candidate || h.section) return false;
    return !nested || after.slice(0, k).some((s) => s.section && s.block.level < h.block.level);
  });
  const sessionLevel = Math.min(...levels.map((h) => h.block.level));

  const roles = new Map<Heading, HeadingRole>();
  let scope: number[] = []; // levels of the open section headings
  let inSession = false;
  for (const [k, { block, section }] of info.entries()) {
    const { level } = block;
    const inside = firstSection < 0 || (k > firstSection && (!nested || scope.some((l) => l < level)));
    let role: HeadingRole;
    if (section) role = { kind: "section", section };
    else if (!inside) role = { kind: "outside" };
    else if (level === sessionLevel) role = { kind: "session" };
    else if (level < sessionLevel)
      role = { kind: "section", section: { track: renderTitle(block.parts), year: false } };
    else role = { kind: inSession ? "subheading" : "outside" };
    if (role.kind === "section" || role.kind === "outside") {
      scope = scope.filter((l) => l < level);
      if (role.kind === "section") scope.push(level);
    }
    inSession = role.kind === "session" || (inSession && role.kind === "subheading");
    roles.set(block, role);
  }
  return roles;
}

/** A heading's text as the page shows it: links by their label. */
function renderTitle(parts: WikiPart[]): string {
  return renderParts(parts.map((p) => ("link" in p ? { text: p.link.label ?? p.link.url } : p)));
}

/**
 * The notes a source line gives: a marker ("For notes, see", "See [url thread]", "Notes:") with the links on it,
 * or, in a notes block, a line of links; undefined for description. A single link takes the comment after it
 * into its label, as in "[url] (these need work)".
 */
function readNotesLine(block: WikiBlock & { kind: "line" }, inNotes: boolean): WikiLink[] | undefined {
  const { parts } = block;
  const first = parts.findIndex((p) => "link" in p);
  const last = parts.findLastIndex((p) => "link" in p);
  const links = parts.flatMap((p) => ("link" in p ? [p.link] : []));
  const lead = renderParts(first < 0 ? parts : parts.slice(0, first));
  const isMarker = MARKER_WORDS.test(lead);
  // "- url" is a list item written as plain text.
  if (!isMarker && !(inNotes && links.length > 0 && (lead === "" || lead === "-"))) return undefined;
  if (links.length !== 1) return links;
  return [{ url: links[0]!.url, label: buildLabel(links[0]!.label, renderParts(parts.slice(last + 1))) }];
}

function newDraft(
  title: string,
  line: number,
  published: boolean | undefined,
  track: string | undefined,
  inferred: boolean,
): Draft {
  return {
    title,
    line,
    inferred,
    published,
    track,
    notes: [],
    marked: false,
    description: new Description(),
    descriptionLines: [],
    links: [],
  };
}

function addNotes(draft: Draft | undefined, no: number, text: string, links: WikiLink[]): void {
  if (!draft) throw new ImportError(no, `notes before any session title: "${text}"`);
  draft.marked = true;
  for (const link of links) {
    try {
      draft.notes.push(buildNoteLink(link.url, link.label));
    } catch {
      throw new ImportError(no, `not a valid URL: ${link.url}`);
    }
  }
}

function nextContent(lines: Line[], i: number): Line | undefined {
  let j = i + 1;
  while (lines[j]?.kind === "blank") j++;
  return lines[j];
}

function isLongProse(line: Line | undefined): boolean {
  return line?.kind === "text" && line.text.length > SHORT_LINE && listItemText(line.text) === undefined;
}

/** `- x`, `* x`, `# x` → `x`; `a) x` stays `a) x`; anything else is not a list item. */
function listItemText(text: string): string | undefined {
  if (BULLET.test(text)) return text.replace(BULLET, "");
  if (LETTER_ITEM.test(text)) return text;
  return undefined;
}

function isSubheading(text: string): boolean {
  return FORM_SUBHEADINGS.has(text.toLowerCase());
}

function startsLowercase(text: string): boolean {
  return /^[a-z]/.test(text);
}

/** The first URL of a reader copy that is neither a notes link nor in a description. */
function findLostUrl(lines: Line[], event: Event): { line: number; url: string } | undefined {
  const notes = new Set(event.sessions.flatMap((s) => s.notes.map((n) => n.url)));
  const descriptions = event.sessions.map((s) => s.description).join("\n");
  for (const line of lines) {
    for (const [match] of line.text.matchAll(URLS)) {
      const url = trimUrl(match);
      if (!notes.has(url) && !descriptions.includes(url)) return { line: line.no, url };
    }
  }
  return undefined;
}

/** Paragraphs separated by a blank line; a paragraph of "- " lines is a list. */
class Description {
  private blocks: { list: boolean; lines: string[]; open: boolean }[] = [];

  prose(text: string, newParagraph: boolean): void {
    const block = this.blocks.at(-1);
    if (!newParagraph && block && !block.list && block.open) block.lines.push(text);
    else this.blocks.push({ list: false, lines: [text], open: true });
  }

  item(text: string): void {
    const block = this.blocks.at(-1);
    if (block?.list && block.open) block.lines.push(text);
    else this.blocks.push({ list: true, lines: [text], open: true });
  }

  continueItem(text: string): void {
    const lines = this.blocks.at(-1)?.lines;
    if (lines?.length) lines[lines.length - 1] += ` ${text}`;
  }

  subheading(text: string): void {
    this.blocks.push({ list: false, lines: [text], open: false });
  }

  breakParagraph(): void {
    const block = this.blocks.at(-1);
    if (block) block.open = false;
  }

  render(): string {
    return this.blocks.map((b) => (b.list ? b.lines.map((l) => `- ${l}`).join("\n") : b.lines.join(" "))).join("\n\n");
  }
}
