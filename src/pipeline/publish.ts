// Publishing: renders the read model from the system of record. The same function runs after the seed
// load, after every admin edit and after every notes change, so KV never holds anything D1 does not.
//
// It cannot wedge: what is stored is compared by the ETag in each key's metadata (listed, never read back),
// each page, feed or calendar is rendered and written on its own (one that cannot be is recorded as a failure and the
// rest still publish), and one run stays within a budget of KV operations well under the platform's 1,000
// per invocation. Whatever a run could not write is reported in `remaining`, for a follow-up run to finish
// (writes are idempotent, so a follow-up simply publishes again).
import { type Calendar, buildEventCalendars } from "../calendar/build.ts";
import { renderCalendar } from "../calendar/render.ts";
import type { Bindings } from "../config.ts";
import type { Change } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { MAX_STORED_VALUE_BYTES } from "../domain/limits.ts";
import { measureUtf8 } from "../domain/text.ts";
import { type SiteConfig, buildAllFeed, buildEventFeeds } from "../feeds/build.ts";
import { FEED_FORMATS, type Feed, MAX_FEED_ITEMS } from "../feeds/model.ts";
import { renderFeed } from "../feeds/render.ts";
import { calendarPaths, feedPaths } from "../paths.ts";
import { buildPutEventStatements, getEvent, listEvents } from "../store/catalogue.ts";
import { listChanges, listRecentChanges } from "../store/changes.ts";
import { buildSubject, recordFailure } from "../store/failures.ts";
import {
  CHANGES_PAGE_SIZE,
  type EventPage,
  type EventSummary,
  type SessionPage,
  type StoredMeta,
  deleteSiteValue,
  listStoredEtags,
  putSiteValue,
  siteKeys,
} from "../store/site.ts";
import { hashText } from "../lib/crypto.ts";

const LATEST = 10;
/** KV operations one run may use (the platform allows 1,000 per invocation, and a queue batch is one). */
export const PUBLISH_KV_BUDGET = 400;

export function buildEventSummary(event: Event): EventSummary {
  return {
    id: event.id,
    title: event.title,
    sessionCount: event.sessions.length,
    notesPublishedCount: event.sessions.filter((s) => s.notesPublished).length,
  };
}

/** What publishing reads and writes: D1 and KV. Where the site lives comes as `site` (feeds carry absolute URLs). */
export type PublishEnv = Pick<Bindings, "DB" | "SITE">;

export type PublishResult = {
  written: number;
  deleted: number;
  /** Absolute URLs of the feeds whose content changed: what a WebSub hub must hear about. */
  changedFeeds: string[];
  /** Keys that could not be rendered (recorded in failures; their last good value stays). */
  failed: string[];
  /** Writes and deletes left undone (budget spent, or KV refused them): a follow-up run should finish them. */
  remaining: number;
};

/** One value to publish: its key, how to render it (lazily, so one failure stays one), and a feed's URL. */
type Planned = { key: string; render: () => Promise<{ text: string; meta: StoredMeta }>; feedUrl?: string };

/**
 * Rebuilds, from D1, the KV pages, feeds and calendars of the given events (all when omitted), the events index
 * and the feed of everything. Writes only what changed and removes what no longer exists.
 */
export async function publish(
  env: PublishEnv,
  site: SiteConfig,
  eventIds?: string[],
  { budget = PUBLISH_KV_BUDGET, maxValueBytes = MAX_STORED_VALUE_BYTES } = {},
): Promise<PublishResult> {
  const { DB: db, SITE: kv } = env;
  const records = await listEvents(db);
  const summaries: EventSummary[] = [];
  const titles = new Map<string, string>();
  const planned: Planned[] = [];
  const sweptPrefixes: string[] = [];
  for (const { id, createdAt, updatedAt } of records) {
    const event = await getEvent(db, id);
    if (!event) continue;
    summaries.push(buildEventSummary(event));
    titles.set(id, event.title);
    if (eventIds && !eventIds.includes(id)) continue;
    const changes = await listChanges(db, id);
    const newestFirst = changes.toReversed();
    for (const [key, value] of buildEventPages(event, changes, newestFirst)) planned.push(planJson(key, value));
    for (const feed of buildEventFeeds(site, event, newestFirst, createdAt)) planned.push(...planFeed(feed));
    for (const calendar of buildEventCalendars(site.baseUrl, event, changes, createdAt)) {
      planned.push(planCalendar(calendar, updatedAt));
    }
    sweptPrefixes.push(
      siteKeys.sessionPrefix(id),
      siteKeys.feed(feedPaths.sessionsPrefix(id)),
      siteKeys.calendar(calendarPaths.sessionsPrefix(id)),
    );
  }
  planned.push(planJson(siteKeys.events(), { events: summaries }));
  const firstCreated = records.map((r) => r.createdAt).sort()[0] ?? new Date(0).toISOString();
  planned.push(...planFeed(buildAllFeed(site, await listRecentChanges(db, MAX_FEED_ITEMS), titles, firstCreated)));

  const result: PublishResult = { written: 0, deleted: 0, changedFeeds: [], failed: [], remaining: 0 };
  const stored = await listStoredEtags(kv);
  let operations = stored.operations;
  /** Runs one KV write or delete within the budget; false when it was left for a follow-up run. */
  const spend = async (key: string, write: () => Promise<void>): Promise<boolean> => {
    if (operations >= budget) {
      result.remaining++;
      return false;
    }
    operations++;
    try {
      await write();
      return true;
    } catch (err) {
      // KV refuses a second write to a key within a second (429), among others: the follow-up run retries.
      console.error("publish: KV refused", key, err);
      result.remaining++;
      return false;
    }
  };

  const live = new Set<string>();
  for (const entry of planned) {
    live.add(entry.key);
    let rendered: { text: string; meta: StoredMeta };
    try {
      rendered = await entry.render();
      const bytes = measureUtf8(rendered.text);
      if (bytes > maxValueBytes) throw new Error(`rendered ${bytes} bytes, over ${maxValueBytes}`);
    } catch (err) {
      result.failed.push(entry.key);
      await recordPublishFailure(db, entry.key, err);
      continue;
    }
    if (stored.etags.get(entry.key) === rendered.meta.etag) continue;
    if (await spend(entry.key, () => putSiteValue(kv, entry.key, rendered.text, rendered.meta))) {
      result.written++;
      if (entry.feedUrl) result.changedFeeds.push(entry.feedUrl);
    }
  }
  for (const key of stored.etags.keys()) {
    if (live.has(key) || !sweptPrefixes.some((prefix) => key.startsWith(prefix))) continue;
    if (await spend(key, () => deleteSiteValue(kv, key))) result.deleted++;
  }
  return result;
}

