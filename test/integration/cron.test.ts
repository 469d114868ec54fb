// The crons through the Worker's scheduled handler: the 10-minute sweep re-queues stranded receipts and
// settles quiet pads (besides polling); the daily one forgets receipts past their 7 days.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { type TestQueue, captureQueues, runCron as runCronAt } from "../helpers/queue.ts";
import { DAILY_CRON, POLL_CRON } from "../../src/cron/index.ts";
import type { ChangesMessage, NotifyMessage } from "../../src/domain/messages.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const NOW = new Date("2026-11-27T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const runCron = (cron: string) => runCronAt(cron, NOW);

const receipt = env.DB.prepare(
  "INSERT INTO receipts (id, source, external_id, payload, received_at, processed_at) VALUES (?, 'notes', ?, '{}', ?, ?)",
);

let changes: TestQueue<ChangesMessage>;
let notify: TestQueue<NotifyMessage>;
beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], NOW);
  ({ changes, notify } = captureQueues());
  // The poller's own behaviour is tested in poll.test.ts; here every pad host answers "not modified".
  vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 304 }));
});
afterEach(() => vi.restoreAllMocks());

describe("every 10 minutes", () => {
  it("re-queues receipts that were stored but never processed, and settles quiet pads", async () => {
    await env.DB.batch([
      receipt.bind("stranded", "a", ago(10 * 60_000), null),
      receipt.bind("fresh", "b", ago(60_000), null),
      receipt.bind("done", "c", ago(60 * 60_000), ago(59 * 60_000)),
      env.DB.prepare(
        `INSERT INTO pads (event_id, session_id, url, pending_hash, last_edit_at)
         VALUES ('test-summit-2026', 'xen-toolstacks', 'https://hackmd.io/quiet', 'h1', ?),
                ('test-summit-2026', 'xen-toolstacks', 'https://hackmd.io/busy', 'h2', ?)`,
      ).bind(ago(11 * 60_000), ago(60_000)),
    ]);
    await runCron(POLL_CRON);
    expect(changes.sent).toEqual([
      { body: { v: 1, type: "receipt", receiptId: "stranded" } },
      {
        body: {
          v: 1,
          type: "settle",
          event: "test-summit-2026",
          session: "xen-toolstacks",
          url: "https://hackmd.io/quiet",
        },
      },
    ]);
    // and it polled the watchable links of the catalogue
    expect(vi.mocked(fetch).mock.calls.length).toBeGreaterThan(0);
  });

  it("runs every step even when one fails, then reports the failure", async () => {
    await env.DB.batch([
      receipt.bind("stranded", "a", ago(10 * 60_000), null),
      env.DB.prepare(
        `INSERT INTO changes (id, event_id, seq, session_id, session_title, type, summary, created_at)
         VALUES ('chg_left', 'test-summit-2026', 1, 'xen-toolstacks', 'Xen Toolstacks', 'notes.updated', 'x', ?)`,
      ).bind(ago(10 * 60_000)),
    ]);
    changes.refuse(() => true);
    await expect(runCron(POLL_CRON)).rejects.toThrow(/receipts failed/);
    // The change a crash left in the outbox was still handed to mail, and the pads were still polled.
    expect(notify.sent).toEqual([{ body: { v: 1, type: "change", changeId: "chg_left" } }]);
    expect(vi.mocked(fetch).mock.calls.length).toBeGreaterThan(0);
    // The receipt stays due: it is re-queued by the next run.
    const row = await env.DB.prepare("SELECT sweeps FROM receipts WHERE id = 'stranded'").first();
    expect(row).toEqual({ sweeps: 0 });
  });
});

describe("daily", () => {
  it("forgets receipts older than 7 days and keeps the rest", async () => {
    await env.DB.batch([
      receipt.bind("old", "a", ago(8 * 86_400_000), ago(8 * 86_400_000)),
      receipt.bind("recent", "b", ago(6 * 86_400_000), ago(6 * 86_400_000)),
    ]);
    await runCron(DAILY_CRON);
    const { results } = await env.DB.prepare("SELECT id FROM receipts").all();
    expect(results).toEqual([{ id: "recent" }]);
    expect(fetch).not.toHaveBeenCalled();
  });
});
