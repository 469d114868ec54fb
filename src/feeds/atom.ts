// Atom (RFC 4287). Feed and entry ids are tag URIs that do not depend on the site's address (ids.ts); dates are
// normalised to RFC 3339 in UTC. The stylesheet instruction makes a browser show the feed as a page.
import { feedPaths } from "../paths.ts";
import { boundFeed, buildItemHtml, buildItemText } from "./content.ts";
import { XML_DECLARATION, renderElement, renderXmlStylesheet } from "./escape.ts";
import { buildEntryTag } from "./ids.ts";
import type { Feed, FeedItem } from "./model.ts";

const toRfc3339 = (iso: string) => new Date(iso).toISOString();

function renderEntry(item: FeedItem): string[] {
  return [
    renderElement("id", buildEntryTag(item.id)),
    renderElement("title", item.title, { type: "text" }),
    renderElement("link", null, { rel: "alternate", type: "text/html", href: item.url }),
    renderElement("published", toRfc3339(item.published)),
    renderElement("updated", toRfc3339(item.updated)),
    renderElement("summary", buildItemText(item), { type: "text" }),
    renderElement("content", buildItemHtml(item), { type: "html" }),
    ...item.categories.map((c) => renderElement("category", null, { term: c })),
  ];
}

export function renderAtom(unbounded: Feed): string {
  const feed = boundFeed(unbounded);
  const head = [
    renderElement("id", feed.id),
    renderElement("title", feed.title, { type: "text" }),
    renderElement("subtitle", feed.description, { type: "text" }),
    renderElement("updated", toRfc3339(feed.updated)),
    `<author>${renderElement("name", "sessionwire")}</author>`,
    renderElement("link", null, { rel: "self", type: "application/atom+xml", href: feed.selfUrls.atom }),
    renderElement("link", null, { rel: "alternate", type: "text/html", href: feed.homeUrl }),
    ...(feed.hubUrl ? [renderElement("link", null, { rel: "hub", href: feed.hubUrl })] : []),
  ];
  const entries = feed.items.flatMap((item) => [
    "<entry>",
    ...renderEntry(item).map((line) => `  ${line}`),
    "</entry>",
  ]);
  return [
    XML_DECLARATION,
    renderXmlStylesheet(feedPaths.stylesheet()),
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    ...[...head, ...entries].map((line) => `  ${line}`),
    "</feed>",
    "",
  ].join("\n");
}
