// `npm run soak [-- --pads 350 --rounds 20 --seed 1 --max-seconds 900 …]`: the whole pipeline under faults, on
// loopback only, until everything is out or the time limit. It bundles the Worker behind a fault-injecting entry
// (scripts/soak/worker.ts), serves it on Miniflare with wrangler.toml's queues, consumers and dead-letter
// queues, D1 and KV, sends mail through a mock provider on 127.0.0.1 (scripts/soak/mail-api.ts), and refuses
// every other outbound request. Traffic: P pads (new hackmd.io links over the 2019 catalogue's sessions) × R
// rounds; each round gives every pad a new text and sends one signed Standard Webhook per pad plus duplicates,
// then waits until the round's changes are published, so each unique delivery is exactly one expected change.
// It drives the cron as the platform would, then checks the change log, the read model and every mail.
// Prints one block of counts; exits 0 only when nothing is lost and nothing is twice.
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import { MAX_SESSIONS } from "../src/domain/limits.ts";
import { signStandardWebhook } from "../src/webhooks/standard.ts";
import { buildLoopbackOutbound, loadCatalogue2019, readWranglerOptions, startLocalWorker } from "./local-worker.ts";
import { startMailApi } from "./soak/mail-api.ts";
import { buildRandom } from "./soak/random.ts";
import { type ChangeRow, type Pad, type Subscriber, buildPadText, buildTally, identifyChange } from "./soak/tally.ts";
import type { FaultConfig, FaultReport } from "./soak/worker.ts";

const startedAt = Date.now();
const USAGE = `usage: npm run soak -- [--pads 350] [--rounds 20] [--duplicates 0.3] [--concurrency 20] [--seed 1]
  [--max-seconds 3600] [--quiet-seconds 1] [--queue-fault-rate 0.02] [--d1-fault-rate 0.01] [--crash-rate 0.05]
  [--mail-429-rate 0.03] [--mail-5xx-rate 0.03] [--mail-lost-answer-rate 0.02] [--mail-outage-seconds 30]
  [--poison 150] [--retry-delay-cap 1] [--cron-every 3] [--cron-ahead 900] [--round-stall-seconds 20]
  [--idle-seconds 45] [--linger-seconds 5] [--link-changes auto|none|each] [--log-file path]`;

const FLAGS = {
  pads: ["350", 1, 5000],
  rounds: ["20", 1, 1000],
  duplicates: ["0.3", 0, 0.9],
  concurrency: ["20", 1, 200],
  seed: ["1", 0, 2 ** 32 - 1],
  "max-seconds": ["3600", 10, 86_400],
  "quiet-seconds": ["1", 0, 60],
  "queue-fault-rate": ["0.02", 0, 0.5],
  "d1-fault-rate": ["0.01", 0, 0.5],
  "crash-rate": ["0.05", 0, 0.9],
  "mail-429-rate": ["0.03", 0, 0.9],
  "mail-5xx-rate": ["0.03", 0, 0.9],
  "mail-lost-answer-rate": ["0.02", 0, 0.9],
  "mail-outage-seconds": ["30", 0, 3600],
  poison: ["150", 0, 10_000],
  "retry-delay-cap": ["1", 0, 60],
  "cron-every": ["3", 0.5, 600],
  "cron-ahead": ["900", 0, 86_400],
  "round-stall-seconds": ["20", 1, 3600],
  "idle-seconds": ["45", 1, 3600],
  "linger-seconds": ["5", 0, 600],
} as const satisfies Record<string, readonly [string, number, number]>;
type Flag = keyof typeof FLAGS;

