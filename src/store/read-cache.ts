// A few seconds of memory in front of KV reads. Feed readers poll the same few keys over and over; KV is
// eventually consistent anyway (a write can take 60 s or more to be seen elsewhere), so holding a value for
// READ_TTL_MS in the isolate changes nothing a reader could rely on, and makes a feed GET or 304 cost about
// what a constant response does. Writes through site.ts forget their keys, so a publish in this isolate is
// seen here at once. Bounded: the oldest entries go first past MAX_ENTRIES.

export const READ_TTL_MS = 5_000;
const MAX_ENTRIES = 500;
// The load is kept, not its result: requests that arrive while a value is being read share that one read (a
// 1 MB event parsed once, not once per waiting request, and so rendered once: pages are built per object).
const entries = new Map<string, { expires: number; value: Promise<unknown> }>();

export function readThrough<T>(key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
  const hit = entries.get(key);
  if (hit && hit.expires > now) return hit.value as Promise<T>;
  const value = load();
  const entry = { expires: now + READ_TTL_MS, value };
  entries.delete(key);
  entries.set(key, entry);
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  // A failed read is not kept: the next request tries again.
  value.catch(() => entries.get(key) === entry && entries.delete(key));
  return value;
}

export function forget(key: string): void {
  entries.delete(key);
}

/** Empties the cache (tests reset storage underneath it). */
export function forgetAll(): void {
  entries.clear();
}
