// Serving the built Worker on loopback, shared by `npm run bench` and `npm run soak`: bundle an entry as
// `wrangler deploy` would (so the soak's fault-injecting wrapper is built the same way as the real Worker), run
// it on Miniflare's own HTTP server on 127.0.0.1 (workerd directly, no `wrangler dev`), apply the D1
// migrations and load the 2019 catalogue through the Worker's own publish code.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import {
  Miniflare,
  Response as MiniflareResponse,
  type V4WorkerOptionsShape,
  convertV4MiniflareOptions,
} from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { Event } from "../src/domain/event.ts";
import type { SiteConfig } from "../src/feeds/build.ts";
import { type PublishEnv, loadEvents } from "../src/pipeline/publish.ts";

export const CATALOGUE_2019 = "data/events/xen-design-sessions-2019.json";

const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_HIDE_BANNER: "true",
  // The config is read for its bindings only; secrets come as plain bindings, so wrangler need not warn.
  WRANGLER_LOG: "error",
};

/**
 * The Worker's outbound fetches, kept on the machine: requests to `origin` (a mock mail API, a null receiver on
 * 127.0.0.1) are passed on with their method, headers and body, and the answer's status, body and content type come
 * back; anything else is refused with 403 and its URL added to `refused`.
 */
export function buildLoopbackOutbound(origin: string, refused: string[], timeoutMs = 15_000) {
  return async (request: Request): Promise<MiniflareResponse> => {
    if (new URL(request.url).origin !== origin) {
      refused.push(request.url);
      return new MiniflareResponse("outbound requests stay on this machine", { status: 403 });
    }
    const res = await fetch(request.url, {
      method: request.method,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // 204, 205 and 304 answers carry no body, and a Response with one refuses to be built.
    const body = [204, 205, 304].includes(res.status) ? null : await res.text();
    return new MiniflareResponse(body, {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  };
}

export type LocalWorker = {
  mf: Miniflare;
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** The bindings themselves, outside the Worker (no fault injection): for seeding and for checking. */
  DB: D1Database;
  SITE: KVNamespace;
  dispose: () => Promise<void>;
};

/**
 * The bindings, queues (producers and consumers, batch sizes, retries, dead-letter queues), crons and vars of
 * wrangler.toml, as Miniflare options, read by wrangler itself so they cannot drift from the deployed config.
 */
export function readWranglerOptions(): V4WorkerOptionsShape {
  const previous = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = "error";
  try {
    const all = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions as Record<string, unknown>;
    // Bindings and triggers only: the source options describe wrangler's own bundling, done here already.
    const keys = [
      "compatibilityDate",
      "compatibilityFlags",
      "bindings",
      "d1Databases",
      "kvNamespaces",
      "queueProducers",
      "queueConsumers",
      "ratelimits",
      "email",
      "cronTriggers",
    ];
    return Object.fromEntries(keys.filter((k) => all[k] !== undefined).map((k) => [k, all[k]])) as V4WorkerOptionsShape;
  } finally {
    if (previous === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = previous;
  }
}

/**
 * Bundles `entry` (default: wrangler.toml's main) with wrangler.toml's build settings and serves it on
 * 127.0.0.1 with `options` (bindings, queues, outbound service …). The bundle lives in a temporary directory
 * that `dispose` removes.
 */
export async function startLocalWorker(options: V4WorkerOptionsShape, entry?: string): Promise<LocalWorker> {
  const work = mkdtempSync(join(tmpdir(), "sessionwire-local-"));
  const outdir = join(work, "dist");
  // The flags the Worker runs with are the ones it is bundled for (wrangler.toml's, unless `options` names others).
  const flags = (options.compatibilityFlags ?? []).flatMap((flag) => ["--compatibility-flags", flag]);
  const args = ["deploy", ...(entry ? [entry] : []), "-c", "wrangler.toml", "--dry-run", "--outdir", outdir, ...flags];
  const build = spawnSync("wrangler", args, { env: WRANGLER_ENV, encoding: "utf8" });
  if (build.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`bundling failed:\n${build.stdout}\n${build.stderr}`);
  }
  const script = entry ? `${basename(entry).replace(/\.[cm]?[jt]s$/, "")}.js` : "index.js";
  let mf: Miniflare;
  try {
    // Miniflare 5 takes a new option shape; the converter accepts the classic one.
    mf = new Miniflare(
      convertV4MiniflareOptions({
        ...options,
        host: "127.0.0.1",
        port: 0,
        modules: true,
        scriptPath: join(outdir, script),
        modulesRoot: outdir,
        compatibilityDate: options.compatibilityDate ?? "2026-11-01",
      }),
    );
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
  const dispose = async () => {
    await mf.dispose();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const url = (await mf.ready).toString().replace(/\/$/, "");
    const DB = (await mf.getD1Database("DB")) as unknown as D1Database;
    const SITE = (await mf.getKVNamespace("SITE")) as unknown as KVNamespace;
    for (const m of await readD1Migrations("./migrations")) await DB.batch(m.queries.map((q) => DB.prepare(q)));
    return { mf, url, DB, SITE, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Loads the 2019 catalogue into D1 and publishes it to KV, as `npm run seed` does. */
export async function loadCatalogue2019(env: PublishEnv, site: SiteConfig, now: Date): Promise<Event> {
  const event = Event.parse(JSON.parse(readFileSync(CATALOGUE_2019, "utf8")));
  await loadEvents(env, site, [event], now);
  return event;
}
