// Feeds and calendars, served as rendered at publish time: one KV read gives the body and its validators, so an
// answer is a copy or a 304, never a rendering.
import { Slug } from "../domain/event.ts";
import type { RenderedValue } from "../store/site.ts";
import { isNotModified } from "./conditional.ts";
import type { AppContext } from "./env.ts";

/** Readers and calendar apps poll often: a short max-age spares the Worker, and 304s spare everyone else. */
const CACHE_CONTROL = "public, max-age=300";

/** Ids come from URLs: anything that is not a slug names nothing, so it is not looked up. */
export const isSlug = (...ids: string[]) => ids.every((id) => Slug.safeParse(id).success);

/** `extra`: headers the 200 and the 304 both carry (Vary, when the content type depends on the request). */
export function serveRendered(
  c: AppContext,
  rendered: RenderedValue,
  contentType: string,
  extra: Record<string, string> = {},
): Response {
  const headers = {
    "cache-control": CACHE_CONTROL,
    etag: rendered.meta.etag,
    "last-modified": new Date(rendered.meta.lastModified).toUTCString(),
    ...extra,
  };
  const conditional = {
    ifNoneMatch: c.req.header("if-none-match") ?? null,
    ifModifiedSince: c.req.header("if-modified-since") ?? null,
  };
  if (isNotModified(conditional, rendered.meta, new Date())) return c.body(null, 304, headers);
  return c.body(rendered.body, 200, { ...headers, "content-type": contentType });
}
