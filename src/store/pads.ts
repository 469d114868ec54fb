// Pads in D1: per notes link, the last published version, the version still settling, and the poller's
// conditional-GET state (see migrations/0002 and 0006). A version is a text (its SHA-256, the text itself in
// pad_texts) or an opaque version (a delivery that said "changed" without text we may read): pads rows hold
// only hashes, so no row nears D1's 2,000,000-byte limit. Texts are written in the batch that refers to them
// and deleted by trigger when their last reference goes.
import { MAX_TEXT_BYTES } from "../domain/changes.ts";
import { measureUtf8 } from "../domain/text.ts";

export type PadKey = { event: string; session: string; url: string };

export type Pad = PadKey & {
  publishedHash: string | null;
  /** The published text; null when nothing was published or the published version is opaque. */
  publishedText: string | null;
  publishedRevision: number | null;
  pendingHash: string | null;
  /** The settling text; null when nothing is settling or the pending version is opaque. */
  pendingText: string | null;
  pendingRevision: number | null;
  /** When the newest accepted version was received; a pending version's quiet period runs from here. */
  lastEditAt: string | null;
  /** When the receipt that set the pad's newest revision was received. */
  revisionAt: string | null;
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
  revision_at: string | null;
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
  revisionAt: r.revision_at,
  etag: r.etag,
  lastModified: r.last_modified,
  checkedAt: r.checked_at,
});

const KEY_SQL = "event_id = ? AND session_id = ? AND url = ?";
const keyBinds = (k: PadKey) => [k.event, k.session, k.url];

export async function getPad(db: D1Database, key: PadKey): Promise<Pad | null> {
  const row = await db
    .prepare(
      `SELECT p.*, pub.text AS published_text, pen.text AS pending_text
       FROM pads p
         LEFT JOIN pad_texts pub ON pub.hash = p.published_hash
         LEFT JOIN pad_texts pen ON pen.hash = p.pending_hash
       WHERE p.event_id = ? AND p.session_id = ? AND p.url = ?`,
    )
    .bind(key.event, key.session, key.url)
    .first<PadRow>();
  return row ? toPad(row) : null;
}

