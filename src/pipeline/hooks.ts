// Outbound webhooks, from hand-over to the endpoint's answer; crash-safe at every line, like mail:
//
// - Hand-over (after each commit, and by the cron for what a crash left behind): one D1 batch writes a pending
//   ledger row per change × active endpoint in scope and marks the changes handed over; then one HOOKS message per
//   row is queued. A lost message only delays its row until the sweep.
// - Delivery (one HOOKS message): claim the row with a lease, build and sign the request, check where it goes,
//   send it without following redirects, record the outcome (src/outbound/policy.ts) and, when another attempt
//   is due, ask the queue to bring the message back then. A duplicate or early message claims nothing and sends
//   nothing; an attempt that died is taken over once its lease runs out.
// - Sweep (the 10-minute cron): re-queues the rows that are due and whose message is late or lost, and those
//   whose attempt died, so nothing depends on the queue alone.
import type { Bindings, Config } from "../config.ts";
import { readCappedText } from "../lib/body.ts";
import { checkDestination } from "../outbound/destination.ts";
import { buildChangeNotice, buildDeliveryBody, buildDeliveryHeaders } from "../outbound/message.ts";
import { MAX_ATTEMPTS, type AttemptResult, decideAttempt, parseRetryAfter } from "../outbound/policy.ts";
import { getEvent } from "../store/catalogue.ts";
import { getChange } from "../store/changes.ts";
import {
  buildHookHandOver,
  claimHookDelivery,
  getEndpoint,
  listDueHookDeliveryIds,
  listSigningSecrets,
  UNHOOKED_PAGE_SIZE,
  listUnhookedChangeIds,
  markHookDeliveryFailed,
  recordHookAttempt,
} from "../store/hooks.ts";

/** How long one send may take, answer included. */
export const SEND_TIMEOUT_MS = 15_000;
/** The most of an answer read (streamed, then cancelled); the ledger keeps its first KiB. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** A pending delivery due this long without being attempted has lost its message: the sweep re-queues it. */
export const HOOK_SWEEP_GRACE_MS = 60_000;
/** Deliveries one sweep re-queues (ten sendBatch calls of 100). */
export const HOOKS_PER_SWEEP = 1000;

export type HooksEnv = Pick<Bindings, "DB" | "HOOKS">;
export type HookDeps = { env: HooksEnv; config: Pick<Config, "site" | "outbound"> };

/** Queues one "deliver" message per ledger row, 100 a sendBatch. */
export async function queueHookDeliveries(env: Pick<Bindings, "HOOKS">, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 100) {
    await env.HOOKS.sendBatch(
      ids.slice(i, i + 100).map((deliveryId) => ({ body: { v: 1 as const, type: "deliver" as const, deliveryId } })),
    );
  }
}

/** Pages of 100 changes one hand-over takes (an import that changed more leaves the rest to the next one). */
const HAND_OVER_PAGES = 10;

/** Hands committed changes (created before `before`; of one event, or all) to webhooks; returns how many. */
export async function handOverHooks(env: HooksEnv, before: Date, eventId?: string, now = new Date()): Promise<number> {
  let handed = 0;
  for (let page = 0; page < HAND_OVER_PAGES; page++) {
    const changeIds = await listUnhookedChangeIds(env.DB, before, eventId);
    if (changeIds.length === 0) break;
    const [rows] = await env.DB.batch<{ id: string }>(buildHookHandOver(env.DB, changeIds, now));
    const ids = rows!.results.map((r) => r.id);
    try {
      await queueHookDeliveries(env, ids);
    } catch (err) {
      console.error("webhooks: could not queue handed-over deliveries; the sweep will", ids.length, err);
    }
    handed += changeIds.length;
    if (changeIds.length < UNHOOKED_PAGE_SIZE) break;
  }
  return handed;
}

/** The delivery must be attempted again after this many seconds (the consumer retries its message then). */
export class RetryLater extends Error {
  constructor(readonly delaySeconds: number) {
    super(`next attempt in ${delaySeconds} s`);
    this.name = "RetryLater";
  }
}

/**
 * One attempt at one delivery, if it is due and nobody else holds it. Throws RetryLater when the schedule
 * calls for another attempt, so the message comes back then.
 */
