// Following schedules: every 10 minutes the cron fetches each event's source under the same confinement as pads
// (https, WATCH_HOSTS, a size cap, a timeout, a conditional GET) and, when its text changed, hands it to the
// pipeline as an import receipt, like an admin import. An unchanged source (304, or the same text) makes nothing;
// one that cannot be fetched is recorded in failures; one that cannot be read fails its receipt, which is
// recorded too, and the catalogue stays as it was.
import type { Bindings, Config } from "../config.ts";
import { MAX_IMPORT_TEXT_BYTES } from "../domain/limits.ts";
import { hashText } from "../lib/crypto.ts";
import { buildSubject, recordFailure } from "../store/failures.ts";
import { listFollowedSources, putSourceFetchState } from "../store/sources.ts";
import { fetchWatched } from "../watch/fetch.ts";
import { buildScheduleUrl } from "../watch/sources.ts";
import { ingest } from "./ingest.ts";

/** Sources looked at per run, least recently checked first (each is one fetch; a run has 6 connections). */
export const SOURCES_PER_RUN = 20;
const FETCH_TIMEOUT_MS = 15_000;

export type SourceSummary = { checked: number; changed: number; unchanged: number; failed: number };

export async function followSources(
  env: Pick<Bindings, "DB" | "CHANGES">,
  config: Pick<Config, "watchHosts">,
  now: Date,
): Promise<SourceSummary> {
  const summary: SourceSummary = { checked: 0, changed: 0, unchanged: 0, failed: 0 };
  for (const source of await listFollowedSources(env.DB, SOURCES_PER_RUN)) {
    summary.checked++;
    try {
      const result = await fetchWatched(buildScheduleUrl(source.url), {
        allowHosts: config.watchHosts,
        etag: source.etag,
        lastModified: source.lastModified,
        maxBytes: MAX_IMPORT_TEXT_BYTES,
        timeoutMs: FETCH_TIMEOUT_MS,
      });
      if (result.outcome === "not-modified") {
        await putSourceFetchState(
          env.DB,
          source.eventId,
          { etag: source.etag, lastModified: source.lastModified },
          now,
        );
        summary.unchanged++;
        continue;
      }
      if (result.outcome !== "modified") throw new Error(`${result.outcome}: ${result.reason}`);
      const hash = await hashText(result.text);
      if (hash !== source.hash) {
        await ingest(
          env,
          {
            source: "source",
            externalId: `${source.eventId}@${now.toISOString()}:${hash}`,
            payload: {
              kind: "admin",
              edit: {
                action: "event.import",
                event: source.eventId,
                title: source.title,
                ...(source.format ? { format: source.format } : {}),
                text: result.text,
              },
            },
          },
          now,
        );
        summary.changed++;
      } else summary.unchanged++;
      await putSourceFetchState(
        env.DB,
        source.eventId,
        { etag: result.etag, lastModified: result.lastModified, hash },
        now,
      );
    } catch (err) {
      console.error("source could not be followed", source.eventId, source.url, err);
      summary.failed++;
      const error = err instanceof Error ? err.message : String(err);
      await recordFailure(
        env.DB,
        {
          subject: buildSubject.source(source.eventId),
          queue: "cron",
          messageId: source.url,
          attempts: 1,
          body: null,
          error,
        },
        now,
      ).catch((e: unknown) => console.error("source failure could not be recorded", source.eventId, e));
      await putSourceFetchState(
        env.DB,
        source.eventId,
        { etag: source.etag, lastModified: source.lastModified },
        now,
      ).catch(() => {});
    }
  }
  return summary;
}
