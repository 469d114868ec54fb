// MediaWiki source (wikitext) read with a maintained parser, wikiparser-node, into the blocks a page is made of:
// headings, lines (their list marker, then text and external links in order) and blank lines, each with its line
// number. Markup that is not content stays out: templates, parser functions and magic words, behaviour switches
// (__NOTOC__), categories, files, comments, bold and italic quotes, HTML tags (their text stays). Code and
// preformatted blocks keep their text verbatim, a line each; a table row is a list item of its cells.
//
// Why the bundle: the package's Node entry reads its configuration from disk and loads modules by computed paths,
// which a Worker cannot; its browser bundle is self-contained and runs the same in workerd and in Node (the CLI).
// It registers the parser as globalThis.Parser when it runs. The configuration is the bundle's minimal one plus
// the extension tags, behaviour switches and parser functions a MediaWiki usually has (the package's full
// configurations are 13-41 kB of JSON, mostly other languages' aliases).
/// <reference path="./wikiparser-node.d.ts" />
import * as bundle from "wikiparser-node/bundle/bundle.min.js";
import type Parser from "wikiparser-node";
import type { Config, ConfigData } from "wikiparser-node";
import type { AstNodes, HeadingToken, Token } from "wikiparser-node/dist/internal";

export interface WikiLink {
  url: string;
  label: string | undefined;
}
/** What a line or heading holds, in order: text, and the external links in it. */
export type WikiPart = { text: string } | { link: WikiLink };
export type WikiBlock =
  | { kind: "blank"; line: number }
  | { kind: "heading"; line: number; level: number; parts: WikiPart[] }
  /** `list` is the line's list marker (`*`, `**`, `#`, `:`, `;`), empty for a plain line. */
  | { kind: "line"; line: number; list: string; parts: WikiPart[] };

/** Tags whose content is text, not wikitext. */
const VERBATIM_TAGS = ["pre", "nowiki", "syntaxhighlight", "source"];
/** Extension tags the parser must know, so that their content is not read as page text; only refs are shown. */
const EXTENSION_TAGS = [
  ...VERBATIM_TAGS,
  ...["ref", "references", "math", "chem", "gallery", "poem", "score", "timeline", "graph", "hiero", "imagemap"],
  ...["inputbox", "categorytree", "templatedata", "templatestyles", "indicator", "section", "mapframe", "maplink"],
];
const BEHAVIOUR_SWITCHES = [
  ...["notoc", "toc", "forcetoc", "noeditsection", "newsectionlink", "nonewsectionlink", "nogallery", "hiddencat"],
  ...["index", "noindex", "staticredirect", "notitleconvert", "nocontentconvert"],
];
const PARSER_FUNCTIONS = [
  ...["if", "ifeq", "iferror", "ifexpr", "ifexist", "switch", "expr", "time", "timel", "rel2abs", "titleparts"],
  ...["tag", "invoke", "language", "special", "formatdate"],
];
/** Tokens that show a reader nothing of the page's own text. */
const SILENT = new Set<string>([
  ...["comment", "template", "magic-word", "double-underscore", "category", "file", "quote", "arg", "hr"],
  ...["noinclude", "include", "redirect", "converter", "hidden"],
]);

let config: Config | undefined;

/** The blocks of a wikitext page, in order. */
export function readWikitext(text: string): WikiBlock[] {
  const parser = getParser();
  config ??= buildConfig(parser);
  const root = parser.parse(text.replace(/\r\n?/g, "\n"), false, undefined, config);
  const reader = new BlockReader();
  for (const node of root.childNodes) reader.read(node);
  reader.end();
  return reader.blocks;
}

/** Text and links as a reader sees them: `label (url)` for a labelled link, the URL alone otherwise. */
export function renderParts(parts: WikiPart[]): string {
  return parts
    .map((p) => ("text" in p ? p.text : p.link.label ? `${p.link.label} (${p.link.url})` : p.link.url))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}

function getParser(): typeof Parser {
  const parser = (globalThis as { Parser?: typeof Parser }).Parser;
  // `bundle` is named here so that bundlers, trusting the package's "sideEffects": false, keep its import.
  if (!parser) throw new Error(`the wikitext parser did not load (wikiparser-node's bundle is ${typeof bundle})`);
  return parser;
}

function buildConfig(parser: typeof Parser): Config {
  const base = parser.config as ConfigData;
  const [insensitive, sensitive, msg, subst] = base.parserFunction;
  return parser.getConfig({
    ...base,
    ext: EXTENSION_TAGS,
    doubleUnderscore: [BEHAVIOUR_SWITCHES, [], {}, {}],
    functionHook: [...base.functionHook, ...PARSER_FUNCTIONS],
    parserFunction: [
      { ...insensitive, ...Object.fromEntries(PARSER_FUNCTIONS.map((name) => [`#${name}`, name])) },
      sensitive,
      msg,
      subst,
    ],
    nsid: { ...base.nsid, image: 6 }, // the old name of the File namespace
  });
}

interface OpenLine {
  line: number;
  list: string;
  parts: WikiPart[];
  level: number | undefined;
}

