// Response bodies built once per published value an isolate holds. The read cache (store/read-cache.ts) hands
// out the same parsed object until the value expires or a publish in this isolate forgets it; the body built
// from that object (a rendered page, serialised JSON) is kept beside it as UTF-8 bytes, and gzipped once for
// clients that accept it, in a WeakMap so that both go when the object does. Serving it again is then a copy,
// whatever the value's size: a 1,000-session event is rendered, encoded and compressed once, not per request.
// Feeds and calendars, which carry validators, are gzipped the same way (gzipRendered) under an ETag of their own.
// A value can also have variants (an event page filtered by `?day=…`): each is kept the same way under its key,
// but only up to MAX_VARIANTS per value and MAX_VARIANT_BYTES in all, since anyone can ask for a new one; past
// that a variant is built for its request and not kept.
// Only finished bodies are kept, never a promise of one: workerd does not let a request wait on I/O another
// request started (a stream of its gzip, say): the waiter fails with "Cannot perform I/O on behalf of a different
// request", or hangs when the other request goes away first. So a request that finds a body being compressed
// sends it uncompressed rather than wait.
import type { Context } from "hono";

type Body = Uint8Array<ArrayBuffer>;
type Built = { byKind: Map<string, Body>; compressing: Set<string>; variants: number; variantBytes: number };

const bodies = new WeakMap<object, Built>();
const encoder = new TextEncoder();

/** Below this, gzip saves less than its header and the work costs more than the bytes. */
const MIN_GZIP_BYTES = 1024;
/** Variants kept beside one value, and the bytes they may hold (plain and gzipped): a value lives seconds. */
export const MAX_VARIANTS = 64;
export const MAX_VARIANT_BYTES = 4 * 1024 * 1024;

function getBuilt(value: object): Built {
  let built = bodies.get(value);
  if (!built) {
    built = { byKind: new Map(), compressing: new Set(), variants: 0, variantBytes: 0 };
    bodies.set(value, built);
  }
  return built;
}

/** Whether a new body of a variant may be kept beside the value (the value's own bodies always are). */
const hasRoom = (built: Built, variant: string) =>
  variant === "" || (built.variants < MAX_VARIANTS && built.variantBytes < MAX_VARIANT_BYTES);

/** Keeps `body` under `kind` unless one is kept already (a request that built it at the same time): the kept one. */
function keep(built: Built, kind: string, body: Body, variant: string): Body {
  const kept = built.byKind.get(kind);
  if (kept) return kept;
  if (!hasRoom(built, variant)) return body;
  built.byKind.set(kind, body);
  if (variant !== "") {
    if (!kind.endsWith("+gzip")) built.variants++;
    built.variantBytes += body.byteLength;
  }
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
  const built = getBuilt(value);
  const kind = variant ? `${contentType}?${variant}` : contentType;
  let plain = built.byKind.get(kind);
  if (!plain) {
    // A render that returns a string is kept before this request yields, so requests right behind it find it.
    const rendered = render();
    const text = rendered instanceof Promise ? await rendered : rendered;
    plain = keep(built, kind, encoder.encode(String(text)) as Body, variant);
  }
  const headers = { "content-type": contentType, vary: "Accept-Encoding" };
  const packed = acceptsGzip(c.req.header("accept-encoding")) ? await gzipOnce(built, kind, plain, variant) : null;
  if (!packed) return new Response(plain, { headers });
  // Already encoded: workerd must send these bytes as they are, not compress them again.
  return new Response(packed, { headers: { ...headers, "content-encoding": "gzip" }, encodeBody: "manual" });
}

/**
 * The gzip of a body kept under `kind`, compressed once; null when it is too small to gain from it, or when
 * another request is compressing it right now (this one then sends it plain rather than wait on that request).
 */
async function gzipOnce(built: Built, kind: string, plain: Body, variant: string): Promise<Body | null> {
  if (plain.byteLength < MIN_GZIP_BYTES) return null;
  const packedKind = `${kind}+gzip`;
  const packed = built.byKind.get(packedKind);
  if (packed) return packed;
  if (built.compressing.has(packedKind)) return null;
  // A body that is not kept is compressed for its own request.
  if (built.byKind.get(kind) !== plain) return gzip(plain);
  // Compressed once; if this request goes away mid-way, the body goes plain until the value is replaced.
  built.compressing.add(packedKind);
  try {
    return keep(built, packedKind, await gzip(plain), variant);
  } finally {
    built.compressing.delete(packedKind);
  }
}

/**
 * The gzip of a body rendered at publish time (a feed, a calendar), compressed once per published value an isolate
 * holds (`value`: the object the read cache hands out); null when the client does not take gzip, or as gzipOnce.
 */
export async function gzipRendered(c: Context, value: object, body: string): Promise<Body | null> {
  if (!acceptsGzip(c.req.header("accept-encoding"))) return null;
  const built = getBuilt(value);
  let plain = built.byKind.get("");
  if (!plain) plain = keep(built, "", encoder.encode(body) as Body, "");
  return gzipOnce(built, "", plain, "");
}
