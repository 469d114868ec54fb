// Feeds, served as rendered at publish time: one KV read (body and validators together), no rendering here.
import { Hono } from "hono";
import { AppError } from "../errors.ts";
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from "../feeds/model.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { isSlug, serveRendered } from "../http/serve-rendered.ts";
import { feedPaths } from "../paths.ts";
import { getFeed } from "../store/site.ts";

export const feedRoutes = new Hono<AppEnv>();

async function serveFeed(c: AppContext, format: FeedFormat, path: string | null) {
  const feed = path === null ? null : await getFeed(c.env.SITE, path);
  if (!feed) throw new AppError(404, "not_found", "No feed at this address.");
  return serveRendered(c, feed, FEED_MEDIA_TYPES[format]);
}

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
