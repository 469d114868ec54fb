// The receipt sweep cannot starve: receipts that failed for good are marked and never re-queued, the rest are
// re-queued in a fair order with backoff and given up on after a bounded number of re-queues, and a receipt
// whose messages keep dying keeps one failures row. Through the Worker's real queue and scheduled handlers.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestReceipt } from "../helpers/factories.ts";
import { getJson, sendAdmin } from "../helpers/http.ts";
import { type Sent, type TestQueue, captureQueues, deliver as deliverTo, runCron } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { POLL_CRON } from "../../src/cron/index.ts";
import { ingest } from "../../src/pipeline/ingest.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { MAX_RECEIPT_SWEEPS, buildSweepDelayMs } from "../../src/pipeline/recover.ts";
import { getPipelineHealth } from "../../src/store/health.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const T0 = new Date("2026-11-27T12:00:00Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** What the code under test sent to CHANGES, in order (sendBatch and send alike). */
let changes: TestQueue<ChangesMessage>;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(minutes(-120));
  await loadEvents(env, buildSite(), [buildTestEvent()], minutes(-120));
  // Hand-overs to mail (NOTIFY, captured and never delivered) are not under test here.
  changes = captureQueues().changes;
  // The poller runs with every sweep; every pad host answers "not modified".
  vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 304 }));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Stores receipts for admin edits at `at`, as the admin API does; their queue messages are left on CHANGES. */
async function receive(edits: { key: string; event: string }[], at: Date): Promise<string[]> {
  vi.setSystemTime(at);
  const ids: string[] = [];
  for (const { key, event } of edits) {
    const result = await ingest(
      env,
      {
        source: "admin",
        externalId: key,
        payload: {
          kind: "admin",
          edit: { action: "link.add", event, session: "xen-toolstacks", url: `https://pad.example.org/${key}` },
        },
      },
      at,
    );
    if (result.status === "queued") ids.push(result.receiptId);
  }
  return ids;
}

/** Hands messages to the Worker's queue handler (the DLQ's when `queue` says so), 100 to a batch; how many it acked. */
async function deliver(messages: Sent<ChangesMessage>[], queue: string = QUEUES.changes, attempts = 1) {
  const delivery = await deliverTo(
    queue,
    messages.map((m) => ({ ...m, attempts })),
    { batchSize: 100 },
  );
  return delivery.explicitAcks.length;
}

async function sweep(at: Date): Promise<string[]> {
  vi.setSystemTime(at);
  changes.sent.splice(0);
  await runCron(POLL_CRON, at);
  return changes.sent.flatMap((m) => (m.body.type === "receipt" ? [m.body.receiptId] : []));
}

const receiptRow = (id: string) =>
  env.DB.prepare("SELECT processed_at, failed_at, error, sweeps FROM receipts WHERE id = ?").bind(id).first<{
    processed_at: string | null;
    failed_at: string | null;
    error: string | null;
    sweeps: number;
  }>();

describe("receipts that failed for good", () => {
  it("are never re-queued: a lost good receipt behind 1,000 of them is re-queued by the next sweep and published", async () => {
    const doomed = await receive(
      Array.from({ length: 1000 }, (_, i) => ({ key: `doomed-${i}`, event: "no-such-event" })),
      minutes(-90),
    );
    expect(await deliver(changes.sent.splice(0))).toBe(1000);
    const [good] = await receive([{ key: "good", event: EVENT }], minutes(-30));
    changes.sent.splice(0); // its queue message is lost

    const health = await getPipelineHealth(env.DB);
    expect(health.receipts).toEqual({ unprocessed: 1, oldestUnprocessedAt: minutes(-30).toISOString(), failed: 1000 });
    expect(health.failures.subjects).toBe(1000);
    expect(await receiptRow(doomed[0]!)).toMatchObject({
      failed_at: expect.any(String),
      error: "no event no-such-event",
    });

    expect(await sweep(T0)).toEqual([good]);
    await deliver(changes.sent.filter((m) => m.body.type === "receipt"));
    expect(await receiptRow(good!)).toMatchObject({ processed_at: expect.any(String), failed_at: null });
    const log = await getJson<{ changes: { type: string; url: string }[] }>(`/api/events/${EVENT}/changes`);
    expect(log.changes).toEqual([expect.objectContaining({ type: "link.added", url: "https://pad.example.org/good" })]);
    // Nothing is due any more, and the failures table did not grow.
    expect(await sweep(minutes(10))).toEqual([]);
    expect(await sweep(minutes(600))).toEqual([]);
    expect((await getPipelineHealth(env.DB)).failures.subjects).toBe(1000);
  }, 120_000);
});

