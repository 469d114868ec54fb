// Feeds, served as rendered at publish time: one KV read (body and validators together), no rendering here.
import { Hono } from "hono";
import { Slug } from "../domain/event.ts";
import { AppError } from "../errors.ts";
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from "../feeds/model.ts";
import { isNotModified } from "../http/conditional.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { feedPaths } from "../paths.ts";
import { getFeed } from "../store/site.ts";

export const feedRoutes = new Hono<AppEnv>();

/** Feed readers poll often: a short max-age spares the Worker, and 304s spare everyone else. */
const CACHE_CONTROL = "public, max-age=300";

async function serveFeed(c: AppContext, format: FeedFormat, path: string | null) {
  const feed = path === null ? null : await getFeed(c.env.SITE, path);
  if (!feed) throw new AppError(404, "not_found", "No feed at this address.");
  const headers = {
    "cache-control": CACHE_CONTROL,
    etag: feed.meta.etag,
    "last-modified": new Date(feed.meta.lastModified).toUTCString(),
  };
  const conditional = {
    ifNoneMatch: c.req.header("if-none-match") ?? null,
    ifModifiedSince: c.req.header("if-modified-since") ?? null,
  };
  if (isNotModified(conditional, feed.meta, new Date())) return c.body(null, 304, headers);
  return c.body(feed.body, 200, { ...headers, "content-type": FEED_MEDIA_TYPES[format] });
}

const isSlug = (...ids: string[]) => ids.every((id) => Slug.safeParse(id).success);

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
