// Reads a plain-text session list into an Event: reStructuredText or Markdown with a heading per session and its
// notes URL(s) under it, as design-summit pages are often written. The text gives no times, rooms or ids: a date
// heading names a day but no time, so none is made up, and sessions keep their document order.
//
// Headings. reST: a title line (not indented, not a bullet) with an underline, and optionally an overline, of one
// punctuation character repeated at least as long as the title; a shorter underline makes no heading (docutils
// reads a short one as text, and a long-enough short one only with a warning). The levels are the adornment
// styles in the order they first appear. Markdown (a document with an ATX `# heading`): ATX headings by their
// count of `#`, and setext headings (`===` level 1, `---` level 2) under the same length rule. A title starts a
// block (the document's start, a blank line or another heading before it). Directives and comments (`.. x::`,
// `.. _target:`, `..`) with their indented bodies, fenced code and HTML comments are never headings or text.
//
// Sessions. The first heading is the document title when it is the only one at the top level (docutils' rule),
// and never a session. The sessions are the headings of the shallowest level where most headings have content of
// their own (text, URLs) before the next heading: a day holds only sessions, and the odd "To-Do" beside the days
// does not make them sessions; a session's "Notes" subsection is deeper than it. When no level has, the deepest
// level (a bare list of titles). A shallower heading ends a session and what it holds belongs to no session; a
// deeper one is a subheading in the session's description.
//
// Under a session every URL becomes a link (buildSessionLinks: pads are notes, the rest related links), and a line
// of bare URLs only is that, not description. The rest is the description: paragraphs reflowed, list items as
// "- item" lines (nested ones flattened), reST definitions as "term: definition", inline markup stripped, and a
// labelled link kept as "label (url)", as html.ts keeps one.
import type { Event, Session } from "../domain/event.ts";
import { MAX_DESCRIPTION_CHARS, MAX_SESSION_TITLE_CHARS, MAX_SESSIONS } from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildImportedEvent, buildSessionIds } from "./build.ts";
import { ImportError } from "./errors.ts";
import { buildSessionLinks, findUrls } from "./links.ts";