/** Whether the pad holds any version, published or pending (without reading texts). */
export async function hasPadVersion(db: D1Database, key: PadKey): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS found FROM pads WHERE ${KEY_SQL} AND (published_hash IS NOT NULL OR pending_hash IS NOT NULL)`,
    )
    .bind(...keyBinds(key))
    .first();
  return row !== null;
}

/** Every watchable notes link with what the poller knows of it; texts are not read. */
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

/**
 * One version of a pad's notes: `hash` is the text's SHA-256 (hashText), or, for a version without text, an
 * opaque id starting with OPAQUE_PREFIX that never equals a text hash.
 */
export type PadVersion = { hash: string; text: string | null; revision: number | null };

export const OPAQUE_PREFIX = "opaque:";

/**
 * A revision lower than (or equal to) the pad's newest is a late delivery when it was received within this many
 * seconds of the newest, and a pad that started over (deleted and recreated, revisions from 0 again) when it
 * was received later. Deliveries of one burst arrive within seconds of each other, and a sender's first retries
 * of a failed one within minutes (Standard Webhooks retries after 5 s and 5 min); a restarted pad is taken up at
 * most this long after its old self's last revision (the poller, which sends no revision, takes it up sooner).
 */
export const RESTART_AFTER_SECONDS = 600;

export class TextTooLargeError extends Error {}

/**
 * The statements that store a text version's text (none for an opaque one): the text goes in before the pads
 * statement that may refer to it, and is removed again after it if that statement did not (the pad already held
 * a newer revision), all in one batch so no other writer sees the text unreferenced.
 */
function buildTextStatements(db: D1Database, version: PadVersion) {
  if (version.text === null) return { before: [], after: [] };
  if (measureUtf8(version.text) > MAX_TEXT_BYTES) {
    throw new TextTooLargeError(`notes text over ${MAX_TEXT_BYTES} bytes`);
  }
  return {
    before: [
      db
        .prepare("INSERT INTO pad_texts (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING")
        .bind(version.hash, version.text),
    ],
    after: [
      db
        .prepare(
          `DELETE FROM pad_texts WHERE hash = ?1
             AND NOT EXISTS (SELECT 1 FROM pads WHERE published_hash = ?1 OR pending_hash = ?1)`,
        )
        .bind(version.hash),
    ],
  };
}

/**
 * Makes `version` the pad's pending version, received at `receivedAt`, unless the pad already holds it (pending,
 * or published with nothing pending) or holds a newer one, so that deliveries processed out of order (retries,
 * concurrent consumers) converge on the newest. With a revision, newer means a higher revision; a revision not
 * above the newest is taken only when received more than RESTART_AFTER_SECONDS after it (a pad that started
 * over). Without one, newer means received later. Returns whether it was taken: only then does the quiet period
 * restart.
 */
export async function putPendingText(
  db: D1Database,
  key: PadKey,
  version: PadVersion,
  receivedAt: Date,
): Promise<boolean> {
  const restartBefore = new Date(receivedAt.getTime() - RESTART_AFTER_SECONDS * 1000).toISOString();
  const newest = "COALESCE(pads.pending_revision, pads.published_revision)";
  return putWithText(
    db,
    version,
    db
      .prepare(
        `INSERT INTO pads (event_id, session_id, url, pending_hash, pending_revision, last_edit_at, revision_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?5 IS NULL THEN NULL ELSE ?6 END)
         ON CONFLICT (event_id, session_id, url) DO UPDATE SET
           pending_hash = excluded.pending_hash,
           pending_revision = COALESCE(excluded.pending_revision, ${newest}),
           last_edit_at = excluded.last_edit_at,
           revision_at = COALESCE(excluded.revision_at, pads.revision_at)
         WHERE excluded.pending_hash IS NOT COALESCE(pads.pending_hash, pads.published_hash)
           AND CASE WHEN excluded.pending_revision IS NULL
                 THEN pads.last_edit_at IS NULL OR excluded.last_edit_at >= pads.last_edit_at
                 ELSE ${newest} IS NULL
                   OR excluded.pending_revision > ${newest}
                   OR pads.revision_at IS NULL
                   OR pads.revision_at < ?7
               END`,
      )
      .bind(key.event, key.session, key.url, version.hash, version.revision, receivedAt.toISOString(), restartBefore),
  );
}

/** Records a first look at a pad as its published baseline, without a change: it was there before us. */
export async function putBaselineText(
  db: D1Database,
  key: PadKey,
  version: PadVersion,
  receivedAt: Date,
): Promise<boolean> {
  return putWithText(
    db,
    version,
    db
      .prepare(
        `INSERT INTO pads (event_id, session_id, url, published_hash, published_revision, last_edit_at, revision_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, CASE WHEN ?5 IS NULL THEN NULL ELSE ?6 END)
         ON CONFLICT (event_id, session_id, url) DO UPDATE SET
           published_hash = excluded.published_hash,
           published_revision = excluded.published_revision,
           last_edit_at = excluded.last_edit_at,
           revision_at = excluded.revision_at
         WHERE pads.published_hash IS NULL AND pads.pending_hash IS NULL`,
      )
      .bind(key.event, key.session, key.url, version.hash, version.revision, receivedAt.toISOString()),
  );
}

/** Runs a pads statement in one batch with the version's text around it; whether the statement changed a row. */
async function putWithText(db: D1Database, version: PadVersion, statement: D1PreparedStatement): Promise<boolean> {
  const text = buildTextStatements(db, version);
  const results = await db.batch([...text.before, statement, ...text.after]);
  return results[text.before.length]!.meta.changes > 0;
}

/** "The pad still holds the pending version this decision was made from": guards a settle against a newer edit. */
const UNCHANGED_SQL = `${KEY_SQL} AND pending_hash = ? AND last_edit_at = ?`;
const unchangedBinds = (pad: Pad) => [...keyBinds(pad), pad.pendingHash, pad.lastEditAt];

export function buildPendingGuard(pad: Pad): { sql: string; binds: unknown[] } {
  return { sql: `EXISTS (SELECT 1 FROM pads WHERE ${UNCHANGED_SQL})`, binds: unchangedBinds(pad) };
}

/**
 * Promotes the pending version to published (or just drops it), if no newer edit came in meanwhile; the
 * triggers of migration 0006 delete a text this leaves unreferenced. last_edit_at stays: a delivery received
 * before it is older than what the pad holds.
 */
export function settlePendingText(db: D1Database, pad: Pad, publish: boolean): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE pads SET
         ${publish ? "published_hash = pending_hash, published_revision = pending_revision," : ""}
         pending_hash = NULL
       WHERE ${UNCHANGED_SQL}`,
    )
    .bind(...unchangedBinds(pad));
}

export function deletePad(db: D1Database, key: PadKey): D1PreparedStatement {
  return db.prepare(`DELETE FROM pads WHERE ${KEY_SQL}`).bind(...keyBinds(key));
}

/** Pads whose pending version has been quiet since `before` (the cron's safety net for lost settle messages). */
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
