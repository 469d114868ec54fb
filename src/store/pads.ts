// Pads in D1: per notes link, the last published text, the text still settling, and the poller's
// conditional-GET state (see migrations/0002).

export type PadKey = { event: string; session: string; url: string };

export type Pad = PadKey & {
  publishedHash: string | null;
  publishedText: string | null;
  publishedRevision: number | null;
  pendingHash: string | null;
  pendingText: string | null;
  pendingRevision: number | null;
  lastEditAt: string | null;
  etag: string | null;
  lastModified: string | null;
  checkedAt: string | null;
};

type PadRow = {
  event_id: string;
  session_id: string;
  url: string;
  published_hash: string | null;
  published_text: string | null;
  published_revision: number | null;
  pending_hash: string | null;
  pending_text: string | null;
  pending_revision: number | null;
  last_edit_at: string | null;
  etag: string | null;
  last_modified: string | null;
  checked_at: string | null;
};

const toPad = (r: PadRow): Pad => ({
  event: r.event_id,
  session: r.session_id,
  url: r.url,
  publishedHash: r.published_hash,
  publishedText: r.published_text,
  publishedRevision: r.published_revision,
  pendingHash: r.pending_hash,
  pendingText: r.pending_text,
  pendingRevision: r.pending_revision,
  lastEditAt: r.last_edit_at,
  etag: r.etag,
  lastModified: r.last_modified,
  checkedAt: r.checked_at,
});

export async function getPad(db: D1Database, key: PadKey): Promise<Pad | null> {
  const row = await db
    .prepare("SELECT * FROM pads WHERE event_id = ? AND session_id = ? AND url = ?")
    .bind(key.event, key.session, key.url)
    .first<PadRow>();
  return row ? toPad(row) : null;
}

/** Every watchable notes link with what the poller knows of it; text columns are not read. */
export type WatchedLink = PadKey & {
  kind: string;
  etag: string | null;
  lastModified: string | null;
  knownHash: string | null;
};

export async function listWatchedLinks(db: D1Database): Promise<WatchedLink[]> {
  const { results } = await db
    .prepare(
      `SELECT l.event_id, l.session_id, l.url, l.kind, p.etag, p.last_modified,
              COALESCE(p.pending_hash, p.published_hash) AS known_hash
       FROM note_links l LEFT JOIN pads p
         ON p.event_id = l.event_id AND p.session_id = l.session_id AND p.url = l.url
       WHERE l.watchable = 1
       ORDER BY l.url`,
    )
    .all<{
      event_id: string;
      session_id: string;
      url: string;
      kind: string;
      etag: string | null;
      last_modified: string | null;
      known_hash: string | null;
    }>();
  return results.map((r) => ({
    event: r.event_id,
    session: r.session_id,
    url: r.url,
    kind: r.kind,
    etag: r.etag,
    lastModified: r.last_modified,
    knownHash: r.known_hash,
  }));
}

/** Records a poll's conditional-GET validators, creating the pad row when it is the first look. */
export async function putPadFetchState(
  db: D1Database,
  key: PadKey,
  state: { etag: string | null; lastModified: string | null },
  now: Date,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO pads (event_id, session_id, url, etag, last_modified, checked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (event_id, session_id, url) DO UPDATE SET etag = ?4, last_modified = ?5, checked_at = ?6`,
    )
    .bind(key.event, key.session, key.url, state.etag, state.lastModified, now.toISOString())
    .run();
}

const KEY_SQL = "event_id = ? AND session_id = ? AND url = ?";
const keyBinds = (k: PadKey) => [k.event, k.session, k.url];

export type TextVersion = { hash: string; text: string; revision: number | null };

/**
 * Makes `version` the pad's pending text, unless the pad already holds that text or a newer revision (events
 * arriving out of order converge on the newest). Returns whether it did: only then does the quiet period restart.
 */
export async function putPendingText(db: D1Database, key: PadKey, version: TextVersion, now: Date): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO pads (event_id, session_id, url, pending_hash, pending_text, pending_revision, last_edit_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (event_id, session_id, url) DO UPDATE SET
         pending_hash = excluded.pending_hash,
         pending_text = excluded.pending_text,
         pending_revision = COALESCE(excluded.pending_revision, pads.pending_revision, pads.published_revision),
         last_edit_at = excluded.last_edit_at
       WHERE excluded.pending_hash IS NOT COALESCE(pads.pending_hash, pads.published_hash)
         AND (excluded.pending_revision IS NULL
              OR excluded.pending_revision > COALESCE(pads.pending_revision, pads.published_revision, -1))`,
    )
    .bind(key.event, key.session, key.url, version.hash, version.text, version.revision, now.toISOString())
    .run();
  return result.meta.changes > 0;
}

/** Records a first look at a pad as its published baseline, without a change: it was there before us. */
export async function putBaselineText(db: D1Database, key: PadKey, version: TextVersion): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO pads (event_id, session_id, url, published_hash, published_text, published_revision)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (event_id, session_id, url) DO UPDATE SET
         published_hash = excluded.published_hash,
         published_text = excluded.published_text,
         published_revision = excluded.published_revision
       WHERE pads.published_hash IS NULL AND pads.pending_hash IS NULL`,
    )
    .bind(key.event, key.session, key.url, version.hash, version.text, version.revision)
    .run();
  return result.meta.changes > 0;
}

/** "The pad still holds the pending text this decision was made from": guards a settle against a newer edit. */
const UNCHANGED_SQL = `${KEY_SQL} AND pending_hash = ? AND last_edit_at = ?`;
const unchangedBinds = (pad: Pad) => [...keyBinds(pad), pad.pendingHash, pad.lastEditAt];

export function buildPendingGuard(pad: Pad): { sql: string; binds: unknown[] } {
  return { sql: `EXISTS (SELECT 1 FROM pads WHERE ${UNCHANGED_SQL})`, binds: unchangedBinds(pad) };
}

/** Promotes the pending text to published (or just drops it), if no newer edit came in meanwhile. */
export function settlePendingText(db: D1Database, pad: Pad, publish: boolean): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE pads SET
         ${publish ? "published_hash = pending_hash, published_text = pending_text, published_revision = pending_revision," : ""}
         pending_hash = NULL, pending_text = NULL, last_edit_at = NULL
       WHERE ${UNCHANGED_SQL}`,
    )
    .bind(...unchangedBinds(pad));
}

export function deletePad(db: D1Database, key: PadKey): D1PreparedStatement {
  return db.prepare(`DELETE FROM pads WHERE ${KEY_SQL}`).bind(...keyBinds(key));
}

/** Pads whose pending text has been quiet since `before` (the cron's safety net for lost settle messages). */
export async function listSettledPads(db: D1Database, before: Date, limit = 100): Promise<PadKey[]> {
  const { results } = await db
    .prepare(
      `SELECT event_id, session_id, url FROM pads WHERE pending_hash IS NOT NULL AND last_edit_at <= ?
       ORDER BY last_edit_at LIMIT ?`,
    )
    .bind(before.toISOString(), limit)
    .all<{ event_id: string; session_id: string; url: string }>();
  return results.map((r) => ({ event: r.event_id, session: r.session_id, url: r.url }));
}