let parsed;
try {
  parsed = parseArgs({
    options: {
      ...(Object.fromEntries(
        Object.entries(FLAGS).map(([name, [value]]) => [name, { type: "string", default: value }]),
      ) as {
        [K in Flag]: { type: "string"; default: string };
      }),
      "log-file": { type: "string" },
      "link-changes": { type: "string", default: "auto" },
    },
  }).values;
} catch (err) {
  console.error(`soak: ${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
const flag = (name: Flag): number => {
  const [, min, max] = FLAGS[name];
  const value = Number(parsed[name]);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`soak: --${name} must be a number from ${min} to ${max}, not ${parsed[name]}\n${USAGE}`);
    process.exit(2);
  }
  return value;
};
// Every flag is checked before anything starts, so a typo never leaves a runtime behind.
for (const name of Object.keys(FLAGS) as Flag[]) flag(name);
const linkRule = parsed["link-changes"];
if (linkRule !== "auto" && linkRule !== "none" && linkRule !== "each") {
  console.error(`soak: --link-changes must be auto, none or each, not ${linkRule}\n${USAGE}`);
  process.exit(2);
}
const P = Math.floor(flag("pads"));
const R = Math.floor(flag("rounds"));
const seed = Math.floor(flag("seed"));
const maxSeconds = flag("max-seconds");
const deadline = startedAt + maxSeconds * 1000;
const expired = () => Date.now() > deadline;
const uniqueCount = P * R;
const duplicateCount = Math.round((uniqueCount * flag("duplicates")) / (1 - flag("duplicates")));
const concurrency = Math.floor(flag("concurrency"));

// If something hangs past the limit (a stuck request, a runtime that does not stop), say so and stop anyway.
setTimeout(
  () => {
    console.error(`soak: still running ${maxSeconds + 60} s after start: stopping without a report`);
    process.exit(3);
  },
  (maxSeconds + 60) * 1000,
).unref();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const random = buildRandom(seed, "traffic");
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
async function runPool<T>(items: T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;

// The Standard Webhooks specification's test-vector key, as in the test suite; nothing here leaves the machine.
const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const MAIL_API_KEY = "soak-mail-api-key";
const ADMIN_TOKEN = "soak-admin-token";
const BASE = "http://127.0.0.1";
const POLL_CRON = "*/10 * * * *";

const mailApi = await startMailApi({
  apiKey: MAIL_API_KEY,
  seed,
  rateLimitRate: flag("mail-429-rate"),
  serverErrorRate: flag("mail-5xx-rate"),
  lostAnswerRate: flag("mail-lost-answer-rate"),
});
const mailOrigin = new URL(mailApi.url).origin;
const refusedOutbound: string[] = [];
const logFile = parsed["log-file"] ? createWriteStream(parsed["log-file"]) : null;
// Worker error logs that are not an injected fault showing through: worth reading whatever the verdict.
const INJECTED = /soak: injected|mail API answered (429|500|502|503)/;
const workerErrors = { injected: 0, other: 0, samples: [] as string[] };

const faultConfig: FaultConfig = {
  seed,
  queueRate: flag("queue-fault-rate"),
  d1Rate: flag("d1-fault-rate"),
  crashRate: flag("crash-rate"),
  retryDelayCapSeconds: flag("retry-delay-cap"),
};
const { cronTriggers: _cronTriggers, bindings: configVars, ...configured } = readWranglerOptions();
const worker = await startLocalWorker(
  {
    ...configured,
    bindings: {
      ...(configVars as Record<string, string>),
      QUIET_PERIOD_SECONDS: String(flag("quiet-seconds")),
      // Nothing may leave the machine: the poller refuses every host, no WebSub hub is pinged.
      WATCH_HOSTS: "",
      WEBSUB_HUB: "",
      PUBLIC_BASE_URL: BASE,
      ENVIRONMENT: "development",
      MAIL_TRANSPORT: "http",
      MAIL_API_URL: mailApi.url,
      WEBHOOK_SECRET,
      ADMIN_TOKEN,
      GITHUB_WEBHOOK_SECRET: "soak-github-secret",
      ETHERPAD_API_KEY: "soak-etherpad-key",
      SUBSCRIPTION_SECRET: "soak-subscription-secret",
      MAIL_API_KEY,
      SOAK_FAULTS: JSON.stringify(faultConfig),
    },
    // The Worker's outbound fetches: the mock mail API, and nothing else.
    outboundService: buildLoopbackOutbound(mailOrigin, refusedOutbound),
    handleStructuredLogs: ({ level, message }: { level: string; message: string }) => {
      logFile?.write(`${level} ${message}\n`);
      if (level !== "error") return;
      if (INJECTED.test(message)) workerErrors.injected++;
      else if (workerErrors.other++ < 20) workerErrors.samples.push(message.replace(/\s+/g, " ").slice(0, 160));
    },
  },
  "scripts/soak/worker.ts",
);

const { DB, SITE, url } = worker;
const event = await loadCatalogue2019({ DB, SITE }, { baseUrl: BASE, hubUrl: null }, new Date());

// Pads: new hackmd.io links spread over the sessions (their first webhook adds the link to the session).
const pads: Pad[] = Array.from({ length: P }, (_, index) => ({
  index,
  session: event.sessions[index % event.sessions.length]!.id,
  url: `https://hackmd.io/soak-${seed}-${index}`,
}));
const padsByUrl = new Map(pads.map((p) => [p.url, p]));

