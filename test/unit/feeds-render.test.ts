// The three feed serializers on a small fixture: escaping, item content, the structure each format requires
// (RSS, Atom, JSON Feed), dates, determinism and the item bound.
import { describe, expect, it } from "vitest";
import { renderAtom } from "../../src/feeds/atom.ts";
import { buildItemHtml, buildItemText, sanitizeHtml } from "../../src/feeds/content.ts";
import { MAX_LINK_TEXT_CHARS } from "../../src/domain/limits.ts";
import { fitLine } from "../../src/domain/text.ts";
import { cleanXmlText, escapeXml } from "../../src/feeds/escape.ts";
import { renderJsonFeed } from "../../src/feeds/json.ts";
import { MAX_FEED_ITEMS } from "../../src/feeds/model.ts";
import { renderRss } from "../../src/feeds/rss.ts";
import {
  BASE,
  type Node,
  RENDERERS,
  XML_RENDERERS,
  buildItem,
  buildTestFeed,
  expectWellFormed,
  parseXml,
  text,
} from "../helpers/feeds.ts";

describe("escapeXml and cleanXmlText", () => {
  it("escapes the five markup characters", () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;",
    );
  });

  it("removes what XML 1.0 forbids and keeps TAB, LF, CR and surrogate pairs", () => {
    expect(cleanXmlText("a\u0000b\u0008c\u000bd\u000ce\u001ff\t\n\rg")).toBe("abcdef\t\n\rg");
    expect(cleanXmlText("x\ufffey\uffffz")).toBe("xyz");
    expect(cleanXmlText("lone \ud800 and \udfff, reversed \udfff\ud800, pair 😀 \ud83d\ude00")).toBe(
      "lone  and , reversed , pair 😀 😀",
    );
    expect(escapeXml("\u0000<")).toBe("&lt;");
  });
});

describe("item content", () => {
  it("renders summary, excerpt and notes link as HTML and as text", () => {
    expect(buildItemHtml(buildItem({ excerpt: "if (a < b && c) {}" }))).toBe(
      [
        "<p>2 lines added, 1 removed</p>",
        "<pre>if (a &lt; b &amp;&amp; c) {}</pre>",
        '<p><strong>Notes:</strong> <a href="https://pad.example/p/xen-toolstacks?a=1&amp;b=2">https://pad.example/p/xen-toolstacks?a=1&amp;b=2</a></p>',
      ].join("\n"),
    );
    expect(buildItemText(buildItem())).toBe(
      "2 lines added, 1 removed\n\nattendees: 7\n- action: write design doc\n\nNotes: https://pad.example/p/xen-toolstacks?a=1&b=2",
    );
    expect(buildItemHtml(buildItem({ excerpt: "", notesUrl: null }))).toBe("<p>2 lines added, 1 removed</p>");
  });

  it("links only http(s) notes URLs and shows anything else as text", () => {
    for (const url of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "java\tscript:alert(1)",
      "java&#x09;script:alert(1)",
      "&#106;avascript:alert(1)",
      " \n\tjavascript:alert(1)",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
      "vbscript:msgbox(1)",
      "//evil.example/",
      "pad.example/p/x",
    ]) {
      const html = buildItemHtml(buildItem({ notesUrl: url }));
      expect(html, url).not.toContain("<a");
      // Shown as the one line of text it is (blanks folded), not linked.
      expect(html, url).toContain(`<strong>Notes:</strong> ${escapeXml(fitLine(url, MAX_LINK_TEXT_CHARS))}</p>`);
    }
    expect(buildItemHtml(buildItem({ notesUrl: ' HTTPS://pad.example/p/"><script>' }))).toContain(
      '<a href="https://pad.example/p/%22%3E%3Cscript%3E">',
    );
  });

  it("sanitizes for real inside workerd", () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    const dirty = [
      '<p onclick="alert(1)">hi</p><script>alert(1)</script><style>p{}</style>',
      '<img src=x onerror=alert(1)><a href="javascript:alert(1)" target=_blank>x</a>',
      "<svg onload=alert(1)><math><mtext>m</mtext></math><pre>ok</pre>",
    ].join("");
    expect(sanitizeHtml(dirty)).toBe("<p>hi</p><a href>x</a>m<pre>ok</pre>");
  });
});