export async function deliverHook(deps: HookDeps, deliveryId: string, now: Date): Promise<void> {
  const { env } = deps;
  const delivery = await claimHookDelivery(env.DB, deliveryId, now);
  if (!delivery) return;
  // Attempts that died after their claim count too: a delivery that keeps killing its sender is given up.
  if (delivery.attempts > MAX_ATTEMPTS + 2) {
    await markHookDeliveryFailed(env.DB, delivery.id, `gave up after ${delivery.attempts - 1} attempts`, now);
    return;
  }
  const [change, endpoint] = await Promise.all([
    getChange(env.DB, delivery.changeId),
    getEndpoint(env.DB, delivery.endpointId),
  ]);
  if (!change || !endpoint) {
    await markHookDeliveryFailed(env.DB, delivery.id, "the change or the endpoint no longer exists", now);
    return;
  }
  const event = await getEvent(env.DB, change.event);
  const body = buildDeliveryBody(
    endpoint.format,
    buildChangeNotice(change, event?.title ?? null, deps.config.site.baseUrl),
  );
  const secrets = await listSigningSecrets(env.DB, endpoint.id, now);
  const headers = await buildDeliveryHeaders(secrets, delivery.id, Math.floor(now.getTime() / 1000), body);

  const attempt = await sendAttempt(endpoint.url, headers, body, deps.config.outbound, now);
  const decision = decideAttempt(attempt.result, delivery.attempts, endpoint.failingSince, now);
  const next = decision.delivery.status === "pending" ? decision.delivery.nextAttemptAt : null;
  await recordHookAttempt(
    env.DB,
    delivery,
    {
      status: decision.delivery.status,
      nextAttemptAt: next,
      lastStatus: attempt.result.status,
      lastAnswer: attempt.answer,
      latencyMs: attempt.latencyMs,
    },
    { ...decision.endpoint, gone: attempt.result.status === 410 },
    now,
  );
  if (decision.endpoint.disable) console.error("webhooks: disabled endpoint", endpoint.id, decision.endpoint.disable);
  if (next) throw new RetryLater(Math.max(0, Math.ceil((next.getTime() - now.getTime()) / 1000)));
}

type Attempt = { result: AttemptResult; answer: string; latencyMs: number };

/**
 * Sends one signed request: to a destination checked just before (src/outbound/destination.ts), never
 * following a redirect (a 3xx is a failed attempt), within SEND_TIMEOUT_MS, reading at most MAX_ANSWER_BYTES of
 * the answer. What went wrong is said in `answer`, never with the request's headers (they carry signatures).
 */
async function sendAttempt(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: Config["outbound"],
  now: Date,
): Promise<Attempt> {
  const started = Date.now();
  const failed = (answer: string): Attempt => ({
    result: { status: null, retryAfterSeconds: null },
    answer,
    latencyMs: Date.now() - started,
  });
  const refusal = await checkDestination(url, options);
  if (refusal) return failed(`refused: ${refusal}`);
  const signal = AbortSignal.timeout(SEND_TIMEOUT_MS);
  try {
    const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal });
    const text = await readCappedText(res, MAX_ANSWER_BYTES);
    return {
      result: { status: res.status, retryAfterSeconds: parseRetryAfter(res.headers.get("retry-after"), now) },
      answer: text ?? `(an answer over ${MAX_ANSWER_BYTES} bytes)`,
      latencyMs: Date.now() - started,
    };
  } catch (err) {
    if (signal.aborted) return failed(`timed out after ${SEND_TIMEOUT_MS} ms`);
    return failed(`could not send: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The cron's part: hand over what a crash left behind, then re-queue what is due and was not attempted. */
export async function sweepHooks(env: HooksEnv, before: Date, now: Date) {
  const handedOver = await handOverHooks(env, before, undefined, now);
  const ids = await listDueHookDeliveryIds(env.DB, new Date(now.getTime() - HOOK_SWEEP_GRACE_MS), now, HOOKS_PER_SWEEP);
  await queueHookDeliveries(env, ids);
  return { handedOver, requeued: ids.length };
}
