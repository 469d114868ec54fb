// Webhook acknowledgement under load: signed `POST /webhooks/notes` at 10 connections with autocannon, every
// request its own webhook-id and signature, once with unique ids and once with 30% of the requests re-sending an
// id already sent (same id, same body, fresh signature, as a sender retrying). It runs on the metered Worker with
// its queues' consumers off, so the acks do not compete with the pipeline behind them for the machine's cores;
// the constant route is measured on the same Worker, in one-second turns between the acks'. Every answer is
// checked: 202 `queued` once per id, 200 `duplicate` otherwise, a stored receipt for every id answered 2xx, one
// message queued per 202 and none per 200; anything else is counted as unexpected. What an ack costs comes from
// the Worker's meter, per answer.
import type autocannon from "autocannon";
import { buildRandom } from "../soak/random.ts";
import { CONSTANT, type Load, alternateWithConstant, combineLoads, describeBusy, runLoad } from "./reads.ts";
import { type Row, formatCount, formatSize } from "./table.ts";
import { type Tally, countMessages, sumBuckets } from "./tally.ts";
import { buildNotesBody, buildWebhookHeaders, startMeteredWorker } from "./metered.ts";

export const ACK_RATIO_TARGET = 0.5;
export const ACK_P99_TARGET_MS = 50;
const CONNECTIONS = 10;
/** A duplicate re-sends an id issued at least this many requests earlier, so its first answer is usually in. */
const DUPLICATE_DISTANCE = 50;

type AckRun = { name: string; duplicateShare: number };
const RUNS: AckRun[] = [
  { name: "unique ids", duplicateShare: 0 },
  { name: "30% duplicates", duplicateShare: 0.3 },
];

type AckLoad = {
  /** The acks' turns, and the constant route's between them. */
  load: Load;
  constant: Load;
  requests: number;
  duplicatesSent: number;
  bodyBytes: number;
  /** Per id: how often it was answered 202 queued and 200 duplicate. */
  answers: Map<string, { queued: number; duplicate: number }>;
  unexpected: string[];
};

async function driveAcks(
  base: string,
  target: { event: string; session: string },
  run: AckRun,
  seconds: number,
): Promise<AckLoad> {
  const prefix = `msg_bench_${run.duplicateShare ? "dup" : "unique"}_${Date.now()}`;
  const random = buildRandom(1, `acks:${run.name}`);
  const issued: number[] = [];
  const answers = new Map<string, { queued: number; duplicate: number }>();
  const unexpected: string[] = [];
  let duplicatesSent = 0;
  let bodyBytes = 0;
  // The body depends on the id's number only, so a re-sent id carries the same body as its first delivery.
  const buildBody = (n: number) =>
    buildNotesBody(
      target.event,
      target.session,
      `https://hackmd.io/bench-ack-${n % 50}`,
      [`# Toolstack notes`, ...Array.from({ length: 12 }, (_, i) => `- point ${i}: revision ${n} keeps the ABI`)],
      n,
    );
  const requests: autocannon.Request[] = [
    {
      method: "POST",
      path: "/webhooks/notes",
      setupRequest: (request, context) => {
        let n: number;
        if (issued.length > DUPLICATE_DISTANCE && random() < run.duplicateShare) {
          n = issued[Math.floor(random() * (issued.length - DUPLICATE_DISTANCE))]!;
          duplicatesSent++;
        } else {
          n = issued.length;
          issued.push(n);
        }
        const id = `${prefix}_${n}`;
        const body = buildBody(n);
        bodyBytes = Buffer.byteLength(body);
        (context as { id?: string }).id = id;
        return { ...request, method: "POST", body, headers: buildWebhookHeaders(id, body) };
      },
      onResponse: (status, body, context) => {
        const id = (context as { id?: string }).id ?? "?";
        const entry = answers.get(id) ?? { queued: 0, duplicate: 0 };
        answers.set(id, entry);
        let answered: unknown;
        try {
          answered = (JSON.parse(body) as { status?: unknown }).status;
        } catch {
          answered = null;
        }
        if (status === 202 && answered === "queued") entry.queued++;
        else if (status === 200 && answered === "duplicate") entry.duplicate++;
        else unexpected.push(`${id}: ${status} ${body.slice(0, 80)}`);
      },
    },
  ];
  // One-second turns of acks, each after a turn of the constant route, as the reads are measured (reads.ts).
  const { load, constant } = await alternateWithConstant(base, CONNECTIONS, seconds, () =>
    runLoad({ url: base, connections: CONNECTIONS, duration: 1, requests }),
  );
  for (const [id, a] of answers) {
    if (a.queued > 1) unexpected.push(`${id}: answered 202 ${a.queued} times`);
    if (run.duplicateShare === 0 && a.duplicate > 0) unexpected.push(`${id}: a unique id answered as a duplicate`);
  }
  if (load.unexpected) unexpected.push(`${load.unexpected} connection errors or timeouts`);
  return {
    load,
    constant,
    requests: [...answers.values()].reduce((n, a) => n + a.queued + a.duplicate, 0),
    duplicatesSent,
    bodyBytes,
    answers,
    unexpected,
  };
}

