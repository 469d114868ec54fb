// Reads a "Design Sessions" wiki page into an Event: either the reader copy (text copied from the rendered
// page) or the MediaWiki source of such a page.
//
// Why heuristics: the reader copy has lost its markup. Titles are unmarked lines, descriptions are hard-wrapped
// prose and there are no blank lines, so a title is told from prose by its context:
// - Forced boundaries: the first line after a section line ("Sessions with(out) published notes") or after a
//   notes block (a marker such as "For notes, see", "See", "Notes:" and the URL lines under it) is a title, and
//   so is every `== X ==` line.
// - Elsewhere a line is a title only if it is short (MAX_TITLE_LENGTH), does not end in , ; : or . (a title is
//   not a sentence), is not a list item or a subheading of the proposal form, its previous line ended a sentence
//   or was a short list item, and its next line is description that does not start lowercase (a lowercase start
//   continues a wrapped sentence). After a short list item the next line must also be long prose: a run of
//   short lines after "…:" is a list.
// - The last line decides nothing, since a copy may be cut anywhere: a line there that could be a title, or a
//   session resting on a last line that does not end a sentence, is refused rather than guessed.
// The MediaWiki source is recognised by a heading where the first session should start (the first line under the
// first section line, else the first line); there, sessions are the shallowest non-section headings, plain lines
// never start one (lines before the first are preamble), and blank lines separate paragraphs.
// Nothing is dropped silently: a URL of the page that ends up neither in a notes link nor in a description text
// is an ImportError, like anything else the importer cannot read.
import { buildNoteLink, buildSlug, Event, type NoteLink } from "../domain/event.ts";
import { ImportError } from "./errors.ts";

/** The seed's longest title has 80 characters; its wrapped prose runs up to 93 (a line of 91 follows a sentence end). */
const MAX_TITLE_LENGTH = 85;
/** Shorter lines are list-item sized; longer ones are wrapped prose. */
const SHORT_LINE = 60;
/** Subheadings of the Xen design-session proposal form: description, never titles. */
const FORM_SUBHEADINGS = new Set(["problem to solve", "attendee contributions", "preparation"]);

