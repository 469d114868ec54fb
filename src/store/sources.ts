// D1: the schedules events follow, and what the last fetch of each saw (validators for a conditional GET, and
// the hash of the text last handed to the importer, so an unchanged source makes nothing).
import type { EventSource } from "../domain/event.ts";

export type FollowedSource = EventSource & {
  eventId: string;
  title: string;
  etag: string | null;
  lastModified: string | null;
  hash: string | null;
};

type SourceRow = {
  id: string;
  title: string;
  source_url: string;
  source_format: string | null;
  source_etag: string | null;
  source_last_modified: string | null;
  source_hash: string | null;
};

/** Every event that follows a source, least recently checked first (at most `limit`). */
export async function listFollowedSources(db: D1Database, limit: number): Promise<FollowedSource[]> {
  const { results } = await db
    .prepare(
      `SELECT id, title, source_url, source_format, source_etag, source_last_modified, source_hash FROM events
       WHERE source_url IS NOT NULL ORDER BY source_checked_at IS NOT NULL, source_checked_at, id LIMIT ?`,
    )
    .bind(limit)
    .all<SourceRow>();
  return results.map((r) => ({
    eventId: r.id,
    title: r.title,
    url: r.source_url,
    ...(r.source_format ? { format: r.source_format as NonNullable<EventSource["format"]> } : {}),
    etag: r.source_etag,
    lastModified: r.source_last_modified,
    hash: r.source_hash,
  }));
}

/** Sets (or, with null, stops) the source an event follows; a new source is fetched afresh. False: no such event. */
export async function putEventSource(db: D1Database, eventId: string, source: EventSource | null): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE events SET source_url = ?2, source_format = ?3, source_etag = NULL, source_last_modified = NULL,
         source_hash = NULL, source_checked_at = NULL WHERE id = ?1`,
    )
    .bind(eventId, source?.url ?? null, source?.format ?? null)
    .run();
  return result.meta.changes > 0;
}

/** What a fetch saw; `hash` only once its text was safely handed over (so a failed hand-over retries next time). */
export async function putSourceFetchState(
  db: D1Database,
  eventId: string,
  state: { etag: string | null; lastModified: string | null; hash?: string },
  now: Date,
): Promise<void> {
  await db
    .prepare(
      `UPDATE events SET source_etag = ?2, source_last_modified = ?3, source_hash = COALESCE(?4, source_hash),
         source_checked_at = ?5 WHERE id = ?1`,
    )
    .bind(eventId, state.etag, state.lastModified, state.hash ?? null, now.toISOString())
    .run();
}