/** A run of one reST adornment character (any printable ASCII that is neither a letter, a digit nor a space). */
const ADORNMENT = /^([!-/:-@[-`{-~])\1*[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const ATX = /^ {0,3}(#{1,6})[ \t]+(\S.*)$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const EXPLICIT_MARKUP = /^\.\.(?:[ \t]|$)/;
const ITEM = /^([-*+•]|(?:#|\d{1,9})[.)]|\((?:#|\d{1,9})\))(?:[ \t]+|$)/;
/** A MediaWiki heading, `== Title ==`: a wiki page has them, text formats never do. */
const WIKI_HEADING = /^(={1,6})[^=\r\n](?:[^\r\n]*[^=\r\n])?\1[ \t]*\r?$/m;
const BARE_URL = /<?https?:\/\/[^\s<>]+>?/g;
// Every span stops at the next character that could open another, so a long run of unclosed markup costs
// linear time, not quadratic.
const INLINE = new RegExp(
  [
    /``((?:[^`]|`(?!`))+)``/.source, // 1: reST inline literal
    /:[\w.+-]+:`([^`]+)`/.source, // 2: reST role, :ref:`label <target>`
    /`([^`<]*)<([^<>`]+)>`_{1,2}/.source, // 3, 4: reST hyperlink with its target, `label <url>`_
    /`([^`]+)`_{0,2}/.source, // 5: reST interpreted text or reference, Markdown code
    /!\[[^[\]]*\]\([^()]*\)/.source, // Markdown image: not text
    /\[([^[\]]+)\]\(<?([^\s()<>]+)>?(?:\s+"[^"]*")?\)/.source, // 6, 7: Markdown link, [label](url)
    /<(https?:\/\/[^\s<>]+)>/.source, // 8: autolink
    /\*\*(?=\S)([^*]+)(?<=\S)\*\*/.source, // 9: strong
    /(?<![\w*])\*(?=[^\s*])([^*]+)(?<=\S)\*(?![\w*])/.source, // 10: emphasis
    /(?<!\w)__(?=\S)([^_]+)(?<=\S)__(?!\w)/.source, // 11: Markdown strong
    /(?<!\w)_(?=[^\s_])([^_]+)(?<=\S)_(?!\w)/.source, // 12: Markdown emphasis (not inside snake_case)
  ].join("|"),
  "g",
);

interface Line {
  no: number;
  text: string;
  indent: number;
  /** skip: a directive, comment or fence line, neither heading nor text; code: inside a Markdown fence. */
  kind: "text" | "blank" | "skip" | "code";
}

interface Heading {
  /** The title's line. */
  no: number;
  /** The index of its first line (overline or title) and of the line after its underline. */
  first: number;
  next: number;
  title: string;
  level: number;
}

type Link = { url: string; title?: string | undefined };

type Block =
  | { kind: "paragraph"; lines: Line[] }
  | { kind: "item"; parts: string[]; indent: number }
  | { kind: "code"; lines: string[] }
  | { kind: "subheading"; title: string };

/**
 * Whether a document is a text session list: at least two headings by this reader's rules and no MediaWiki
 * `== heading ==`. Two, so that a stray "----" or "====" under a short line of a wiki page (a rule) is not enough;
 * the wiki heading, so that a wiki page's numbered list (`# item`) is never taken for Markdown headings.
 */
export function isTextSchedule(text: string): boolean {
  return !WIKI_HEADING.test(text) && readDocument(text).headings.length >= 2;
}

export function importText(text: string, opts: { eventId: string; title: string }): Event {
  const { lines, headings, markdown } = readDocument(text);
  const level = readSessionLevel(lines, headings);
  const drafts: { no: number; title: string; description: string; links: Link[] }[] = [];
  for (let k = 0; k < headings.length; k++) {
    const heading = headings[k]!;
    if (heading.level !== level) continue;
    if (drafts.length === MAX_SESSIONS) throw new ImportError(heading.no, `more than ${MAX_SESSIONS} sessions`);
    const links: Link[] = [];
    const title = fitLine(renderInline(heading.title, links, false), MAX_SESSION_TITLE_CHARS);
    if (!title) throw new ImportError(heading.no, "the session heading has no title text");
    let next = k + 1;
    while (next < headings.length && headings[next]!.level > level) next++;
    const end = headings[next]?.first ?? lines.length;
    const blocks = readBlocks(lines, heading.next, end, headings.slice(k + 1, next), markdown);
    drafts.push({ no: heading.no, title, description: renderBlocks(blocks, links), links });
  }
  const ids = buildSessionIds(drafts);
  const sessions: Session[] = drafts.map((d, i) => {
    const { notes, links } = buildSessionLinks(d.links);
    return {
      id: ids[i]!,
      title: d.title,
      description: fitText(d.description, MAX_DESCRIPTION_CHARS),
      hosts: [],
      notesPublished: notes.length > 0,
      notes,
      ...(links.length > 0 ? { links } : {}),
    };
  });
  return buildImportedEvent(opts, undefined, sessions, (i) => drafts[i]?.no);
}

function readDocument(text: string): { lines: Line[]; headings: Heading[]; markdown: boolean } {
  const raw = text.replace(/^\uFEFF/, "").split(/\r\n?|\n/);
  const markdown = raw.some((line) => ATX.test(line));
  const lines = raw.map((source, i): Line => {
    const lead = /^[ \t]*/.exec(source)![0];
    // Tabs stop every 8 columns, as docutils expands them.
    const indent = [...lead].reduce((col, c) => (c === "\t" ? col + 8 - (col % 8) : col + 1), 0);
    const rest = source.slice(lead.length).trimEnd();
    return { no: i + 1, text: rest ? " ".repeat(indent) + rest : "", indent, kind: rest ? "text" : "blank" };
  });
  if (markdown) markMarkdownCode(lines);
  else markExplicitMarkup(lines);
  return { lines, headings: readHeadings(lines, markdown), markdown };
}

/** reST directives, comments and targets (`..` at the start of a line) with the indented lines under them. */
function markExplicitMarkup(lines: Line[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind !== "text" || !EXPLICIT_MARKUP.test(line.text.trimStart())) continue;
    line.kind = "skip";
    for (let j = i + 1; j < lines.length && (lines[j]!.kind === "blank" || lines[j]!.indent > line.indent); j++) {
      if (lines[j]!.kind === "text") lines[j]!.kind = "skip";
      i = j;
    }
  }
}

