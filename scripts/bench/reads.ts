// Read routes under load with autocannon, each next to the constant route (/healthz) measured at the same
// connection count in the same run. Target: every read at least 85% of the constant route's requests per second.
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
};

export type Load = { rps: number; p50: number; p99: number; unexpected: number; bytesPerResponse: number };

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
      rows.push(buildReadRow(section, `${route.name}, ${connections} conn`, load, constant.rps, true));
    }
  }
  return rows;
}

function buildReadRow(section: string, name: string, load: Load, constantRps: number, gated: boolean): Row {
  const ratio = load.rps / constantRps;
  return {
    section,
    name,
    value: `${formatCount(load.rps)} req/s`,
    ratio,
    ...(gated ? { target: `≥ ${READ_TARGET * 100}%`, met: ratio >= READ_TARGET && load.unexpected === 0 } : {}),
    note:
      `p50 ${load.p50} ms, p99 ${load.p99} ms, ${formatSize(load.bytesPerResponse)}` +
      (load.unexpected ? `, ${load.unexpected} unexpected` : ""),
  };
}
