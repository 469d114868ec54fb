// A few seconds of memory in front of KV reads. Feed readers poll the same few keys over and over; KV is
// eventually consistent anyway (a write can take 60 s or more to be seen elsewhere), so holding a value for
// READ_TTL_MS in the isolate changes nothing a reader could rely on, and makes a feed GET or 304 cost about
// what a constant response does. Writes through site.ts forget their keys, so a publish in this isolate is
// seen here at once. Bounded: the oldest entries go first past MAX_ENTRIES.

export const READ_TTL_MS = 5_000;
const MAX_ENTRIES = 500;
const entries = new Map<string, { expires: number; value: unknown }>();

export async function readThrough<T>(key: string, load: () => Promise<T>, now = Date.now()): Promise<T> {
  const hit = entries.get(key);
  if (hit && hit.expires > now) return hit.value as T;
  const value = await load();
  entries.delete(key);
  entries.set(key, { expires: now + READ_TTL_MS, value });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return value;
}

export function forget(key: string): void {
  entries.delete(key);
}

/** Empties the cache (tests reset storage underneath it). */
export function forgetAll(): void {
  entries.clear();
}