/** Markdown fenced code (its lines are text as written, never headings) and HTML comments. */
function markMarkdownCode(lines: Line[]): void {
  let fence: string | undefined;
  let comment = false;
  for (const line of lines) {
    if (fence !== undefined) {
      const close = FENCE.exec(line.text)?.[1];
      const closes =
        close !== undefined && close[0] === fence[0] && close.length >= fence.length && line.text.trim() === close;
      if (closes) fence = undefined;
      line.kind = closes ? "skip" : "code";
      continue;
    }
    if (line.kind !== "text") continue;
    if (comment || line.text.trimStart().startsWith("<!--")) {
      comment = !line.text.includes("-->");
      line.kind = "skip";
      continue;
    }
    const open = FENCE.exec(line.text)?.[1];
    if (open) {
      fence = open;
      line.kind = "skip";
    }
  }
}

function readHeadings(lines: Line[], markdown: boolean): Heading[] {
  const headings: Heading[] = [];
  const styles = new Map<string, number>();
  const levelOf = (style: string) => {
    if (!styles.has(style)) styles.set(style, styles.size + 1);
    return styles.get(style)!;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind !== "text") continue;
    const atx = markdown ? ATX.exec(line.text) : null;
    if (atx) {
      const title = atx[2]!.replace(/\s#+$/, "").trim() || atx[2]!; // "## Title ##"; "# #" keeps its "#"
      headings.push({ no: line.no, first: i, next: i + 1, title, level: atx[1]!.length });
      continue;
    }
    const before = lines[i - 1];
    const startsBlock = !before || before.kind === "blank" || before.kind === "skip" || headings.at(-1)?.next === i;
    if (!startsBlock) continue;
    const [title, under] = [lines[i + 1], lines[i + 2]];
    if (!markdown && ADORNMENT.test(line.text)) {
      // An overline: the title (which may be inset) and an underline the same as the overline.
      const text = title?.kind === "text" ? title.text.trim() : "";
      if (text && !ADORNMENT.test(text) && under?.text === line.text && [...text].length <= line.text.length) {
        const level = levelOf(`over ${line.text[0]}`);
        headings.push({ no: title!.no, first: i, next: i + 3, title: text, level });
        i += 2;
      }
      continue;
    }
    const adornment = title?.kind === "text" ? (markdown ? SETEXT_UNDERLINE : ADORNMENT).exec(title.text) : null;
    if (!adornment || line.indent > (markdown ? 3 : 0)) continue;
    const text = line.text.trim();
    if (ITEM.test(text) || (markdown && (text.startsWith(">") || ADORNMENT.test(text)))) continue;
    if (adornment[0].trim().length < [...text].length) continue;
    const char = adornment[0].trim()[0]!;
    const level = markdown ? (char === "=" ? 1 : 2) : levelOf(`under ${char}`);
    headings.push({ no: line.no, first: i, next: i + 2, title: text, level });
    i += 1;
  }
  return headings;
}

/**
 * The level of the session headings, the document title aside: the shallowest level where most headings (more
 * than half) have content of their own, else the deepest level. Refused when there are none, naming the title's
 * line or line 1.
 */
