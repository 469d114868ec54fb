// Read routes under load with autocannon, each next to the constant route (/healthz) measured at the same
// connection count in the same run. Target: every read at least 85% of the constant route's requests per second.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import { type Row, formatCount, formatSize } from "./table.ts";

export const READ_TARGET = 0.85;

export type ReadRoute = {
  name: string;
  path: string;
  headers?: Record<string, string>;
  status: 200 | 304;
  /** Each request asks for the next of these paths in turn (e.g. searches no cache has seen yet). */
  paths?: string[];
  /** false: measured, not held to READ_TARGET (a view computed for each request, which nothing publishes). */
  gated?: false;
};

export type Load = {
  rps: number;
  p50: number;
  p99: number;
  unexpected: number;
  bytesPerResponse: number;
  /** The share of one core workerd used meanwhile (null where /proc is not there to read it). */
  workerdBusy: number | null;
  /** The share of one core this process (autocannon) used meanwhile. */
  clientBusy: number;
};

/**
 * A read of a large body that the Worker is not what limits: workerd used less than WORKER_BUSY of its core while
 * the ratio was low. What such a row measures (the conference's 91 KiB page, its 357 KiB JSON) is how fast loopback
 * and autocannon move bytes on this 2-core machine, not what the Worker computes: it is reported "bytes-bound"
 * rather than held to READ_TARGET, with both processes' CPU in its note. Small bodies are always held to it.
 */
const BYTES_BOUND = { minBytes: 32 * 1024, workerBusy: 0.7 };

/**
 * CPU seconds used so far by the workerd processes this bench started (Miniflare's children), from /proc. On this
 * machine the load generator and workerd share two cores: a read whose ratio is low while workerd is far from
 * busy is limited by autocannon taking in its bytes, not by the Worker.
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
export async function measureBusy<T>(run: () => Promise<T>): Promise<T & Pick<Load, "workerdBusy" | "clientBusy">> {
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

/** Drives one route for `seconds`; `unexpected` counts errors, timeouts and answers other than `status`. */
export async function measureRoute(
  base: string,
  route: Pick<ReadRoute, "path" | "headers" | "status" | "paths">,
  connections: number,
  seconds: number,
): Promise<Load> {
  let wrongStatus = 0;
  let next = 0;
  const { paths } = route;
  return measureBusy(async () => {
    const res = await autocannon({
      ...(paths ? { requests: [{ setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }] } : {}),
      url: `${base}${route.path}`,
      // As browsers and feed readers ask: large pages and JSON come gzipped (compressed once per published value).
      headers: { "accept-encoding": "gzip, deflate, br", ...route.headers },
      connections,
      duration: seconds,
      setupClient: (client) =>
        client.on("response", (status: number) => {
          if (status !== route.status) wrongStatus++;
        }),
    });
    return {
      rps: res.requests.average,
      p50: res.latency.p50,
      p99: res.latency.p99,
      unexpected: wrongStatus + res.errors + res.timeouts,
      bytesPerResponse: res.requests.average > 0 ? res.throughput.average / res.requests.average : 0,
    };
  });
}

export const CONSTANT: ReadRoute = { name: "constant (/healthz)", path: "/healthz", status: 200 };

/** The constant route, then each route, at each connection count. */
export async function benchReads(
  base: string,
  section: string,
  routes: ReadRoute[],
  connectionCounts: number[],
  seconds: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const connections of connectionCounts) {
    const constant = await measureRoute(base, CONSTANT, connections, seconds);
    rows.push(buildReadRow(section, `${CONSTANT.name}, ${connections} conn`, constant, constant.rps, false));
    for (const route of routes) {
      const load = await measureRoute(base, route, connections, seconds);
      rows.push(buildReadRow(section, `${route.name}, ${connections} conn`, load, constant.rps, route.gated ?? true));
    }
  }
  return rows;
}

function buildReadRow(section: string, name: string, load: Load, constantRps: number, gated: boolean): Row {
  const ratio = load.rps / constantRps;
  const bytesBound =
    load.bytesPerResponse >= BYTES_BOUND.minBytes &&
    load.workerdBusy !== null &&
    load.workerdBusy < BYTES_BOUND.workerBusy;
  const met = ratio >= READ_TARGET && load.unexpected === 0;
  return {
    section,
    name,
    value: `${formatCount(load.rps)} req/s`,
    ratio,
    ...(!gated
      ? {}
      : !met && bytesBound && load.unexpected === 0
        ? { target: "bytes-bound" }
        : { target: `≥ ${READ_TARGET * 100}%`, met }),
    note:
      `p50 ${load.p50} ms, p99 ${load.p99} ms, ${formatSize(load.bytesPerResponse)}` +
      describeBusy(load) +
      (load.unexpected ? `, ${load.unexpected} unexpected` : ""),
  };
}

const formatShare = (share: number) => `${Math.round(share * 100)}%`;

/** "; busy: workerd N%, autocannon N%" (nothing where /proc could not be read). */
export const describeBusy = ({ workerdBusy, clientBusy }: Pick<Load, "workerdBusy" | "clientBusy">) =>
  workerdBusy === null ? "" : `; busy: workerd ${formatShare(workerdBusy)}, autocannon ${formatShare(clientBusy)}`;
