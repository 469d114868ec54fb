// The NOTIFY consumer: turns a published change into mails, one recipient per send, exactly once.
// A "change" message continues its fan-out's planning pass: it pages the change's recipients still owed a mail
// by id cursor, queues them as "deliver" messages of at most 100 subscribers, and stores the cursor after each
// page (a crash resumes the pass, it does not restart it). Each "deliver" (and "digest", "confirm") message
// re-reads its subscribers, so an unsubscribe takes effect mid-fan-out, and sends through the ledger: claim
// (with a lease), send, record. Whatever is lost on the way (a planner that died, deliver messages dropped or
// dead-lettered) is found by the cron in the ledger and driven again (src/cron/recover.ts). Policy per
// message: a provider rate limit retries the message later (what was sent is in the ledger and is skipped); a
// permanent failure is recorded (and counted toward suppression when it blames the address) and the rest go on;
// a recipient claimed by another live attempt retries the message later; anything else retries with backoff,
// then the dead-letter queue records it.
import type { Change } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { buildChangeMail, buildConfirmMail, buildDigestMail } from "../email/message.ts";
import { MailError, type MailMessage, type MailTransport } from "../email/model.ts";
import { signToken } from "../email/tokens.ts";
import { selectTransport } from "../email/transport.ts";
import { getEvent } from "../store/catalogue.ts";
import { getChange, listChangesBetween } from "../store/changes.ts";
import {
  type Recipient,
  claimDelivery,
  getRecipients,
  listUnsentRecipientIds,
  markDelivered,
  markFailed,
  releaseDelivery,
} from "../store/deliveries.ts";
import { putFanout, recordPlannedPage, touchFanout } from "../store/fanouts.ts";
import { NotifyMessage } from "./messages.ts";
import { FANOUT_IDLE_MS, PermanentError, consumeBatch } from "./policy.ts";

export type NotifyEnv = Pick<
  Env,
  | "DB"
  | "EMAIL"
  | "PUBLIC_BASE_URL"
  | "MAIL_FROM"
  | "MAIL_TRANSPORT"
  | "MAIL_API_URL"
  | "MAIL_API_KEY"
  | "SUBSCRIPTION_SECRET"
> & { NOTIFY: Queue<NotifyMessage> };

const BATCH_SIZE = 100;
const PAGE_SIZE = 25 * BATCH_SIZE;
/** Pages one "change" message plans before handing the rest of its pass to a fresh one (bounds its D1 queries). */
const PAGES_PER_PLAN = 10;

export async function handleNotifyBatch(batch: MessageBatch<unknown>, env: NotifyEnv): Promise<void> {
  const transport = selectTransport(env);
  await consumeBatch(
    batch,
    env.DB,
    NotifyMessage,
    (message) => processNotifyMessage(message, env, transport, new Date()),
    {
      classify: (err) =>
        err instanceof PermanentError
          ? "permanent"
          : err instanceof MailError && err.kind === "rate-limit"
            ? "slow-down"
            : "retry",
    },
  );
}

export async function processNotifyMessage(
  message: NotifyMessage,
  env: NotifyEnv,
  transport: MailTransport,
  now: Date,
): Promise<void> {
  switch (message.type) {
    case "change":
      return planFanout(env, message.changeId, now);
    case "deliver":
      return deliverChange(env, transport, message.changeId, message.subscriberIds, now);
    case "digest":
      return deliverDigest(env, transport, message, now);
    case "confirm":
      return deliverConfirmation(env, transport, message.subscriberId, now);
  }
}

async function requireChange(db: D1Database, id: string): Promise<Change> {
  const change = await getChange(db, id);
  if (!change) throw new PermanentError(`no change ${id}`);
  return change;
}

/** Queues subscriber ids as messages of at most 100 (a page of 2,500 makes 25, well inside sendBatch's 256 KB). */
async function queueBatches(
  queue: Queue<NotifyMessage>,
  ids: string[],
  buildBody: (subscriberIds: string[]) => NotifyMessage,
): Promise<number> {
  const messages = [];
  for (let i = 0; i < ids.length; i += BATCH_SIZE) messages.push({ body: buildBody(ids.slice(i, i + BATCH_SIZE)) });
  await queue.sendBatch(messages);
  return messages.length;
}

