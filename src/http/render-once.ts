// Response bodies built once per published value an isolate holds. The read cache (store/read-cache.ts) hands
// out the same parsed object until the value expires or a publish in this isolate forgets it; the body built
// from that object (a rendered page, serialised JSON) is kept beside it as UTF-8 bytes, and gzipped once for
// clients that accept it, in a WeakMap so that both go when the object does. Serving it again is then a copy,
// whatever the value's size: a 1,000-session event is rendered, encoded and compressed once, not per request.
// (Bodies without validators only: a feed's strong ETag would have to change with its encoding.)
import type { Context } from "hono";

type Body = Uint8Array<ArrayBuffer>;

const bodies = new WeakMap<object, Map<string, Promise<Body>>>();
const encoder = new TextEncoder();

/** Below this, gzip saves less than its header and the work costs more than the bytes. */
const MIN_GZIP_BYTES = 1024;

function buildOnce(value: object, kind: string, build: () => Promise<Body>): Promise<Body> {
  const byKind = bodies.get(value) ?? new Map<string, Promise<Body>>();
  bodies.set(value, byKind);
  const built = byKind.get(kind);
  if (built) return built;
  const body = build();
  byKind.set(kind, body);
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

/** `value` served as `contentType`, the body made by `render` the first time, gzipped when the client takes it. */
export async function serveOnce(
  c: Context,
  value: object,
  contentType: string,
  render: () => string | Promise<string>,
): Promise<Response> {
  const plain = await buildOnce(value, contentType, async () => encoder.encode(await render()) as Body);
  const headers = { "content-type": contentType, vary: "Accept-Encoding" };
  if (plain.byteLength < MIN_GZIP_BYTES || !acceptsGzip(c.req.header("accept-encoding")))
    return new Response(plain, { headers });
  const packed = await buildOnce(value, `${contentType}+gzip`, () => gzip(plain));
  // Already encoded: workerd must send these bytes as they are, not compress them again.
  return new Response(packed, { headers: { ...headers, "content-encoding": "gzip" }, encodeBody: "manual" });
}