/** Reads the root's children in order, one source line at a time (the root's text is the page's, byte for byte). */
class BlockReader {
  readonly blocks: WikiBlock[] = [];
  private line = 1;
  private current: OpenLine | undefined;
  /** The open line held only markup that shows nothing: it ends without leaving a blank line. */
  private silent = false;

  read(node: AstNodes): void {
    const source = node.toString();
    if (node.type === "text") return this.readText(source);
    if (node.type === "ext" && VERBATIM_TAGS.includes(node.name ?? "")) {
      this.silent = true; // the tags
      this.readText(innerText(node));
      this.silent = true;
      return;
    }
    if (node.type === "heading") {
      const parts: WikiPart[] = [];
      renderInline(node.firstChild!, parts);
      Object.assign(this.open(), { level: (node as HeadingToken).level, parts });
    } else if (node.type === "list") {
      this.open().list += source.trim();
    } else if (node.type === "dd") {
      this.open().parts.push({ text: ": " });
    } else if (node.type === "table") {
      this.readTable(node);
    } else {
      const parts: WikiPart[] = [];
      renderInline(node, parts);
      if (parts.length > 0) this.open().parts.push(...parts);
      else this.silent = true;
    }
    // A token's own line breaks: the heading at the start of a page takes the line end with it.
    const breaks = countLines(source);
    const ends = source.endsWith("\n");
    this.line += breaks - (ends ? 1 : 0);
    if (ends) this.endLine();
  }

  end(): void {
    if (this.current || this.silent) this.endLine();
  }

  private readText(text: string): void {
    for (const [i, segment] of text.split("\n").entries()) {
      if (i > 0) this.endLine();
      if (segment) this.open().parts.push({ text: segment });
    }
  }

  /** A table's rows, each a line of its cells' text (numbered by its first cell). */
  private readTable(table: Token): void {
    if (this.current) this.endLine();
    let line = this.line;
    let row: { line: number; cells: WikiPart[][] } | undefined;
    const endRow = () => {
      const parts = row?.cells.flatMap((cell, i) => (i > 0 ? [{ text: " | " }, ...cell] : cell)) ?? [];
      // A row reads as an item of a list.
      if (row && renderParts(parts)) this.blocks.push({ kind: "line", line: row.line, list: "*", parts });
      row = undefined;
    };
    const readRows = (nodes: readonly AstNodes[]) => {
      for (const node of nodes) {
        const source = node.toString();
        if (node.type === "tr") {
          endRow();
          readRows(node.childNodes);
          continue;
        }
        if (node.type === "td") {
          const cell: WikiPart[] = [];
          renderInline(node.lastChild!, cell);
          row ??= { line: line + (source.startsWith("\n") ? 1 : 0), cells: [] };
          row.cells.push(cell);
        }
        line += countLines(source);
      }
    };
    readRows(table.childNodes);
    endRow();
  }

  private open(): OpenLine {
    this.current ??= { line: this.line, list: "", parts: [], level: undefined };
    return this.current;
  }

  private endLine(): void {
    const c = this.current;
    if (c?.level !== undefined) {
      this.blocks.push({ kind: "heading", line: c.line, level: c.level, parts: c.parts });
    } else if (c && c.parts.some((p) => "link" in p || p.text.trim())) {
      this.blocks.push({ kind: "line", line: c.line, list: c.list, parts: c.parts });
    } else if (!this.silent && !c?.list) {
      this.blocks.push({ kind: "blank", line: this.line });
    }
    this.current = undefined;
    this.silent = false;
    this.line++;
  }
}

function renderInline(node: AstNodes, out: WikiPart[]): void {
  if (node.type === "text") {
    out.push({ text: node.toString().replace(/\n/g, " ") });
  } else if (SILENT.has(node.type)) {
    return;
  } else if (node.type === "ext-link") {
    const [url, label] = node.childNodes;
    out.push({
      link: { url: url!.toString().trim(), label: label ? renderParts(inline(label)) || undefined : undefined },
    });
  } else if (node.type === "free-ext-link" || node.type === "magic-link") {
    const url = node.toString();
    out.push(/^https?:\/\//i.test(url) ? { link: { url, label: undefined } } : { text: url });
  } else if (node.type === "link") {
    const [target, label] = node.childNodes;
    if (label) renderInline(label, out);
    else out.push({ text: target!.toString().replace(/^:/, "") });
  } else if (node.type === "ext") {
    const inner = node.childNodes.find((child) => child.type === "ext-inner");
    if (VERBATIM_TAGS.includes(node.name ?? "")) out.push({ text: innerText(node).replace(/\n/g, " ") });
    else if (node.name === "ref" && inner && renderParts(inline(inner)))
      out.push({ text: " (" }, ...inline(inner), { text: ")" });
  } else if (node.type === "html") {
    if (node.name === "br") out.push({ text: " " });
  } else if (node.type === "list" || node.type === "dd") {
    out.push({ text: " " });
  } else {
    for (const child of node.childNodes) renderInline(child, out);
  }
}

/** An extension tag's content as written (none for `<tag />`). */
function innerText(ext: AstNodes): string {
  return ext.childNodes.find((child) => child.type === "ext-inner")?.toString() ?? "";
}

function inline(node: AstNodes): WikiPart[] {
  const parts: WikiPart[] = [];
  renderInline(node, parts);
  return parts;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}