/** What one ack cost on average, from the meter's tally of the acks. */
function describeCost(tally: Tally): string {
  const per = (n: number) => (tally.invocations ? n / tally.invocations : 0);
  const sends = per(countMessages(tally, "CHANGES").all + countMessages(tally, "NOTIFY").all);
  return (
    `${per(tally.d1Statements).toFixed(2)} D1 statements in ${per(tally.d1Calls).toFixed(2)} calls ` +
    `(${per(tally.rowsRead).toFixed(1)} rows read, ${per(tally.rowsWritten).toFixed(1)} written), ` +
    `${sends.toFixed(2)} queue sends; awaiting D1 ${per(tally.d1Ms).toFixed(1)} ms, the queue ${per(tally.queueMs).toFixed(1)} ms`
  );
}

/** Statements and messages per ack over every ack of the run. */
function describeAverage(tally: Tally): string {
  const acks = tally.invocations || 1;
  return `${(tally.d1Statements / acks).toFixed(2)} D1 stmts + ${(tally.queueMessages / acks).toFixed(2)} sends`;
}

export async function benchWebhookAcks({ seconds }: { seconds: number }): Promise<Row[]> {
  const section = "webhook ack";
  const rows: Row[] = [];
  const worker = await startMeteredWorker({ consumers: false });
  try {
    const target = { event: worker.event.id, session: worker.event.sessions[0]!.id };
    const constants: Load[] = [];
    for (const run of RUNS) {
      await worker.resetMeter();
      const acks = await driveAcks(worker.url, target, run, seconds);
      const { load } = acks;
      constants.push(acks.constant);
      const meter = await worker.readMeter();
      const queued = sumBuckets(meter, "fetch POST /webhooks/notes 202");
      const duplicate = sumBuckets(meter, "fetch POST /webhooks/notes 200");
      const all = sumBuckets(meter, "fetch POST /webhooks/notes");
      const other = all.invocations - queued.invocations - duplicate.invocations;

      // Every id answered 2xx is a stored receipt; one message was queued per 202 and none per 200. Acks commit in
      // groups (src/pipeline/ingest.ts), and a group's batch and sendBatch are counted by the request that led it,
      // whatever it answered: so messages are counted over all answers, and the cost is per ack over all of them.
      const acked = [...acks.answers].filter(([, a]) => a.queued + a.duplicate > 0).map(([id]) => id);
      const { stored } = await worker.inspect<{ stored: number }>("POST", "/__bench/receipts", {
        source: "notes",
        externalIds: acked,
      });
      const unexpected = [...acks.unexpected];
      if (stored !== acked.length) unexpected.push(`${acked.length - stored} acked ids without a stored receipt`);
      const messages = countMessages(all, "CHANGES").all;
      if (messages !== queued.invocations)
        unexpected.push(`${queued.invocations} answers 202 but ${messages} messages queued`);
      if (other) unexpected.push(`${other} answers other than 202/200 (meter)`);

      const ratio = load.rps / acks.constant.rps;
      const answered202 = [...acks.answers.values()].reduce((n, a) => n + a.queued, 0);
      const checked = unexpected.length
        ? `${formatCount(unexpected.length)} unexpected, e.g. ${unexpected.slice(0, 2).join("; ")}`
        : "every answer checked (one 202 per id, stored, one queue send each)";
      rows.push({
        section,
        name: `${run.name}, ${CONNECTIONS} conn`,
        value: `${formatCount(load.rps)} req/s`,
        ratio,
        target: `≥ ${ACK_RATIO_TARGET * 100}%`,
        met: ratio >= ACK_RATIO_TARGET && unexpected.length === 0,
        note:
          `${formatCount(acks.requests)} answered: ${formatCount(answered202)} × 202, ` +
          `${formatCount(acks.requests - answered202)} × 200 (${formatCount(acks.duplicatesSent)} re-sent ids); ` +
          `body ${formatSize(acks.bodyBytes)}; ${checked}${describeBusy(load)}`,
      });
      rows.push({
        section,
        name: `${run.name}, ${CONNECTIONS} conn: latency`,
        value: `p99 ${load.p99} ms`,
        target: `p99 < ${ACK_P99_TARGET_MS} ms`,
        met: load.p99 < ACK_P99_TARGET_MS,
        note: `p50 ${load.p50} ms (autocannon, per request)`,
      });
      rows.push({
        section,
        name: `${run.name}: cost per ack`,
        value: describeAverage(all),
        note: `measured by the metered Worker, over every ack: ${describeCost(all)}`,
      });
    }
    // The Worker alone: the same unique-id acks with the receipt insert and the queue send answered in memory
    // (scripts/bench/worker.ts), so what Miniflare's D1 and queue cost on the shared workerd thread is left out.
    // Measured, not held to the target: it says how much of an ack is the Worker's own work.
    await worker.inspect("POST", "/__bench/in-memory", { on: true });
    try {
      const acks = await driveAcks(worker.url, target, { name: "in memory", duplicateShare: 0 }, seconds);
      const alone = acks.load;
      constants.push(acks.constant);
      const wrong = acks.unexpected.length + [...acks.answers.values()].filter((a) => a.queued !== 1).length;
      rows.push({
        section,
        name: `unique ids, ${CONNECTIONS} conn, D1 and queue in memory`,
        value: `${formatCount(alone.rps)} req/s`,
        ratio: alone.rps / acks.constant.rps,
        note:
          `the Worker's own share of an ack: receipts and sends answered in the Worker's memory instead of by ` +
          `Miniflare's D1 and queue (which share workerd's thread); p50 ${alone.p50} ms, p99 ${alone.p99} ms` +
          describeBusy(alone) +
          (wrong ? `; ${formatCount(wrong)} unexpected answers` : ""),
      });
    } finally {
      await worker.inspect("POST", "/__bench/in-memory", { on: false });
    }
    // The constant route over every turn it had between the acks' (each row's ratio is to its own turns).
    const constant = combineLoads(constants);
    rows.unshift({
      section,
      name: `${CONSTANT.name}, ${CONNECTIONS} conn (metered Worker)`,
      value: `${formatCount(constant.rps)} req/s`,
      ratio: 1,
      note: `p50 ${constant.p50} ms, p99 ${constant.p99} ms${describeBusy(constant)}`,
    });
    if (worker.workerErrors.count)
      rows.push({
        section,
        name: "worker errors logged",
        value: formatCount(worker.workerErrors.count),
        target: "none",
        met: false,
        note: worker.workerErrors.samples.join(" | "),
      });
  } finally {
    await worker.dispose();
  }
  return rows;
}