// Subscribers, straight into D1 (migrations/0004): two event-wide, one on every third session, all confirmed
// and immediate; plus a pending and an unsubscribed one, who must get nothing.
const now = new Date().toISOString();
const subscribers: (Subscriber & { status: string })[] = [
  { id: "sub-event-1", session: "", status: "confirmed" },
  { id: "sub-event-2", session: "", status: "confirmed" },
  ...event.sessions
    .filter((_, i) => i % 3 === 0)
    .map((s) => ({ id: `sub-session-${s.id}`, session: s.id, status: "confirmed" })),
  { id: "sub-pending", session: "", status: "pending" },
  { id: "sub-unsubscribed", session: "", status: "unsubscribed" },
].map((s) => ({ ...s, email: `${s.id}@soak.example`, active: s.status === "confirmed" }));
await DB.batch(
  subscribers.map((s) =>
    DB.prepare(
      `INSERT INTO subscribers (id, email, event_id, session_id, mode, status, created_at, confirmed_at)
       VALUES (?, ?, ?, ?, 'immediate', ?, ?, ?)`,
    ).bind(s.id, s.email, event.id, s.session, s.status, now, s.status === "pending" ? null : now),
  ),
);

// The cron, as the platform would run it, every few seconds. The scheduled time is ahead of the wall clock on
// purpose: the cron's sweeps judge work by the time they are scheduled for ("receipts older than 5 minutes",
// "pads quiet for QUIET_PERIOD_SECONDS", "changes not handed to mail for 5 minutes"), so a run scheduled 15
// minutes ahead does what the platform's run 15 minutes from now would do, and a soak of minutes exercises
// the sweeps a production hour would. It only makes them act on more work sooner, including work still in
// flight, which at-least-once delivery allows anyway.
const cron = { runs: 0, failed: 0, errors: [] as string[] };
/** How far the Worker's clock was moved ahead (scripts/soak/worker.ts), and how often. */
const clock = { offsetMs: 0, advances: 0 };
/** A mail claim's lease (src/store/deliveries.ts): a claim whose holder crashed is taken over after it. */
const CLAIM_LEASE_MS = 15 * 60_000;
let cronStopped = false;
const fetcher = await worker.mf.getWorker();
const cronLoop = (async () => {
  while (!cronStopped && !expired()) {
    try {
      const result = await fetcher.scheduled({
        cron: POLL_CRON,
        scheduledTime: new Date(Date.now() + clock.offsetMs + flag("cron-ahead") * 1000),
      });
      cron.runs++;
      if (result.outcome !== "ok") cron.failed++;
    } catch (err) {
      cron.runs++;
      cron.failed++;
      if (cron.errors.length < 5) cron.errors.push(String(err));
    }
    await sleep(flag("cron-every") * 1000);
  }
})();

// Senders: resend with the same id (and, for webhooks, a fresh signature) after a 5xx or a network error,
// until acked; a 4xx is a rejection, which the soak's own traffic must never get.
type Delivery = { id: string; pad: Pad; round: number; body: string; acked: boolean };
type Sender = { posts: number; retries: number; answered: Map<number, number>; rejected: string[]; latency: number[] };
const buildSender = (): Sender => ({ posts: 0, retries: 0, answered: new Map(), rejected: [], latency: [] });
const sender = buildSender();
const ackLatency: number[] = [];

/** POSTs until a 2xx (true), a 4xx (false, recorded) or the time limit (false). */
async function post(
  stats: Sender,
  what: string,
  path: string,
  body: string,
  buildHeaders: () => Promise<Record<string, string>>,
): Promise<boolean> {
  const first = performance.now();
  stats.posts++;
  for (let attempt = 1; !expired(); attempt++) {
    if (attempt > 1) stats.retries++;
    const started = performance.now();
    let status = 0;
    try {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...(await buildHeaders()) },
        signal: AbortSignal.timeout(15_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    stats.latency.push(performance.now() - started);
    if (status >= 200 && status < 300) {
      stats.answered.set(status, (stats.answered.get(status) ?? 0) + 1);
      if (stats === sender) ackLatency.push(performance.now() - first);
      return true;
    }
    if (status !== 0 && status < 500) {
      stats.rejected.push(`${what}: ${status}`);
      return false;
    }
    await sleep(Math.min(100 * attempt, 2000));
  }
  return false;
}

async function send(delivery: Delivery): Promise<void> {
  const acked = await post(sender, delivery.id, "/webhooks/notes", delivery.body, async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      "webhook-id": delivery.id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signStandardWebhook(WEBHOOK_SECRET, delivery.id, timestamp, delivery.body),
    };
  });
  delivery.acked ||= acked;
}

