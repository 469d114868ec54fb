// What an item says, as HTML and as plain text: the change summary, the excerpt and the notes link. The HTML is
// built only by escaping text into a fixed shape, then passed through `xss` as defence in depth: `xss` is plain
// string processing, so it really runs in workerd (DOMPurify on linkedom silently does nothing there).
import filterXSS, { type IFilterXSSOptions } from "xss";
import { cleanXmlText, escapeXml } from "./escape.ts";
import type { FeedItem } from "./model.ts";

// Exactly the tags buildItemHtml emits; anything else goes, with its body for script and style. (The default
// export, not `new FilterXSS`: the named exports of this CommonJS package are missing under vitest in workerd.)
const SANITIZER_OPTIONS: IFilterXSSOptions = {
  whiteList: { p: [], pre: [], strong: [], a: ["href"] },
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style"],
  css: false,
};

// Mail HTML (src/email/message.ts) needs inline styles, which mail clients honour and <style> elements they often
// drop; so a second whitelist, with the style attribute and exactly the CSS properties those mails use.
export const MAIL_SANITIZER_OPTIONS: IFilterXSSOptions = {
  whiteList: { div: ["style"], p: ["style"], pre: ["style"], strong: [], a: ["href", "style"] },
  stripIgnoreTag: true,
  stripIgnoreTagBody: ["script", "style"],
  css: {
    whiteList: Object.fromEntries(
      [
        "background-color",
        "color",
        "font-family",
        "font-size",
        "line-height",
        "margin",
        "max-width",
        "padding",
        "white-space",
      ].map((property) => [property, true]),
    ),
  },
};

export function sanitizeHtml(html: string, options = SANITIZER_OPTIONS): string {
  return filterXSS(html, options);
}

/**
 * The notes link as a browser would read it (the URL parser drops the leading blanks, tabs and newlines and
 * folds the case that tricks rely on), kept only for http(s); `&#106;avascript:` is not absolute, so it fails.
 */
export function toHttpUrl(text: string): string | null {
  const url = URL.parse(text);
  return url && (url.protocol === "http:" || url.protocol === "https:") ? url.href : null;
}

export function buildItemHtml(item: FeedItem): string {
  const parts = [`<p>${escapeXml(item.summary)}</p>`];
  if (item.excerpt) parts.push(`<pre>${escapeXml(item.excerpt)}</pre>`);
  if (item.notesUrl) {
    const href = toHttpUrl(item.notesUrl);
    const link = href ? `<a href="${escapeXml(href)}">${escapeXml(href)}</a>` : escapeXml(item.notesUrl);
    parts.push(`<p><strong>Notes:</strong> ${link}</p>`);
  }
  return sanitizeHtml(parts.join("\n"));
}

export function buildItemText(item: FeedItem): string {
  const parts = [item.summary];
  if (item.excerpt) parts.push(item.excerpt);
  if (item.notesUrl) parts.push(`Notes: ${toHttpUrl(item.notesUrl) ?? item.notesUrl}`);
  return cleanXmlText(parts.join("\n\n"));
}
