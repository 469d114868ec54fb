// Schedule descriptions come as plain text, markdown, HTML, or a mix of them (frab and pretalx take what the
// speaker typed). The catalogue keeps plain text: a description with HTML tags loses its markup but keeps what a
// reader needs from it (a link's URL, paragraph and line breaks, list items as "- " lines); one without is kept
// as written, so markdown stays readable text. Only known tag names count as HTML: "a < b" and "<3" are prose.
const HTML_TAG =
  /<\/?(?:a|abbr|b|blockquote|br|code|div|em|h[1-6]|hr|i|img|li|ol|p|pre|small|span|strong|sub|sup|table|td|th|tr|u|ul)\b[^<>]*>/i;
const ANCHOR = /<a\b[^<>]*?\bhref\s*=\s*(["'])(.*?)\1[^<>]*>([\s\S]*?)<\/a\s*>/gi;
const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Plain text with paragraphs separated by one blank line; HTML made text, anything else kept as written. */
export function buildPlainText(text: string): string {
  let out = text.replace(/\r\n?/g, "\n");
  if (HTML_TAG.test(out)) out = stripHtml(out);
  return out
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^(- .*)\n\n(?=- )/gm, "$1\n") // list items split by the markup's line breaks are one list
    .trim();
}

function stripHtml(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(ANCHOR, (_, _q: string, href: string, inner: string) => {
      const url = decodeEntities(href).trim();
      const label = decodeEntities(inner.replace(/<[^<>]*>/g, "")).trim();
      if (!label || label === url || url.replace(/^[a-z]+:\/\//i, "").replace(/\/$/, "") === label) return url;
      return url ? `${label} (${url})` : label;
    })
    .replace(/<br\s*\/?>|<\/br\s*>/gi, "\n")
    .replace(/<li\b[^<>]*>/gi, "\n- ")
    .replace(/<\/?(?:p|div|ul|ol|h[1-6]|blockquote|pre|table|hr)\b[^<>]*>/gi, "\n\n")
    .replace(/<\/?tr\b[^<>]*>/gi, "\n")
    .replace(/<\/?[a-z][a-z0-9]*\b[^<>]*>/gi, "");
  // The markup's own indentation is not text.
  return decodeEntities(text)
    .split("\n")
    .map((line) => line.trim())
    .join("\n");
}

function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi, (entity, dec: string, hex: string, name: string) => {
    if (name) return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
    const code = dec ? Number(dec) : Number.parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}
