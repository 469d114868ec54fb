// Processing a stored receipt: an admin edit or import becomes a catalogue edit and its change rows; a notes
// delivery becomes pending pad text (settled later, src/pipeline/settle.ts). Every step is idempotent: receipts
// are marked processed, change ids are derived from what they describe, and pad updates are guarded by the state
// they were computed from. What can never succeed (no such receipt, event or session; a page that does not
// import) throws a permanent error, which the consumer records and the receipt is marked failed.
import type { Config } from "../config.ts";
import { MAX_TEXT_BYTES, type NewChange, type Observation } from "../domain/changes.ts";
import { type CatalogueChange, type EditResult, addNoteLink, putSession, removeNoteLink } from "../domain/edits.ts";
import { mergeImportedEvent } from "../domain/schedule-diff.ts";
import type { Event, NoteLink } from "../domain/event.ts";
import { measureUtf8 } from "../domain/text.ts";
import { importSchedule } from "../import/index.ts";
import { buildPutEventStatements, getEvent } from "../store/catalogue.ts";
import { insertChange } from "../store/changes.ts";
import {
  OPAQUE_PREFIX,
  type PadKey,
  type PadVersion,
  deletePad,
  hasPadVersion,
  putBaselineText,
  putPendingText,
} from "../store/pads.ts";
import { type Receipt, getReceipt, markReceiptProcessed } from "../store/receipts.ts";
import { fetchNotesText } from "../watch/fetch.ts";
import { hashText } from "../lib/crypto.ts";
import { PermanentError } from "./errors.ts";
import { FETCH_TIMEOUT_MS, type RepublishEnv, republish } from "./republish.ts";
import { buildChangeId, scheduleSettle } from "./settle.ts";

type ReceiptConfig = Pick<Config, "quietPeriodSeconds" | "watchHosts" | "site" | "environment">;

export async function processReceipt(
  env: RepublishEnv,
  config: ReceiptConfig,
  receiptId: string,
  now: Date,
): Promise<void> {
  const receipt = await getReceipt(env.DB, receiptId);
  if (!receipt) throw new PermanentError(`receipt ${receiptId} not found (expired?)`);
  if (receipt.processedAt || receipt.failedAt) return;
  if (receipt.payload.kind === "notes") await processNotes(env, config, receipt, receipt.payload, now);
  else await processEdit(env, config, receipt, receipt.payload.edit, now);
  await markReceiptProcessed(env.DB, receipt.id, now).run();
}

async function requireEvent(db: D1Database, eventId: string): Promise<Event> {
  const event = await getEvent(db, eventId);
  if (!event) throw new PermanentError(`no event ${eventId}`);
  return event;
}

async function buildCatalogueChanges(receiptId: string, event: Event, changes: CatalogueChange[], now: Date) {
  return Promise.all(
    changes.map(async (c, i): Promise<NewChange> => ({
      id: await buildChangeId([receiptId, i]),
      event: event.id,
      session: c.session?.id ?? null,
      sessionTitle: c.session?.title ?? null,
      type: c.type,
      url: c.url,
      summary: c.summary,
      excerpt: "",
      linesAdded: 0,
      linesRemoved: 0,
      at: now.toISOString(),
    })),
  );
}

/** Writes an edit (what differs from `previous`, the event it was computed from) and its change rows in one batch, then republishes the event. */
async function commitEdit(
  env: RepublishEnv,
  config: ReceiptConfig,
  receipt: Receipt,
  previous: Event | null,
  result: EditResult,
  now: Date,
  extra: D1PreparedStatement[] = [],
) {
  const rows = await buildCatalogueChanges(receipt.id, result.event, result.changes, now);
  await env.DB.batch([
    ...buildPutEventStatements(env.DB, result.event, now, previous),
    ...rows.map((r) => insertChange(env.DB, r)),
    ...extra,
  ]);
  await republish(env, config, [result.event.id]);
}

