// One neutral feed model; rss.ts, atom.ts and json.ts each render it, purely, to one format.
// Everything in it is plain text or an absolute URL: the renderers escape, and build HTML only from text.

export type FeedItem = {
  /** Stable across renders: the change id. */
  id: string;
  /** What happened, e.g. "Notes updated: Xen Toolstacks". */
  title: string;
  /** The session page (or the event page for event-wide changes). */
  url: string;
  /** ISO 8601. */
  published: string;
  updated: string;
  /** What changed in words, e.g. "3 lines added, 1 removed". */
  summary: string;
  /** New lines of the notes (plain text, possibly empty). */
  excerpt: string;
  /** The notes link the change is about, if any. */
  notesUrl: string | null;
  /** Where the item sits, for readers that group: the event and session titles. */
  categories: string[];
};

export type Feed = {
  /** A stable id for the feed itself, independent of the site's address (a tag URI: ids.ts). */
  id: string;
  title: string;
  description: string;
  /** The HTML page the feed is about. */
  homeUrl: string;
  /** This feed's own URL per format (rel="self"). */
  selfUrls: { rss: string; atom: string; json: string };
  /** WebSub hub, when configured. */
  hubUrl: string | null;
  /** ISO 8601: the newest item's time, or when the catalogue was built when there are none. */
  updated: string;
  /** Newest first, at most MAX_FEED_ITEMS. */
  items: FeedItem[];
};

export { MAX_FEED_ITEMS } from "../domain/limits.ts";
export const FEED_FORMATS = ["rss", "atom", "json"] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];
export const FEED_MEDIA_TYPES: Record<FeedFormat, string> = {
  rss: "application/rss+xml; charset=utf-8",
  atom: "application/atom+xml; charset=utf-8",
  json: "application/feed+json; charset=utf-8",
};
