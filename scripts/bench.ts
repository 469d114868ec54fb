// `npm run bench`: the read path under load, on the built Worker served by Miniflare's own HTTP server
// (workerd directly; `wrangler dev`'s proxy caps throughput far below the Worker's). It bundles the Worker as
// `wrangler deploy` would, seeds the 2019 catalogue plus 60 changes through the Worker's own publish code,
// then drives each route with autocannon for a few seconds on loopback only.
//
// Targets (issue 4: feeds are precomputed, so serving one should cost about what a constant response does):
// feed GET, feed 304 and the JSON API each reach at least 70% of /healthz's requests per second.
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { loadEvents, publish as publishAgain } from "../src/pipeline/publish.ts";
import { buildConference } from "./bench/conference.ts";
import { loadCatalogue2019, startLocalWorker } from "./local-worker.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, connections: { type: "string", default: "10" } },
});
const seconds = Math.min(Math.max(Number(values.seconds), 1), 30);
const connections = Math.min(Math.max(Number(values.connections), 1), 100);
const TARGET_RATIO = 0.7;

const BASE = "http://127.0.0.1";
const worker = await startLocalWorker({
  d1Databases: { DB: "bench" },
  kvNamespaces: { SITE: "bench" },
  queueProducers: { CHANGES: "sessionwire-changes", NOTIFY: "sessionwire-notify" },
  bindings: { PUBLIC_BASE_URL: BASE, WEBSUB_HUB: "", MAIL_TRANSPORT: "binding", SUBSCRIPTION_SECRET: "bench" },
});

try {
  const { url, DB, SITE } = worker;
  const site = { baseUrl: BASE, hubUrl: null };
  const seed = await loadCatalogue2019({ DB, SITE }, site, new Date("2026-11-27T00:00:00Z"));
  const insert = DB.prepare(
    `INSERT INTO changes (id, event_id, seq, session_id, session_title, type, url, summary, excerpt, created_at, notified_at)
     VALUES (?, ?, ?, 'xen-toolstacks', 'Xen Toolstacks', 'notes.updated', 'https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ',
             '3 lines added', ?, ?, ?)`,
  );
  await DB.batch(
    Array.from({ length: 60 }, (_, i) => {
      const at = new Date(Date.UTC(2026, 10, 27, 10, i)).toISOString();
      return insert.bind(
        `chg_bench_${i}`,
        seed.id,
        i + 1,
        `- decision ${i}: keep the ABI stable\n- action: write it up`,
        at,
        at,
      );
    }),
  );
  await publishAgain({ DB, SITE }, site);

  const feedPath = `/events/${seed.id}/feed.atom`;
  const etag = (await fetch(`${url}${feedPath}`)).headers.get("etag")!;
  const routes: { name: string; path: string; headers?: Record<string, string>; status: number }[] = [
    { name: "constant (/healthz)", path: "/healthz", status: 200 },
    { name: "event feed GET", path: feedPath, status: 200 },
    { name: "event feed 304", path: feedPath, headers: { "if-none-match": etag }, status: 304 },
    { name: "session feed GET", path: `/events/${seed.id}/sessions/xen-toolstacks/feed.rss`, status: 200 },
    { name: "event JSON", path: `/api/events/${seed.id}`, status: 200 },
    { name: "event page", path: `/events/${seed.id}`, status: 200 },
  ];
  const results = [];
  for (const r of routes) {
    const res = await autocannon({
      url: `${url}${r.path}`,
      headers: r.headers ?? {},
      connections,
      duration: seconds,
      expectBody: undefined,
    });
    const wrong = res.non2xx - (r.status === 304 ? res.non2xx : 0) + res.errors + res.timeouts;
    results.push({ name: r.name, rps: res.requests.average, p50: res.latency.p50, p99: res.latency.p99, wrong });
  }
  const base = results[0]!.rps;
  console.log(`\n${connections} connections, ${seconds} s per route, workerd via Miniflare on loopback\n`);
  console.log("route                    req/s     p50 ms  p99 ms  vs constant  unexpected");
  let ok = true;
  for (const r of results) {
    const ratio = r.rps / base;
    const gated = ["event feed GET", "event feed 304", "event JSON"].includes(r.name);
    if ((gated && ratio < TARGET_RATIO) || r.wrong > 0) ok = false;
    console.log(
      `${r.name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)}` +
        `  ${(ratio * 100).toFixed(0).padStart(9)}%  ${String(r.wrong).padStart(10)}${gated ? "  (target ≥ 70%)" : ""}`,
    );
  }
  // A conference-sized schedule: read, loaded into D1 and published to KV by the Worker's own code.
  const conference = buildConference("conference");
  if (!conference) console.log("\nconference: ../shared/samples is absent; skipped");
  else {
    const started = performance.now();
    const loaded = await loadEvents({ DB, SITE }, site, [conference], new Date("2026-11-27T00:00:00Z"));
    const ms = performance.now() - started;
    let bytes = 0;
    let largest = 0;
    let keys = 0;
    for (let cursor: string | undefined; ;) {
      const page = await SITE.list({ cursor });
      for (const { name } of page.keys.filter((k) => k.name.includes("/events/conference"))) {
        const size = Buffer.byteLength((await SITE.get(name)) ?? "");
        [bytes, largest, keys] = [bytes + size, Math.max(largest, size), keys + 1];
      }
      if (page.list_complete) break;
      cursor = page.cursor;
    }
    console.log(
      `\nconference: ${conference.sessions.length} sessions imported and published in ${ms.toFixed(0)} ms ` +
        `(${loaded.written} KV writes); ${keys} KV values, ${(bytes / 1024).toFixed(0)} KiB in all, the largest ` +
        `${(largest / 1024).toFixed(0)} KiB (KV's limit: 25 MiB)`,
    );
  }
  console.log(ok ? "\nbench: targets met" : "\nbench: TARGETS MISSED");
  process.exitCode = ok ? 0 : 1;
} finally {
  await worker.dispose();
}
