// Untrusted text in every field of a feed, through every format, parsed back strictly: well-formed, the text
// intact, and no live markup or script link in what readers render as HTML.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderAtom } from "../../src/feeds/atom.ts";
import { buildItemText } from "../../src/feeds/content.ts";
import { MAX_CATEGORY_CHARS, MAX_SCOPE_TITLE_CHARS } from "../../src/domain/limits.ts";
import { cleanLine, cleanText, fitLine } from "../../src/domain/text.ts";
import { renderJsonFeed } from "../../src/feeds/json.ts";
import { renderRss } from "../../src/feeds/rss.ts";
import {
  FORBIDDEN,
  type Node,
  XML_RENDERERS,
  buildItem,
  buildTestFeed,
  decodeHtml,
  expectNoLiveMarkup,
  expectWellFormed,
  parseXml,
  text,
} from "../helpers/feeds.ts";

const XSS_CORPUS = [
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "java&#x09;script:alert(1)",
  "&#106;avascript:alert(1)",
  " javascript:alert(1)",
  "\n\n\t javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "]]>",
  "<![CDATA[<script>alert(1)</script>]]>",
  "<style><img src=x onerror=alert(1)></style>",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  "<svg onload=alert(1)>",
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '<a href="javascript:alert(1)">x</a>',
  "<!--<img src=x onerror=alert(1)>-->",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "\u0000\u0008\u000b\u001f",
  "a\ud800b",
  "a\udfffb",
  "\ufffe\uffff",
  'https://pad.example/p/"><script>alert(1)</script>',
  "http://pad.example/?q=<img src=x onerror=alert(1)>",
];

describe("untrusted text", () => {
  const all = XSS_CORPUS.join(" ");
  const feed = buildTestFeed({
    title: all,
    description: all,
    items: XSS_CORPUS.map((s, i) =>
      buildItem({ id: `chg-${i}`, title: s, summary: s, excerpt: s, notesUrl: s, categories: [s, all] }),
    ),
  });
  // Summary, excerpt (left out when cleaning empties it) and notes link, each cleaned.
  const expectedText = (s: string) => {
    const clean = cleanText(s);
    return `${clean}${clean ? `\n\n${clean}` : ""}\n\nNotes: `;
  };
  /** RSS plain-text fields are HTML as far as readers know: no markup, and decoded they are the text. */
  const expectHtmlText = (html: string, plain: string) => {
    expect(html).not.toContain("<");
    expect(decodeHtml(html)).toBe(plain);
  };

  it("leaves RSS well-formed with no live markup", () => {
    const xml = renderRss(feed);
    expectWellFormed(xml);
    const { channel } = parseXml(xml).rss;
    expectHtmlText(channel.title, fitLine(all, MAX_SCOPE_TITLE_CHARS));
    expectHtmlText(channel.description, fitLine(all, MAX_SCOPE_TITLE_CHARS));
    channel.item.forEach((item: Node, i: number) => {
      const s = XSS_CORPUS[i]!;
      expectHtmlText(item.title, cleanLine(s));
      expect(item.category).toHaveLength(2);
      expectHtmlText(item.category[0], cleanLine(s));
      expectHtmlText(item.category[1], fitLine(all, MAX_CATEGORY_CHARS));
      expectNoLiveMarkup(item.description);
      expectNoLiveMarkup(item["content:encoded"]);
      // The summary reads as the (cleaned) text it was: escaped once, not lost or doubled.
      expect(decodeHtml(item.description.match(/^<p>(.*?)<\/p>/s)[1])).toBe(cleanText(s));
    });
  });

  it("leaves Atom well-formed with no live markup", () => {
    const xml = renderAtom(feed);
    expectWellFormed(xml);
    parseXml(xml).feed.entry.forEach((entry: Node, i: number) => {
      const s = XSS_CORPUS[i]!;
      expect(text(entry.title)).toBe(cleanLine(s));
      expect(text(entry.summary).startsWith(expectedText(s))).toBe(true);
      expectNoLiveMarkup(text(entry.content));
    });
  });

  it("leaves JSON Feed parseable, clean and with no live markup", () => {
    const body = renderJsonFeed(feed);
    const json = JSON.parse(body);
    const strings: string[] = [];
    JSON.parse(body, (_, value) => (typeof value === "string" && strings.push(value), value));
    for (const s of strings) expect(s).not.toMatch(FORBIDDEN);
    json.items.forEach((item: Node, i: number) => {
      const s = XSS_CORPUS[i]!;
      expect(item.title).toBe(cleanLine(s));
      expect(item.content_text.startsWith(expectedText(s))).toBe(true);
      expectNoLiveMarkup(item.content_html);
    });
  });

  it("keeps every document well-formed for arbitrary unicode, lone surrogates included", () => {
    const char = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("<", ">", "&", '"', "'", "]]>", "<![CDATA[", "\r\n", "\u0000"),
    );
    const str = fc.string({ unit: char, maxLength: 40 });
    fc.assert(
      fc.property(str, str, str, str, (title, summary, excerpt, category) => {
        const item = buildItem({ title, summary, excerpt, notesUrl: excerpt, categories: [category] });
        const feed = buildTestFeed({ title, description: summary, items: [item] });
        for (const render of Object.values(XML_RENDERERS)) expectWellFormed(render(feed));
        const json = JSON.parse(renderJsonFeed(feed));
        expect(json.title).toBe(cleanLine(title));
        expect(json.items[0].content_text).toBe(buildItemText(item));
        expect(json.items[0].content_text).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 300 },
    );
  });
});
