// Fan-out cost: one change to N confirmed subscribers of one session, for each N asked. The subscribers are
// written straight into D1 in one statement (through the metered Worker's side door), the change comes in as a
// signed notes webhook and goes the whole way (receipt, settle with the quiet period at 0, publish, hand-over,
// planning, delivery) on wrangler.toml's queues and consumers, without the cron; mail goes over the HTTP
// transport to the soak's mock provider with its faults off, which accepts everything. Each tier starts with
// only its own subscribers in the event (the recipient query walks the event's confirmed subscribers, so others
// would add reads). Counted by the metered Worker: queue messages, D1 rows, invocations; checked: one accepted
// mail and one `sent` ledger row per recipient, nothing resent. The cost line prices what was counted.
import type { AcceptedMail } from "../soak/mail-api.ts";
import { type Row, formatCount } from "./table.ts";
import { type Tally, countMessages, sumBuckets } from "./tally.ts";
import { buildNotesBody, postNotesWebhook, startMeteredWorker, waitFor } from "./metered.ts";

export const FANOUT_TIERS = [1_000, 10_000, 100_000];
/** A recipient batch is at most 100 subscribers: N recipients need ceil(N/100) deliver messages, plus one to start. */
const messageTarget = (n: number) => Math.ceil(n / 100) + 1;
const SUBSCRIBER_PREFIX = "bench-fan-";
/** Mail stops arriving for this long: the fan-out is stuck (a retry backs off 10 s, then 20 s …). */
const STALL_MS = 90_000;
/** Said in the row when a fan-out takes longer (issue 11 asks). */
const SLOW_MS = 5 * 60_000;

// Prices, Workers Paid, beyond the included amounts (../shared/PLATFORM.md; D1's rows are priced like the SQLite
// storage rows there, $0.001/M read and $1.00/M written, as developers.cloudflare.com/d1/platform/pricing says).
const PRICE = {
  requestPerM: 0.3,
  queueOperationPerM: 0.4,
  /** A message is written, read and deleted: 3 operations (each up to 64 KB); a retry reads it once more. */
  operationsPerMessage: 3,
  rowReadPerM: 0.001,
  rowWrittenPerM: 1.0,
  mailPerK: 0.35,
};
const PER = 100_000;

type TierResult = { n: number; total: Tally; notify: Tally; ms: number; complete: boolean };