describe("renderRss", () => {
  it("renders an RSS 2.0 channel with self and hub links and its items", () => {
    const xml = renderRss(buildTestFeed());
    expectWellFormed(xml);
    const { rss } = parseXml(xml);
    expect(rss["@version"]).toBe("2.0");
    expect(rss["@xmlns:atom"]).toBe("http://www.w3.org/2005/Atom");
    expect(rss["@xmlns:content"]).toBe("http://purl.org/rss/1.0/modules/content/");
    const { channel } = rss;
    expect(channel.title).toBe("Xen Design Sessions 2019");
    expect(channel.link).toBe(`${BASE}/events/xen-2019`);
    expect(channel.description).toBe("Notes changes of every session of Xen Design Sessions 2019");
    expect(channel.language).toBe("en");
    expect(channel.lastBuildDate).toBe("Wed, 10 Jul 2019 12:30:00 GMT");
    expect(channel["atom:link"]).toEqual([
      { "@href": `${BASE}/events/xen-2019/feed.rss`, "@rel": "self", "@type": "application/rss+xml" },
      { "@href": "https://hub.example/", "@rel": "hub" },
    ]);
    expect(channel.item).toHaveLength(2);
    const [first] = channel.item;
    expect(first.title).toBe("Notes updated: Xen Toolstacks");
    expect(first.link).toBe(`${BASE}/events/xen-2019/sessions/xen-toolstacks`);
    expect(first.guid).toEqual({ "#text": "chg-2", "@isPermaLink": "false" });
    expect(first.pubDate).toBe("Wed, 10 Jul 2019 12:00:00 GMT");
    expect(first.description).toBe(buildItemHtml(buildItem()));
    expect(first["content:encoded"]).toBe(buildItemHtml(buildItem()));
    expect(first.category).toEqual(["Xen Design Sessions 2019", "Xen Toolstacks"]);
    expect(channel.item[1].pubDate).toBe("Tue, 09 Jul 2019 08:00:00 GMT");
  });

  it("leaves the hub out when there is none", () => {
    const { rss } = parseXml(renderRss(buildTestFeed({ hubUrl: null })));
    expect(rss.channel["atom:link"]).toEqual([
      { "@href": `${BASE}/events/xen-2019/feed.rss`, "@rel": "self", "@type": "application/rss+xml" },
    ]);
  });
});

describe("RSS plain-text fields, which readers may render as HTML", () => {
  const evil = "<script>alert(1)</script> & <b>x</b>";
  const rssOf = (text: string) => {
    const xml = renderRss(
      buildTestFeed({ title: text, description: text, items: [buildItem({ title: text, categories: [text] })] }),
    );
    expectWellFormed(xml);
    const { channel } = parseXml(xml).rss;
    return [channel.title, channel.description, channel.item[0].title, channel.item[0].category[0]];
  };

  it("show markup literally: after XML parsing no element is left, only escaped text", () => {
    expect(rssOf(evil)).toEqual(Array(4).fill("&lt;script>alert(1)&lt;/script> & &lt;b>x&lt;/b>"));
    // Atom says type="text" and JSON Feed titles are text by definition: there the title stays as written.
    expect(text(parseXml(renderAtom(buildTestFeed({ items: [buildItem({ title: evil })] }))).feed.entry[0].title)).toBe(
      evil,
    );
  });

  it("leave ordinary titles plain, escaping only an & that could start a character reference", () => {
    expect(rssOf("Xen & ARM")).toEqual(Array(4).fill("Xen & ARM"));
    expect(rssOf("x86 -> Arm, 1 > 0")[0]).toBe("x86 -> Arm, 1 > 0");
    expect(rssOf("AT&T &copy &#106; a<b")[0]).toBe("AT&amp;T &amp;copy &amp;#106; a&lt;b");
  });
});