/**
 * Reads recipients page by page (by id cursor) and queues them as messages of at most 100 ids; returns how
 * many messages it queued.
 */
export async function queueRecipientBatches(
  queue: Queue<NotifyMessage>,
  listPage: (after: string, limit: number) => Promise<string[]>,
  buildBody: (subscriberIds: string[]) => NotifyMessage,
): Promise<number> {
  let after = "";
  let queued = 0;
  for (;;) {
    const ids = await listPage(after, PAGE_SIZE);
    if (ids.length === 0) return queued;
    queued += await queueBatches(queue, ids, buildBody);
    after = ids.at(-1)!;
  }
}

/**
 * Continues the fan-out's current pass from its stored cursor: queues the recipients still owed the change in
 * batches of 100, records the cursor after each page, and after PAGES_PER_PLAN pages queues itself again for the
 * rest. A duplicate message, or one for a pass that already reached the end, queues nothing.
 */
async function planFanout(env: NotifyEnv, changeId: string, now: Date) {
  const change = await requireChange(env.DB, changeId);
  const quietUntil = new Date(now.getTime() + FANOUT_IDLE_MS);
  const fanout = await putFanout(env.DB, changeId, now, quietUntil);
  if (fanout.completedAt || fanout.plannedAt) return;
  const scope = { changeId, eventId: change.event, sessionId: change.session, handedAt: fanout.handedAt };
  let after = fanout.cursor;
  for (let page = 0; page < PAGES_PER_PLAN; page++) {
    const ids = await listUnsentRecipientIds(env.DB, scope, after, PAGE_SIZE);
    if (ids.length) {
      await queueBatches(env.NOTIFY, ids, (subscriberIds) => ({ v: 1, type: "deliver", changeId, subscriberIds }));
      after = ids.at(-1)!;
    }
    const last = ids.length < PAGE_SIZE;
    await recordPlannedPage(env.DB, changeId, { cursor: after, last }, now, quietUntil);
    if (last) return;
  }
  await env.NOTIFY.send({ v: 1, type: "change", changeId });
}

const covers = (r: Recipient, change: Change) =>
  r.eventId === change.event && (r.sessionId === "" || r.sessionId === change.session);
const isActive = (r: Recipient) => r.status === "confirmed" && !r.suppressed;

async function unsubscribeUrl(env: NotifyEnv, subscriberId: string, now: Date) {
  const token = await signToken(env.SUBSCRIPTION_SECRET, "unsubscribe", subscriberId, now);
  return new URL(`/subscriptions/unsubscribe?token=${token}`, env.PUBLIC_BASE_URL).toString();
}

/**
 * Claim, send, record: the ledger row decides whether this attempt sends at all. Returns false when another
 * attempt holds the claim (the caller retries later: by then it has sent, or its lease has run out).
 */
async function sendOnce(
  env: NotifyEnv,
  transport: MailTransport,
  delivery: { id: string; recipient: Recipient; kind: "change" | "digest" | "confirm" },
  build: () => Promise<MailMessage>,
  now: Date,
): Promise<boolean> {
  const claim = await claimDelivery(
    env.DB,
    { id: delivery.id, subscriberId: delivery.recipient.id, kind: delivery.kind },
    now,
  );
  if (claim !== "claimed") return claim === "final";
  try {
    const { messageId } = await transport.send(await build(), delivery.id);
    await markDelivered(env.DB, delivery.id, messageId, now);
  } catch (err) {
    if (!(err instanceof MailError) || err.kind !== "permanent") {
      // Still alive: give the claim back, so this message's retry (or a re-drive) may send at once.
      await releaseDelivery(env.DB, delivery.id);
      throw err;
    }
    await markFailed(
      env.DB,
      { id: delivery.id, email: delivery.recipient.email, error: err.message, blamesAddress: err.refusesRecipient },
      now,
    );
  }
  return true;
}

/**
 * Sends to each recipient in turn. A transient failure, or a recipient claimed by another attempt, does not hold
 * up the others: the message retries once the rest went (and skips them then). A rate limit, or anything that is
 * not a mail error, stops the message at once.
 */
