// Schedule descriptions come as plain text, Markdown or HTML (FOSDEM's since 2012, CCC's `<br />`s): the
// catalogue keeps plain text, paragraphs separated by a blank line and list items as "- " lines. A text is
// HTML only when it holds a known HTML tag, so Markdown autolinks (`<https://pad.example/p/x>`) and prose
// comparisons (`a < b`) stay text. The result is text, escaped wherever it is rendered: nothing here sanitizes.

const BLOCK_TAGS =
  "p|div|ul|ol|h[1-6]|blockquote|pre|table|tr|hr|section|article|header|footer|dl|dt|dd|figure|figcaption";
const INLINE_TAGS =
  "br|li|a|b|i|u|s|em|strong|span|code|tt|small|big|sub|sup|img|td|th|thead|tbody|font|center|abbr|cite|q|del|ins|mark";
const KNOWN_TAG = new RegExp(`<\\/?(?:${BLOCK_TAGS}|${INLINE_TAGS})(?:\\s[^<>]*)?\\/?>`, "i");
const BLOCK_TAG = new RegExp(`<\\/?(?:${BLOCK_TAGS})(?:\\s[^<>]*)?\\/?>`, "gi");
const ANY_TAG = /<\/?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?\/?>/g;
const ANCHOR = /<a\s[^<>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^<>]*>([\s\S]*?)<\/a\s*>/gi;

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  copy: "©",
  reg: "®",
  trade: "™",
  euro: "€",
};

/** HTML character references: the common named ones and every numeric one; unknown names stay as written. */
function decodeHtmlEntities(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g, (ref, dec, hex, name) => {
    if (name) return NAMED[name] ?? ref;
    const code = dec ? Number(dec) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ref;
  });
}

/** Lines trimmed, runs of blank lines folded into one, none at either end. */
function tidyLines(text: string): string {
  return text
    .split("\n")
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function readHtml(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style)\b[^<>]*>[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/\s+/g, " ")
    // A link keeps its target: "the slides (https://…)", unless its text already says it.
    .replace(ANCHOR, (_, dq?: string, sq?: string, bare?: string, inner = "") => {
      const href = decodeHtmlEntities((dq ?? sq ?? bare ?? "").trim());
      const label = decodeHtmlEntities(inner.replace(ANY_TAG, "")).trim();
      if (!/^https?:\/\//i.test(href) || label.includes(href)) return label;
      return label ? `${label} (${href})` : href;
    })
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li(?:\s[^<>]*)?>/gi, "\n- ")
    .replace(BLOCK_TAG, "\n\n")
    .replace(ANY_TAG, "");
  return tidyLines(decodeHtmlEntities(text));
}

/**
 * A description as plain text: HTML is read as HTML; anything else keeps its lines, blank lines folded and the
 * indentation every line but the first shares removed (XML pretty-printers indent a text's continuation lines).
 */
export function buildPlainText(text: string): string {
  if (KNOWN_TAG.test(text)) return readHtml(text);
  const lines = text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd());
  const indents = lines
    .slice(1)
    .filter(Boolean)
    .map((line) => /^[ \t]*/.exec(line)![0].length);
  const shared = indents.reduce((min, n) => Math.min(min, n), indents[0] ?? 0);
  return lines
    .map((line, i) => (i === 0 ? line : line.slice(shared)))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
