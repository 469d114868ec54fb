// Change → feed and → mail: how long a reader and a subscriber wait for a change, measured from the webhook's
// 2xx. On the metered Worker with wrangler.toml's queues and consumers, the quiet period at 0 and no cron (every
// step, from the receipt to the mail, runs from queue messages; a step that needed the cron would show up as a
// change that never arrives), one confirmed subscriber of the session, and mail over the HTTP transport to the
// soak's mock provider with its faults off, which stamps each mail as it accepts it. Changes go one at a time
// (each a new text of one pad, with a marker line), the next once the last was seen in the session's JSON feed
// (polled) and at the provider.
import { feedPaths } from "../../src/paths.ts";
import type { AcceptedMail } from "../soak/mail-api.ts";
import { type Row, formatCount } from "./table.ts";
import { addTally, countMessages, sumBuckets } from "./tally.ts";
import { buildNotesBody, percentile, postNotesWebhook, startMeteredWorker, waitFor } from "./metered.ts";

const ARRIVAL_TIMEOUT_MS = 30_000;
const FEED_POLL_MS = 20;

export async function benchChangeLatency({ changes }: { changes: number }): Promise<Row[]> {
  const section = "change latency";
  const worker = await startMeteredWorker({ consumers: true });
  try {
    const event = worker.event.id;
    const session = worker.event.sessions[0]!.id;
    const subscriber = "bench-latency-";
    await worker.inspect("POST", "/__bench/subscribers", {
      event,
      session,
      count: 1,
      prefix: subscriber,
      confirmedAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const feedUrl = `${worker.url}${feedPaths.session(event, session, "json")}`;
    const pad = "https://hackmd.io/bench-latency";
    const run = Date.now();
    const toFeed: number[] = [];
    const toMail: number[] = [];
    const problems: string[] = [];
    // Closed at both ends, so that change 1's marker is not found inside change 10's.
    const buildMarker = (k: number) => `[bench-latency-${run}-${k}]`;
    const mailsFor = (marker: string) => worker.mailApi.accepted.filter((m: AcceptedMail) => m.text.includes(marker));

    // Change 0 warms up (its first delivery also adds the notes link to the session) and is not counted.
    for (let k = 0; k <= changes; k++) {
      if (k === 1) await worker.resetMeter();
      const marker = buildMarker(k);
      const body = buildNotesBody(event, session, pad, ["# Toolstack notes", `- ${marker}`], k + 1);
      const ack = await postNotesWebhook(worker.url, `msg_bench_latency_${run}_${k}`, body);
      if (ack.status !== 202) {
        problems.push(`change ${k}: webhook answered ${ack.status}`);
        continue;
      }
      const [feedAt, mailAt] = await Promise.all([
        waitFor(
          async () => {
            const res = await fetch(feedUrl, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
            const text = res ? await res.text() : "";
            return text.includes(marker) ? Date.now() : null;
          },
          { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: FEED_POLL_MS },
        ),
        waitFor(() => mailsFor(marker)[0]?.at ?? null, { timeoutMs: ARRIVAL_TIMEOUT_MS, intervalMs: 5 }),
      ]);
      if (feedAt === null) problems.push(`change ${k}: not in the feed after ${ARRIVAL_TIMEOUT_MS / 1000} s`);
      if (mailAt === null) problems.push(`change ${k}: no mail after ${ARRIVAL_TIMEOUT_MS / 1000} s`);
      if (k === 0) continue;
      if (feedAt !== null) toFeed.push(feedAt - ack.at);
      if (mailAt !== null) toMail.push(mailAt - ack.at);
    }
    // Late duplicates would have arrived by now: each change is one mail, never resent.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (let k = 0; k <= changes; k++) {
      const n = mailsFor(buildMarker(k)).length;
      if (n > 1) problems.push(`change ${k}: ${n} mails`);
    }
    if (worker.mailApi.stats.resentDeduplicated)
      problems.push(`${worker.mailApi.stats.resentDeduplicated} mails resent`);
    if (worker.workerErrors.count) problems.push(`worker errors: ${worker.workerErrors.samples.join(" | ")}`);
    if (worker.refusedOutbound.length) problems.push(`outbound refused: ${worker.refusedOutbound[0]}`);

    // What the changes cost: the webhooks and every consumer batch (the feed polls are reads, not the change).
    const meter = await worker.readMeter();
    const work = sumBuckets(meter, "queue ");
    addTally(work, sumBuckets(meter, "fetch POST /webhooks/notes"));
    const per = (n: number) => (n / Math.max(changes, 1)).toFixed(1);
    const messages = [countMessages(work, "CHANGES"), countMessages(work, "NOTIFY")];
    const cost =
      `per change: ${per(work.invocations)} invocations, ${per(work.d1Statements)} D1 statements ` +
      `(${per(work.rowsRead)} rows read, ${per(work.rowsWritten)} written), ` +
      `${per(messages[0]!.all)} CHANGES + ${per(messages[1]!.all)} NOTIFY messages, ${work.retried} retries`;
    const checked = problems.length
      ? `${problems.length} problem(s): ${problems.slice(0, 3).join("; ")}`
      : `each change in the feed and one mail each; no cron needed`;
    const describe = (values: number[]) =>
      `${values.length} of ${changes} changes; min ${formatCount(Math.min(...values))} ms, max ${formatCount(Math.max(...values))} ms`;
    const rowsFor = (what: string, values: number[], note: string): Row[] => [
      {
        section,
        name: `ack → ${what}: median`,
        value: values.length ? `${formatCount(percentile(values, 0.5))} ms` : "none arrived",
        ...(problems.length ? { target: "every change arrives once", met: false } : {}),
        note: `${describe(values)}; ${note}`,
      },
      {
        section,
        name: `ack → ${what}: p99`,
        value: values.length ? `${formatCount(percentile(values, 0.99))} ms` : "none arrived",
        note: values.length < 100 ? `of ${values.length}: the slowest` : "",
      },
    ];
    return [
      ...rowsFor(
        "item in the session feed",
        toFeed,
        `quiet period 0, feed polled every ${FEED_POLL_MS} ms; ${checked}`,
      ),
      ...rowsFor("mail at the provider", toMail, `HTTP transport, provider stamps acceptance; ${cost}`),
    ];
  } finally {
    await worker.dispose();
  }
}