async function processEdit(
  env: RepublishEnv,
  config: ReceiptConfig,
  receipt: Receipt,
  edit: Extract<Observation, { kind: "admin" }>["edit"],
  now: Date,
) {
  if (edit.action === "event.import") {
    const imported = importSchedule(edit.text, { eventId: edit.event, title: edit.title, format: edit.format });
    const current = await getEvent(env.DB, edit.event);
    return commitEdit(env, config, receipt, current, mergeImportedEvent(current, imported), now);
  }
  const event = await requireEvent(env.DB, edit.event);
  const commit = (result: EditResult, extra?: D1PreparedStatement[]) =>
    commitEdit(env, config, receipt, event, result, now, extra);
  switch (edit.action) {
    case "link.add":
      return commit(addNoteLink(event, edit.session, edit.url, edit.label));
    case "link.remove":
      return commit(removeNoteLink(event, edit.session, edit.url), [
        deletePad(env.DB, { event: edit.event, session: edit.session, url: edit.url }),
      ]);
    case "session.put":
      return commit(putSession(event, edit.session));
  }
}

async function processNotes(
  env: RepublishEnv,
  config: ReceiptConfig,
  receipt: Receipt,
  obs: Extract<Observation, { kind: "notes" }>,
  now: Date,
) {
  const event = await requireEvent(env.DB, obs.event);
  const key: PadKey = { event: obs.event, session: obs.session, url: obs.url };
  if (obs.type === "notes.removed") {
    return commitEdit(env, config, receipt, event, removeNoteLink(event, obs.session, obs.url, "notes.removed"), now, [
      deletePad(env.DB, key),
    ]);
  }
  const linked = addNoteLink(event, obs.session, obs.url);
  const link = linked.event.sessions.find((s) => s.id === obs.session)!.notes.find((n) => n.url === obs.url)!;
  const text = obs.text ?? (await readNotesText(config.watchHosts, link));
  // The link is recorded without a change of its own: the notes change follows once the edit settles.
  if (linked.changes.length) await commitEdit(env, config, receipt, event, { event: linked.event, changes: [] }, now);
  const version = await buildPadVersion(receipt, text, obs.revision ?? null);
  // Ordering and the quiet period run on when the edit came in, not on when it is processed (retries are late).
  const receivedAt = new Date(receipt.receivedAt);
  if (receipt.source === "poll" && !(await hasPadVersion(env.DB, key))) {
    // The poller's first look at a pad that was in the catalogue before us: a baseline, not news.
    await putBaselineText(env.DB, key, version, receivedAt);
    return;
  }
  if (await putPendingText(env.DB, key, version, receivedAt)) {
    const elapsedSeconds = (now.getTime() - receivedAt.getTime()) / 1000;
    await scheduleSettle(env, key, Math.ceil(config.quietPeriodSeconds - elapsedSeconds));
  }
}

/**
 * The pad version a delivery brings. Without text (an end-to-end encrypted pad, a host we may not fetch) or with
 * more text than a pad may hold, the version is opaque: its id names the delivery (the receipt, so a redelivery
 * is the same version) or the oversized text, and it settles like any other but is published as words only.
 */
async function buildPadVersion(receipt: Receipt, text: string | null, revision: number | null): Promise<PadVersion> {
  if (text === null) return { hash: `${OPAQUE_PREFIX}${await hashText(`receipt:${receipt.id}`)}`, text, revision };
  const hash = await hashText(text);
  if (measureUtf8(text) > MAX_TEXT_BYTES) {
    return { hash: `${OPAQUE_PREFIX}${hash}`, text: null, revision };
  }
  return { hash, text, revision };
}

/** The current text of a notes link the sender did not include; null when it cannot or may not be read. */
async function readNotesText(allowHosts: string[], link: NoteLink): Promise<string | null> {
  if (!link.watchable) return null;
  const result = await fetchNotesText(link, { allowHosts, timeoutMs: FETCH_TIMEOUT_MS });
  if (result.outcome === "modified") return result.text;
  if (result.outcome === "refused") return null;
  // A pad host that is down or slow: retried with backoff like any other transient failure.
  throw new Error(`fetching ${link.url} failed: ${result.outcome === "failed" ? result.reason : result.outcome}`);
}