// What the harness reads back, from the soak entry's /__soak/ routes (D1 without faults; see worker.ts for why
// not through Miniflare's binding proxy), retried like any HTTP read.
async function getJson<T>(path: string): Promise<T | null> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(30_000) }).catch(() => null);
    if (res?.ok) return (await res.json()) as T;
    await res?.arrayBuffer();
    await sleep(200 * attempt);
  }
  return null;
}

// The change log, incrementally.
const changeRows: ChangeRow[] = [];
const publishedKeys = new Map<string, number>();
let lastSeq = 0;
async function refreshChanges(): Promise<void> {
  const results = await getJson<
    { id: string; seq: number; session_id: string | null; url: string | null; type: string; excerpt: string }[]
  >(`/__soak/changes?event=${event.id}&after=${lastSeq}`);
  for (const r of results ?? []) {
    const row = { id: r.id, seq: r.seq, session: r.session_id, url: r.url, type: r.type, excerpt: r.excerpt };
    changeRows.push(row);
    const key = identifyChange(padsByUrl, row);
    publishedKeys.set(key, (publishedKeys.get(key) ?? 0) + 1);
    lastSeq = Math.max(lastSeq, r.seq);
  }
}

type State = Record<
  | "unprocessedReceipts"
  | "unprocessedOtherReceipts"
  | "failedReceipts"
  | "pendingPads"
  | "unnotifiedChanges"
  | "sendingDeliveries"
  | "failedDeliveries"
  | "deliveries"
  | "failures"
  | "changes",
  number
>;
const UNKNOWN_STATE = { unprocessedReceipts: NaN } as State;
const readState = async () => (await getJson<State>("/__soak/state")) ?? UNKNOWN_STATE;

// Poison first: admin imports that read well (the API refuses what it cannot read) but can never be applied,
// each a list of more sessions than the event may hold beside its own. Each is stored as a receipt whose
// processing fails for good (recorded in `failures`); being the oldest receipts, they sit at the head of the
// cron's sweep for stranded receipts, which must still reach the younger ones behind them.
const poison = { ...buildSender(), count: Math.floor(flag("poison")), acked: 0 };
await runPool(
  Array.from({ length: poison.count }, (_, i) => i),
  concurrency,
  async (i) => {
    // A Markdown session list: cheap to read twice (the API checks it, the consumer applies it), unlike a wiki
    // page of the same size, which the wikitext parser takes about a second over.
    const sessions = Array.from({ length: MAX_SESSIONS }, (_, j) => `## Poison ${i} session ${j}\n\nAbout it.\n`);
    const body = JSON.stringify({ title: `Soak poison ${i}`, format: "text", text: sessions.join("\n") });
    const headers = async () => ({
      authorization: `Bearer ${ADMIN_TOKEN}`,
      "idempotency-key": `soak-poison-${seed}-${i}`,
    });
    if (await post(poison, `poison ${i}`, `/api/admin/events/${event.id}/import`, body, headers)) poison.acked++;
  },
);