function readSessionLevel(lines: Line[], headings: Heading[]): number {
  if (headings.length === 0)
    throw new ImportError(
      1,
      "no session headings: a text schedule has a heading per session (a reStructuredText title underlined with " +
        "punctuation at least as long as it, or a Markdown `#` heading)",
    );
  const top = headings.reduce((min, h) => Math.min(min, h.level), Infinity);
  const first = headings[0]!;
  const hasTitle = first.level === top && headings.filter((h) => h.level === top).length === 1;
  if (hasTitle && headings.length === 1)
    throw new ImportError(
      first.no,
      `"${fitLine(first.title, 80)}" is the document's title: no session headings follow it`,
    );
  // By level (the title's aside): how many headings, and how many have text before the next heading.
  const counts = new Map<number, { all: number; filled: number }>();
  for (const [k, h] of headings.entries()) {
    if (hasTitle && k === 0) continue;
    const end = headings[k + 1]?.first ?? lines.length;
    const filled = lines
      .slice(h.next, end)
      .some((l) => l.kind === "code" || (l.kind === "text" && !isTransition(l.text)));
    const count = counts.get(h.level) ?? { all: 0, filled: 0 };
    counts.set(h.level, { all: count.all + 1, filled: count.filled + (filled ? 1 : 0) });
  }
  const levels = [...counts.keys()].sort((a, b) => a - b);
  return levels.find((l) => counts.get(l)!.filled * 2 > counts.get(l)!.all) ?? levels.at(-1)!;
}

/** A reST transition or a Markdown rule: a line of one punctuation character, not under a title. */
function isTransition(text: string): boolean {
  return ADORNMENT.test(text) && text.trim().length >= 3;
}

/** A session's lines from..end as paragraphs, list items, code and subheadings (the deeper headings in it). */
function readBlocks(lines: Line[], from: number, end: number, deeper: Heading[], markdown: boolean): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  /** The last list item, which an indented paragraph after a blank line continues. */
  let item: (Block & { kind: "item" }) | undefined;
  let d = 0;
  for (let i = from; i < end; i++) {
    const heading = deeper[d]?.first === i ? deeper[d++] : undefined;
    if (heading) {
      blocks.push({ kind: "subheading", title: heading.title });
      open = item = undefined;
      i = heading.next - 1;
      continue;
    }
    const line = lines[i]!;
    if (line.kind === "code") {
      if (open?.kind === "code") open.lines.push(line.text);
      else blocks.push((open = { kind: "code", lines: [line.text] }));
      item = undefined;
      continue;
    }
    if (line.kind !== "text" || isTransition(line.text)) {
      open = undefined;
      continue;
    }
    const text = line.text.trim();
    const bullet = ITEM.exec(text);
    if (bullet && !(markdown && bullet[1]!.startsWith("#"))) {
      blocks.push((open = item = { kind: "item", parts: [text.slice(bullet[0].length)], indent: line.indent }));
    } else if (open?.kind === "item" || (open === undefined && item && line.indent > item.indent)) {
      item!.parts.push(text);
      open = item;
    } else if (open?.kind === "paragraph") {
      open.lines.push(line);
    } else {
      blocks.push((open = { kind: "paragraph", lines: [line] }));
      item = undefined;
    }
  }
  // Markdown has no definition lists: an indented line there continues its paragraph.
  return markdown ? blocks : blocks.flatMap(splitDefinitions);
}

