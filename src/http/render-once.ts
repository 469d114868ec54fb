// Response bodies built once per published value an isolate holds. The read cache (store/read-cache.ts) hands
// out the same parsed object until the value expires or a publish in this isolate forgets it; the body built
// from that object (a rendered page, serialised JSON) is kept beside it as UTF-8 bytes, and gzipped once for
// clients that accept it, in a WeakMap so that both go when the object does. Serving it again is then a copy,
// whatever the value's size: a 1,000-session event is rendered, encoded and compressed once, not per request.
// (Bodies without validators only: a feed's strong ETag would have to change with its encoding.)
// A value can also have variants (an event page filtered by `?day=…`): each is kept the same way under its key,
// but only up to MAX_VARIANTS per value and MAX_VARIANT_BYTES in all, since anyone can ask for a new one; past
// that a variant is built for its request and not kept.
import type { Context } from "hono";

type Body = Uint8Array<ArrayBuffer>;
type Built = { byKind: Map<string, Promise<Body>>; variants: number; variantBytes: number };

const bodies = new WeakMap<object, Built>();
const encoder = new TextEncoder();

/** Below this, gzip saves less than its header and the work costs more than the bytes. */
const MIN_GZIP_BYTES = 1024;
/** Variants kept beside one value, and the bytes they may hold (plain and gzipped): a value lives seconds. */
export const MAX_VARIANTS = 64;
export const MAX_VARIANT_BYTES = 4 * 1024 * 1024;

function buildOnce(value: object, kind: string, build: () => Promise<Body>, variant: boolean): Promise<Body> {
  const built = bodies.get(value) ?? { byKind: new Map<string, Promise<Body>>(), variants: 0, variantBytes: 0 };
  bodies.set(value, built);
  const { byKind } = built;
  const kept = byKind.get(kind);
  if (kept) return kept;
  if (variant && (built.variants >= MAX_VARIANTS || built.variantBytes >= MAX_VARIANT_BYTES)) return build();
  const body = build();
  byKind.set(kind, body);
  if (variant) {
    built.variants++;
    body.then((b) => (built.variantBytes += b.byteLength)).catch(() => {});
  }
  body.catch(() => byKind.delete(kind));
  return body;
}

async function gzip(bytes: Body): Promise<Body> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Whether Accept-Encoding allows gzip (listed without q=0, or `*`). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(",").some((part) => {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";");
    const refused = params.some((p) => /^\s*q\s*=\s*0(?:\.0*)?\s*$/.test(p));
    return (coding.trim() === "gzip" || coding.trim() === "*") && !refused;
  });
}

/**
 * `value` served as `contentType`, the body made by `render` the first time, gzipped when the client takes it.
 * `variant` names one of several bodies of the same value (a canonical query string); "" is the value's own.
 */
export async function serveOnce(
  c: Context,
  value: object,
  contentType: string,
  render: () => string | Promise<string>,
  variant = "",
): Promise<Response> {
  const kind = variant ? `${contentType}?${variant}` : contentType;
  const plain = await buildOnce(value, kind, async () => encoder.encode(await render()) as Body, variant !== "");
  const headers = { "content-type": contentType, vary: "Accept-Encoding" };
  if (plain.byteLength < MIN_GZIP_BYTES || !acceptsGzip(c.req.header("accept-encoding")))
    return new Response(plain, { headers });
  const packed = await buildOnce(value, `${kind}+gzip`, () => gzip(plain), variant !== "");
  // Already encoded: workerd must send these bytes as they are, not compress them again.
  return new Response(packed, { headers: { ...headers, "content-encoding": "gzip" }, encodeBody: "manual" });
}