describe("receipts that keep failing", () => {
  it("cannot hold the head of the line, and are given up on after a bounded number of re-queues", async () => {
    const transient = await receive(
      Array.from({ length: 1000 }, (_, i) => ({ key: `flaky-${i}`, event: EVENT })),
      minutes(-60),
    );
    const [good] = await receive([{ key: "good", event: EVENT }], minutes(-20));
    changes.sent.splice(0); // every message queued so far is lost

    const requeues = new Map<string, number>();
    let goodAtSweep: number | null = null;
    let firstFailedAtSweep: number | null = null;
    for (let n = 0; n < 200; n++) {
      const ids = await sweep(minutes(10 * n));
      for (const id of ids) requeues.set(id, (requeues.get(id) ?? 0) + 1);
      if (ids.includes(good!)) {
        goodAtSweep ??= n;
        await deliver([{ body: { v: 1, type: "receipt", receiptId: good! } }]);
      }
      // The flaky receipts' messages die: the first two rounds reach the dead-letter queue, later ones vanish.
      const dead = ids.filter((id) => id !== good && requeues.get(id)! <= 2);
      await deliver(
        dead.map((receiptId) => ({ body: { v: 1, type: "receipt", receiptId } })),
        QUEUES.changesDeadLetters,
        6,
      );
      const { n: failed } = (await env.DB.prepare(
        "SELECT COUNT(*) AS n FROM receipts WHERE failed_at IS NOT NULL",
      ).first<{ n: number }>())!;
      if (failed > 0) firstFailedAtSweep ??= n;
      if (failed === 1000) break;
    }

    // Fair: the good receipt, newest of all, waited one sweep for the 1,000 ahead of it (at most 1,000 a sweep).
    expect(goodAtSweep).toBe(1);
    expect(await receiptRow(good!)).toMatchObject({ processed_at: expect.any(String), sweeps: 1 });
    // Bounded: each flaky receipt was re-queued exactly MAX_RECEIPT_SWEEPS times, then marked failed with why.
    expect(transient.every((id) => requeues.get(id) === MAX_RECEIPT_SWEEPS)).toBe(true);
    const spent = await receiptRow(transient[0]!);
    expect(spent).toMatchObject({ processed_at: null, sweeps: MAX_RECEIPT_SWEEPS });
    expect(spent?.error).toBe(`not processed after ${MAX_RECEIPT_SWEEPS} re-queues; last error: exhausted retries`);
    // The give-up came after the backoff: 10, 20, 40 … minutes between re-queues, not one every sweep.
    const waited = Array.from({ length: MAX_RECEIPT_SWEEPS }, (_, i) => buildSweepDelayMs(i + 1)).reduce(
      (a, b) => a + b,
    );
    expect(firstFailedAtSweep! * 10 * 60_000).toBeGreaterThanOrEqual(waited);
    // One failures row per receipt, counting two dead letters and the give-up.
    const rows = await env.DB.prepare(
      "SELECT COUNT(*) AS n, MIN(count) AS lo, MAX(count) AS hi FROM failures WHERE subject LIKE 'receipt:%'",
    ).first();
    expect(rows).toEqual({ n: 1000, lo: 3, hi: 3 });
    // Given up means never re-queued again.
    expect(await sweep(minutes(10 * 24 * 60))).toEqual([]);
    expect((await getPipelineHealth(env.DB)).receipts).toMatchObject({ unprocessed: 0, failed: 1000 });
  }, 180_000);

  it("keeps one failures row for a receipt however often its message dies", async () => {
    const [id] = await receive([{ key: "dies", event: EVENT }], minutes(-10));
    changes.sent.splice(0);
    let requeued = 0;
    for (let n = 0; n < 150; n++) {
      const ids = await sweep(minutes(10 * n));
      if (!ids.length) continue;
      requeued++;
      await deliver(
        ids.map((receiptId) => ({ body: { v: 1, type: "receipt", receiptId } })),
        QUEUES.changesDeadLetters,
        6,
      );
    }
    expect(requeued).toBe(MAX_RECEIPT_SWEEPS);
    const { results } = await env.DB.prepare("SELECT subject, count, error FROM failures").all();
    expect(results).toEqual([
      {
        subject: `receipt:${id}`,
        count: MAX_RECEIPT_SWEEPS + 1,
        error: `not processed after ${MAX_RECEIPT_SWEEPS} re-queues; last error: exhausted retries`,
      },
    ]);
    // The admin API lists it with its subject and count.
    const res = await sendAdmin("GET", "/api/admin/failures");
    const body = (await res.json()) as { failures: { subject: string; count: number }[] };
    expect(body.failures).toEqual([
      expect.objectContaining({ subject: `receipt:${id}`, count: MAX_RECEIPT_SWEEPS + 1 }),
    ]);
  }, 60_000);

  it("marks a receipt failed when processing it fails for good, and skips it if it comes again", async () => {
    vi.setSystemTime(T0);
    // A receipt the admin API would refuse (no such session), as if the session went after it was stored.
    const edit = {
      action: "link.add",
      event: EVENT,
      session: "no-such-session",
      url: "https://pad.example.org/x",
    } as const;
    const id = await putTestReceipt({ source: "admin", payload: { kind: "admin", edit }, receivedAt: T0 });
    await deliver([{ body: { v: 1, type: "receipt", receiptId: id } }]);
    const row = await receiptRow(id);
    expect(row).toMatchObject({ processed_at: null, failed_at: T0.toISOString() });
    expect(row?.error).toMatch(/no-such-session/);
    expect(await deliver([{ body: { v: 1, type: "receipt", receiptId: id } }])).toBe(1);
    expect(await env.DB.prepare("SELECT count FROM failures").first()).toEqual({ count: 1 });
  });
});
