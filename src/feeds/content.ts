// What an item says, as HTML and as plain text: the change summary, the excerpt and the notes link. The HTML is
// built only by escaping text into a fixed shape, then passed through `xss` as defence in depth: `xss` is plain
// string processing, so it really runs in workerd (DOMPurify on linkedom silently does nothing there). Every
// text is cleaned and cut to its limit (domain/limits.ts) when rendered, whatever the rows held.
import filterXSS, { type IFilterXSSOptions } from "xss";
import {
  MAX_CATEGORIES,
  MAX_CATEGORY_CHARS,
  MAX_EXCERPT_CHARS,
  MAX_FEED_ITEMS,
  MAX_ITEM_TITLE_CHARS,
  MAX_LINK_TEXT_CHARS,
  MAX_SCOPE_TITLE_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_URL_CHARS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { cleanXmlText, escapeXml } from "./escape.ts";
import type { Feed, FeedItem } from "./model.ts";

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

/**
 * A notes URL as rendered: `href` when it may be linked (http(s), and at most MAX_URL_CHARS once the URL parser
 * has encoded it), `text` to show (shortened); `full` is the URL in plain text, where a reader must copy it.
 */
export function buildShownUrl(url: string): { href: string | null; text: string; full: string } {
  const parsed = url.length <= MAX_URL_CHARS ? toHttpUrl(url) : null;
  const href = parsed !== null && parsed.length <= MAX_URL_CHARS ? parsed : null;
  const text = fitLine(href ?? url, MAX_LINK_TEXT_CHARS);
  return { href, text, full: href ?? text };
}

/** An item with every text cleaned and cut to its limit. */
export function boundItem(item: FeedItem): FeedItem {
  return {
    ...item,
    title: fitLine(item.title, MAX_ITEM_TITLE_CHARS),
    summary: fitText(item.summary, MAX_SUMMARY_CHARS),
    excerpt: fitText(item.excerpt, MAX_EXCERPT_CHARS),
    categories: item.categories.slice(0, MAX_CATEGORIES).map((c) => fitLine(c, MAX_CATEGORY_CHARS)),
  };
}

/**
 * The feed as every renderer writes it: at most MAX_FEED_ITEMS items, each bounded, so a stored feed's size is
 * bounded by its item count (MAX_FEED_BYTES) whatever the change log holds.
 */
export function boundFeed(feed: Feed): Feed {
  return {
    ...feed,
    title: fitLine(feed.title, MAX_SCOPE_TITLE_CHARS),
    description: fitLine(feed.description, MAX_SCOPE_TITLE_CHARS),
    items: feed.items.slice(0, MAX_FEED_ITEMS).map(boundItem),
  };
}

export function buildItemHtml(unbounded: FeedItem): string {
  const item = boundItem(unbounded);
  const parts = [`<p>${escapeXml(item.summary)}</p>`];
  if (item.excerpt) parts.push(`<pre>${escapeXml(item.excerpt)}</pre>`);
  if (item.notesUrl) {
    const url = buildShownUrl(item.notesUrl);
    const link = url.href ? `<a href="${escapeXml(url.href)}">${escapeXml(url.text)}</a>` : escapeXml(url.text);
    parts.push(`<p><strong>Notes:</strong> ${link}</p>`);
  }
  return sanitizeHtml(parts.join("\n"));
}

export function buildItemText(unbounded: FeedItem): string {
  const item = boundItem(unbounded);
  const parts = [item.summary];
  if (item.excerpt) parts.push(item.excerpt);
  if (item.notesUrl) parts.push(`Notes: ${buildShownUrl(item.notesUrl).full}`);
  return cleanXmlText(parts.join("\n\n"));
}