// The rounds. Half-way, the mail provider goes down for --mail-outage-seconds: with retry delays capped at
// --retry-delay-cap seconds, that outlasts every retry of the mails in flight, as an outage longer than the
// production backoff (about 40 minutes for NOTIFY's 8 retries) would.
const outageRound = Math.max(1, Math.ceil(R / 2));
const deliveries: Delivery[] = [];
const movedOnEarly: string[] = [];
let firstSentAt = 0;
let duplicatesSent = 0;
let roundsSent = 0;
for (let round = 1; round <= R && !expired(); round++) {
  const roundStart = Date.now();
  if (round === outageRound && flag("mail-outage-seconds") > 0) mailApi.startOutage(flag("mail-outage-seconds"));
  firstSentAt ||= roundStart;
  const fresh = shuffle(
    pads.map((pad): Delivery => {
      const body = JSON.stringify({
        type: round === 1 ? "notes.published" : "notes.updated",
        event: event.id,
        session: pad.session,
        url: pad.url,
        text: buildPadText(pad, round),
        revision: round,
      });
      return { id: `msg_soak_${seed}_p${pad.index}_r${round}`, pad, round, body, acked: false };
    }),
  );
  // This round's share of the duplicates: mostly a delivery of this round resent later in the round, sometimes
  // one of an earlier round (a sender replaying old events), each the same webhook-id and body.
  const dups = Math.round((duplicateCount * round) / R) - Math.round((duplicateCount * (round - 1)) / R);
  const sequence: { delivery: Delivery; duplicate: boolean }[] = fresh.map((delivery) => ({
    delivery,
    duplicate: false,
  }));
  for (let i = 0; i < dups; i++) {
    const replayOld = deliveries.length > 0 && random() < 0.1;
    if (replayOld) {
      const delivery = deliveries[Math.floor(random() * deliveries.length)]!;
      sequence.splice(Math.floor(random() * (sequence.length + 1)), 0, { delivery, duplicate: true });
    } else {
      const original = Math.floor(random() * fresh.length);
      const at = sequence.findIndex((s) => s.delivery === fresh[original] && !s.duplicate);
      const position = at + 1 + Math.floor(random() * (sequence.length - at));
      sequence.splice(position, 0, { delivery: fresh[original]!, duplicate: true });
    }
  }
  deliveries.push(...fresh);
  await runPool(sequence, concurrency, async ({ delivery, duplicate }) => {
    if (duplicate) duplicatesSent++;
    await send(delivery);
  });
  roundsSent = round;

  // Wait for this round's changes, so that the next text of a pad never lands inside this one's quiet period.
  const awaited = fresh.filter((d) => d.acked).map((d) => `${d.pad.url}#r${round}`);
  let seen = -1;
  let progressAt = Date.now();
  for (;;) {
    await refreshChanges();
    const published = awaited.filter((k) => publishedKeys.has(k)).length;
    if (published === awaited.length) break;
    if (published > seen) [seen, progressAt] = [published, Date.now()];
    if (Date.now() - progressAt > flag("round-stall-seconds") * 1000 || expired()) {
      movedOnEarly.push(`round ${round}: ${awaited.length - published} of ${awaited.length} unpublished`);
      break;
    }
    await sleep(250);
  }
  console.log(
    `round ${round}/${R}: ${sequence.length} webhooks (${dups} duplicates) sent and waited for in ` +
      `${((Date.now() - roundStart) / 1000).toFixed(1)} s; ${changeRows.length} changes, ` +
      `${mailApi.stats.accepted} mails so far`,
  );
}

// Until everything is out: every expected change published, every mail for them accepted, and nothing left in
// flight in D1; then a short linger to catch late duplicates. Stops early when nothing at all has moved for
// --idle-seconds (what is missing then is not coming), and at the time limit.
const acked = () => deliveries.filter((d) => d.acked).map((d) => ({ pad: d.pad.index, round: d.round }));
const tallyNow = () =>
  buildTally({ pads, acked: acked(), subscribers, changes: changeRows, mails: mailApi.accepted, linkRule });
let doneAt: number | null = null;
let gaveUp = false;
const MAX_CLOCK_ADVANCES = 20;
const CLOCK_ADVANCE_AFTER_MS = 5_000;
let state = await readState();
let fingerprint = "";
let movedAt = Date.now();
while (!expired()) {
  await refreshChanges();
  state = await readState();
  const tally = tallyNow();
  // An unreadable state (NaN) counts as work in flight.
  const inFlight =
    state.unprocessedReceipts + state.pendingPads + state.unnotifiedChanges + state.sendingDeliveries !== 0;
  if (!tally.changes.missing.length && !tally.mails.missing.length && !inFlight) {
    doneAt ??= Date.now();
    if (Date.now() - doneAt >= flag("linger-seconds") * 1000) break;
  } else doneAt = null;
  // Poison receipts may be retried and recorded forever: neither counts as moving.
  const { failures: _failures, unprocessedOtherReceipts: _poison, failedReceipts: _failed, ...moving } = state;
  const current = JSON.stringify([moving, mailApi.stats.requests, clock.offsetMs]);
  if (current !== fingerprint) [fingerprint, movedAt] = [current, Date.now()];
  else if (
    state.sendingDeliveries > 0 &&
    clock.advances < MAX_CLOCK_ADVANCES &&
    Date.now() - movedAt > CLOCK_ADVANCE_AFTER_MS
  ) {
    // Only claims whose holder crashed mid-send are left: what waiting out their lease would do.
    const advanced = await getJson<{ offsetMs: number }>(`/__soak/advance?ms=${CLAIM_LEASE_MS + 60_000}`);
    if (advanced) [clock.offsetMs, clock.advances] = [advanced.offsetMs, clock.advances + 1];
  } else if (Date.now() - movedAt > flag("idle-seconds") * 1000) {
    gaveUp = true;
    break;
  }
  await sleep(500);
}
const timedOut = expired() && doneAt === null;
cronStopped = true;
await cronLoop;

