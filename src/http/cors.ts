// CORS for what anyone may read: feeds, calendars and the JSON API (with its OpenAPI document) answer any origin,
// so web feed readers and dashboards on other sites can use them. Chosen by path, so a feed or calendar route
// added later gets it without a registration. Nothing else answers CORS: admin, webhooks and subscriptions are
// not for pages on other sites (their preflight falls through to the 405 of a path without OPTIONS).
import { createMiddleware } from "hono/factory";
import { cors } from "hono/cors";
import { FEED_FORMATS } from "../feeds/model.ts";
import type { AppEnv } from "./env.ts";

const PUBLIC_READS = [
  /^\/api\/events(?:\/|$)/,
  /^\/api\/openapi\.json$/,
  new RegExp(`^(?:/events/[^/]+(?:/sessions/[^/]+)?)?/feed\\.(?:${FEED_FORMATS.join("|")})$`),
  /^\/events\/[^/]+(?:\/sessions\/[^/]+)?\/calendar\.ics$/,
];

export const isPublicRead = (path: string) => PUBLIC_READS.some((re) => re.test(path));

// The validators a reader keeps for its next conditional request (ETag is not CORS-safelisted).
const EXPOSE_HEADERS = ["ETag", "Last-Modified"];

const answerPreflight = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD"],
  // The conditional requests a reader makes; not CORS-safelisted, so the preflight must name them.
  allowHeaders: ["If-None-Match", "If-Modified-Since"],
  exposeHeaders: EXPOSE_HEADERS,
  maxAge: 86400,
});

/**
 * GET and HEAD of public reads answer `Access-Control-Allow-Origin: *`; their OPTIONS preflight answers 204. The
 * headers go on the answer once it is made (an error's too): set before the handler, as Hono's cors() does,
 * Hono would copy every answer into a new Response to merge them, a cost each feed and API read would pay.
 */
export const allowPublicReads = createMiddleware<AppEnv>(async (c, next) => {
  if (!isPublicRead(c.req.path)) return next();
  const method = c.req.method;
  if (method === "OPTIONS") return answerPreflight(c, next);
  if (method !== "GET" && method !== "HEAD") return next();
  await next();
  c.res.headers.set("Access-Control-Allow-Origin", "*");
  c.res.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS.join(","));
});
