// JSON Feed 1.1. Every string goes through cleanXmlText (JSON Feed readers choke on what XML forbids), and key
// order is fixed, so the same feed always serialises to the same bytes (the ETag is computed from them).
import { boundFeed, buildItemHtml, buildItemText } from "./content.ts";
import { cleanXmlText } from "./escape.ts";
import type { Feed } from "./model.ts";

const toRfc3339 = (iso: string) => new Date(iso).toISOString();

export function renderJsonFeed(unbounded: Feed): string {
  const feed = boundFeed(unbounded);
  const json = {
    version: "https://jsonfeed.org/version/1.1",
    title: feed.title,
    home_page_url: feed.homeUrl,
    feed_url: feed.selfUrls.json,
    description: feed.description,
    ...(feed.hubUrl ? { hubs: [{ type: "WebSub", url: feed.hubUrl }] } : {}),
    items: feed.items.map((item) => ({
      id: item.id,
      url: item.url,
      title: item.title,
      content_html: buildItemHtml(item),
      content_text: buildItemText(item),
      summary: item.summary,
      date_published: toRfc3339(item.published),
      date_modified: toRfc3339(item.updated),
      tags: item.categories,
    })),
  };
  return `${JSON.stringify(json, (_, value) => (typeof value === "string" ? cleanXmlText(value) : value), 2)}\n`;
}