// The final accounting, and what readers see: the read model's change list and each session's links.
await refreshChanges();
state = await readState();
const tally = tallyNow();
const listed = new Set<string>();
for (let cursor: string | null = ""; cursor !== null;) {
  const page: { changes: { id: string }[]; nextCursor: string | null } | null = await getJson(
    `/api/events/${event.id}/changes?limit=50${cursor ? `&cursor=${cursor}` : ""}`,
  );
  if (!page) break;
  for (const c of page.changes) listed.add(c.id);
  cursor = page.nextCursor;
}
const readModelMissing = changeRows.filter((c) => !listed.has(c.id)).length;
let linksMissing = 0;
for (const session of event.sessions) {
  const page = await getJson<{ notes: { url: string }[] }>(`/api/events/${event.id}/sessions/${session.id}`);
  const urls = new Set(page?.notes.map((n) => n.url));
  linksMissing += pads.filter((p) => p.session === session.id && !urls.has(p.url)).length;
}
const report = await getJson<FaultReport>("/__soak/faults");
const faults = report?.counts ?? null;
const failures = (await getJson<{ queue: string; error: string; n: number }[]>("/__soak/failures")) ?? [];

const postLatency = sender.latency.toSorted((a, b) => a - b);
const ackLatencySorted = ackLatency.toSorted((a, b) => a - b);
const unsent = uniqueCount - deliveries.length;
const unacked = deliveries.filter((d) => !d.acked).length;
const ok =
  !timedOut &&
  tally.changes.missing.length === 0 &&
  tally.changes.duplicated === 0 &&
  tally.changes.unexpected.length === 0 &&
  tally.mails.missing.length === 0 &&
  tally.mails.duplicated === 0 &&
  tally.mails.unexpected.length === 0 &&
  // A retried mail must be the same mail: a provider refuses its idempotency key with another payload.
  mailApi.stats.keyReusedWithOtherPayload === 0 &&
  sender.rejected.length === 0 &&
  poison.acked === poison.count &&
  unacked === 0 &&
  unsent === 0 &&
  refusedOutbound.length === 0 &&
  readModelMissing === 0 &&
  linksMissing === 0;

