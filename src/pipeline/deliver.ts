// Delivery: one mail per recipient, exactly once, through the send ledger: claim (with a lease), send, record.
// Each "deliver", "digest" and "confirm" message re-reads its subscribers, so an unsubscribe takes effect
// mid-fan-out. A permanent failure is recorded (and counted toward suppression when it blames the address) and
// the rest go on; a transient one, or a recipient claimed by another live attempt, retries the message once the
// others went; a provider rate limit stops the message at once (the consumer slows down).
import type { Bindings, Config } from "../config.ts";
import type { Change } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import type { NotifyMessage } from "../domain/messages.ts";
import { buildChangeMail, buildConfirmMail, buildDigestMail } from "../email/message.ts";
import { MailError, type MailMessage, type MailTransport } from "../email/model.ts";
import { type TokenPurpose, signToken } from "../email/tokens.ts";
import { buildPublicUrl, subscriptionPaths } from "../paths.ts";
import { getEvent } from "../store/catalogue.ts";
import { listChangesBetween } from "../store/changes.ts";
import {
  type Recipient,
  claimDelivery,
  getRecipients,
  markDelivered,
  markFailed,
  releaseDelivery,
} from "../store/deliveries.ts";
import { touchFanout } from "../store/fanouts.ts";
import { type Subscription, getPendingConfirmation } from "../store/subscriptions.ts";
import { FANOUT_IDLE_MS, requireChange } from "./fanout.ts";

/** What sending needs: the ledger (D1; NOTIFY for the planner beside it), the transport, and the mail settings. */
export type DeliverDeps = {
  env: Pick<Bindings, "DB" | "NOTIFY">;
  config: Pick<Config, "mail" | "site">;
  transport: MailTransport;
};

const covers = (r: Recipient, change: Change) =>
  r.eventId === change.event && (r.sessionId === "" || r.sessionId === change.session);
const isActive = (r: Recipient) => r.status === "confirmed" && !r.suppressed;

/**
 * A link of a mail: the page of `purpose`, with a token for `subject`. `issuedAt` must be the same on every
 * attempt at one mail (the change's time, the digest's window, the confirmation's hour): an expiring token
 * signed at "now" would make a retried mail differ from the first, and the provider refuses an idempotency key
 * sent again with another payload.
 */
async function buildTokenUrl(
  config: DeliverDeps["config"],
  purpose: TokenPurpose,
  subject: string,
  issuedAt: Date,
): Promise<string> {
  const token = await signToken(config.mail.subscriptionSecret, purpose, subject, issuedAt);
  return buildPublicUrl(config.site.baseUrl, subscriptionPaths[purpose](token));
}

/**
 * Claim, send, record: the ledger row decides whether this attempt sends at all. Returns false when another
 * attempt holds the claim (the caller retries later: by then it has sent, or its lease has run out).
 */
async function sendOnce(
  { env, transport }: DeliverDeps,
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

export async function deliverChange(deps: DeliverDeps, changeId: string, ids: string[], now: Date): Promise<void> {
  const { env, config } = deps;
  const change = await requireChange(env.DB, changeId);
  await touchFanout(env.DB, changeId, new Date(now.getTime() + FANOUT_IDLE_MS));
  const event = await getEvent(env.DB, change.event);
  const recipients = (await getRecipients(env.DB, ids)).filter(
    (r) => isActive(r) && r.mode === "immediate" && covers(r, change),
  );
  await sendEach(recipients, (r) =>
    sendOnce(
      deps,
      { id: `${change.id}:${r.id}`, recipient: r, kind: "change" },
      async () =>
        buildChangeMail({
          from: config.mail.from,
          to: r.email,
          change,
          eventTitle: event?.title ?? change.event,
          baseUrl: config.site.baseUrl,
          unsubscribeUrl: await buildTokenUrl(config, "unsubscribe", r.id, new Date(change.at)),
          manageUrl: await buildTokenUrl(config, "manage", r.id, new Date(change.at)),
        }),
      now,
    ),
  );
}

function scopeTitle(event: Event | null, r: Recipient): string {
  const session = event?.sessions.find((s) => s.id === r.sessionId);
  return session ? `${session.title} (${event!.title})` : (event?.title ?? r.eventId);
}

export async function deliverDigest(
  deps: DeliverDeps,
  message: Extract<NotifyMessage, { type: "digest" }>,
  now: Date,
): Promise<void> {
  const { env, config } = deps;
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
      deps,
      { id: `digest:${message.until}:${r.id}`, recipient: r, kind: "digest" },
      async () =>
        buildDigestMail({
          from: config.mail.from,
          to: r.email,
          scopeTitle: scopeTitle(event, r),
          scope: { eventId: r.eventId, sessionId: r.sessionId },
          changes,
          eventTitles: new Map([[r.eventId, event?.title ?? r.eventId]]),
          baseUrl: config.site.baseUrl,
          unsubscribeUrl: await buildTokenUrl(config, "unsubscribe", r.id, new Date(message.until)),
          manageUrl: await buildTokenUrl(config, "manage", r.id, new Date(message.until)),
          day: message.since.slice(0, 10),
        }),
      now,
    );
  });
}

/**
 * One mail for what was asked for together (store: getPendingConfirmation): its link confirms exactly the
 * subscriptions it lists. A request names one event and either the whole event or sessions of it.
 */
export async function deliverConfirmation(deps: DeliverDeps, subscriberId: string, now: Date): Promise<void> {
  const { env, config } = deps;
  const [r] = await getRecipients(env.DB, [subscriberId]);
  if (!r || r.status !== "pending" || r.suppressed) return;
  const confirmation = await getPendingConfirmation(env.DB, r.id);
  const [first] = confirmation.subscriptions;
  if (!first) return;
  const several = confirmation.subscriptions.length > 1;
  const hour = now.toISOString().slice(0, 13);
  await sendEach([r], (r) =>
    sendOnce(
      deps,
      { id: `confirm:${r.id}:${hour}`, recipient: r, kind: "confirm" },
      async () =>
        buildConfirmMail({
          from: config.mail.from,
          to: r.email,
          scopeTitle: several
            ? `${confirmation.subscriptions.length} sessions of ${first.eventTitle ?? first.event}`
            : describeScope(first),
          ...(several ? { scopes: confirmation.subscriptions.map((s) => s.sessionTitle ?? s.session) } : {}),
          confirmUrl: await buildTokenUrl(config, "confirm", confirmation.id, new Date(`${hour}:00:00Z`)),
          manageUrl: await buildTokenUrl(config, "manage", r.id, new Date(`${hour}:00:00Z`)),
        }),
      now,
    ),
  );
}

/** A subscription's scope as a confirmation mail names it: "Session (Event)", or the event. */
function describeScope(s: Subscription): string {
  const event = s.eventTitle ?? s.event;
  return s.session && s.sessionTitle ? `${s.sessionTitle} (${event})` : event;
}
