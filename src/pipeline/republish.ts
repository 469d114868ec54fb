// After every commit to the catalogue or the change log: hand the new changes to mail and to the outbound
// webhooks first (the outboxes; the cron re-hands what a crash left behind), so neither waits on the read model;
// then republish the events and
// queue one WebSub ping per feed whose content changed. A publish that fails or does not finish (KV refused a
// write, or the run's budget of KV operations was spent) does not fail the commit: a "publish" message finishes
// it, and each follow-up that makes progress queues the next. No hub is pinged while PUBLIC_BASE_URL is not an
// address to give the world (src/config.ts): the hub would fetch, and announce, feeds nobody else can read.
import { type Bindings, type Config, checkPublicBaseUrl } from "../config.ts";
import { buildWebSubPing } from "../feeds/websub.ts";
import { PermanentError } from "./errors.ts";
import { handOverChanges } from "./handover.ts";
import { handOverHooks } from "./hooks.ts";
import { type PublishResult, publish } from "./publish.ts";

export type RepublishEnv = Pick<Bindings, "DB" | "SITE" | "CHANGES" | "NOTIFY" | "HOOKS">;
/** The site to publish, and whether its address may be announced (the environment). */
export type RepublishConfig = Pick<Config, "site" | "environment">;

export const FETCH_TIMEOUT_MS = 10_000;
/** A follow-up publish waits a little: KV takes one write per key per second. */
const PUBLISH_RETRY_SECONDS = 2;

export async function republish(env: RepublishEnv, config: RepublishConfig, eventIds: string[]): Promise<void> {
  for (const eventId of eventIds) {
    await handOverChanges(env, new Date(), eventId);
    await handOverHooks(env, new Date(), eventId);
  }
  let result: PublishResult | null = null;
  try {
    result = await publish(env, config.site, eventIds);
  } catch (err) {
    console.error("publish failed; queued to be finished", eventIds, err);
  }
  if (!result || result.remaining > 0) await queuePublish(env, eventIds);
  if (result) await queuePings(env, config, result.changedFeeds);
}

/** A follow-up publish. One that makes progress queues the next; one that makes none throws (retried with backoff). */
export async function finishPublish(env: RepublishEnv, config: RepublishConfig, eventIds: string[]): Promise<void> {
  const result = await publish(env, config.site, eventIds);
  await queuePings(env, config, result.changedFeeds);
  if (result.remaining === 0) return;
  if (result.written + result.deleted === 0) throw new Error(`publish of ${eventIds.join(", ")} made no progress`);
  await queuePublish(env, eventIds);
}

async function queuePublish(env: Pick<Bindings, "CHANGES">, eventIds: string[]) {
  await env.CHANGES.send({ v: 1, type: "publish", eventIds }, { delaySeconds: PUBLISH_RETRY_SECONDS });
}

async function queuePings(env: Pick<Bindings, "CHANGES">, config: RepublishConfig, changedFeeds: string[]) {
  if (!config.site.hubUrl || !changedFeeds.length) return;
  const refused = checkPublicBaseUrl(config);
  if (refused) {
    console.error(`WebSub: not pinging ${config.site.hubUrl} for ${changedFeeds.length} feed(s): ${refused}`);
    return;
  }
  for (let i = 0; i < changedFeeds.length; i += 100) {
    await env.CHANGES.sendBatch(
      changedFeeds.slice(i, i + 100).map((feedUrl) => ({ body: { v: 1 as const, type: "websub" as const, feedUrl } })),
    );
  }
}

/**
 * Tells the hub a feed changed. A hub that is down or refuses is retried with backoff, then dead-lettered. A ping
 * queued before PUBLIC_BASE_URL became unusable is refused and recorded (a failure, not a retry: it needs an
 * operator, and the next publish pings afresh once the address is fixed).
 */
export async function pingHub(config: RepublishConfig, feedUrl: string): Promise<void> {
  const { site } = config;
  if (!site.hubUrl) return;
  const refused = checkPublicBaseUrl(config);
  if (refused) throw new PermanentError(`WebSub: not pinging ${site.hubUrl} for ${feedUrl}: ${refused}`);
  const res = await fetch(buildWebSubPing(site.hubUrl, feedUrl), { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`WebSub hub answered ${res.status} for ${feedUrl}`);
}
