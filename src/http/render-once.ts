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
// sends it uncompressed rather than wait. The compression outlives its request (waitUntil), and one still marked
// after ABANDONED_MS is taken for lost (a request cancelled mid-way, its finally never run) and done again: a
// lost mark would otherwise send the body plain, for workerd to compress per request, until the value changed.
import type { Context } from "hono";

type Body = Uint8Array<ArrayBuffer>;
/** `compressing`: when each compression in progress started (Date.now()). */
type Built = { byKind: Map<string, Body>; compressing: Map<string, number>; variants: number; variantBytes: number };

const bodies = new WeakMap<object, Built>();
const encoder = new TextEncoder();

/** A compression marked in progress for this long is taken for lost (a gzip of a 1 MB page takes milliseconds). */
export const ABANDONED_MS = 10_000;
/** Variants kept beside one value, and the bytes they may hold (plain and gzipped): a value lives seconds. */
export const MAX_VARIANTS = 64;
export const MAX_VARIANT_BYTES = 4 * 1024 * 1024;

function getBuilt(value: object): Built {
  let built = bodies.get(value);
  if (!built) {
    built = { byKind: new Map(), compressing: new Map(), variants: 0, variantBytes: 0 };
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
  const packed = acceptsGzip(c.req.header("accept-encoding"))
    ? await gzipOnce(built, kind, plain, variant, readWaitUntil(c))
    : null;
  if (!packed) return new Response(plain, { headers });
  // Already encoded: workerd must send these bytes as they are, not compress them again.
  return new Response(packed, { headers: { ...headers, "content-encoding": "gzip" }, encodeBody: "manual" });
}

/**
 * The gzip of a body kept under `kind`, compressed once, however small: a body sent plain is compressed again
 * for each request by whoever takes gzip for its type (Cloudflare's edge, and Miniflare, which copies it, on the
 * Worker's own thread). Null when gzip does not make it smaller (the plain body is then kept in its place), or
 * when another request is compressing it right now (this one then sends it plain rather than wait on that one).
 */
async function gzipOnce(
  built: Built,
  kind: string,
  plain: Body,
  variant: string,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<Body | null> {
  const packedKind = `${kind}+gzip`;
  const packed = built.byKind.get(packedKind);
  if (packed) return packed === plain ? null : packed;
  const started = built.compressing.get(packedKind);
  if (started !== undefined && Date.now() - started < ABANDONED_MS) return null;
  // A body that is not kept is compressed for its own request.
  if (built.byKind.get(kind) !== plain) return gzip(plain);
  built.compressing.set(packedKind, Date.now());
  const compressed = gzip(plain)
    .then((bytes) => keep(built, packedKind, bytes.byteLength < plain.byteLength ? bytes : plain, variant))
    .finally(() => built.compressing.delete(packedKind));
  waitUntil(compressed);
  const kept = await compressed;
  return kept === plain ? null : kept;
}

/** The request's waitUntil; a no-op where Hono has no execution context (a test calling a route directly). */
function readWaitUntil(c: Context): (promise: Promise<unknown>) => void {
  let ctx: { waitUntil(promise: Promise<unknown>): void } | undefined;
  try {
    ctx = c.executionCtx;
  } catch {
    // Hono throws when there is none.
  }
  return ctx ? (promise) => ctx.waitUntil(promise) : () => {};
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
  return gzipOnce(built, "", plain, "", readWaitUntil(c));
}
