// Read routes under load with autocannon, each paired with the constant route (/healthz) at the same connection
// count: one-second turns of each, alternating, so both see the same machine (on this shared 2-core VM, three
// seconds of /healthz vary by ±9% from one measurement to the next, which a single constant per block charged to
// every row after it). Target: every read at least 85% of the constant route's requests per second.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import autocannon from "autocannon";
import { type Row, formatCount, formatSize, requireExpectedAnswers } from "./table.ts";

export const READ_TARGET = 0.85;

export type ReadRoute = {
  name: string;
  path: string;
  headers?: Record<string, string>;
  status: 200 | 304;
  /** Each request asks for the next of these paths in turn (e.g. searches no cache has seen yet). */
  paths?: string[];
  /**
   * false: measured, not held to READ_TARGET: a view computed for each request, which nothing publishes, or a body
   * so large that moving its bytes, not the Worker's work, is what a request costs.
   */
  gated?: false;
};

export type Load = {
  rps: number;
  /** Over every request of the load (of all its turns, see `combineLoads`). */
  p50: number;
  p99: number;
  /** autocannon's unsummarised runs, whose latency histograms `combineLoads` merges. */
  runs: RawRun[];
  unexpected: number;
  bytesPerResponse: number;
  /** The share of one core workerd used meanwhile (null where /proc is not there to read it). */
  workerdBusy: number | null;
  /** The share of one core this process (autocannon) used meanwhile. */
  clientBusy: number;
};

/**
 * CPU seconds used so far by the workerd processes this bench started (Miniflare's children), from /proc. On this
 * machine the load generator and workerd share two cores: each row says how busy both were, so a low ratio while
 * workerd is far from busy shows a limit outside the Worker.
 */
function readWorkerdCpuSeconds(): number | null {
  try {
    const children = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
    let ticks = 0;
    for (const line of children.split("\n")) {
      const [pid, comm] = line.trim().split(/\s+/);
      if (comm !== "workerd") continue;
      // Fields after the parenthesised command: utime and stime are the 14th and 15th of the whole line.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

/** What `run` returned, with how busy workerd and this process (autocannon) were while it ran. */
async function measureBusy<T>(run: () => Promise<T>): Promise<T & Pick<Load, "workerdBusy" | "clientBusy">> {
  const cpuBefore = readWorkerdCpuSeconds();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const cpuAfter = readWorkerdCpuSeconds();
  const elapsed = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  return {
    ...result,
    workerdBusy: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / elapsed,
    clientBusy: (client.user + client.system) / 1e6 / elapsed,
  };
}

/** Where each route with `paths` is in them: a turn goes on from where the last one stopped. */
const pathCursors = new WeakMap<object, number>();
function takeNextPath(route: object, paths: string[]): string {
  const next = pathCursors.get(route) ?? 0;
  pathCursors.set(route, next + 1);
  return paths[next % paths.length]!;
}

/**
 * One autocannon run as a Load; `unexpected` counts its errors and timeouts, plus what `countWrong` says (read
 * when the run is over) of the answers.
 */
export async function runLoad(options: autocannon.Options, countWrong: () => number = () => 0): Promise<Load> {
  return measureBusy(async () => {
    const run = (await autocannon({ ...options, skipAggregateResult: true })) as unknown as RawRun;
    const done = run.totalCompletedRequests;
    return {
      rps: run.duration > 0 ? done / run.duration : 0,
      ...readLatency([run]),
      runs: [run],
      unexpected: countWrong() + run.errors + run.timeouts,
      bytesPerResponse: done > 0 ? run.totalBytes / done : 0,
    };
  });
}

/** What autocannon returns with `skipAggregateResult` (its latency histogram still encoded, mergeable). */
type RawRun = {
  totalCompletedRequests: number;
  totalBytes: number;
  duration: number;
  errors: number;
  timeouts: number;
};
const { aggregateResult } = autocannon as unknown as {
  aggregateResult: (runs: RawRun[], options: { url: string }) => { latency: { p50: number; p99: number } };
};

/** p50 and p99 over every request of these runs, from their merged histograms. */
function readLatency(runs: RawRun[]): { p50: number; p99: number } {
  const { latency } = aggregateResult(runs, { url: "http://127.0.0.1" });
  return { p50: latency.p50, p99: latency.p99 };
}

/** Drives one route for `seconds`; `unexpected` counts errors, timeouts and answers other than `status`. */
export async function measureRoute(
  base: string,
  route: Pick<ReadRoute, "path" | "headers" | "status" | "paths">,
  connections: number,
  seconds: number,
): Promise<Load> {
  let wrongStatus = 0;
  const { paths } = route;
  return runLoad(
    {
      ...(paths ? { requests: [{ setupRequest: (req) => ({ ...req, path: takeNextPath(route, paths) }) }] } : {}),
      url: `${base}${route.path}`,
      // As browsers and feed readers ask: large pages and JSON come gzipped (compressed once per published value).
      headers: { "accept-encoding": "gzip, deflate, br", ...route.headers },
      connections,
      duration: seconds,
      setupClient: (client) => {
        skipBodies(client);
        client.on("response", (status: number) => {
          if (status !== route.status) wrongStatus++;
        });
      },
    },
    () => wrongStatus,
  );
}

/**
 * A read is checked by its status alone, so its body is not kept. autocannon appends every body chunk to a string
 * (decoding it as UTF-8) whether anyone reads it or not: that costs its one thread about 15 ns a byte, which
 * capped it at about 700 answers a second of a 91 KiB page, whatever the server. Counted bytes are not affected
 * (autocannon counts them from the socket).
 */
function skipBodies(client: unknown): void {
  (client as { pipelinedRequests: { addBody: (data: Buffer) => void } }).pipelinedRequests.addBody = () => {};
}

export const CONSTANT: ReadRoute = { name: "constant (/healthz)", path: "/healthz", status: 200 };

/**
 * Turns of the same length, as one measurement: rates and CPU averaged, p50 and p99 over all their requests (the
 * turns' latency histograms merged).
 */
export function combineLoads(loads: Load[]): Load {
  const mean = (pick: (l: Load) => number) => loads.reduce((n, l) => n + pick(l), 0) / loads.length;
  const rps = mean((l) => l.rps);
  const runs = loads.flatMap((l) => l.runs);
  return {
    rps,
    ...readLatency(runs),
    runs,
    unexpected: loads.reduce((n, l) => n + l.unexpected, 0),
    bytesPerResponse: rps > 0 ? mean((l) => l.rps * l.bytesPerResponse) / rps : 0,
    workerdBusy: loads.some((l) => l.workerdBusy === null) ? null : mean((l) => l.workerdBusy!),
    clientBusy: mean((l) => l.clientBusy),
  };
}

/** `seconds` one-second turns of `turn`, each after one of the constant route at the same connection count. */
export async function alternateWithConstant(
  base: string,
  connections: number,
  seconds: number,
  turn: () => Promise<Load>,
): Promise<{ constant: Load; load: Load }> {
  const constants: Load[] = [];
  const loads: Load[] = [];
  for (let i = 0; i < seconds; i++) {
    constants.push(await measureRoute(base, CONSTANT, connections, 1));
    loads.push(await turn());
  }
  return { constant: combineLoads(constants), load: combineLoads(loads) };
}

/**
 * One GET; resolves with the body's length as sent, the body itself dropped (fetch would decode a gzip body, and a
 * floor's body is gzip in name only).
 */
export function getOnce(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res
        .on("data", (chunk: Buffer) => (bytes += chunk.length))
        .on("error", reject)
        .on("end", () => resolve(bytes));
    });
    req.on("error", reject).end();
  });
}

