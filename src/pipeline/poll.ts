// The pad poller: most pad hosts cannot push, so a cron looks at every watchable notes link and turns new
// text into a receipt on the CHANGES pipeline (which diffs, debounces and publishes). It is a polite
// client: conditional GETs, one request per host every few seconds, and at most six requests in flight
// (a Worker's simultaneous-connection limit). One bad link is counted and logged, never fatal.
import type { Bindings, Config } from "../config.ts";
import { type WatchedLink, listWatchedLinks, putPadFetchState } from "../store/pads.ts";
import { fetchNotesText } from "../watch/fetch.ts";
import { hashText } from "../lib/crypto.ts";
import { sleep as sleepFor } from "../lib/timers.ts";
import { buildFetchUrl } from "../watch/sources.ts";
import { PayloadTooLargeError, ingest } from "./ingest.ts";

export type PollOptions = {
  /** Pause between two requests to the same host. */
  spacingMs?: number;
  /** Requests in flight at once, across hosts. */
  concurrency?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
};

type Outcome = "modified" | "unchanged" | "notModified" | "refused" | "failed";

export type PollSummary = {
  checked: number;
  /** New text, handed to the pipeline. */
  modified: number;
  /** Fetched, but the text hashes to what the pipeline already has. */
  unchanged: number;
  notModified: number;
  refused: number;
  failed: number;
};

export async function pollWatchedLinks(
  env: Pick<Bindings, "DB" | "CHANGES">,
  config: Pick<Config, "watchHosts">,
  now: Date,
  opts: PollOptions = {},
): Promise<PollSummary> {
  const { spacingMs = 3000, concurrency = 6, timeoutMs = 15_000 } = opts;
  const sleep = opts.sleep ?? sleepFor;
  const allowHosts = config.watchHosts;
  const summary: PollSummary = { checked: 0, modified: 0, unchanged: 0, notModified: 0, refused: 0, failed: 0 };

  const byHost = new Map<string, WatchedLink[]>();
  for (const link of await listWatchedLinks(env.DB)) {
    summary.checked++;
    const fetchUrl = buildFetchUrl(link);
    if (!fetchUrl) {
      console.warn("poll refused", link.url, `no plain-text form for a ${link.kind} link`);
      summary.refused++;
      continue;
    }
    const host = URL.parse(fetchUrl)?.hostname ?? fetchUrl;
    // fetchWatched enforces the allow-list; checking here too keeps refused links out of the spacing queues.
    if (!allowHosts.includes(host)) {
      console.warn("poll refused", link.url, `host ${host} is not allowed`);
      summary.refused++;
      continue;
    }
    const queue = byHost.get(host) ?? [];
    queue.push(link);
    byHost.set(host, queue);
  }

  const limit = buildLimiter(concurrency);
  const pollOne = async (link: WatchedLink): Promise<Outcome> => {
    const result = await fetchNotesText(link, {
      allowHosts,
      etag: link.etag,
      lastModified: link.lastModified,
      timeoutMs,
    });
    if (result.outcome === "not-modified") {
      await putPadFetchState(env.DB, link, { etag: link.etag, lastModified: link.lastModified }, now);
      return "notModified";
    }
    if (result.outcome !== "modified") {
      console.warn("poll", result.outcome, link.url, result.reason);
      return result.outcome;
    }
    const { text } = result;
    const hash = await hashText(text);
    let outcome: Outcome = "unchanged";
    if (hash !== link.knownHash) {
      const item = {
        source: "poll",
        externalId: `${link.url}@${now.toISOString()}`,
        payload: {
          kind: "notes" as const,
          type: link.knownHash ? ("notes.updated" as const) : ("notes.published" as const),
          event: link.event,
          session: link.session,
          url: link.url,
          text,
        },
      };
      // A text too large to store with its receipt still says "changed": without it the consumer records an
      // opaque version, instead of this poll failing on the same pad every cycle.
      await ingest(env, item, now).catch((err: unknown) => {
        if (!(err instanceof PayloadTooLargeError)) throw err;
        const { text: _tooLarge, ...payload } = item.payload;
        return ingest(env, { ...item, payload }, now);
      });
      outcome = "modified";
    }
    // Validators are stored only once the text is safely received, so a failed ingest is retried next poll.
    await putPadFetchState(env.DB, link, { etag: result.etag, lastModified: result.lastModified }, now);
    return outcome;
  };

  await Promise.all(
    [...byHost.values()].map(async (links) => {
      for (const [i, link] of links.entries()) {
        if (i > 0) await sleep(spacingMs);
        const outcome = await limit(() =>
          pollOne(link).catch((err: unknown): Outcome => {
            console.error("poll failed", link.url, err);
            return "failed";
          }),
        );
        summary[outcome]++;
      }
    }),
  );
  return summary;
}

/** Runs at most `max` tasks at once; a finishing task hands its slot straight to the next waiter. */
function buildLimiter(max: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
