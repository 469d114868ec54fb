// The deployed Worker's size and start-up time, for the bench. The size is what `wrangler deploy` uploads and
// reports as "Total Upload" (every module, source map excluded; gzip as wrangler computes it). Start-up is what
// the first request of a fresh isolate pays to evaluate the Worker's top level (zod schemas, routes, parsers):
// a probe module imports the bundle on its first /healthz, as `wrangler check startup` does, timed from Node,
// less what a /healthz costs once loaded. Each sample is a fresh workerd, so nothing is evaluated twice.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { readWranglerOptions } from "../local-worker.ts";

const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
};
const STARTUP_SAMPLES = 7;
const LOADED_SAMPLES = 3;

// Loads the Worker on the first request that is not for the probe itself, then hands every request to it.
const PROBE = `
let worker;
export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__probe") return new Response("ok");
    worker ??= (await import("./index.js")).default;
    return worker.fetch(request, env, ctx);
  },
};`;

export type BundleMeasure = {
  bytes: number;
  gzipBytes: number;
  startupMs: number;
  /** zod's other locales are aliased away (wrangler.toml [alias]); false if a wrangler change brought them back. */
  englishOnly: boolean;
};

export async function measureBundle(): Promise<BundleMeasure> {
  const work = mkdtempSync(join(tmpdir(), "sessionwire-bundle-"));
  try {
    const outdir = join(work, "dist");
    const args = ["deploy", "-c", "wrangler.toml", "--dry-run", "--outdir", outdir];
    const build = spawnSync("wrangler", args, { env: WRANGLER_ENV, encoding: "utf8" });
    if (build.status !== 0) throw new Error(`bundling failed:\n${build.stdout}\n${build.stderr}`);
    const modules = readdirSync(outdir).filter((f) => !f.endsWith(".map") && f !== "README.md");
    if (modules.join() !== "index.js") throw new Error(`expected one module, index.js; the bundle has ${modules}`);
    const script = readFileSync(join(outdir, "index.js"));

    const samples: number[] = [];
    for (let i = 0; i < STARTUP_SAMPLES; i++) samples.push(await measureStartup(outdir));
    return {
      bytes: script.byteLength,
      gzipBytes: gzipSync(script).byteLength,
      startupMs: median(samples),
      // A message of zod's German locale, which the alias keeps out.
      englishOnly: !script.includes("Ungültige Eingabe"),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One fresh workerd: the first /healthz (bundle evaluated) less the median of the next ones. */
async function measureStartup(outdir: string): Promise<number> {
  // wrangler.toml's bindings and vars (/healthz reads the configuration); no consumers or crons: nothing runs
  // but the requests sent here.
  const { queueConsumers: _q, cronTriggers: _c, ...options } = readWranglerOptions();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...options,
      compatibilityDate: options.compatibilityDate ?? "2026-11-01",
      modulesRoot: outdir,
      modules: [
        { type: "ESModule", path: join(outdir, "startup-probe.mjs"), contents: PROBE },
        { type: "ESModule", path: join(outdir, "index.js") },
      ],
    }),
  );
  try {
    await mf.ready;
    await (await mf.dispatchFetch("http://127.0.0.1/__probe")).text();
    const first = await timeHealthz(mf);
    const loaded: number[] = [];
    for (let i = 0; i < LOADED_SAMPLES; i++) loaded.push(await timeHealthz(mf));
    return Math.max(0, first - median(loaded));
  } finally {
    await mf.dispose();
  }
}

async function timeHealthz(mf: Miniflare): Promise<number> {
  const started = performance.now();
  const res = await mf.dispatchFetch("http://127.0.0.1/healthz");
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}: ${body}`);
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
