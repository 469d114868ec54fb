// What the feed serializer tests share (feeds-*.test.ts): a small feed with overrides, the renderers by format,
// a strict XML reader, and checks for well-formed XML and for HTML without live markup.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { expect } from "vitest";
import { renderAtom } from "../../src/feeds/atom.ts";
import { buildFeedTag } from "../../src/feeds/ids.ts";
import { renderJsonFeed } from "../../src/feeds/json.ts";
import type { Feed, FeedItem } from "../../src/feeds/model.ts";
import { renderRss } from "../../src/feeds/rss.ts";

export const BASE = "https://sessions.example";
export const buildItem = (overrides: Partial<FeedItem> = {}): FeedItem => ({
  id: "chg-2",
  title: "Notes updated: Xen Toolstacks",
  url: `${BASE}/events/xen-2019/sessions/xen-toolstacks`,
  published: "2019-07-10T12:00:00Z",
  updated: "2019-07-10T12:30:00Z",
  summary: "2 lines added, 1 removed",
  excerpt: "attendees: 7\n- action: write design doc",
  notesUrl: "https://pad.example/p/xen-toolstacks?a=1&b=2",
  categories: ["Xen Design Sessions 2019", "Xen Toolstacks"],
  ...overrides,
});
export const buildTestFeed = (overrides: Partial<Feed> = {}): Feed => ({
  id: buildFeedTag("/events/xen-2019"),
  title: "Xen Design Sessions 2019",
  description: "Notes changes of every session of Xen Design Sessions 2019",
  homeUrl: `${BASE}/events/xen-2019`,
  selfUrls: {
    rss: `${BASE}/events/xen-2019/feed.rss`,
    atom: `${BASE}/events/xen-2019/feed.atom`,
    json: `${BASE}/events/xen-2019/feed.json`,
  },
  hubUrl: "https://hub.example/",
  updated: "2019-07-10T12:30:00Z",
  items: [
    buildItem(),
    buildItem({
      id: "chg-1",
      title: "Session added: Xen Toolstacks",
      published: "2019-07-09T08:00:00Z",
      updated: "2019-07-09T08:00:00Z",
      summary: "Session added",
      excerpt: "",
      notesUrl: null,
    }),
  ],
  ...overrides,
});

export const RENDERERS = { rss: renderRss, atom: renderAtom, json: renderJsonFeed };
export const XML_RENDERERS = { rss: renderRss, atom: renderAtom };

// Element values come back as strings, or as { "#text", "@attr" } when the element has attributes.
export const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  isArray: (name, jPath) =>
    ["item", "entry", "category", "atom:link"].includes(name) || (name === "link" && String(jPath).startsWith("feed.")),
});
export type Node = Record<string, any>;
export const parseXml = (xml: string): Node => parser.parse(xml);
export const text = (node: unknown): string => (typeof node === "string" ? node : ((node as Node)?.["#text"] ?? ""));

export const FORBIDDEN = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/u;

/** Strictly well-formed, which fast-xml-parser's validator alone does not check for characters and entities. */
export function expectWellFormed(xml: string) {
  expect(xml.startsWith('<?xml version="1.0" encoding="utf-8"?>\n')).toBe(true);
  expect(XMLValidator.validate(xml)).toBe(true);
  expect(xml).not.toMatch(FORBIDDEN);
  expect(xml).not.toMatch(/&(?!(?:amp|lt|gt|quot|#39);)/);
  expect(xml).not.toContain("<![CDATA[");
  expect(xml).not.toContain("]]>");
}

export const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  colon: ":",
  tab: "\t",
  newline: "\n",
};
export const decodeHtml = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);?/gi, (m, ref: string) =>
    ref[0] !== "#"
      ? (NAMED[ref.toLowerCase()] ?? m)
      : String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1))),
  );

/** What a browser would find live in an HTML field: only our tags, no handlers, links only to http(s). */
export function expectNoLiveMarkup(html: string) {
  expect(html).not.toMatch(/<\s*\/?\s*(script|style|svg|math|img|iframe)/i);
  for (const [tag] of html.matchAll(/<[^>]*>/g)) {
    expect(tag).toMatch(/^<\/?(p|pre|strong|a)\b/);
    expect(tag).not.toMatch(/[\s/"']on\w+\s*=/i);
    for (const [, , value] of tag.matchAll(/\b(href|src|action|formaction)\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)/gi)) {
      const url = decodeHtml(value!.replace(/^["']|["']$/g, "")).replace(/[\s\0-\x1F]/g, "");
      expect(url).toMatch(/^https?:\/\//i);
    }
  }
}