function planJson(key: string, value: unknown): Planned {
  return {
    key,
    render: async () => {
      const text = JSON.stringify(value);
      return { text, meta: { etag: `"${(await hashText(text)).slice(0, 32)}"` } };
    },
  };
}

function planFeed(feed: Feed): Planned[] {
  return FEED_FORMATS.map((format) => ({
    key: siteKeys.feed(new URL(feed.selfUrls[format]).pathname),
    feedUrl: feed.selfUrls[format],
    render: async () => {
      const { body, etag, lastModified } = await renderFeed(feed, format);
      return { text: body, meta: { etag, lastModified } };
    },
  }));
}

/**
 * A calendar, Last-Modified no earlier than the event's last write: what a calendar shows may follow the source
 * without a change of its own (a description), and a client that sends only If-Modified-Since must still see it.
 * The ETag alone decides whether it is rewritten, so an edit that leaves the calendar as it was moves nothing.
 */
function planCalendar(calendar: Calendar, eventUpdatedAt: string): Planned {
  return {
    key: siteKeys.calendar(calendar.path),
    render: async () => {
      const { body, etag, lastModified } = await renderCalendar(calendar);
      const latest = Date.parse(lastModified) > Date.parse(eventUpdatedAt) ? lastModified : eventUpdatedAt;
      return { text: body, meta: { etag, lastModified: latest } };
    },
  };
}

async function recordPublishFailure(db: D1Database, key: string, err: unknown) {
  console.error("publish: could not render", key, err);
  const error = err instanceof Error ? err.message : String(err);
  const failure = {
    subject: buildSubject.publish(key),
    queue: "publish",
    messageId: key,
    attempts: 1,
    body: null,
    error,
  };
  await recordFailure(db, failure, new Date()).catch((e: unknown) =>
    console.error("publish: could not record the failure", key, e),
  );
}

/** An event's KV entries: its page, one page per session, and its change log in pages of 50. */
function buildEventPages(event: Event, changes: Change[], newestFirst: Change[]): [string, unknown][] {
  const eventPage: EventPage = { ...event, changeCount: changes.length, latestChanges: newestFirst.slice(0, LATEST) };
  const pages: [string, unknown][] = [[siteKeys.event(event.id), eventPage]];
  for (const s of event.sessions) {
    const mine = newestFirst.filter((c) => c.session === s.id);
    const page: SessionPage = {
      ...s,
      event: { id: event.id, title: event.title, ...(event.timeZone ? { timeZone: event.timeZone } : {}) },
      latestChange: mine[0] ?? null,
      latestChanges: mine.slice(0, LATEST),
    };
    pages.push([siteKeys.session(event.id, s.id), page]);
  }
  for (let p = 0; p * CHANGES_PAGE_SIZE < changes.length; p++) {
    pages.push([
      siteKeys.changes(event.id, p),
      { changes: changes.slice(p * CHANGES_PAGE_SIZE, (p + 1) * CHANGES_PAGE_SIZE) },
    ]);
  }
  return pages;
}

/**
 * The start-up load of the committed catalogues (data/events): an event that is not in D1 yet is loaded as
 * given; one that is already there is left exactly as it is, because since its first load it belongs to the
 * API, the webhooks and the pipeline (an admin edit or a new notes link must survive a restart). Then
 * everything is published. Edits to a committed file reach a running catalogue through the admin import.
 */
export async function loadEvents(env: PublishEnv, site: SiteConfig, events: Event[], now: Date) {
  const existing = new Set((await listEvents(env.DB)).map((e) => e.id));
  let added = 0;
  for (const event of events) {
    if (existing.has(event.id)) continue;
    await env.DB.batch(buildPutEventStatements(env.DB, event, now));
    added++;
  }
  return {
    added,
    kept: events.length - added,
    ...(await publish(env, site, undefined, { budget: Number.POSITIVE_INFINITY })),
  };
}
