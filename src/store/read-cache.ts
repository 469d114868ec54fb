// A few seconds of memory in front of KV reads. Feed readers poll the same few keys over and over; KV is
// eventually consistent anyway (a write can take 60 s or more to be seen elsewhere), so holding a value for
// READ_TTL_MS in the isolate changes nothing a reader could rely on, and makes a feed GET or 304 cost about
// what a constant response does. Writes through site.ts forget their keys, so a publish in this isolate is
// seen here at once.
//
// Under load a value must never be loaded many times at once: concurrent misses share one load, and an expired
// value keeps being served while one refresh runs (stale while revalidate). A load belongs to the request that
// started it, and workerd may never settle it if that request goes away: waiters give a shared load a second,
// then read for themselves, and a refresh not settled within READ_TTL_MS is started again. A refresh is handed the previous
// value, so a loader can keep it, and with it everything built from it (render-once.ts), when KV still holds the
// same text: a 1,000-session event is then parsed and rendered once per change, not once per READ_TTL_MS.
// Bounded: the oldest entries go first past MAX_ENTRIES or MAX_BYTES (as the loader sizes its values).

export const READ_TTL_MS = 5_000;
const MAX_ENTRIES = 500;
const MAX_BYTES = 32 * 1024 * 1024;

/** `refreshing`: when a refresh started (null: none runs); one that has not settled in READ_TTL_MS is given up. */
type Entry = { expires: number; value: unknown; size: number; refreshing: number | null };
const entries = new Map<string, Entry>();
const loading = new Map<string, Promise<unknown>>();
/** Bumped by forget: a load that started before it must not store what it read. */
const generations = new Map<string, number>();
let bytes = 0;

export async function readThrough<T>(
  key: string,
  load: (previous: T | undefined) => Promise<T>,
  now = Date.now(),
  sizeOf: (value: T) => number = () => 0,
): Promise<T> {
  const hit = entries.get(key);
  if (hit && hit.expires > now) return hit.value as T;
  if (hit) {
    if (hit.refreshing === null || now - hit.refreshing >= READ_TTL_MS) {
      hit.refreshing = now;
      void start(key, () => load(hit.value as T), now, sizeOf).catch(() => {
        hit.refreshing = null;
      });
    }
    return hit.value as T;
  }
  const shared = loading.get(key) as Promise<T> | undefined;
  if (!shared) return start(key, () => load(undefined), now, sizeOf);
  // The load belongs to the request that started it; if that request goes away, workerd may never settle it.
  // A waiter gives it SHARED_WAIT_MS, then reads for itself.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const own = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => load(undefined).then(resolve, reject), SHARED_WAIT_MS);
  });
  return Promise.race([shared, own]).finally(() => timer !== undefined && clearTimeout(timer));
}

const SHARED_WAIT_MS = 1_000;

function start<T>(key: string, load: () => Promise<T>, now: number, sizeOf: (value: T) => number): Promise<T> {
  const generation = generations.get(key) ?? 0;
  const pending = load().then((value) => {
    if ((generations.get(key) ?? 0) === generation) store(key, value, now, sizeOf(value));
    return value;
  });
  loading.set(key, pending);
  const done = () => {
    if (loading.get(key) === pending) loading.delete(key);
  };
  pending.then(done, done);
  return pending;
}

function store(key: string, value: unknown, now: number, size: number): void {
  drop(key);
  entries.set(key, { expires: now + READ_TTL_MS, value, size, refreshing: null });
  bytes += size;
  for (const oldest of entries.keys()) {
    if (entries.size <= MAX_ENTRIES && bytes <= MAX_BYTES) break;
    drop(oldest);
  }
}

function drop(key: string): void {
  const entry = entries.get(key);
  if (!entry) return;
  bytes -= entry.size;
  entries.delete(key);
}

export function forget(key: string): void {
  drop(key);
  loading.delete(key);
  generations.set(key, (generations.get(key) ?? 0) + 1);
}

/** Empties the cache (tests reset storage underneath it). */
export function forgetAll(): void {
  for (const key of [...entries.keys(), ...loading.keys()]) forget(key);
  generations.clear();
}
