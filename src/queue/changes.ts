// The CHANGES consumer: turns receipts into catalogue edits, pending pad text and published changes, under
// the retry policy in policy.ts (a page that does not import or a session that is gone is permanent).
// Every step is idempotent: receipts are marked processed, change ids are derived from what they describe,
// and pad updates are guarded by the state they were computed from.
import { MAX_TEXT_BYTES, type NewChange, type Observation } from "../domain/changes.ts";
import {
  type CatalogueChange,
  EditError,
  type EditResult,
  addNoteLink,
  mergeImportedEvent,
  putSession,
  removeNoteLink,
} from "../domain/edits.ts";
import type { Event, NoteLink } from "../domain/event.ts";
import { MAX_DELAY_SECONDS, decideSettle, parseQuietPeriod } from "../domain/settle.ts";
import { ImportError, importWikiPage } from "../import/wiki.ts";
import { buildWebSubPing } from "../feeds/websub.ts";
import { type PublishResult, publish } from "../publish.ts";
import { buildPutEventStatements, getEvent, markNotesPublished } from "../store/catalogue.ts";
import { insertChange } from "../store/changes.ts";
import {
  OPAQUE_PREFIX,
  type PadKey,
  type PadVersion,
  buildPendingGuard,
  deletePad,
  getPad,
  hasPadVersion,
  putBaselineText,
  putPendingText,
  settlePendingText,
} from "../store/pads.ts";
import { type Receipt, getReceipt, markReceiptFailed, markReceiptProcessed } from "../store/receipts.ts";
import { fetchNotesText } from "../watch/fetch.ts";
import { hashText } from "../lib/crypto.ts";
import { parseWatchHosts } from "../cron/poll.ts";
import { ChangesMessage, type NotifyMessage } from "./messages.ts";
import { PermanentError, consumeBatch } from "./policy.ts";
import { handOverChanges } from "./outbox.ts";
import { measureUtf8 } from "../domain/text.ts";

export type ChangesEnv = { NOTIFY: Queue<NotifyMessage> } & Pick<
  Env,
  "DB" | "SITE" | "QUIET_PERIOD_SECONDS" | "WATCH_HOSTS" | "PUBLIC_BASE_URL" | "WEBSUB_HUB"
> & {
    CHANGES: Queue<ChangesMessage>;
  };

export const FETCH_TIMEOUT_MS = 10_000;
/** A follow-up publish waits a little: KV takes one write per key per second. */
const PUBLISH_RETRY_SECONDS = 2;

export async function handleChangesBatch(batch: MessageBatch<unknown>, env: ChangesEnv): Promise<void> {
  await consumeBatch(batch, env.DB, ChangesMessage, (message) => processChangesMessage(message, env, new Date()), {
    classify: (err) =>
      err instanceof PermanentError || err instanceof EditError || err instanceof ImportError ? "permanent" : "retry",
    // A receipt that can never be processed is marked failed with its error: the sweep never re-queues it.
    onPermanent: (message, error, now) =>
      message.type === "receipt" ? [markReceiptFailed(env.DB, message.receiptId, error, now)] : [],
  });
}

export async function processChangesMessage(message: ChangesMessage, env: ChangesEnv, now: Date): Promise<void> {
  if (message.type === "settle") return settlePad(env, message, now);
  if (message.type === "websub") return pingHub(env, message.feedUrl);
  if (message.type === "publish") return finishPublish(env, message.eventIds);
  const receipt = await getReceipt(env.DB, message.receiptId);
  if (!receipt) throw new PermanentError(`receipt ${message.receiptId} not found (expired?)`);
  if (receipt.processedAt || receipt.failedAt) return;
  if (receipt.payload.kind === "notes") await processNotes(env, receipt, receipt.payload, now);
  else await processEdit(env, receipt, receipt.payload.edit, now);
  await markReceiptProcessed(env.DB, receipt.id, now).run();
}

async function requireEvent(db: D1Database, eventId: string): Promise<Event> {
  const event = await getEvent(db, eventId);
  if (!event) throw new PermanentError(`no event ${eventId}`);
  return event;
}

async function buildChangeId(parts: (string | number | null)[]): Promise<string> {
  return `chg_${(await hashText(parts.join("\u0000"))).slice(0, 24)}`;
}

