// Publishing: renders the read model from the system of record. The same function runs after the seed
// load, after every admin edit and after every notes change, so KV never holds anything D1 does not.
import type { Change } from "./domain/changes.ts";
import type { Event } from "./domain/event.ts";
import { buildAllFeed, buildEventFeeds, parseSiteConfig } from "./feeds/build.ts";
import { FEED_FORMATS, type Feed, MAX_FEED_ITEMS } from "./feeds/model.ts";
import { renderFeed } from "./feeds/render.ts";
import { getEvent, listEvents, putEvent } from "./store/catalogue.ts";
import { listChanges, listRecentChanges } from "./store/changes.ts";
import {
  CHANGES_PAGE_SIZE,
  type EventPage,
  type EventSummary,
  type SessionPage,
  deleteStaleKeys,
  putChanged,
  putChangedFeeds,
  siteKeys,
} from "./store/site.ts";

const LATEST = 10;

export function buildEventSummary(event: Event): EventSummary {
  return {
    id: event.id,
    title: event.title,
    sessionCount: event.sessions.length,
    notesPublishedCount: event.sessions.filter((s) => s.notesPublished).length,
  };
}

/** What publishing reads: D1, KV, and where the site lives (feeds carry absolute URLs). */
export type PublishEnv = Pick<Env, "DB" | "SITE" | "PUBLIC_BASE_URL" | "WEBSUB_HUB">;

export type PublishResult = {
  written: number;
  deleted: number;
  /** Absolute URLs of the feeds whose content changed: what a WebSub hub must hear about. */
  changedFeeds: string[];
};

/**
 * Rebuilds, from D1, the KV pages and feeds of the given events (all when omitted), the events index and the
 * feed of everything. Writes only what changed and removes what no longer exists.
 */
export async function publish(env: PublishEnv, eventIds?: string[]): Promise<PublishResult> {
  const { DB: db, SITE: kv } = env;
  const site = parseSiteConfig(env);
  const records = await listEvents(db);
  const result: PublishResult = { written: 0, deleted: 0, changedFeeds: [] };
  const summaries: EventSummary[] = [];
  const titles = new Map<string, string>();
  const feeds: Feed[] = [];
  for (const { id, createdAt } of records) {
    const event = await getEvent(db, id);
    if (!event) continue;
    summaries.push(buildEventSummary(event));
    titles.set(id, event.title);
    if (eventIds && !eventIds.includes(id)) continue;
    const changes = await listChanges(db, id);
    const newestFirst = changes.toReversed();
    const pages = buildEventPages(event, changes, newestFirst);
    result.written += await putChanged(kv, pages);
    result.deleted += await deleteStaleKeys(kv, siteKeys.sessionPrefix(id), new Set(pages.map(([key]) => key)));
    feeds.push(...buildEventFeeds(site, event, newestFirst, createdAt));
  }
  result.written += await putChanged(kv, [[siteKeys.events(), { events: summaries }]]);

  const firstCreated = records.map((r) => r.createdAt).sort()[0] ?? new Date(0).toISOString();
  feeds.push(buildAllFeed(site, await listRecentChanges(db, MAX_FEED_ITEMS), titles, firstCreated));
  const rendered = await Promise.all(
    feeds.flatMap((feed) =>
      FEED_FORMATS.map(async (format) => ({
        path: new URL(feed.selfUrls[format]).pathname,
        url: feed.selfUrls[format],
        ...(await renderFeed(feed, format)),
      })),
    ),
  );
  const changed = new Set(await putChangedFeeds(kv, rendered));
  result.written += changed.size;
  result.changedFeeds = rendered.filter((f) => changed.has(f.path)).map((f) => f.url);
  const liveFeeds = new Set(rendered.map((f) => siteKeys.feed(f.path)));
  for (const id of eventIds ?? records.map((r) => r.id)) {
    result.deleted += await deleteStaleKeys(kv, siteKeys.feed(`/events/${id}/sessions/`), liveFeeds);
  }
  return result;
}

/** An event's KV entries: its page, one page per session, and its change log in pages of 50. */
function buildEventPages(event: Event, changes: Change[], newestFirst: Change[]): [string, unknown][] {
  const eventPage: EventPage = { ...event, changeCount: changes.length, latestChanges: newestFirst.slice(0, LATEST) };
  const pages: [string, unknown][] = [[siteKeys.event(event.id), eventPage]];
  for (const s of event.sessions) {
    const mine = newestFirst.filter((c) => c.session === s.id);
    const page: SessionPage = {
      ...s,
      event: { id: event.id, title: event.title },
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

/** Loads committed catalogues into D1 (events already as given are left alone), then publishes them. */
export async function loadEvents(env: PublishEnv, events: Event[], now: Date) {
  let changed = 0;
  for (const event of events) if (await putEvent(env.DB, event, now)) changed++;
  return { changed, ...(await publish(env)) };
}
