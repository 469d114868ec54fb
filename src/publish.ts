// Publishing: renders the read model from the system of record. The same function runs after the seed
// load, after every admin edit and after every notes change, so KV never holds anything D1 does not.
import type { Change } from "./domain/changes.ts";
import type { Event } from "./domain/event.ts";
import { getEvent, listEventIds, putEvent } from "./store/catalogue.ts";
import { listChanges } from "./store/changes.ts";
import {
  CHANGES_PAGE_SIZE,
  type EventPage,
  type EventSummary,
  type SessionPage,
  listKeys,
  putChanged,
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

export type PublishResult = { written: number; deleted: number };

/** Rebuilds the KV pages of the given events (all when omitted) and the events index from D1. */
export async function publish(db: D1Database, kv: KVNamespace, eventIds?: string[]): Promise<PublishResult> {
  const allIds = await listEventIds(db);
  const result: PublishResult = { written: 0, deleted: 0 };
  const summaries: EventSummary[] = [];
  for (const id of allIds) {
    const event = await getEvent(db, id);
    if (!event) continue;
    summaries.push(buildEventSummary(event));
    if (eventIds && !eventIds.includes(id)) continue;
    const changes = await listChanges(db, id);
    const newestFirst = changes.toReversed();
    const eventPage: EventPage = { ...event, changeCount: changes.length, latestChanges: newestFirst.slice(0, LATEST) };
    const writes: [string, unknown][] = [[siteKeys.event(id), eventPage]];
    for (const s of event.sessions) {
      const latest = newestFirst.filter((c) => c.session === s.id).slice(0, LATEST);
      const page: SessionPage = {
        ...s,
        event: { id: event.id, title: event.title },
        latestChange: latest[0] ?? null,
        latestChanges: latest,
      };
      writes.push([siteKeys.session(id, s.id), page]);
    }
    for (let p = 0; p * CHANGES_PAGE_SIZE < changes.length; p++) {
      const page: Change[] = changes.slice(p * CHANGES_PAGE_SIZE, (p + 1) * CHANGES_PAGE_SIZE);
      writes.push([siteKeys.changes(id, p), { changes: page }]);
    }
    result.written += await putChanged(kv, writes);
    const live = new Set(writes.map(([key]) => key));
    for (const key of await listKeys(kv, siteKeys.sessionPrefix(id))) {
      if (!live.has(key)) {
        await kv.delete(key);
        result.deleted++;
      }
    }
  }
  result.written += await putChanged(kv, [[siteKeys.events(), { events: summaries }]]);
  return result;
}

/** Loads committed catalogues into D1 (events already as given are left alone), then publishes them. */
export async function loadEvents(db: D1Database, kv: KVNamespace, events: Event[], now: Date) {
  let changed = 0;
  for (const event of events) if (await putEvent(db, event, now)) changed++;
  return { changed, ...(await publish(db, kv)) };
}