async function buildCatalogueChanges(receiptId: string, event: Event, changes: CatalogueChange[], now: Date) {
  return Promise.all(
    changes.map(async (c, i): Promise<NewChange> => ({
      id: await buildChangeId([receiptId, i]),
      event: event.id,
      session: c.session.id,
      sessionTitle: c.session.title,
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

/** Writes an edit and its change rows in one batch, then republishes the event. */
async function commitEdit(
  env: ChangesEnv,
  receipt: Receipt,
  result: EditResult,
  now: Date,
  extra: D1PreparedStatement[] = [],
) {
  const rows = await buildCatalogueChanges(receipt.id, result.event, result.changes, now);
  await env.DB.batch([
    ...buildPutEventStatements(env.DB, result.event, now),
    ...rows.map((r) => insertChange(env.DB, r)),
    ...extra,
  ]);
  await publishAndPing(env, [result.event.id]);
}

async function processEdit(
  env: ChangesEnv,
  receipt: Receipt,
  edit: Extract<Observation, { kind: "admin" }>["edit"],
  now: Date,
) {
  if (edit.action === "event.import") {
    const imported = importWikiPage(edit.text, { eventId: edit.event, title: edit.title });
    return commitEdit(env, receipt, mergeImportedEvent(await getEvent(env.DB, edit.event), imported), now);
  }
  const event = await requireEvent(env.DB, edit.event);
  switch (edit.action) {
    case "link.add":
      return commitEdit(env, receipt, addNoteLink(event, edit.session, edit.url, edit.label), now);
    case "link.remove":
      return commitEdit(env, receipt, removeNoteLink(event, edit.session, edit.url), now, [
        deletePad(env.DB, { event: edit.event, session: edit.session, url: edit.url }),
      ]);
    case "session.put":
      return commitEdit(env, receipt, putSession(event, edit.session), now);
  }
}

async function processNotes(
  env: ChangesEnv,
  receipt: Receipt,
  obs: Extract<Observation, { kind: "notes" }>,
  now: Date,
) {
  const event = await requireEvent(env.DB, obs.event);
  const key: PadKey = { event: obs.event, session: obs.session, url: obs.url };
  if (obs.type === "notes.removed") {
    return commitEdit(env, receipt, removeNoteLink(event, obs.session, obs.url, "notes.removed"), now, [
      deletePad(env.DB, key),
    ]);
  }
  const linked = addNoteLink(event, obs.session, obs.url);
  const link = linked.event.sessions.find((s) => s.id === obs.session)!.notes.find((n) => n.url === obs.url)!;
  const text = obs.text ?? (await readNotesText(env, link));
  // The link is recorded without a change of its own: the notes change follows once the edit settles.
  if (linked.changes.length) await commitEdit(env, receipt, { event: linked.event, changes: [] }, now);
  const version = await buildPadVersion(receipt, text, obs.revision ?? null);
  // Ordering and the quiet period run on when the edit came in, not on when it is processed (retries are late).
  const receivedAt = new Date(receipt.receivedAt);
  if (receipt.source === "poll" && !(await hasPadVersion(env.DB, key))) {
    // The poller's first look at a pad that was in the catalogue before us: a baseline, not news.
    await putBaselineText(env.DB, key, version, receivedAt);
    return;
  }
  if (await putPendingText(env.DB, key, version, receivedAt)) {
    const quiet = parseQuietPeriod(env.QUIET_PERIOD_SECONDS);
    await scheduleSettle(env, key, Math.ceil(quiet - (now.getTime() - receivedAt.getTime()) / 1000));
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

/**
 * After a commit: hands the events' new changes to NOTIFY first (the outbox; the cron re-hands what a crash
 * left behind), so mail never waits on the read model; then republishes the events and queues one hub ping
 * per feed whose content changed. A publish that fails or does not finish (KV refused a write, or the run's
 * budget of KV operations was spent) does not fail the commit: a "publish" message finishes it.
 */
async function publishAndPing(env: ChangesEnv, eventIds: string[]) {
  for (const eventId of eventIds) await handOverChanges(env, new Date(), eventId);
  let result: PublishResult | null = null;
  try {
    result = await publish(env, eventIds);
  } catch (err) {
    console.error("publish failed; queued to be finished", eventIds, err);
  }
  if (!result || result.remaining > 0) await queuePublish(env, eventIds);
  if (result) await queuePings(env, result.changedFeeds);
}

/** A follow-up publish. Each run that makes progress queues the next; one that makes none is retried with backoff. */
async function finishPublish(env: ChangesEnv, eventIds: string[]) {
  const result = await publish(env, eventIds);
  await queuePings(env, result.changedFeeds);
  if (result.remaining === 0) return;
  if (result.written + result.deleted === 0) throw new Error(`publish of ${eventIds.join(", ")} made no progress`);
  await queuePublish(env, eventIds);
}

async function queuePublish(env: ChangesEnv, eventIds: string[]) {
  await env.CHANGES.send({ v: 1, type: "publish", eventIds }, { delaySeconds: PUBLISH_RETRY_SECONDS });
}

async function queuePings(env: ChangesEnv, changedFeeds: string[]) {
  if (!env.WEBSUB_HUB) return;
  for (let i = 0; i < changedFeeds.length; i += 100) {
    await env.CHANGES.sendBatch(
      changedFeeds.slice(i, i + 100).map((feedUrl) => ({ body: { v: 1 as const, type: "websub" as const, feedUrl } })),
    );
  }
}

async function pingHub(env: ChangesEnv, feedUrl: string) {
  if (!env.WEBSUB_HUB) return;
  const res = await fetch(buildWebSubPing(env.WEBSUB_HUB, feedUrl), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  await res.body?.cancel();
  // A hub that is down or refuses is retried with backoff; after the last retry the ping is a dead letter.
  if (!res.ok) throw new Error(`WebSub hub answered ${res.status} for ${feedUrl}`);
}

/** The current text of a notes link the sender did not include; null when it cannot or may not be read. */
async function readNotesText(env: ChangesEnv, link: NoteLink): Promise<string | null> {
  if (!link.watchable) return null;
  const result = await fetchNotesText(link, {
    allowHosts: parseWatchHosts(env.WATCH_HOSTS),
    timeoutMs: FETCH_TIMEOUT_MS,
  });
  if (result.outcome === "modified") return result.text;
  if (result.outcome === "refused") return null;
  // A pad host that is down or slow: retried with backoff like any other transient failure.
  throw new Error(`fetching ${link.url} failed: ${result.outcome === "failed" ? result.reason : result.outcome}`);
}

async function scheduleSettle(env: ChangesEnv, key: PadKey, seconds: number) {
  await env.CHANGES.send(
    { v: 1, type: "settle", ...key },
    { delaySeconds: Math.min(Math.max(seconds, 0), MAX_DELAY_SECONDS) },
  );
}

async function settlePad(env: ChangesEnv, key: PadKey, now: Date): Promise<void> {
  const pad = await getPad(env.DB, key);
  if (!pad) return;
  const decision = decideSettle(pad, now, parseQuietPeriod(env.QUIET_PERIOD_SECONDS));
  switch (decision.kind) {
    case "idle":
      return;
    case "wait":
      return scheduleSettle(env, key, decision.seconds);
    case "discard":
      await settlePendingText(env.DB, pad, false).run();
      return;
    case "publish": {
      const event = await getEvent(env.DB, key.event);
      const session = event?.sessions.find((s) => s.id === key.session);
      const change: NewChange = {
        // The pending version's time is part of the id: A → B, B → A, A → B again are three changes, while a
        // redelivered settle of the same pad state computes the same id (and the guard below stops it anyway).
        id: await buildChangeId([key.event, key.session, key.url, pad.publishedHash, pad.pendingHash, pad.lastEditAt]),
        event: key.event,
        session: key.session,
        sessionTitle: session?.title ?? null,
        url: key.url,
        at: now.toISOString(),
        ...decision.change,
      };
      await env.DB.batch([
        insertChange(env.DB, change, buildPendingGuard(pad)),
        settlePendingText(env.DB, pad, true),
        // A session's first notes make its notes published, whatever the page said before.
        markNotesPublished(env.DB, key.event, key.session),
      ]);
      await publishAndPing(env, [key.event]);
    }
  }
}
