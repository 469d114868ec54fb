// KV, the published read model: what every read serves. Nothing lives only here; `publish` rebuilds it
// from D1. Keys carry a version prefix so a new layout can be written beside the old one before a switch.
import { z } from "zod";
import { Change } from "../domain/changes.ts";
import { Event, Session, Slug } from "../domain/event.ts";
import { forget, readThrough } from "./read-cache.ts";

const V = "v1";

export const siteKeys = {
  events: () => `${V}/events`,
  event: (eventId: string) => `${V}/events/${eventId}`,
  sessionPrefix: (eventId: string) => `${V}/events/${eventId}/sessions/`,
  session: (eventId: string, sessionId: string) => `${V}/events/${eventId}/sessions/${sessionId}`,
  /** A rendered feed, by its public path (e.g. /events/x/feed.atom); the body is the value. */
  feed: (path: string) => `${V}/feeds${path}`,
  /** Changes 1–50 are page 0, 51–100 page 1, …: appending rewrites only the last page. */
  changes: (eventId: string, page: number) => `${V}/events/${eventId}/changes/${page}`,
};

export const CHANGES_PAGE_SIZE = 50;
export const changesPageOf = (seq: number) => Math.floor((seq - 1) / CHANGES_PAGE_SIZE);

export const EventSummary = z
  .object({
    id: Slug,
    title: z.string(),
    sessionCount: z.number().int(),
    notesPublishedCount: z.number().int(),
  })
  .meta({ id: "EventSummary" });
export type EventSummary = z.infer<typeof EventSummary>;

export const EventList = z.object({ events: z.array(EventSummary) }).meta({ id: "EventList" });
export type EventList = z.infer<typeof EventList>;

/** An event as published: its catalogue plus the head of its change log. */
export const EventPage = Event.extend({
  changeCount: z.number().int().nonnegative(),
  latestChanges: z.array(Change).meta({ description: "Newest first, at most 10" }),
}).meta({ id: "EventWithChanges" });
export type EventPage = z.infer<typeof EventPage>;

/** A session as published on its own: the session, enough of its event to render a page, its latest changes. */
export const SessionPage = Session.extend({
  event: z.object({ id: Slug, title: z.string() }),
  latestChange: Change.nullable(),
  latestChanges: z.array(Change).meta({ description: "Newest first, at most 10" }),
}).meta({ id: "SessionWithEvent" });
export type SessionPage = z.infer<typeof SessionPage>;

export const ChangesPage = z.object({ changes: z.array(Change) });

async function getParsed<T>(kv: KVNamespace, key: string, schema: z.ZodType<T>): Promise<T | null> {
  return readThrough(key, async () => {
    const value = await kv.get(key, "json");
    return value === null ? null : schema.parse(value);
  });
}

const isSlug = (id: string) => Slug.safeParse(id).success;

export const getEventList = (kv: KVNamespace) => getParsed(kv, siteKeys.events(), EventList);

/** Ids come from URLs: anything that is not a slug cannot name a page, so it is not looked up. */
export const getEventPage = async (kv: KVNamespace, eventId: string) =>
  isSlug(eventId) ? getParsed(kv, siteKeys.event(eventId), EventPage) : null;

export const getSessionPage = async (kv: KVNamespace, eventId: string, sessionId: string) =>
  isSlug(eventId) && isSlug(sessionId) ? getParsed(kv, siteKeys.session(eventId, sessionId), SessionPage) : null;

/**
 * Up to `limit` changes of an event, newest first, with seq below `before` (all when omitted): at most two
 * stored pages cover any such window, read in one bulk operation.
 */
export async function getChanges(
  kv: KVNamespace,
  event: EventPage,
  opts: { before?: number; limit: number },
): Promise<Change[]> {
  const newest = Math.min(event.changeCount, (opts.before ?? Infinity) - 1);
  const oldest = Math.max(1, newest - opts.limit + 1);
  if (newest < 1) return [];
  const pages = [...new Set([changesPageOf(oldest), changesPageOf(newest)])];
  const stored = await kv.get(
    pages.map((p) => siteKeys.changes(event.id, p)),
    "json",
  );
  const changes = pages.flatMap((p) => ChangesPage.parse(stored.get(siteKeys.changes(event.id, p))).changes);
  return changes.filter((c) => c.seq >= oldest && c.seq <= newest).reverse();
}

/**
 * Writes each value whose JSON differs from what is stored, and returns how many it wrote: KV allows one
 * write per second per key and bills writes, while a bulk read of up to 100 keys counts as one operation.
 */
export async function putChanged(kv: KVNamespace, entries: [key: string, value: unknown][]): Promise<number> {
  return (
    await putChangedTexts(
      kv,
      entries.map(([key, value]) => ({ key, text: JSON.stringify(value) })),
    )
  ).length;
}

/** The one write-if-changed mechanism behind pages and feeds; returns the keys it wrote. */
async function putChangedTexts(
  kv: KVNamespace,
  entries: { key: string; text: string; metadata?: FeedMeta }[],
): Promise<string[]> {
  const written: string[] = [];
  for (let i = 0; i < entries.length; i += 100) {
    const chunk = entries.slice(i, i + 100);
    const stored = await kv.get(
      chunk.map((e) => e.key),
      "text",
    );
    for (const e of chunk) {
      if (stored.get(e.key) === e.text) continue;
      await kv.put(e.key, e.text, e.metadata ? { metadata: e.metadata } : {});
      forget(e.key);
      written.push(e.key);
    }
  }
  return written;
}

/** Deletes the keys under `prefix` that are not in `live`; returns how many it deleted. */
export async function deleteStaleKeys(kv: KVNamespace, prefix: string, live: Set<string>): Promise<number> {
  const stale = (await listKeys(kv, prefix)).filter((key) => !live.has(key));
  for (const key of stale) {
    await kv.delete(key);
    forget(key);
  }
  return stale.length;
}

async function listKeys(kv: KVNamespace, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys.map((k) => k.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

/** What a stored feed carries beside its body (KV metadata, read in the same operation). */
export type FeedMeta = { etag: string; lastModified: string };

export async function getFeed(kv: KVNamespace, path: string): Promise<{ body: string; meta: FeedMeta } | null> {
  return readThrough(siteKeys.feed(path), async () => {
    const { value, metadata } = await kv.getWithMetadata<FeedMeta>(siteKeys.feed(path), "text");
    return value === null || !metadata ? null : { body: value, meta: metadata };
  });
}

/** Stores the feeds whose body changed; returns their paths. */
export async function putChangedFeeds(
  kv: KVNamespace,
  feeds: ({ path: string; body: string } & FeedMeta)[],
): Promise<string[]> {
  const written = new Set(
    await putChangedTexts(
      kv,
      feeds.map((f) => ({
        key: siteKeys.feed(f.path),
        text: f.body,
        metadata: { etag: f.etag, lastModified: f.lastModified },
      })),
    ),
  );
  return feeds.filter((f) => written.has(siteKeys.feed(f.path))).map((f) => f.path);
}
