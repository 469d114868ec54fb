// What the subscription tests share (subscriptions-*.test.ts): the catalogue loaded at T0, NOTIFY captured (and
// its confirmation messages delivered to the real consumer, mails read back), requests from an address of their
// own, the stored row, and tokens tampered with.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, vi } from "vitest";
import { buildSite } from "./config.ts";
import { putTestSubscription } from "./factories.ts";
import { fetchWorker } from "./http.ts";
import { type Sent, type TestQueue, captureQueues } from "./queue.ts";
import { subscriptionPaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { NotifyMessage } from "../../src/domain/messages.ts";
import type { MailMessage } from "../../src/email/model.ts";
import type { SubscriptionMode } from "../../src/store/subscriptions.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

export const EVENT = "test-summit-2026";
export const SESSION = "xen-toolstacks";
export const EMAIL = "ada@example.org";
export const T0 = new Date("2026-11-27T10:00:00Z");

/** What was sent to NOTIFY (a live binding, new for each test: read it inside tests). */
export let sent: Sent<NotifyMessage>[];
let notify: TestQueue<NotifyMessage>;

/** Loads the catalogue at T0 and captures NOTIFY before each test of the calling file. */
export function setUpSubscriptionTests() {
  beforeEach(async () => {
    await loadEvents(env, buildSite(), [buildTestEvent()], T0);
    notify = captureQueues().notify;
    sent = notify.sent;
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

/** Each request comes from its own address unless told, so the per-IP limiter only bites where tested. */
export function request(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", `test-${crypto.randomUUID()}`);
  return fetchWorker(path, { ...init, headers });
}

export const subscribeForm = (fields: Record<string, string>, headers: HeadersInit = {}) =>
  request(subscriptionPaths.subscribe(), { method: "POST", body: new URLSearchParams(fields), headers });

export const subscribeJson = (body: unknown, headers: Record<string, string> = {}) =>
  request(subscriptionPaths.subscribe(), {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });

export type Row = {
  id: string;
  email: string;
  session_id: string;
  mode: string;
  status: string;
  confirmed_at: string | null;
};

export const getRow = (email = EMAIL, session = "") =>
  env.DB.prepare("SELECT * FROM subscribers WHERE email = ? AND event_id = ? AND session_id = ?")
    .bind(email, EVENT, session)
    .first<Row>();

/** A subscription of EMAIL (or `email`) to the whole event, in `status`, made through the store. */
export const insertSubscriber = (
  status: "pending" | "confirmed" | "unsubscribed",
  email = EMAIL,
  mode: SubscriptionMode = "immediate",
) => putTestSubscription({ email, mode, status, at: T0 });

export const confirmMessages = () => sent.filter((s) => s.body.type === "confirm");

/** Delivers what NOTIFY holds to the real consumer: the mails it sent, as the send_email binding got them. */
export async function deliverMails(): Promise<MailMessage[]> {
  const send = vi.spyOn(env.EMAIL, "send").mockResolvedValue({ messageId: `m-${crypto.randomUUID()}` });
  const before = send.mock.calls.length;
  await notify.drain();
  return send.mock.calls.slice(before).map(([m]) => m as unknown as MailMessage);
}

/** The path and query of the site's link in a mail's text part that goes to `path`. */
export function findLink(mail: MailMessage, path: string): string {
  const url = new RegExp(`https?://\\S+${path.replace(/[/.]/g, "\\$&")}\\?token=[\\w.-]+`).exec(mail.text)?.[0];
  if (!url) throw new Error(`no ${path} link in:\n${mail.text}`);
  const { pathname, search } = new URL(url);
  return pathname + search;
}

export const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
export const flipBit = (c: string) => B64URL[B64URL.indexOf(c) ^ 1]!;
/** A token with one character of its payload changed, and one whose signature differs only in unused bits. */
export const tamper = (token: string) => token.slice(0, 5) + flipBit(token[5]!) + token.slice(6);
export const tamperEnd = (token: string) => token.slice(0, -1) + flipBit(token.at(-1)!);
