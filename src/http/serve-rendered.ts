// Feeds and calendars, served as rendered at publish time: one KV read gives the body and its validators, so an
// answer is a copy or a 304, never a rendering.
import { Slug } from "../domain/event.ts";
import type { RenderedValue } from "../store/site.ts";
import { isNotModified } from "./conditional.ts";
import type { AppContext } from "./env.ts";
import { gzipRendered } from "./render-once.ts";

/** Readers and calendar apps poll often: a short max-age spares the Worker, and 304s spare everyone else. */
const CACHE_CONTROL = "public, max-age=300";

/** Ids come from URLs: anything that is not a slug names nothing, so it is not looked up. */
export const isSlug = (...ids: string[]) => ids.every((id) => Slug.safeParse(id).success);

/** The ETag of the gzipped representation: a strong validator names one encoding of the body (RFC 9110 §8.8.3). */
const buildGzipEtag = (etag: string) => etag.replace(/"$/, '-gzip"');

/**
 * `extra`: headers the 200 and the 304 both carry (Vary, when the content type depends on the request). A client
 * that takes gzip gets the body compressed once per published value (render-once.ts), under the gzip ETag; a 304
 * answers either ETag, since both name the same published value.
 */
export async function serveRendered(
  c: AppContext,
  rendered: RenderedValue,
  contentType: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  const packed = await gzipRendered(c, rendered, rendered.body);
  const { etag } = rendered.meta;
  const headers = {
    "cache-control": CACHE_CONTROL,
    etag: packed ? buildGzipEtag(etag) : etag,
    "last-modified": new Date(rendered.meta.lastModified).toUTCString(),
    ...extra,
    vary: ["Accept-Encoding", extra.vary].filter(Boolean).join(", "),
  };
  const conditional = {
    ifNoneMatch: c.req.header("if-none-match") ?? null,
    ifModifiedSince: c.req.header("if-modified-since") ?? null,
  };
  const now = new Date();
  const unchanged = [etag, buildGzipEtag(etag)].some((tag) =>
    isNotModified(conditional, { ...rendered.meta, etag: tag }, now),
  );
  if (unchanged) return c.body(null, 304, headers);
  if (!packed) return c.body(rendered.body, 200, { ...headers, "content-type": contentType });
  // Already encoded: workerd must send these bytes as they are, not compress them again.
  return new Response(packed, {
    status: 200,
    headers: { ...headers, "content-type": contentType, "content-encoding": "gzip" },
    encodeBody: "manual",
  });
}
