// Outbound webhook throughput: the built Worker with wrangler.toml's queues and consumers (no cron, the quiet
// period at 0, OUTBOUND_ALLOW_LOOPBACK on, as in development), N endpoints registered through the admin API on a
// null receiver (a Node http server on 127.0.0.1 that answers 204 to everything), then K admin edits, each a
// published change that goes to every endpoint: K × N signed deliveries through the hand-over, the HOOKS queue and
// the ledger. Measured from the first edit's 2xx to the last delivery's arrival: deliveries per second, how long
// a change took to reach an endpoint, and the attempts the ledger counted (one per delivery when nothing fails;
// a request beyond one per delivery would be a double send). Every other outbound request is refused.
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildLoopbackOutbound, loadCatalogue2019, readWranglerOptions, startLocalWorker } from "../local-worker.ts";
import { BENCH_ADMIN_TOKEN, BENCH_VARS, percentile, waitFor } from "./metered.ts";
import { type Row, formatCount } from "./table.ts";

const BASE = "http://127.0.0.1";
const ARRIVAL_TIMEOUT_MS = 180_000;

type Arrival = { id: string; at: number; headers: IncomingHttpHeaders };

export async function benchOutbound({ endpoints, changes }: { endpoints: number; changes: number }): Promise<Row[]> {
  const section = "outbound";
  const arrivals: Arrival[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      arrivals.push({ id: String(req.headers["webhook-id"]), at: Date.now(), headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverOrigin = `${BASE}:${(receiver.address() as AddressInfo).port}`;
  const refused: string[] = [];
  const { cronTriggers: _cronTriggers, bindings: configVars, ...configured } = readWranglerOptions();
  const worker = await startLocalWorker({
    ...configured,
    bindings: {
      ...(configVars as Record<string, string>),
      ...BENCH_VARS,
      OUTBOUND_ALLOW_LOOPBACK: "true",
    },
    outboundService: buildLoopbackOutbound(receiverOrigin, refused),
  });
  try {
    const event = await loadCatalogue2019(
      { DB: worker.DB, SITE: worker.SITE },
      { baseUrl: BASE, hubUrl: null },
      new Date(),
    );
    const session = event.sessions[0]!.id;
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${worker.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    for (let i = 0; i < endpoints; i++) {
      const res = await admin("POST", "/api/admin/webhooks/endpoints", { url: `${receiverOrigin}/e${i}` });
      if (res.status !== 201) throw new Error(`registering an endpoint answered ${res.status}: ${await res.text()}`);
    }

    const edited: number[] = [];
    const expected = endpoints * changes;
    for (let k = 0; k < changes; k++) {
      const res = await admin("POST", `/api/admin/events/${event.id}/sessions/${session}/notes`, {
        url: `https://hackmd.io/bench-outbound-${k}`,
      });
      if (res.status !== 202) throw new Error(`admin edit ${k} answered ${res.status}`);
      edited.push(Date.now());
    }
    const done = await waitFor(() => (new Set(arrivals.map((a) => a.id)).size >= expected ? Date.now() : null), {
      timeoutMs: ARRIVAL_TIMEOUT_MS,
      intervalMs: 20,
    });
    const ids = new Set(arrivals.map((a) => a.id));
    if (!done) throw new Error(`${ids.size} of ${expected} deliveries arrived within ${ARRIVAL_TIMEOUT_MS / 1000} s`);
    const last = Math.max(...arrivals.map((a) => a.at));
    const seconds = (last - edited[0]!) / 1000;
    // The last answers reach the ledger a moment after the receiver has the requests: wait for them to be recorded.
    const readLedger = async () =>
      (await worker.DB.prepare(
        "SELECT COUNT(*) AS deliveries, SUM(attempts) AS attempts, SUM(status = 'delivered') AS delivered FROM hook_deliveries",
      ).first()) as { deliveries: number; attempts: number; delivered: number };
    const ledger =
      (await waitFor(async () => ((await readLedger()).delivered >= expected ? readLedger() : null), {
        timeoutMs: 10_000,
        intervalMs: 50,
      })) ?? (await readLedger());
    // A change's delay to an endpoint: from its edit's 2xx to the delivery's arrival (edits and changes share an order).
    const changeOf = new Map<string, number>();
    const { results } = await worker.DB.prepare(
      "SELECT d.id, c.seq FROM hook_deliveries d JOIN changes c ON c.id = d.change_id",
    ).all<{ id: string; seq: number }>();
    const seqs = [...new Set(results.map((r) => r.seq))].sort((a, b) => a - b);
    for (const r of results) changeOf.set(r.id, seqs.indexOf(r.seq));
    const delays = arrivals.map((a) => a.at - edited[changeOf.get(a.id) ?? 0]!);
    const extra = arrivals.length - ids.size;
    return [
      {
        section,
        name: `${formatCount(changes)} changes × ${formatCount(endpoints)} endpoints`,
        value: `${formatCount(expected / seconds)} deliveries/s`,
        target: "one attempt per delivery",
        met: ledger.attempts === expected && ledger.delivered === expected && extra === 0,
        note:
          `${formatCount(expected)} in ${seconds.toFixed(1)} s; ${formatCount(ledger.attempts)} attempts, ` +
          `${formatCount(extra)} requests beyond one per delivery; change → endpoint p50 ` +
          `${formatCount(percentile(delays, 0.5))} ms, p99 ${formatCount(percentile(delays, 0.99))} ms` +
          (refused.length ? `; ${refused.length} other outbound request(s) refused` : ""),
      },
    ];
  } finally {
    await worker.dispose();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