/**
 * `route` and the constant route in alternating one-second turns, `seconds` of each, after one request of the
 * route alone (`firstMs`, its time): a page is rendered by the first request for it after a publish, in each
 * isolate, and a turn that paid for that rendering would be charged a one-off cost as if it were every request's.
 * Routes that ask for a new path each request have nothing to warm.
 */
export async function measurePaired(base: string, route: ReadRoute, connections: number, seconds: number) {
  let firstMs: number | null = null;
  if (!route.paths) {
    const started = performance.now();
    await getOnce(`${base}${route.path}`, { "accept-encoding": "gzip", ...route.headers });
    firstMs = performance.now() - started;
  }
  const paired = await alternateWithConstant(base, connections, seconds, () =>
    measureRoute(base, route, connections, 1),
  );
  return { ...paired, firstMs };
}

/**
 * Each route paired with the constant route, at each connection count; first a row for the constant route
 * itself, over every turn of it in that block.
 */
export async function benchReads(
  base: string,
  section: string,
  routes: ReadRoute[],
  connectionCounts: number[],
  seconds: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const connections of connectionCounts) {
    const paired = [];
    for (const route of routes) paired.push({ route, ...(await measurePaired(base, route, connections, seconds)) });
    const constant = combineLoads(paired.map((p) => p.constant));
    rows.push(buildReadRow(section, `${CONSTANT.name}, ${connections} conn`, constant, constant.rps, false));
    for (const { route, load, constant: beside, firstMs } of paired)
      rows.push(
        buildReadRow(section, `${route.name}, ${connections} conn`, load, beside.rps, route.gated ?? true, firstMs),
      );
  }
  return rows;
}

export function buildReadRow(
  section: string,
  name: string,
  load: Load,
  constantRps: number,
  gated: boolean,
  firstMs: number | null = null,
): Row {
  const ratio = load.rps / constantRps;
  return {
    section,
    name,
    value: `${formatCount(load.rps)} req/s`,
    ratio,
    ...(gated
      ? { target: `≥ ${READ_TARGET * 100}%`, met: ratio >= READ_TARGET && load.unexpected === 0 }
      : requireExpectedAnswers(load.unexpected)),
    note:
      `p50 ${load.p50} ms, p99 ${load.p99} ms, ${formatSize(load.bytesPerResponse)}` +
      (firstMs === null ? "" : `; first request ${formatCount(firstMs)} ms`) +
      describeBusy(load) +
      (load.unexpected ? `, ${load.unexpected} unexpected` : ""),
  };
}

const formatShare = (share: number) => `${Math.round(share * 100)}%`;

/** "; busy: workerd N%, autocannon N%" (nothing where /proc could not be read). */
export const describeBusy = ({ workerdBusy, clientBusy }: Pick<Load, "workerdBusy" | "clientBusy">) =>
  workerdBusy === null ? "" : `; busy: workerd ${formatShare(workerdBusy)}, autocannon ${formatShare(clientBusy)}`;
