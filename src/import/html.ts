// Schedules' descriptions are often HTML fragments, or plain text with some HTML in it (linux.conf.au's `<p>`,
// Kieler Linux-Tage's `<ul><li>` between plain lines); the catalogue keeps plain text: paragraphs separated by a
// blank line, a paragraph of "- " lines a list. Only known HTML elements count as markup, so the
// `git checkout -b <branch-name>` of a plain description stays as written, and its entities are not decoded.

const BLOCK = "p|div|ul|ol|li|h[1-6]|blockquote|pre|table|tr|br|hr|dl|dt|dd";
const INLINE =
  "a|abbr|b|big|cite|code|del|em|font|i|img|ins|kbd|mark|q|s|small|span|strike|strong|sub|sup|tbody|td|th|thead|tt|u|var";
/** Where a tag's name ends: `<b-c>` and `<branch-name>` are not `<b>`. */
const NAME_END = "(?=[\\s/>])";
const KNOWN_TAG = new RegExp(`</?(?:${BLOCK}|${INLINE})${NAME_END}[^<>]*>`, "i");
// Whitespace between block tags, after an opening one or before a closing one is the source's layout, not text.
const SPACE_BETWEEN_BLOCKS = new RegExp(`(</?(?:${BLOCK})${NAME_END}[^<>]*>)\\s+(?=</?(?:${BLOCK})${NAME_END})`, "gi");
const SPACE_AFTER_OPEN = new RegExp(`(<(?:${BLOCK})${NAME_END}[^<>]*>)\\s+`, "gi");
const SPACE_BEFORE_CLOSE = new RegExp(`\\s+(?=</(?:${BLOCK})${NAME_END})`, "gi");
const BLOCK_TAG = new RegExp(`</?(?:${BLOCK})${NAME_END}[^<>]*>`, "gi");
const INLINE_TAG = new RegExp(`</?(?:${INLINE})${NAME_END}[^<>]*>`, "gi");
const LINK = /<a\s[^<>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')[^<>]*>([\s\S]*?)<\/a\s*>/gi;
const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** A description as plain text: HTML (when it has any) rendered to text, lines and blank lines tidied. */
export function buildPlainText(text: string): string {
  const plain = KNOWN_TAG.test(text) ? renderHtml(text) : text;
  return plain
    .split(/\r\n?|\n/)
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function renderHtml(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    // What a script or stylesheet holds is not text a reader should see.
    .replace(/<(script|style)\b[^<>]*>[\s\S]*?<\/\1\s*>/gi, "")
    .replace(SPACE_BETWEEN_BLOCKS, "$1")
    .replace(SPACE_AFTER_OPEN, "$1")
    .replace(SPACE_BEFORE_CLOSE, "")
    .replace(/<br(?=[\s/>])[^<>]*>/gi, "\n")
    // Items of one list are consecutive lines; text after an item (broken HTML) starts a line of its own.
    .replace(/<\/li\s*>(?=<li[\s>]|<\/[ou]l[\s>])/gi, "")
    .replace(/<\/li\s*>/gi, "\n")
    .replace(/<li(?=[\s>])[^<>]*>/gi, "\n- ")
    .replace(BLOCK_TAG, "\n\n")
    // A link keeps its target when the text does not show it: "Inkscape (https://inkscape.org)"; "y.org" shows it.
    .replace(LINK, (_, dq: string | undefined, sq: string | undefined, inner: string) => {
      const href = (dq ?? sq ?? "").trim();
      const label = inner.replace(INLINE_TAG, "").trim();
      const bare = (url: string) =>
        decodeEntities(url)
          .replace(/^https?:\/\//i, "")
          .replace(/\/$/, "");
      const shown = /^https?:\/\//i.test(href) && bare(label) !== bare(href);
      return shown ? `${label} (${href})` : label;
    })
    .replace(INLINE_TAG, "");
  return decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .join("\n");
}

/** The HTML entities schedules use (the five XML ones and &nbsp;) and numeric character references, decoded. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]+);/gi, (entity, name: string) => {
    if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? entity;
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}
