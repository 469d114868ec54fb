// A response body built once per published value an isolate holds. The read cache (store/read-cache.ts) hands
// out the same parsed object until the value expires or a publish in this isolate forgets it; the body built
// from that object (a rendered page, serialised JSON) is kept beside it as UTF-8 bytes, in a WeakMap so that it
// goes when the object does. Serving it again is then a copy, whatever the value's size: a 1,000-session event
// is rendered and encoded once, not per request.
type Body = Uint8Array<ArrayBuffer>;

const bodies = new WeakMap<object, Map<string, Promise<Body>>>();
const encoder = new TextEncoder();

/** The body `build` makes of `value`, built the first time `kind` of it is asked for. */
export function buildOnce(value: object, kind: string, build: () => string | Promise<string>): Promise<Body> {
  const byKind = bodies.get(value) ?? new Map<string, Promise<Body>>();
  bodies.set(value, byKind);
  const built = byKind.get(kind);
  if (built) return built;
  const body = Promise.resolve()
    .then(build)
    .then((text): Body => encoder.encode(text) as Body);
  byKind.set(kind, body);
  body.catch(() => byKind.delete(kind));
  return body;
}
