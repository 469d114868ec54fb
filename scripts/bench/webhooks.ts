// Webhook acknowledgement under load: signed `POST /webhooks/notes` at 10 connections with autocannon, every
// request its own webhook-id and signature, once with unique ids and once with 30% of the requests re-sending an
// id already sent (same id, same body, fresh signature, as a sender retrying). Requests per second and latency
// are measured on the Worker as deployed, with its queues' consumers off so the acks do not compete with the
// pipeline behind them for the machine's cores; the constant route is measured on the same Worker, in one-second
// turns between the acks'. What an ack costs (D1 statements, queue sends) comes from a second second of the same
// run on the metered Worker, per answer. Every answer is checked: 202 `queued` once per id, 200 `duplicate`
// otherwise, a stored receipt for every id answered 2xx, and (metered) one message queued per 202 and none per
// 200; anything else is counted as unexpected. Two rows put the ack's ratio in context, neither held to a ratio
// (each still fails on an answer it did not expect): the Worker's own share (D1 and queue answered in memory) and
// the harness's floor (a bare Worker answering the same POSTs unread).
import type autocannon from "autocannon";
import { buildRandom } from "../soak/random.ts";
import { CONSTANT, type Load, alternateWithConstant, combineLoads, describeBusy, runLoad } from "./reads.ts";
import { type Row, formatCount, formatSize, requireExpectedAnswers } from "./table.ts";
import { type Tally, countMessages, sumBuckets } from "./tally.ts";
import { type MeteredWorker, buildNotesBody, buildWebhookHeaders, startMeteredWorker } from "./metered.ts";
import { withBareWorker } from "./floor.ts";

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

/** How long each run's acks go to the metered Worker, for what an ack costs (about a thousand acks a second). */
const COST_SECONDS = 1;