const ms = (n: number) => `${Number.isNaN(n) ? "-" : n.toFixed(0)} ms`;
const few = (items: string[]) => (items.length ? `  e.g. ${items.slice(0, 3).join("; ")}` : "");
const lines: [string, string | number][] = [
  ["seed", `${seed}: ${P} pads × ${R} rounds (${roundsSent} sent), concurrency ${concurrency}`],
  ["webhooks sent", `${sender.posts} (${deliveries.length} unique, ${duplicatesSent} duplicates)`],
  ["webhooks retried by the sender", sender.retries],
  [
    "webhooks answered",
    [...sender.answered].map(([status, n]) => `${status}: ${n}`).join(", ") +
      `; rejected ${sender.rejected.length}; never acked ${unacked}; never sent ${unsent}${few(sender.rejected)}`,
  ],
  ["changes expected", tally.changes.expected],
  ["changes published", tally.changes.published],
  ["changes duplicated", tally.changes.duplicated],
  ["changes missing", `${tally.changes.missing.length}${few(tally.changes.missing)}`],
  ["changes unexpected", `${tally.changes.unexpected.length}${few(tally.changes.unexpected)}`],
  ["link additions", `${tally.changes.linkAdded} (rule: ${tally.changes.linkRule}, --link-changes ${linkRule})`],
  ["mails expected", tally.mails.expected],
  ["mails sent", tally.mails.sent],
  ["mails duplicated", tally.mails.duplicated],
  ["mails missing", `${tally.mails.missing.length}${few(tally.mails.missing)}`],
  ["mails unexpected", `${tally.mails.unexpected.length}${few(tally.mails.unexpected)}`],
  ["mail resends deduplicated by the provider", mailApi.stats.resentDeduplicated],
  ["mail keys reused with another payload", mailApi.stats.keyReusedWithOtherPayload],
  [
    "mail outage",
    flag("mail-outage-seconds") > 0
      ? `${flag("mail-outage-seconds")} s from round ${outageRound}: ${mailApi.stats.outageRefusals} sends refused`
      : "none",
  ],
  [
    "poison receipts",
    `${poison.count} sent, ${poison.acked} acked, ${poison.rejected.length} rejected${few(poison.rejected)}; ` +
      `${state.failedReceipts} marked failed, ${state.unprocessedOtherReceipts} still unprocessed`,
  ],
  [
    "worker clock advanced",
    clock.advances
      ? `${clock.advances} × ${(CLAIM_LEASE_MS + 60_000) / 60_000} min (to wait out the lease of mail claims whose holder crashed)`
      : "never",
  ],
  [
    "faults injected",
    [
      faults
        ? `queue refused ${faults["queue.refused"]}, queue answer lost ${faults["queue.lostAnswer"]}, ` +
          `d1 refused ${faults["d1.refused"]}, d1 answer lost ${faults["d1.lostAnswer"]}, ` +
          `consumer crashes ${faults["consumer.crash"]}`
        : "worker counts unavailable",
      `mail 429 ${mailApi.stats.rateLimited}, mail 5xx ${mailApi.stats.serverErrors}, ` +
        `mail answer lost ${mailApi.stats.lostAnswers}`,
    ].join(", "),
  ],
  ["retry delays capped", faults ? `${faults["retry.delayCapped"]} (to ${faultConfig.retryDelayCapSeconds} s)` : "-"],
  [
    "cron runs",
    `${cron.runs} (${cron.failed} failed)` +
      few([
        ...cron.errors,
        ...Object.entries(report?.cronErrors ?? {})
          .sort((a, b) => b[1] - a[1])
          .map(([reason, n]) => `${n}× ${reason}`),
      ]),
  ],
  [
    "consumer work",
    Object.entries(report?.work ?? {})
      .map(([queue, w]) => `${queue} ${w.messages} msgs in ${w.batches} runs, ${(w.ms / 1000).toFixed(0)} s`)
      .join("; "),
  ],
  ["ack latency", `p50 ${ms(percentile(postLatency, 0.5))}, p99 ${ms(percentile(postLatency, 0.99))} per POST`],
  [
    "ack latency incl. retries",
    `p50 ${ms(percentile(ackLatencySorted, 0.5))}, p99 ${ms(percentile(ackLatencySorted, 0.99))} per webhook`,
  ],
  [
    "everything out after",
    doneAt === null
      ? `not out (${timedOut ? `time limit of ${maxSeconds} s` : `nothing moved for ${flag("idle-seconds")} s`})`
      : `${((doneAt - firstSentAt) / 1000).toFixed(1)} s`,
  ],
  ["rounds moved on before publication", `${movedOnEarly.length}${few(movedOnEarly)}`],
  [
    "left in D1",
    `${state.unprocessedReceipts} receipts unprocessed, ${state.pendingPads} pads pending, ` +
      `${state.unnotifiedChanges} changes not handed to mail, ${state.sendingDeliveries} deliveries sending, ` +
      `${state.failedDeliveries} failed`,
  ],
  ["failures recorded", `${state.failures}${few(failures.map((f) => `${f.n}× ${f.queue}: ${f.error.slice(0, 80)}`))}`],
  [
    "read model",
    `${changeRows.length - readModelMissing}/${changeRows.length} changes listed, ${P - linksMissing}/${P} pad links listed`,
  ],
  ["outbound refused", `${refusedOutbound.length}${few(refusedOutbound)}`],
  [
    "worker errors logged",
    `${workerErrors.injected} from injected faults, ${workerErrors.other} others${few(workerErrors.samples)}`,
  ],
  ["verdict", ok ? "PASS" : "FAIL"],
];
const width = Math.max(...lines.map(([k]) => k.length)) + 2;
console.log(`\n== soak ==\n${lines.map(([k, v]) => `${k.padEnd(width)}${v}`).join("\n")}`);
if (gaveUp) console.log(`(stopped early: nothing moved for ${flag("idle-seconds")} s)`);

logFile?.end();
await worker.dispose();
await mailApi.close();
process.exit(ok ? 0 : 1);
