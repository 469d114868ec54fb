// Factories for the rows a test starts from, with overrides. They write through the stores (src/store/*), so a
// seeded row is one the code itself could have written; the one exception (subscribers with chosen ids) says why.
// The catalogue is loaded the way the Worker loads it: loadEvents with fixtures/catalogue.ts's events.
import { env } from "cloudflare:workers";
import type { NewChange, Observation } from "../../src/domain/changes.ts";
import { hashText } from "../../src/lib/crypto.ts";
import { buildMarkNotified, insertChange } from "../../src/store/changes.ts";
import { SUPPRESS_AFTER_HARD_FAILURES, markFailed } from "../../src/store/deliveries.ts";
import { type PadKey, putBaselineText, putPadFetchState, putPendingText } from "../../src/store/pads.ts";
import { markReceiptProcessed, putReceipt } from "../../src/store/receipts.ts";
import {
  type SubscriptionMode,
  markSubscriptionConfirmed,
  markSubscriptionUnsubscribed,
  putSubscriptionRequest,
  releaseConfirmation,
} from "../../src/store/subscriptions.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = buildTestEvent().id;
const SESSION = "xen-toolstacks";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";

/** A change as the pipeline records one: notes of the test event's first session were updated, now. */
export function buildTestChange(overrides: Partial<NewChange> = {}): NewChange {
  return {
    id: `chg_${crypto.randomUUID()}`,
    event: EVENT,
    session: SESSION,
    sessionTitle: "Xen Toolstacks",
    type: "notes.updated",
    url: PAD,
    summary: "2 lines added",
    excerpt: "",
    linesAdded: 0,
    linesRemoved: 0,
    at: new Date().toISOString(),
    ...overrides,
  };
}

/** `notifiedAt`: the change was handed to mail then (the outbox is done with it). */
export type TestChange = Partial<NewChange> & { notifiedAt?: Date };

/** Appends changes to the log in one batch, each numbered after the last (store/changes.ts); their ids. */
export async function putTestChanges(changes: TestChange[]): Promise<string[]> {
  const built = changes.map(({ notifiedAt, ...overrides }) => ({ change: buildTestChange(overrides), notifiedAt }));
  const statements = built.map(({ change }) => insertChange(env.DB, change));
  for (const { change, notifiedAt } of built) {
    if (notifiedAt) statements.push(buildMarkNotified(env.DB, [change.id], notifiedAt));
  }
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
  return built.map(({ change }) => change.id);
}

export async function putTestChange(change: TestChange = {}): Promise<string> {
  return (await putTestChanges([change]))[0]!;
}

/** A stored receipt (store/receipts.ts), by default for a notes update, processed when `processedAt` says; its id. */
export async function putTestReceipt({
  source = "notes",
  externalId = crypto.randomUUID(),
  payload = { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD },
  receivedAt = new Date(),
  processedAt,
}: {
  source?: string;
  externalId?: string;
  payload?: Observation;
  receivedAt?: Date;
  processedAt?: Date;
} = {}): Promise<string> {
  const id = await putReceipt(env.DB, { source, externalId, payload }, receivedAt);
  if (!id) throw new Error(`a receipt ${source}:${externalId} is stored already`);
  if (processedAt) await markReceiptProcessed(env.DB, id, processedAt).run();
  return id;
}

const padKey = (url: string, overrides: Partial<PadKey>): PadKey => ({
  event: EVENT,
  session: SESSION,
  url,
  ...overrides,
});

/** A pad whose text `text` is settling since `at` (store/pads.ts putPendingText). */
export async function putTestPendingPad(url: string, text: string, at: Date, key: Partial<PadKey> = {}) {
  await putPendingText(env.DB, padKey(url, key), { hash: await hashText(text), text, revision: null }, at);
}

/**
 * A pad the pipeline knows: `text` published (as a first look records it), and the poller's validators when
 * given (which also mark it checked at `at`).
 */
export async function putTestPublishedPad(
  url: string,
  { text, etag, lastModified, at = new Date() }: { text: string; etag?: string; lastModified?: string; at?: Date },
) {
  const key = padKey(url, {});
  await putBaselineText(env.DB, key, { hash: await hashText(text), text, revision: null }, at);
  if (etag !== undefined || lastModified !== undefined) {
    await putPadFetchState(env.DB, key, { etag: etag ?? null, lastModified: lastModified ?? null }, at);
  }
}

/**
 * A subscription as a visitor makes one (store/subscriptions.ts): requested, then confirmed or unsubscribed when
 * `status` says. The confirmation mail a real request claims is given back, so the address is not throttled.
 */
export async function putTestSubscription({
  email = "ada@example.org",
  event = EVENT,
  session = "",
  mode = "immediate",
  status = "pending",
  at = new Date(),
}: {
  email?: string;
  event?: string;
  session?: string;
  mode?: SubscriptionMode;
  status?: "pending" | "confirmed" | "unsubscribed";
  at?: Date;
} = {}): Promise<string> {
  const { id, sendConfirmation } = await putSubscriptionRequest(
    env.DB,
    { email, event, sessions: [session], mode },
    at,
  );
  if (sendConfirmation) await releaseConfirmation(env.DB, email, at);
  if (status === "confirmed") await markSubscriptionConfirmed(env.DB, id, at);
  if (status === "unsubscribed") await markSubscriptionUnsubscribed(env.DB, id, at);
  return id;
}

/** An address that failed hard often enough to be suppressed at `at` (store/deliveries.ts markFailed). */
export async function suppressTestAddress(email: string, at = new Date()) {
  for (let i = 0; i < SUPPRESS_AFTER_HARD_FAILURES; i++) {
    await markFailed(env.DB, { id: `bounce-${i}:${email}`, email, error: "no such mailbox", blamesAddress: true }, at);
  }
}

/** One subscriber of the test event: its id (the address is `${id}@example.org`), scope, mode and status. */
export type TestSubscriber = {
  id: string;
  /** The session followed; the whole event when absent. */
  session?: string;
  status?: "pending" | "confirmed" | "unsubscribed";
  mode?: SubscriptionMode;
  suppressed?: boolean;
};

/**
 * Subscribers with chosen ids, 500 rows to a batch. Raw SQL on purpose: the store creates subscriptions one
 * request at a time under random ids, while the fan-out tests seed up to 25,000 whose ids set the order (cursors,
 * batches) they assert on. `confirmedAt` null: confirmed before that column existed (every change reaches them).
 */
export async function putTestSubscribers(subs: TestSubscriber[], at: Date, confirmedAt: Date | null = null) {
  const insert = env.DB.prepare(
    `INSERT INTO subscribers (id, email, event_id, session_id, mode, status, created_at, confirmed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const statements = subs.map((s) =>
    insert.bind(
      s.id,
      `${s.id}@example.org`,
      EVENT,
      s.session ?? "",
      s.mode ?? "immediate",
      s.status ?? "confirmed",
      at.toISOString(),
      confirmedAt?.toISOString() ?? null,
    ),
  );
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500));
  for (const s of subs.filter((s) => s.suppressed)) await suppressTestAddress(`${s.id}@example.org`, at);
}
