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
  /** A rendered calendar, by its public path (e.g. /events/x/calendar.ics); the body is the value. */
  calendar: (path: string) => `${V}/calendars${path}`,
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
  event: z.object({ id: Slug, title: z.string(), timeZone: z.string().optional() }),
  // A union with null, not Change.nullable(): the OpenAPI generator turns a nullable reference into
  // allOf[Change, {type: [object, null]}], which null can never satisfy; this is anyOf[Change, null].
  latestChange: z.union([Change, z.null()]).meta({ description: "The newest change, or null before the first" }),
  latestChanges: z.array(Change).meta({ description: "Newest first, at most 10" }),
}).meta({ id: "SessionWithEvent" });
export type SessionPage = z.infer<typeof SessionPage>;

export const ChangesPage = z.object({ changes: z.array(Change) });

async function getParsed<T>(kv: KVNamespace, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const parsed = await readThrough<{ text: string; value: T } | null>(
    key,
    async (previous) => {
      const text = await kv.get(key, "text");
      if (text === null) return null;
      // The same text as last time: the same object, so what was rendered from it stays (render-once.ts).
      if (previous?.text === text) return previous;
      return { text, value: schema.parse(JSON.parse(text)) };
    },
    undefined,
    (p) => (p ? PARSED_BYTES_PER_CHAR * p.text.length : 0),
  );
  return parsed?.value ?? null;
}

/** A parsed value with its text, in bytes per character of the text (a rough upper bound for JSON of strings). */
const PARSED_BYTES_PER_CHAR = 4;

const isSlug = (id: string) => Slug.safeParse(id).success;

export const getEventList = (kv: KVNamespace) => getParsed(kv, siteKeys.events(), EventList);

/** Ids come from URLs: anything that is not a slug cannot name a page, so it is not looked up. */
export const getEventPage = async (kv: KVNamespace, eventId: string) =>
  isSlug(eventId) ? getParsed(kv, siteKeys.event(eventId), EventPage) : null;

export const getSessionPage = async (kv: KVNamespace, eventId: string, sessionId: string) =>
  isSlug(eventId) && isSlug(sessionId) ? getParsed(kv, siteKeys.session(eventId, sessionId), SessionPage) : null;

/**
 * Up to `limit` changes of an event, newest first, with seq below `before` (all when omitted): at most two
 * stored pages cover any such window, read in one bulk operation. `page`: the stored page the newest of them
 * comes from (the object the read cache holds, so a body built from the window can be kept beside it), with the
 * window's bounds in `window`; null when there are none.
 */
export async function getChanges(
  kv: KVNamespace,
  event: EventPage,
  opts: { before?: number; limit: number },
): Promise<{ changes: Change[]; page: object | null; window: string }> {
  const newest = Math.min(event.changeCount, (opts.before ?? Infinity) - 1);
  const oldest = Math.max(1, newest - opts.limit + 1);
  const window = `${oldest}-${newest}`;
  if (newest < 1) return { changes: [], page: null, window };
  const pages = [...new Set([changesPageOf(oldest), changesPageOf(newest)])];
  const stored = await Promise.all(pages.map((p) => getParsed(kv, siteKeys.changes(event.id, p), ChangesPage)));
  const changes = stored.flatMap((page) => page?.changes ?? []);
  return {
    changes: changes.filter((c) => c.seq >= oldest && c.seq <= newest).reverse(),
    page: stored.at(-1) ?? null,
    window,
  };
}

/** Every stored value carries the ETag of its text (feeds also their Last-Modified) in its KV metadata. */
export type StoredMeta = { etag: string; lastModified?: string };

/**
 * The ETag of every key under `prefix`, from `list()` alone: up to 1,000 keys with their metadata per
 * operation, and never a value, so what is already stored costs nothing to compare however large it grew
 * (a bulk read of 100 values is capped at 25 MB in all, which large stored values once exceeded).
 * Keys written before metadata was kept map to null and are rewritten once.
 */
export async function listStoredEtags(
  kv: KVNamespace,
  prefix = `${V}/`,
): Promise<{
  etags: Map<string, string | null>;
  operations: number;
}> {
  const etags = new Map<string, string | null>();
  let cursor: string | undefined;
  let operations = 0;
  do {
    const page = await kv.list<Partial<StoredMeta>>({ prefix, ...(cursor ? { cursor } : {}) });
    operations++;
    for (const k of page.keys) etags.set(k.name, k.metadata?.etag ?? null);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return { etags, operations };
}

export async function putSiteValue(kv: KVNamespace, key: string, text: string, meta: StoredMeta): Promise<void> {
  await kv.put(key, text, { metadata: meta });
  forget(key);
}

export async function deleteSiteValue(kv: KVNamespace, key: string): Promise<void> {
  await kv.delete(key);
  forget(key);
}

/** What a stored feed or calendar carries beside its body (KV metadata, read in the same operation). */
export type FeedMeta = Required<StoredMeta>;
export type RenderedValue = { body: string; meta: FeedMeta };

async function getRendered(kv: KVNamespace, key: string): Promise<RenderedValue | null> {
  return readThrough(
    key,
    async (previous) => {
      const { value, metadata } = await kv.getWithMetadata<FeedMeta>(key, "text");
      if (value === null || !metadata) return null;
      // The same body as last time: the same object, so its gzip stays (render-once.ts).
      if (previous?.body === value && previous.meta.etag === metadata.etag) return previous;
      return { body: value, meta: metadata };
    },
    undefined,
    (rendered) => 2 * (rendered?.body.length ?? 0),
  );
}

export const getFeed = (kv: KVNamespace, path: string) => getRendered(kv, siteKeys.feed(path));

export const getCalendar = (kv: KVNamespace, path: string) => getRendered(kv, siteKeys.calendar(path));
