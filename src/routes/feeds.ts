// Feeds, served as rendered at publish time: one KV read (body and validators together), no rendering here; and
// the XSLT stylesheet that RSS and Atom name, so that a browser opening a feed shows a page.
import { Hono } from "hono";
import { AppError } from "../errors.ts";
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from "../feeds/model.ts";
import { isNotModified } from "../http/conditional.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { isSlug, serveRendered } from "../http/serve-rendered.ts";
import { hashText } from "../lib/crypto.ts";
import { feedPaths } from "../paths.ts";
import { getFeed } from "../store/site.ts";
import { FEED_STYLESHEET } from "../views/feed-stylesheet.ts";

export const feedRoutes = new Hono<AppEnv>();

/** Whether Accept names text/html (without q=0): a browser's navigation does, a feed reader's request does not. */
function acceptsHtml(header: string | undefined): boolean {
  return (header ?? "").split(",").some((part) => {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    return type.trim() === "text/html" && !params.some((p) => /^\s*q\s*=\s*0(?:\.0*)?\s*$/.test(p));
  });
}

/**
 * A browser shows application/rss+xml and application/atom+xml as plain text or as a download, and applies an
 * XSLT stylesheet only to a document it reads as XML; so a request that accepts HTML gets the same bytes as
 * application/xml (Vary: Accept). Feed readers keep the feed's own type. JSON Feed has no stylesheet.
 */
async function serveFeed(c: AppContext, format: FeedFormat, path: string | null) {
  const feed = path === null ? null : await getFeed(c.env.SITE, path);
  if (!feed) throw new AppError(404, "not_found", "No feed at this address.");
  if (format === "json") return serveRendered(c, feed, FEED_MEDIA_TYPES[format]);
  const type = acceptsHtml(c.req.header("accept")) ? "application/xml; charset=utf-8" : FEED_MEDIA_TYPES[format];
  return serveRendered(c, feed, type, { vary: "Accept" });
}

/** The stylesheet changes only with a deploy: a week in caches, then revalidated by its ETag. */
const STYLESHEET_CACHE_CONTROL = "public, max-age=604800";
let stylesheetEtag: Promise<string> | undefined;

feedRoutes.get(feedPaths.stylesheet(), async (c) => {
  stylesheetEtag ??= hashText(FEED_STYLESHEET).then((hash) => `"${hash.slice(0, 32)}"`);
  const etag = await stylesheetEtag;
  const headers = { "cache-control": STYLESHEET_CACHE_CONTROL, etag };
  // No Last-Modified: the ETag alone validates (with If-Modified-Since left out, lastModified is never read).
  const conditional = { ifNoneMatch: c.req.header("if-none-match") ?? null, ifModifiedSince: null };
  if (isNotModified(conditional, { etag, lastModified: "" }, new Date())) return c.body(null, 304, headers);
  return c.body(FEED_STYLESHEET, 200, { ...headers, "content-type": "application/xml; charset=utf-8" });
});

for (const format of FEED_FORMATS) {
  feedRoutes.get(feedPaths.all(format), (c) => serveFeed(c, format, feedPaths.all(format)));
  feedRoutes.get(feedPaths.event(":event", format), (c) => {
    const event = c.req.param("event") ?? "";
    return serveFeed(c, format, isSlug(event) ? feedPaths.event(event, format) : null);
  });
  feedRoutes.get(feedPaths.session(":event", ":session", format), (c) => {
    const [event, session] = [c.req.param("event") ?? "", c.req.param("session") ?? ""];
    return serveFeed(c, format, isSlug(event, session) ? feedPaths.session(event, session, format) : null);
  });
}