async function runTier(
  worker: Awaited<ReturnType<typeof startMeteredWorker>>,
  n: number,
  session: string,
): Promise<{ rows: Row[]; result: TierResult }> {
  const section = "fan-out";
  const event = worker.event.id;
  const prefix = `${SUBSCRIBER_PREFIX}${n}-`;
  await worker.inspect("DELETE", `/__bench/subscribers?prefix=${SUBSCRIBER_PREFIX}`);
  await worker.inspect("POST", "/__bench/subscribers", {
    event,
    session,
    count: n,
    prefix,
    confirmedAt: new Date(Date.now() - 60_000).toISOString(),
  });
  await worker.resetMeter();
  const mail = worker.mailApi;
  const acceptedBefore = mail.accepted.length;
  const resentBefore = mail.stats.resentDeduplicated;
  const marker = `bench-fanout-${n}-${Date.now()}`;
  const body = buildNotesBody(event, session, `https://hackmd.io/${marker}`, ["# Notes", `- ${marker}`], 1);
  const ack = await postNotesWebhook(worker.url, `msg_${marker}`, body);
  if (ack.status !== 202) throw new Error(`fan-out ${n}: the webhook answered ${ack.status}`);

  // Until every recipient's mail is accepted, or mail stops coming, or the tier's time is up.
  const deadline = Date.now() + Math.max(120_000, n * 20);
  let [seen, movedAt] = [0, Date.now()];
  let stopped = "";
  for (;;) {
    const got = mail.accepted.length - acceptedBefore;
    if (got >= n) break;
    if (got !== seen) [seen, movedAt] = [got, Date.now()];
    if (Date.now() - movedAt > STALL_MS) stopped = `no mail for ${STALL_MS / 1000} s`;
    if (Date.now() > deadline) stopped = `time limit`;
    if (stopped) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const mails: AcceptedMail[] = mail.accepted.slice(acceptedBefore);
  const lastAt = mails.at(-1)?.at ?? Date.now();
  const ms = lastAt - ack.at;
  const firstMs = mails.length ? mails[0]!.at - ack.at : NaN;

  // The ledger records each send after the provider accepted it, and the consumers ack after that: wait for both
  // before reading the meter.
  const ledger = await waitFor(
    async () => {
      const counts = await worker.inspect<Record<string, number>>("GET", `/__bench/ledger?prefix=${prefix}`);
      return (counts.sent ?? 0) >= mails.length ? counts : null;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  let meter = await worker.readMeter();
  await waitFor(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const next = await worker.readMeter();
      const still = JSON.stringify(next.total) === JSON.stringify(meter.total);
      meter = next;
      return still ? true : null;
    },
    { timeoutMs: 30_000, intervalMs: 0 },
  );

  const total = meter.total;
  const notify = sumBuckets(meter, "queue sessionwire-notify");
  const notifyMessages = countMessages(total, "NOTIFY");
  const changesMessages = countMessages(total, "CHANGES");
  const recipients = new Set(mails.map((m) => m.to));
  const problems: string[] = [];
  if (stopped) problems.push(`${formatCount(mails.length)} of ${formatCount(n)} mails (${stopped})`);
  if (recipients.size !== mails.length) problems.push(`${mails.length - recipients.size} recipients mailed twice`);
  if (mails.some((m) => !m.text.includes(marker))) problems.push("mails about another change");
  if (mail.stats.resentDeduplicated !== resentBefore) problems.push("mails resent to the provider");
  if (!ledger || ledger.sent !== n) problems.push(`ledger: ${JSON.stringify(ledger)}`);
  if (worker.workerErrors.count) problems.push(`worker errors: ${worker.workerErrors.samples.join(" | ")}`);
  const checked = problems.length ? `PROBLEMS: ${problems.join("; ")}` : "one mail and one sent ledger row each";
  const byType = (m: { byType: Record<string, number> }) =>
    Object.entries(m.byType)
      .map(([type, count]) => `${formatCount(count)} ${type}`)
      .join(" + ");
  const perRecipient = (x: number) => (x / n).toFixed(2);
  const seconds = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const name = `${formatCount(n)} subscribers`;
  const rows: Row[] = [
    {
      section,
      name: `${name}: queue messages`,
      value: `${formatCount(notifyMessages.all)} NOTIFY`,
      target: `≤ ${formatCount(messageTarget(n))}`,
      met: notifyMessages.all <= messageTarget(n) && problems.length === 0,
      note:
        `${byType(notifyMessages)}; before the fan-out, the change itself: ${byType(changesMessages)} (CHANGES); ` +
        `${formatCount(total.retried)} retries; ${formatCount(total.invocations)} invocations (1 webhook, ` +
        `${formatCount(sumBuckets(meter, "queue sessionwire-changes").invocations)} CHANGES and ` +
        `${formatCount(notify.invocations)} NOTIFY batches)`,
    },
    {
      section,
      name: `${name}: D1 rows per recipient`,
      value: `${perRecipient(notify.rowsRead)} read, ${perRecipient(notify.rowsWritten)} written`,
      note:
        `NOTIFY consumers (planning and delivery): ${formatCount(notify.d1Statements)} statements, ` +
        `${formatCount(notify.rowsRead)} rows read, ${formatCount(notify.rowsWritten)} written; ` +
        `whole change incl. receipt, settle, publish and hand-over: ${perRecipient(total.rowsRead)} read, ` +
        `${perRecipient(total.rowsWritten)} written per recipient`,
    },
    {
      section,
      name: `${name}: every mail handed over`,
      value: seconds(ms),
      ...(problems.length ? { target: "every mail once", met: false } : {}),
      note:
        `from the webhook's 202 to the provider accepting the last mail; first after ${seconds(firstMs)}; ` +
        `${formatCount(mails.length / Math.max((lastAt - (mails[0]?.at ?? lastAt)) / 1000, 0.001))} mails/s; ` +
        `NOTIFY batches ran ${seconds(notify.wallMs)} in all (some at once), ${seconds(notify.d1Ms)} of it ` +
        `awaiting D1; ` +
        (ms > SLOW_MS ? `over 5 minutes here; ` : "") +
        `no cron; ${checked}`,
    },
  ];
  return { rows, result: { n, total, notify, ms, complete: problems.length === 0 } };
}

/** What 100,000 notifications cost at the measured rates of one tier, with the arithmetic. */
function buildCostRow({ n, total }: TierResult): Row {
  const scale = PER / n;
  const requests = total.invocations * scale;
  const messages = total.queueMessages * scale;
  const operations = (total.queueMessages * PRICE.operationsPerMessage + total.retried) * scale;
  const rowsRead = total.rowsRead * scale;
  const rowsWritten = total.rowsWritten * scale;
  const items = [
    ["Workers requests", requests, PRICE.requestPerM, `${formatCount(requests)} invocations`],
    [
      "queue operations",
      operations,
      PRICE.queueOperationPerM,
      `${formatCount(messages)} messages × ${PRICE.operationsPerMessage} + ${formatCount(total.retried * scale)} retries`,
    ],
    ["D1 rows read", rowsRead, PRICE.rowReadPerM, `${formatCount(rowsRead)} rows`],
    ["D1 rows written", rowsWritten, PRICE.rowWrittenPerM, `${formatCount(rowsWritten)} rows`],
  ] as const;
  const platform = items.reduce((sum, [, count, perM]) => sum + (count / 1e6) * perM, 0);
  const mail = (PER / 1000) * PRICE.mailPerK;
  // Cents as cents; smaller sums with two significant digits.
  const money = (x: number) =>
    `$${x >= 0.01 || x === 0 ? x.toFixed(2) : x.toFixed(Math.max(4, 1 - Math.floor(Math.log10(x))))}`;
  return {
    section: "fan-out",
    name: `cost per ${formatCount(PER)} notifications`,
    value: `${money(platform)} + mail ${money(mail)}`,
    note:
      `at the ${formatCount(n)}-subscriber rates × ${formatCount(scale)}: ` +
      items
        .map(([what, count, perM, how]) => `${what} ${how} × $${perM}/M = ${money((count / 1e6) * perM)}`)
        .join("; ") +
      `; mail ${formatCount(PER)} × $${PRICE.mailPerK}/1k = ${money(mail)}. List prices beyond the plan's included ` +
      `amounts; CPU time and the change's KV writes are not counted; a consumer batch is counted as one request`,
  };
}

export async function benchFanout({ tiers }: { tiers: number[] }): Promise<Row[]> {
  const rows: Row[] = [];
  const results: TierResult[] = [];
  const worker = await startMeteredWorker({ consumers: true });
  try {
    for (const [i, n] of tiers.entries()) {
      const session = worker.event.sessions[i % worker.event.sessions.length]!.id;
      const tier = await runTier(worker, n, session);
      rows.push(...tier.rows);
      results.push(tier.result);
    }
  } finally {
    await worker.dispose();
  }
  const largest = results.filter((r) => r.complete).at(-1) ?? results.at(-1);
  if (largest) rows.push(buildCostRow(largest));
  return rows;
}
