// pretalx keeps abstracts and descriptions as Markdown; the catalogue keeps plain text (paragraphs separated by a
// blank line, a paragraph of "- " lines a list). The marks go and what they mark stays: headings, quotes and
// emphasis lose their signs, a link keeps its target beside its text, an image its alt text, a fenced or inline
// code span stays as written. HTML inside the Markdown is then made text as in any description (html.ts).
import { buildPlainText, decodeEntities } from "./html.ts";

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
/** `---`, `***`, `___` (a thematic break) and `===`/`---` under a heading (setext). */
const RULE = /^\s{0,3}([-*_=])(?:\s*\1){2,}\s*$/;
const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;
/** Backslash escapes, held aside as private-use characters while the marks are read. */
const ESCAPE = /\\([\\`*_{}[\]()#+\-.!>~|<])/g;
const HELD = /\uE000(\d+)\uE001/g;

/** Markdown as plain text. */
export function buildPlainTextFromMarkdown(markdown: string): string {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split(/\r\n?|\n/)) {
    const marker = FENCE.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      else lines.push(line);
      continue;
    }
    if (marker) {
      fence = marker;
      continue;
    }
    if (RULE.test(line)) {
      lines.push("");
      continue;
    }
    const block = line
      .replace(/^\s{0,3}(?:>\s?)+/, "")
      .replace(/^\s{0,3}#{1,6}(?:\s+|$)/, "")
      .replace(/\s+#+\s*$/, "")
      .replace(/^(\s*)[*+-]\s+/, "$1- ");
    lines.push(renderInline(block));
  }
  return buildPlainText(lines.join("\n"));
}

function renderInline(text: string): string {
  const held: string[] = [];
  const hold = (value: string) => `\uE000${held.push(value) - 1}\uE001`;
  const marked = text
    .replace(CODE_SPAN, (_, __, code: string) => hold(code.trim()))
    .replace(ESCAPE, (_, char: string) => hold(char))
    .replace(/!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, "$1")
    .replace(/\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g, (_, label: string, url: string) => {
      const bare = (value: string) => value.replace(/^https?:\/\//i, "").replace(/\/$/, "");
      return bare(label) === bare(url) ? url : `${label} (${url})`;
    })
    .replace(/<(https?:\/\/[^\s<>]+)>/gi, "$1")
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "$2")
    .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, "$1$2")
    .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, "$1$2")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "$1");
  return decodeEntities(marked).replace(HELD, (_, i: string) => held[Number(i)]!);
}
