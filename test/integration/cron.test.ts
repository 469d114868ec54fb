// The crons through the Worker's scheduled handler: the 10-minute sweep re-queues stranded receipts and
// settles quiet pads (besides polling); the daily one forgets receipts past their 7 days.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestChange, putTestPendingPad, putTestReceipt } from "../helpers/factories.ts";
import { type TestQueue, captureQueues, runCron as runCronAt } from "../helpers/queue.ts";
import { DAILY_CRON, POLL_CRON } from "../../src/cron/index.ts";
import type { ChangesMessage, NotifyMessage } from "../../src/domain/messages.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const NOW = new Date("2026-11-27T12:00:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const runCron = (cron: string) => runCronAt(cron, NOW);

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
    const stranded = await putTestReceipt({ receivedAt: ago(10 * 60_000) });
    await putTestReceipt({ receivedAt: ago(60_000) });
    await putTestReceipt({ receivedAt: ago(60 * 60_000), processedAt: ago(59 * 60_000) });
    await putTestPendingPad("https://hackmd.io/quiet", "quiet notes", ago(11 * 60_000));
    await putTestPendingPad("https://hackmd.io/busy", "busy notes", ago(60_000));
    await runCron(POLL_CRON);
    expect(changes.sent).toEqual([
      { body: { v: 1, type: "receipt", receiptId: stranded } },
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
    const stranded = await putTestReceipt({ receivedAt: ago(10 * 60_000) });
    await putTestChange({ id: "chg_left", url: null, summary: "x", at: ago(10 * 60_000).toISOString() });
    changes.refuse(() => true);
    await expect(runCron(POLL_CRON)).rejects.toThrow(/receipts failed/);
    // The change a crash left in the outbox was still handed to mail, and the pads were still polled.
    expect(notify.sent).toEqual([{ body: { v: 1, type: "change", changeId: "chg_left" } }]);
    expect(vi.mocked(fetch).mock.calls.length).toBeGreaterThan(0);
    // The receipt stays due: it is re-queued by the next run.
    const row = await env.DB.prepare("SELECT sweeps FROM receipts WHERE id = ?").bind(stranded).first();
    expect(row).toEqual({ sweeps: 0 });
  });
});

describe("daily", () => {
  it("forgets receipts older than 7 days and keeps the rest", async () => {
    await putTestReceipt({ receivedAt: ago(8 * 86_400_000), processedAt: ago(8 * 86_400_000) });
    const recent = await putTestReceipt({ receivedAt: ago(6 * 86_400_000), processedAt: ago(6 * 86_400_000) });
    await runCron(DAILY_CRON);
    const { results } = await env.DB.prepare("SELECT id FROM receipts").all();
    expect(results).toEqual([{ id: recent }]);
    expect(fetch).not.toHaveBeenCalled();
  });
});
