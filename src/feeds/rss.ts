// RSS 2.0, with the Atom namespace for rel="self"/rel="hub" (which RSS lacks) and content:encoded for the full
// HTML. HTML goes in as escaped text, never CDATA, so a `]]>` in notes text cannot end it early. RSS never says
// whether a title is text or HTML and many readers render it as HTML, so the plain-text fields are HTML-escaped
// as well (escapeHtmlText): a title shows as the text it is. The stylesheet instruction makes a browser show the
// feed as a page.
import { feedPaths } from "../paths.ts";
import { boundFeed, buildItemHtml } from "./content.ts";
import { XML_DECLARATION, escapeHtmlText, renderElement, renderXmlStylesheet } from "./escape.ts";
import type { Feed, FeedItem } from "./model.ts";

const toRfc822 = (iso: string) => new Date(iso).toUTCString();

function renderItem(item: FeedItem): string[] {
  const html = buildItemHtml(item);
  return [
    renderElement("title", escapeHtmlText(item.title)),
    renderElement("link", item.url),
    renderElement("guid", item.id, { isPermaLink: "false" }),
    renderElement("pubDate", toRfc822(item.published)),
    renderElement("description", html),
    renderElement("content:encoded", html),
    ...item.categories.map((c) => renderElement("category", escapeHtmlText(c))),
  ];
}

export function renderRss(unbounded: Feed): string {
  const feed = boundFeed(unbounded);
  const channel = [
    renderElement("title", escapeHtmlText(feed.title)),
    renderElement("link", feed.homeUrl),
    renderElement("description", escapeHtmlText(feed.description)),
    renderElement("language", "en"),
    renderElement("lastBuildDate", toRfc822(feed.updated)),
    renderElement("atom:link", null, { href: feed.selfUrls.rss, rel: "self", type: "application/rss+xml" }),
    ...(feed.hubUrl ? [renderElement("atom:link", null, { href: feed.hubUrl, rel: "hub" })] : []),
  ];
  const items = feed.items.flatMap((item) => ["<item>", ...renderItem(item).map((line) => `  ${line}`), "</item>"]);
  return [
    XML_DECLARATION,
    renderXmlStylesheet(feedPaths.stylesheet()),
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    "  <channel>",
    ...[...channel, ...items].map((line) => `    ${line}`),
    "  </channel>",
    "</rss>",
    "",
  ].join("\n");
}