/** What is wrong with a run's answers beyond its own checks: acked ids without a stored receipt. */
async function checkStored(worker: MeteredWorker, acks: AckLoad): Promise<string[]> {
  const acked = [...acks.answers].filter(([, a]) => a.queued + a.duplicate > 0).map(([id]) => id);
  const row = await worker.DB.prepare(
    "SELECT COUNT(*) AS n FROM receipts WHERE source = 'notes' AND external_id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(acked))
    .first<{ n: number }>();
  const stored = row?.n ?? 0;
  return [
    ...acks.unexpected,
    ...(stored === acked.length ? [] : [`${acked.length - stored} acked ids without a stored receipt`]),
  ];
}

/**
 * A row that puts the ack's ratio in context (in memory, floor): not held to a ratio, but failed by answers it did
 * not expect (`unexpected`). `about` says what was measured, against which constant route.
 */
function buildContextRow(
  section: string,
  name: string,
  load: Load,
  constant: Load,
  unexpected: number,
  about: string,
): Row {
  return {
    section,
    name,
    value: `${formatCount(load.rps)} req/s`,
    ratio: load.rps / constant.rps,
    ...requireExpectedAnswers(unexpected),
    note:
      `${about}; p50 ${load.p50} ms, p99 ${load.p99} ms` +
      describeBusy(load) +
      (unexpected ? `; ${formatCount(unexpected)} unexpected answers` : ""),
  };
}

export async function benchWebhookAcks({ seconds }: { seconds: number }): Promise<Row[]> {
  const section = "webhook ack";
  const rows: Row[] = [];
  // Requests per second and latency on the Worker as deployed; what an ack costs on the metered one, whose
  // counting is work of its own on the same thread.
  const deployed = await startMeteredWorker({ consumers: false, metered: false });
  let worker: MeteredWorker | null = null;
  try {
    worker = await startMeteredWorker({ consumers: false });
    const target = { event: deployed.event.id, session: deployed.event.sessions[0]!.id };
    const constants: Load[] = [];
    for (const run of RUNS) {
      const acks = await driveAcks(deployed.url, target, run, seconds);
      const { load } = acks;
      constants.push(acks.constant);
      const unexpected = await checkStored(deployed, acks);

      // The same run on the metered Worker, for its cost. Acks commit in groups (src/pipeline/ingest.ts), and a
      // group's batch and sendBatch are counted by the request that led it, whatever it answered: so messages are
      // counted over all answers (one per 202, none per 200), and the cost is per ack over all of them.
      await worker.resetMeter();
      const costed = await driveAcks(worker.url, target, run, COST_SECONDS);
      const meter = await worker.readMeter();
      const queued = sumBuckets(meter, "fetch POST /webhooks/notes 202");
      const duplicate = sumBuckets(meter, "fetch POST /webhooks/notes 200");
      const all = sumBuckets(meter, "fetch POST /webhooks/notes");
      const other = all.invocations - queued.invocations - duplicate.invocations;
      unexpected.push(...(await checkStored(worker, costed)).map((u) => `metered: ${u}`));
      const messages = countMessages(all, "CHANGES").all;
      if (messages !== queued.invocations)
        unexpected.push(`metered: ${queued.invocations} answers 202 but ${messages} messages queued`);
      if (other) unexpected.push(`metered: ${other} answers other than 202/200`);

      const ratio = load.rps / acks.constant.rps;
      const answered202 = [...acks.answers.values()].reduce((n, a) => n + a.queued, 0);
      const checked = unexpected.length
        ? `${formatCount(unexpected.length)} unexpected, e.g. ${unexpected.slice(0, 2).join("; ")}`
        : "every answer checked (one 202 per id, stored; metered: one queue send per 202)";
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
        note: `p50 ${load.p50} ms (autocannon, over every request of the run)`,
      });
      rows.push({
        section,
        name: `${run.name}: cost per ack`,
        value: describeAverage(all),
        note: `measured by the metered Worker over ${formatCount(all.invocations)} acks: ${describeCost(all)}`,
      });
    }
    // The Worker alone: the same unique-id acks with the receipt insert and the queue send answered in memory
    // (scripts/bench/worker.ts), so what Miniflare's D1 and queue cost on the shared workerd thread is left out.
    // Measured, not held to the target: it says how much of an ack is the Worker's own work. Its ratio is to the
    // metered Worker's own constant route, measured between its turns.
    await worker.inspect("POST", "/__bench/in-memory", { on: true });
    try {
      const acks = await driveAcks(worker.url, target, { name: "in memory", duplicateShare: 0 }, seconds);
      rows.push(
        buildContextRow(
          section,
          `unique ids, ${CONNECTIONS} conn, D1 and queue in memory`,
          acks.load,
          acks.constant,
          acks.unexpected.length + [...acks.answers.values()].filter((a) => a.queued !== 1).length,
          `the Worker's own share of an ack, on the metered Worker (vs its /healthz, ${formatCount(acks.constant.rps)} ` +
            `req/s): receipts and sends answered in the Worker's memory instead of by Miniflare's D1 and queue (which ` +
            `share workerd's thread)`,
        ),
      );
    } finally {
      await worker.inspect("POST", "/__bench/in-memory", { on: false });
    }
    // The harness alone: the same signed POSTs to a bare Worker that answers each 202 without reading it, against
    // its own constant GET (scripts/bench/floor.ts). It measures what carrying the POST itself (its headers and
    // body, through workerd and Miniflare's entry Worker) costs beside a GET: no ack here can do better.
    const floor = await withBareWorker(0, (url) =>
      driveAcks(url, target, { name: "floor", duplicateShare: 0 }, seconds),
    );
    rows.push(
      buildContextRow(
        section,
        `floor: a bare Worker answering the same POSTs unread, ${CONNECTIONS} conn`,
        floor.load,
        floor.constant,
        floor.unexpected.length,
        `no code of ours: 202 before the body is read, vs the bare Worker's constant GET ` +
          `(${formatCount(floor.constant.rps)} req/s)`,
      ),
    );
    // The constant route over every turn it had between the acks' (each row's ratio is to its own turns).
    const constant = combineLoads(constants);
    rows.unshift({
      section,
      name: `${CONSTANT.name}, ${CONNECTIONS} conn (Worker as deployed)`,
      value: `${formatCount(constant.rps)} req/s`,
      ratio: 1,
      note: `p50 ${constant.p50} ms, p99 ${constant.p99} ms${describeBusy(constant)}`,
    });
    const errors = deployed.workerErrors.count + worker.workerErrors.count;
    if (errors)
      rows.push({
        section,
        name: "worker errors logged",
        value: formatCount(errors),
        target: "none",
        met: false,
        note: [...deployed.workerErrors.samples, ...worker.workerErrors.samples].join(" | "),
      });
  } finally {
    await worker?.dispose();
    await deployed.dispose();
  }
  return rows;
}