async function sendEach<R>(items: R[], send: (item: R) => Promise<boolean>): Promise<void> {
  let busy = 0;
  let transient: MailError | null = null;
  for (const item of items) {
    try {
      if (!(await send(item))) busy++;
    } catch (err) {
      if (!(err instanceof MailError) || err.kind !== "transient") throw err;
      transient ??= err;
    }
  }
  if (transient) throw transient;
  if (busy) throw new Error(`${busy} recipient(s) are being sent by another attempt; retrying later`);
}

async function deliverChange(env: NotifyEnv, transport: MailTransport, changeId: string, ids: string[], now: Date) {
  const change = await requireChange(env.DB, changeId);
  await touchFanout(env.DB, changeId, new Date(now.getTime() + FANOUT_IDLE_MS));
  const event = await getEvent(env.DB, change.event);
  const recipients = (await getRecipients(env.DB, ids)).filter(
    (r) => isActive(r) && r.mode === "immediate" && covers(r, change),
  );
  await sendEach(recipients, (r) =>
    sendOnce(
      env,
      transport,
      { id: `${change.id}:${r.id}`, recipient: r, kind: "change" },
      async () =>
        buildChangeMail({
          from: env.MAIL_FROM,
          to: r.email,
          change,
          eventTitle: event?.title ?? change.event,
          baseUrl: env.PUBLIC_BASE_URL,
          unsubscribeUrl: await unsubscribeUrl(env, r.id, now),
        }),
      now,
    ),
  );
}

function scopeTitle(event: Event | null, r: Recipient): string {
  const session = event?.sessions.find((s) => s.id === r.sessionId);
  return session ? `${session.title} (${event!.title})` : (event?.title ?? r.eventId);
}

async function deliverDigest(
  env: NotifyEnv,
  transport: MailTransport,
  message: Extract<NotifyMessage, { type: "digest" }>,
  now: Date,
) {
  const events = new Map<string, Event | null>();
  const recipients = (await getRecipients(env.DB, message.subscriberIds)).filter(
    (r) => isActive(r) && r.mode === "daily",
  );
  await sendEach(recipients, async (r) => {
    const changes = await listChangesBetween(
      env.DB,
      { eventId: r.eventId, sessionId: r.sessionId },
      message.since,
      message.until,
    );
    if (changes.length === 0) return true;
    if (!events.has(r.eventId)) events.set(r.eventId, await getEvent(env.DB, r.eventId));
    const event = events.get(r.eventId)!;
    return sendOnce(
      env,
      transport,
      { id: `digest:${message.until}:${r.id}`, recipient: r, kind: "digest" },
      async () =>
        buildDigestMail({
          from: env.MAIL_FROM,
          to: r.email,
          scopeTitle: scopeTitle(event, r),
          scope: { eventId: r.eventId, sessionId: r.sessionId },
          changes,
          eventTitles: new Map([[r.eventId, event?.title ?? r.eventId]]),
          baseUrl: env.PUBLIC_BASE_URL,
          unsubscribeUrl: await unsubscribeUrl(env, r.id, now),
          day: message.since.slice(0, 10),
        }),
      now,
    );
  });
}

async function deliverConfirmation(env: NotifyEnv, transport: MailTransport, subscriberId: string, now: Date) {
  const [r] = await getRecipients(env.DB, [subscriberId]);
  if (!r || r.status !== "pending" || r.suppressed) return;
  const event = await getEvent(env.DB, r.eventId);
  const hour = now.toISOString().slice(0, 13);
  await sendEach([r], (r) =>
    sendOnce(
      env,
      transport,
      { id: `confirm:${r.id}:${hour}`, recipient: r, kind: "confirm" },
      async () => {
        const token = await signToken(env.SUBSCRIPTION_SECRET, "confirm", r.id, now);
        return buildConfirmMail({
          from: env.MAIL_FROM,
          to: r.email,
          scopeTitle: scopeTitle(event, r),
          confirmUrl: new URL(`/subscriptions/confirm?token=${token}`, env.PUBLIC_BASE_URL).toString(),
        });
      },
      now,
    ),
  );
}
