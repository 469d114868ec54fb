// The harness side of the metered Worker (scripts/bench/worker.ts), shared by the webhook, pipeline and fan-out
// benchmarks: it is served like the soak's (wrangler.toml's bindings, queues and dead-letter queues read by
// wrangler; the 2019 catalogue loaded; mail over the HTTP transport to the soak's mock provider on 127.0.0.1, with
// every fault off; every other outbound request refused), with the quiet period at 0 and no cron triggers.
// Signed Standard Webhooks are built here synchronously (autocannon builds each request in a callback).
import { createHmac } from "node:crypto";
import type { Event } from "../../src/domain/event.ts";
import {
  type LocalWorker,
  buildLoopbackOutbound,
  loadCatalogue2019,
  readWranglerOptions,
  startLocalWorker,
} from "../local-worker.ts";
import { type MailApi, startMailApi } from "../soak/mail-api.ts";
import type { MeterReport } from "./tally.ts";

// The Standard Webhooks specification's test-vector key, as in the test suite and the soak; nothing leaves the machine.
const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MAIL_API_KEY = "bench-mail-api-key";
const BASE = "http://127.0.0.1";
export const BENCH_ADMIN_TOKEN = "bench-admin-token";

/**
 * The vars and secrets every bench Worker on the write path runs with: no quiet period, no cron-free surprises
 * (no pads watched, no hub pinged), development on loopback, and made-up secrets.
 */
export const BENCH_VARS = {
  QUIET_PERIOD_SECONDS: "0",
  WATCH_HOSTS: "",
  WEBSUB_HUB: "",
  PUBLIC_BASE_URL: BASE,
  ENVIRONMENT: "development",
  WEBHOOK_SECRET,
  ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
  GITHUB_WEBHOOK_SECRET: "bench-github-secret",
  ETHERPAD_API_KEY: "bench-etherpad-key",
  SUBSCRIPTION_SECRET: "bench-subscription-secret",
};
const REQUEST_TIMEOUT_MS = 15_000;

export type MeteredWorker = {
  url: string;
  event: Event;
  /** D1 through Miniflare's binding proxy: for checks while no consumer runs (see scripts/bench/worker.ts). */
  DB: D1Database;
  mailApi: MailApi;
  /** Error-level log lines of the Worker (a bench run should have none), with a few samples. */
  workerErrors: { count: number; samples: string[] };
  refusedOutbound: string[];
  readMeter: () => Promise<MeterReport>;
  resetMeter: () => Promise<void>;
  /** A JSON request to the /__bench/ side door. */
  inspect: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  dispose: () => Promise<void>;
};

/**
 * `consumers`: run wrangler.toml's queue consumers (off: messages are only queued, as the ack bench wants).
 * `metered: false` serves the Worker as deployed instead (no meter, no /__bench/ side door: `readMeter`,
 * `resetMeter` and `inspect` fail), for throughput measured without the meter's own work.
 */
export async function startMeteredWorker({
  consumers,
  metered = true,
}: {
  consumers: boolean;
  metered?: boolean;
}): Promise<MeteredWorker> {
  const mailApi = await startMailApi({
    apiKey: MAIL_API_KEY,
    seed: 1,
    rateLimitRate: 0,
    serverErrorRate: 0,
    lostAnswerRate: 0,
  });
  const mailOrigin = new URL(mailApi.url).origin;
  const refusedOutbound: string[] = [];
  const workerErrors = { count: 0, samples: [] as string[] };
  const { cronTriggers: _cronTriggers, queueConsumers, bindings: configVars, ...configured } = readWranglerOptions();
  let local: LocalWorker;
  try {
    local = await startLocalWorker(
      {
        ...configured,
        // AsyncLocalStorage, with which the metered Worker knows whose invocation a binding call belongs to.
        ...(metered ? { compatibilityFlags: [...(configured.compatibilityFlags ?? []), "nodejs_als"] } : {}),
        ...(consumers ? { queueConsumers } : {}),
        bindings: {
          ...(configVars as Record<string, string>),
          ...BENCH_VARS,
          MAIL_TRANSPORT: "http",
          MAIL_API_URL: mailApi.url,
          MAIL_API_KEY,
        },
        outboundService: buildLoopbackOutbound(mailOrigin, refusedOutbound, REQUEST_TIMEOUT_MS),
        handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
          if (level !== "error") return;
          if (workerErrors.count++ < 5) workerErrors.samples.push(message.replace(/\s+/g, " ").slice(0, 160));
        },
      },
      metered ? "scripts/bench/worker.ts" : undefined,
    );
  } catch (err) {
    await mailApi.close();
    throw err;
  }
  const dispose = async () => {
    try {
      await local.dispose();
    } finally {
      await mailApi.close();
    }
  };
  try {
    // Loaded through the binding proxy before any traffic (afterwards, only through the side door).
    const event = await loadCatalogue2019(
      { DB: local.DB, SITE: local.SITE },
      { baseUrl: BASE, hubUrl: null },
      new Date(),
    );
    const inspect = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${local.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        signal: AbortSignal.timeout(60_000),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    return {
      url: local.url,
      event,
      DB: local.DB,
      mailApi,
      workerErrors,
      refusedOutbound,
      readMeter: () => inspect<MeterReport>("GET", "/__bench/meter"),
      resetMeter: async () => {
        await inspect("POST", "/__bench/meter/reset");
      },
      inspect,
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** The headers of a signed Standard Webhook: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` keyed after `whsec_`. */
export function buildWebhookHeaders(id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const key = Buffer.from(WEBHOOK_SECRET.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  };
}

/** A notes.updated delivery whose text is `lines`, as a pad's webhook sends it. */
export function buildNotesBody(event: string, session: string, url: string, lines: string[], revision: number): string {
  return JSON.stringify({ type: "notes.updated", event, session, url, text: `${lines.join("\n")}\n`, revision });
}

/** POSTs a signed notes webhook once; its status (0: no answer) and when the answer arrived (Date.now()). */
export async function postNotesWebhook(
  base: string,
  id: string,
  body: string,
): Promise<{ status: number; at: number }> {
  try {
    const res = await fetch(`${base}/webhooks/notes`, {
      method: "POST",
      body,
      headers: buildWebhookHeaders(id, body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return { status: res.status, at: Date.now() };
  } catch {
    return { status: 0, at: Date.now() };
  }
}

/** Polls `check` every `intervalMs` until it returns a value, or null at the deadline. */
export async function waitFor<T>(
  check: () => Promise<T | null> | T | null,
  { timeoutMs, intervalMs = 25 }: { timeoutMs: number; intervalMs?: number },
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const percentile = (values: number[], p: number) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : NaN;
};