/** A reST paragraph whose later lines are indented under a line is a definition list: one block per term. */
function splitDefinitions(block: Block): Block[] {
  if (block.kind !== "paragraph") return [block];
  const base = block.lines[0]!.indent;
  if (!block.lines.some((l) => l.indent > base)) return [block];
  const entries: Line[][] = [];
  for (const line of block.lines) {
    if (line.indent <= base || entries.length === 0) entries.push([line]);
    else entries.at(-1)!.push(line);
  }
  return entries.map(([term, ...definition]) => {
    if (definition.length === 0) return { kind: "paragraph", lines: [term!] };
    const joint = /[:.!?]$/.test(term!.text) ? " " : ": ";
    return {
      kind: "paragraph",
      lines: [{ ...term!, text: `${term!.text.trim()}${joint}${definition[0]!.text.trim()}` }, ...definition.slice(1)],
    };
  });
}

/** Blocks as the description's plain text, adding their URLs to `links`; lines of bare URLs are only links. */
function renderBlocks(blocks: Block[], links: Link[]): string {
  const paragraphs: string[] = [];
  let inList = false;
  for (const block of blocks) {
    let text: string;
    if (block.kind === "code") {
      text = block.lines.join("\n");
      links.push(...findUrls(text).map((url) => ({ url })));
    } else if (block.kind === "subheading") text = renderText(block.title, links);
    else if (block.kind === "item") text = renderText(dropUrlLine(block.parts.join(" "), links), links);
    else text = renderText(block.lines.map((l) => dropUrlLine(l.text.trim(), links)).join(" "), links);
    if (!text) continue;
    // Items of one list make one paragraph of "- " lines, also when blank lines or nesting parted them.
    if (block.kind === "item" && inList) paragraphs[paragraphs.length - 1] += `\n- ${text}`;
    else paragraphs.push(block.kind === "item" ? `- ${text}` : text);
    inList = block.kind === "item";
  }
  return paragraphs.join("\n\n");
}

/** A line of bare URLs only gives links, not text: "" then. */
function dropUrlLine(text: string, links: Link[]): string {
  if (text.replace(BARE_URL, "").trim() !== "") return text;
  links.push(...findUrls(text).map((url) => ({ url })));
  return "";
}

/** Inline markup stripped, blanks folded, a reST `Paragraph::` as `Paragraph:`; its URLs added to `links`. */
function renderText(text: string, links: Link[]): string {
  const plain = renderInline(text, links, true)
    .replace(/\s+/g, " ")
    .trim()
    .replace(/(\S)::$/, "$1:")
    .replace(/\s*::$/, "");
  links.push(...findUrls(plain).map((url) => ({ url })));
  return plain;
}

/**
 * Text without its inline markup (reST and Markdown alike); a link is its label, followed by its URL in
 * parentheses when `showUrls` and the label does not already show it. Labelled links are added to `links`.
 */
function renderInline(text: string, links: Link[], showUrls: boolean): string {
  const link = (label: string, target: string) => {
    const url = target.replace(/\s+/g, "");
    if (!/^https?:\/\//i.test(url)) return label || url;
    links.push({ url, title: label || undefined });
    const bare = (s: string) => s.replace(/^https?:\/\//i, "").replace(/\/$/, "");
    return !label ? url : showUrls && bare(label) !== bare(url) ? `${label} (${url})` : label;
  };
  const inner = (s: string) => renderInline(s, links, showUrls);
  return text.replace(INLINE, (...m: (string | undefined)[]) => {
    const [, literal, role, label, target, interpreted, mdLabel, mdUrl, auto, strong, em, mdStrong, mdEm] = m;
    if (literal !== undefined) return literal;
    if (role !== undefined) {
      const labelled = /^([^<]*)<([^<>]+)>$/.exec(role);
      return labelled ? link(labelled[1]!.trim(), labelled[2]!) : role;
    }
    if (target !== undefined) return link((label ?? "").trim(), target);
    if (interpreted !== undefined) return interpreted;
    if (mdUrl !== undefined) return link(inner(mdLabel ?? ""), mdUrl);
    if (auto !== undefined) return link("", auto);
    const emphasis = strong ?? em ?? mdStrong ?? mdEm;
    return emphasis === undefined ? "" : inner(emphasis);
  });
}