const SECTION = /^sessions (with|without) published notes:?$/i;
const HEADING = /^(={1,6})(?!=)\s*(.+?)\s*(?<!=)\1$/;
const NOTES_MARKER = /^(?:for notes,?\s+see|see|notes)\s*:?(?:\s+(.+))?$/i;
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
// Chrome of a MediaWiki page: the page title (first line) and these lines under it; the footer from
// "Retrieved from …" or the category links on.
const HEADER_CHROME = /^(?:From \S.*|Jump to navigation.*|Jump to search)$/;
const FOOTER_CHROME = /^(?:Retrieved from\b.*|Navigation menu|Categories?:.*|\[\[Category:.*)$/;

interface Link {
  url: string;
  label: string | undefined;
}

type Line = { no: number; text: string } & (
  | { kind: "blank" | "text" }
  | { kind: "section"; published: boolean }
  | { kind: "heading"; level: number }
  | { kind: "marker"; link: Link | undefined }
  | { kind: "link"; link: Link }
);

interface Draft {
  title: string;
  line: number;
  /** Chosen by the title heuristics rather than a forced boundary or a heading. */
  inferred: boolean;
  published: boolean | undefined;
  notes: NoteLink[];
  /** Has a notes marker: its notes block, not the page's last line, ends its description. */
  marked: boolean;
  description: Description;
  /** Reader copy only: the lines its description was made from. */
  descriptionLines: Line[];
}

export function importWikiPage(text: string, opts: { eventId: string; title: string }): Event {
  const lines = readLines(text);
  // Where the first session starts (under the first section line, if any) tells the two forms apart.
  const first = lines
    .slice(lines.findIndex((l) => l.kind === "section") + 1)
    .find((l) => l.kind !== "blank" && l.kind !== "section");
  const drafts = first?.kind === "heading" ? parseSourcePage(lines) : parseReaderPage(lines);
  if (drafts.length === 0) throw new ImportError(first?.no ?? 1, "no design sessions found on the page");

  const used = new Set<string>();
  const sessions = drafts.map((d) => {
    const slug = buildSlug(d.title);
    if (!slug) throw new ImportError(d.line, `title "${d.title}" has no letters or digits to build an id from`);
    let id = slug;
    for (let n = 2; used.has(id); n++) id = `${slug}-${n}`;
    used.add(id);
    return {
      id,
      title: d.title,
      description: d.description.render(),
      hosts: [],
      notesPublished: d.published ?? d.notes.length > 0,
      notes: d.notes,
    };
  });
  const parsed = Event.safeParse({ id: opts.eventId, title: opts.title, sessions });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const index = issue?.path[0] === "sessions" ? issue.path[1] : undefined;
    if (issue && typeof index === "number") throw new ImportError(drafts[index]?.line ?? 1, issue.message);
    throw parsed.error; // the caller's eventId or title, not the page
  }
  verifyUrlsKept(lines, parsed.data);
  return parsed.data;
}

function readLines(text: string): Line[] {
  const raw = text.split(/\r\n?|\n/).map((s) => s.trim());
  let start = 0;
  while (raw[start] === "") start++;
  if (start < raw.length && classify(raw[start]!, 0).kind === "text") start++; // the page title
  while (start < raw.length && (raw[start] === "" || HEADER_CHROME.test(raw[start]!))) start++;
  let end = raw.findIndex((s, i) => i >= start && FOOTER_CHROME.test(s));
  if (end < 0) end = raw.length;
  const lines: Line[] = [];
  for (let i = start; i < end; i++) {
    const source = raw[i]!;
    const text = source.replace(STRAY_TAG, "").replace(EMPHASIS, "").trim();
    if (text || !source) lines.push(classify(text, i + 1)); // a line of tags only is dropped, not a blank
  }
  return lines;
}

function classify(text: string, no: number): Line {
  if (!text) return { no, text, kind: "blank" };
  const heading = HEADING.exec(text);
  const bare = heading ? heading[2]! : text;
  const section = SECTION.exec(bare);
  if (section) return { no, text, kind: "section", published: section[1]!.toLowerCase() === "with" };
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
function parseLink(text: string): Link | undefined {
  const bracket = BRACKET_LINK.exec(text);
  const bare = bracket ? null : BARE_LINK.exec(text);
  if (!bracket && !bare) return undefined;
  const url = bracket ? bracket[1]! : trimUrl(bare![1]!);
  const rest = bracket ? bracket[3]! : bare![1]!.slice(url.length) + bare![2]!;
  const comment = rest
    .replace(/^[\s.,;:!?–-]+/, "")
    .replace(/^\((.*)\)$/, "$1")
    .trim();
  return { url, label: [bracket?.[2]?.trim(), comment].filter(Boolean).join(" ") || undefined };
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
      published = line.published;
      boundary = true;
      inNotes = false;
    } else if (line.kind === "heading") {
      drafts.push(newDraft(line.text, line.no, published, false));
      boundary = inNotes = false;
      prev = undefined;
    } else if (line.kind === "marker" || (line.kind === "link" && inNotes)) {
      addNotes(current, line);
      inNotes = true;
    } else if (boundary || inNotes) {
      if (line === last)
        throw new ImportError(line.no, `the page ends with the title "${line.text}": is it cut short?`);
      drafts.push(newDraft(line.text, line.no, published, false));
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
        drafts.push(newDraft(line.text, line.no, published, true));
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

function parseSourcePage(lines: Line[]): Draft[] {
  const levels = lines.flatMap((l) => (l.kind === "heading" ? [l.level] : []));
  const sessionLevel = Math.min(...levels);
  const drafts: Draft[] = [];
  let published: boolean | undefined;
  let inNotes = false;

  for (const line of lines) {
    const current = drafts.at(-1);
    if (line.kind === "blank") {
      current?.description.breakParagraph();
    } else if (line.kind === "section") {
      published = line.published;
      inNotes = false;
    } else if (line.kind === "heading" && line.level === sessionLevel) {
      drafts.push(newDraft(line.text, line.no, published, false));
      inNotes = false;
    } else if (line.kind === "marker" || (line.kind === "link" && inNotes)) {
      addNotes(current, line);
      inNotes = true;
    } else if (current) {
      // Before the first session heading is preamble; a URL there fails verifyUrlsKept.
      inNotes = false;
      const text = renderText(line.text);
      const item = listItemText(text);
      if (line.kind === "heading" || isSubheading(text)) current.description.subheading(text);
      else if (item !== undefined) current.description.item(item);
      else current.description.prose(text, false);
    }
  }
  return drafts;
}

function newDraft(title: string, line: number, published: boolean | undefined, inferred: boolean): Draft {
  return {
    title,
    line,
    inferred,
    published,
    notes: [],
    marked: false,
    description: new Description(),
    descriptionLines: [],
  };
}

function addNotes(draft: Draft | undefined, line: Line & { kind: "marker" | "link" }): void {
  if (!draft) throw new ImportError(line.no, `notes before any session title: "${line.text}"`);
  draft.marked = true;
  if (!line.link) return;
  try {
    draft.notes.push(buildNoteLink(line.link.url, line.link.label));
  } catch {
    throw new ImportError(line.no, `not a valid URL: ${line.link.url}`);
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

function verifyUrlsKept(lines: Line[], event: Event): void {
  const notes = new Set(event.sessions.flatMap((s) => s.notes.map((n) => n.url)));
  const descriptions = event.sessions.map((s) => s.description).join("\n");
  for (const line of lines) {
    for (const [match] of line.text.matchAll(URLS)) {
      const url = trimUrl(match);
      if (!notes.has(url) && !descriptions.includes(url)) {
        throw new ImportError(line.no, `the URL ${url} would be lost: it is neither a notes link nor in a description`);
      }
    }
  }
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