describe("renderAtom", () => {
  it("renders an RFC 4287 feed with ids, dates, author and links", () => {
    const xml = renderAtom(buildTestFeed());
    expectWellFormed(xml);
    const { feed } = parseXml(xml);
    expect(feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    // Ids are tag URIs from what the feed and entries are, never from the site's address (BASE).
    expect(feed.id).toBe("tag:sessionwire.invalid,2026:feed/events/xen-2019");
    expect(text(feed.title)).toBe("Xen Design Sessions 2019");
    expect(feed.updated).toBe("2019-07-10T12:30:00.000Z");
    expect(feed.author).toEqual({ name: "sessionwire" });
    expect(feed.link).toEqual([
      { "@rel": "self", "@type": "application/atom+xml", "@href": `${BASE}/events/xen-2019/feed.atom` },
      { "@rel": "alternate", "@type": "text/html", "@href": `${BASE}/events/xen-2019` },
      { "@rel": "hub", "@href": "https://hub.example/" },
    ]);
    expect(feed.entry).toHaveLength(2);
    const [first, second] = feed.entry;
    expect(first.id).toBe("tag:sessionwire.invalid,2026:change/chg-2");
    expect(second.id).toBe("tag:sessionwire.invalid,2026:change/chg-1");
    expect(first.title).toEqual({ "#text": "Notes updated: Xen Toolstacks", "@type": "text" });
    expect(first.link).toEqual([
      { "@rel": "alternate", "@type": "text/html", "@href": `${BASE}/events/xen-2019/sessions/xen-toolstacks` },
    ]);
    expect(first.published).toBe("2019-07-10T12:00:00.000Z");
    expect(first.updated).toBe("2019-07-10T12:30:00.000Z");
    expect(first.summary).toEqual({ "#text": buildItemText(buildItem()), "@type": "text" });
    expect(first.content).toEqual({ "#text": buildItemHtml(buildItem()), "@type": "html" });
    expect(first.category).toEqual([{ "@term": "Xen Design Sessions 2019" }, { "@term": "Xen Toolstacks" }]);
  });

  it("leaves the hub out when there is none", () => {
    const { feed } = parseXml(renderAtom(buildTestFeed({ hubUrl: null })));
    expect(feed.link.map((l: Node) => l["@rel"])).toEqual(["self", "alternate"]);
  });
});

describe("renderJsonFeed", () => {
  it("renders JSON Feed 1.1 with its required fields, hubs and items", () => {
    const json = JSON.parse(renderJsonFeed(buildTestFeed()));
    expect(json).toEqual({
      version: "https://jsonfeed.org/version/1.1",
      title: "Xen Design Sessions 2019",
      home_page_url: `${BASE}/events/xen-2019`,
      feed_url: `${BASE}/events/xen-2019/feed.json`,
      description: "Notes changes of every session of Xen Design Sessions 2019",
      hubs: [{ type: "WebSub", url: "https://hub.example/" }],
      items: [
        {
          id: "chg-2",
          url: `${BASE}/events/xen-2019/sessions/xen-toolstacks`,
          title: "Notes updated: Xen Toolstacks",
          content_html: buildItemHtml(buildItem()),
          content_text: buildItemText(buildItem()),
          summary: "2 lines added, 1 removed",
          date_published: "2019-07-10T12:00:00.000Z",
          date_modified: "2019-07-10T12:30:00.000Z",
          tags: ["Xen Design Sessions 2019", "Xen Toolstacks"],
        },
        expect.objectContaining({ id: "chg-1", content_html: "<p>Session added</p>", content_text: "Session added" }),
      ],
    });
  });

  it("leaves hubs out when there is none", () => {
    expect(JSON.parse(renderJsonFeed(buildTestFeed({ hubUrl: null })))).not.toHaveProperty("hubs");
  });
});

describe("every format", () => {
  it.each(Object.entries(RENDERERS))("%s is deterministic for the same input", (_, render) => {
    const body = render(buildTestFeed());
    expect(render(structuredClone(buildTestFeed()))).toBe(body);
    expect(body.endsWith("\n")).toBe(true);
  });

  it.each(Object.entries(RENDERERS))("%s renders at most MAX_FEED_ITEMS items, newest first", (format, render) => {
    const items = Array.from({ length: MAX_FEED_ITEMS + 10 }, (_, i) => buildItem({ id: `chg-${100 - i}` }));
    const body = render(buildTestFeed({ items }));
    const ids =
      format === "json"
        ? JSON.parse(body).items.map((i: Node) => i.id)
        : format === "rss"
          ? parseXml(body).rss.channel.item.map((i: Node) => text(i.guid))
          : parseXml(body).feed.entry.map((e: Node) => e.id.split("change/")[1]);
    expect(ids).toEqual(items.slice(0, MAX_FEED_ITEMS).map((i) => i.id));
  });

  it("renders an empty feed", () => {
    const feed = buildTestFeed({ items: [] });
    for (const render of Object.values(XML_RENDERERS)) expectWellFormed(render(feed));
    expect(JSON.parse(renderJsonFeed(feed)).items).toEqual([]);
  });

  it.each(Object.entries(XML_RENDERERS))(
    "%s names the XSLT stylesheet right after the XML declaration",
    (_, render) => {
      const [declaration, stylesheet] = render(buildTestFeed()).split("\n");
      expect(declaration).toBe('<?xml version="1.0" encoding="utf-8"?>');
      expect(stylesheet).toBe('<?xml-stylesheet type="text/xsl" href="/feed.xsl"?>');
    },
  );
});
