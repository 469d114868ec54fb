// Renders one feed in one format, with the validators its HTTP answers carry: the ETag comes from the
// content (so an unchanged feed keeps its ETag across rebuilds) and Last-Modified from its newest item.
import { hashText } from "../lib/crypto.ts";
import { renderAtom } from "./atom.ts";
import { renderJsonFeed } from "./json.ts";
import type { Feed, FeedFormat } from "./model.ts";
import { renderRss } from "./rss.ts";

export type RenderedFeed = { body: string; etag: string; lastModified: string };

const RENDERERS: Record<FeedFormat, (feed: Feed) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

export async function renderFeed(feed: Feed, format: FeedFormat): Promise<RenderedFeed> {
  const body = RENDERERS[format](feed);
  return { body, etag: `"${(await hashText(body)).slice(0, 32)}"`, lastModified: feed.updated };
}
