// The NOTIFY consumer: turns a published change into mails, one recipient per send, exactly once.
// A "change" message pages through the change's recipients by cursor and queues "deliver" messages of at most
// 100 subscribers; each "deliver" (and "digest", "confirm") message re-reads its subscribers, so an
// unsubscribe takes effect mid-fan-out, and sends through the ledger: claim, send, record. Policy per message:
// a provider rate limit retries the message later (what was sent is in the ledger and is skipped); a
// permanent failure is recorded (and counted toward suppression when it blames the address) and the rest go on;
// anything else retries with backoff, then the dead-letter queue records it.
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
  listRecipientIds,
  markDelivered,
  markFailed,
} from "../store/deliveries.ts";
import { NotifyMessage } from "./messages.ts";
import { PermanentError, consumeBatch } from "./policy.ts";

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

export async function handleNotifyBatch(batch: MessageBatch<unknown>, env: NotifyEnv): Promise<void> {
  const transport = selectTransport(env);
  await consumeBatch(
    batch,
    env.DB,
    NotifyMessage,
    (message) => processNotifyMessage(message, env, transport, new Date()),
    (err) =>
      err instanceof PermanentError
        ? "permanent"
        : err instanceof MailError && err.kind === "rate-limit"
          ? "slow-down"
          : "retry",
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
      return planFanout(env, message.changeId);
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

/**
 * Reads recipients page by page (by id cursor) and queues them as messages of at most 100 ids; returns how
 * many messages it queued. A page of 2,500 makes 25 messages, well inside sendBatch's 256 KB.
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
    const messages = [];
    for (let i = 0; i < ids.length; i += BATCH_SIZE) messages.push({ body: buildBody(ids.slice(i, i + BATCH_SIZE)) });
    await queue.sendBatch(messages);
    queued += messages.length;
    after = ids.at(-1)!;
  }
}

/** Queues the change's immediate recipients in batches of 100. */
async function planFanout(env: NotifyEnv, changeId: string) {
  const change = await requireChange(env.DB, changeId);
  const scope = { eventId: change.event, sessionId: change.session, mode: "immediate" as const };
  await queueRecipientBatches(
    env.NOTIFY,
    (after, limit) => listRecipientIds(env.DB, scope, after, limit),
    (subscriberIds) => ({ v: 1, type: "deliver", changeId, subscriberIds }),
  );
}

const covers = (r: Recipient, change: Change) =>
  r.eventId === change.event && (r.sessionId === "" || r.sessionId === change.session);
const isActive = (r: Recipient) => r.status === "confirmed" && !r.suppressed;

async function unsubscribeUrl(env: NotifyEnv, subscriberId: string, now: Date) {
  const token = await signToken(env.SUBSCRIPTION_SECRET, "unsubscribe", subscriberId, now);
  return new URL(`/subscriptions/unsubscribe?token=${token}`, env.PUBLIC_BASE_URL).toString();
}

/** Claim, send, record: the ledger row decides whether this attempt sends at all. */
async function sendOnce(
  env: NotifyEnv,
  transport: MailTransport,
  delivery: { id: string; recipient: Recipient; kind: "change" | "digest" | "confirm" },
  build: () => Promise<MailMessage>,
  now: Date,
) {
  if (
    !(await claimDelivery(env.DB, { id: delivery.id, subscriberId: delivery.recipient.id, kind: delivery.kind }, now))
  )
    return;
  try {
    const { messageId } = await transport.send(await build(), delivery.id);
    await markDelivered(env.DB, delivery.id, messageId, now);
  } catch (err) {
    if (!(err instanceof MailError) || err.kind !== "permanent") throw err;
    await markFailed(
      env.DB,
      { id: delivery.id, email: delivery.recipient.email, error: err.message, blamesAddress: err.refusesRecipient },
      now,
    );
  }
}

async function deliverChange(env: NotifyEnv, transport: MailTransport, changeId: string, ids: string[], now: Date) {
  const change = await requireChange(env.DB, changeId);
  const event = await getEvent(env.DB, change.event);
  for (const r of await getRecipients(env.DB, ids)) {
    if (!isActive(r) || r.mode !== "immediate" || !covers(r, change)) continue;
    await sendOnce(
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
    );
  }
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
  for (const r of await getRecipients(env.DB, message.subscriberIds)) {
    if (!isActive(r) || r.mode !== "daily") continue;
    const changes = await listChangesBetween(
      env.DB,
      { eventId: r.eventId, sessionId: r.sessionId },
      message.since,
      message.until,
    );
    if (changes.length === 0) continue;
    if (!events.has(r.eventId)) events.set(r.eventId, await getEvent(env.DB, r.eventId));
    const event = events.get(r.eventId)!;
    await sendOnce(
      env,
      transport,
      { id: `digest:${message.until}:${r.id}`, recipient: r, kind: "digest" },
      async () =>
        buildDigestMail({
          from: env.MAIL_FROM,
          to: r.email,
          scopeTitle: scopeTitle(event, r),
          changes,
          eventTitles: new Map([[r.eventId, event?.title ?? r.eventId]]),
          baseUrl: env.PUBLIC_BASE_URL,
          unsubscribeUrl: await unsubscribeUrl(env, r.id, now),
          day: message.since.slice(0, 10),
        }),
      now,
    );
  }
}

async function deliverConfirmation(env: NotifyEnv, transport: MailTransport, subscriberId: string, now: Date) {
  const [r] = await getRecipients(env.DB, [subscriberId]);
  if (!r || r.status !== "pending" || r.suppressed) return;
  const event = await getEvent(env.DB, r.eventId);
  const hour = now.toISOString().slice(0, 13);
  await sendOnce(
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
  );
}
