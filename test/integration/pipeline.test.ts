// The change pipeline end to end: receipts → CHANGES consumer → pads and their quiet period → change log →
// the KV read model (API and pages). Time is controlled with fake Date; queue batches are handed to the
// Worker's real queue handler.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Observation } from "../../src/domain/changes.ts";
import { ingest } from "../../src/ingest.ts";
import type { ChangesMessage } from "../../src/queue/messages.ts";
import worker from "../../src/index.ts";
import { loadEvents, publish } from "../../src/publish.ts";
import { buildPutEventStatements } from "../../src/store/catalogue.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { type Sent, captureQueueSends } from "../fixtures/queue.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
const T0 = new Date("2026-11-27T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const get = (path: string) => exports.default.fetch(new Request(`http://sessionwire.test${path}`));

let sent: Sent[];
let seq = 0;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, [buildTestEvent()], T0);
  sent = captureQueueSends(env.CHANGES);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Hands messages to the Worker's queue handler as the platform would, and returns its ack/retry verdict. */
async function deliver(bodies: unknown[], attempts = 1) {
  const batch = createMessageBatch(
    "sessionwire-changes",
    bodies.map((body) => ({ id: `msg-${++seq}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env as never);
  return getQueueResult(batch, ctx);
}

/** Removes the queued messages of one type from `sent` (in place: the spy keeps appending to it). */
function take(type: ChangesMessage["type"]): Sent[] {
  const taken = sent.filter((m) => m.body.type === type);
  sent.splice(0, sent.length, ...sent.filter((m) => m.body.type !== type));
  return taken;
}

/** Delivers everything queued so far (and what that queues in turn, except delayed settles). */
async function drain() {
  while (sent.some((m) => m.body.type === "receipt")) {
    const ready = take("receipt");
    await deliver(ready.map((m) => m.body));
  }
}

async function observe(payload: Partial<Extract<Observation, { kind: "notes" }>>, externalId: string, now: Date) {
  vi.setSystemTime(now);
  await ingest(
    env,
    {
      source: "notes",
      externalId,
      payload: { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD, ...payload },
    },
    now,
  );
  await drain();
}

async function settleAt(seconds: number) {
  vi.setSystemTime(at(seconds));
  const settles = take("settle");
  return deliver(settles.map((m) => m.body));
}

const changes = async () =>
  (
    await env.DB.prepare(
      "SELECT seq, type, url, summary, excerpt, lines_added, lines_removed FROM changes ORDER BY seq",
    ).all()
  ).results;

describe("quiet period", () => {
  it("publishes one change with the final text once edits have settled", async () => {
    await observe({ type: "notes.published", text: "# Toolstacks\n- line one\n" }, "w1", at(0));
    expect(sent).toEqual([
      { body: { v: 1, type: "settle", event: EVENT, session: SESSION, url: PAD }, delaySeconds: 600 },
    ]);
    await observe({ text: "# Toolstacks\n- line one\n- line two\n" }, "w2", at(120));
    await observe({ text: "# Toolstacks\n- line one\n- line two\n- decision: keep libxl\n" }, "w3", at(300));

    // The first settle message comes 600 s after the first edit: the last edit was only 300 s ago.
    sent.splice(1);
    await settleAt(600);
    expect(await changes()).toEqual([]);
    expect(sent).toEqual([{ body: expect.objectContaining({ type: "settle" }), delaySeconds: 300 }]);

    await settleAt(900);
    expect(await changes()).toEqual([
      {
        seq: 1,
        type: "notes.published",
        url: PAD,
        summary: "Notes published: 4 lines",
        excerpt: "# Toolstacks\n- line one\n- line two\n- decision: keep libxl",
        lines_added: 4,
        lines_removed: 0,
      },
    ]);

    // A later edit is an update, diffed against what was published.
    await observe({ text: "# Toolstacks\n- line one\n- decision: keep libxl, add a daemon\n" }, "w4", at(1000));
    await settleAt(1600);
    const [, update] = await changes();
    expect(update).toMatchObject({
      seq: 2,
      type: "notes.updated",
      summary: "1 line added, 2 lines removed",
      excerpt: "- decision: keep libxl, add a daemon",
    });
  });

  it("converges on the newest revision when events arrive out of order", async () => {
    await observe({ text: "rev 3 text", revision: 3 }, "r3", at(0));
    await observe({ text: "rev 2 text", revision: 2 }, "r2", at(10));
    await observe({ text: "rev 3 text again?", revision: 3 }, "r3b", at(20));
    await settleAt(700);
    const [change] = await changes();
    expect(change).toMatchObject({ type: "notes.published", excerpt: "rev 3 text" });
    const pad = await env.DB.prepare("SELECT published_revision, pending_hash FROM pads").first();
    expect(pad).toEqual({ published_revision: 3, pending_hash: null });
  });

  it("publishes nothing when the text returns to what was published", async () => {
    await observe({ text: "v1" }, "a", at(0));
    await settleAt(600);
    await observe({ text: "v2" }, "b", at(700));
    await observe({ text: "v1" }, "c", at(710));
    await settleAt(1400);
    expect((await changes()).map((c) => c.type)).toEqual(["notes.published"]);
  });
});

describe("notes published", () => {
  it("marks a session's notes published with its first notes", async () => {
    const event = buildTestEvent();
    const pending = event.sessions.find((s) => s.id === "xen-on-risc-v")!;
    pending.notes = [{ url: PAD, kind: "hackmd", watchable: true }];
    await env.DB.batch(buildPutEventStatements(env.DB, event, T0));
    await ingest(
      env,
      {
        source: "notes",
        externalId: "riscv",
        payload: { kind: "notes", type: "notes.updated", event: EVENT, session: "xen-on-risc-v", url: PAD, text: "x" },
      },
      T0,
    );
    await drain();
    await settleAt(600);
    const session = (await (await get(`/api/events/${EVENT}/sessions/xen-on-risc-v`)).json()) as {
      notesPublished: boolean;
    };
    expect(session.notesPublished).toBe(true);
  });
});

describe("exactly one effect", () => {
  it("ignores a redelivered receipt and a repeated settle", async () => {
    await observe({ text: "hello" }, "x", at(0));
    const receipt = await env.DB.prepare("SELECT id FROM receipts").first<{ id: string }>();
    await deliver([{ v: 1, type: "receipt", receiptId: receipt!.id }]);
    expect(sent.filter((m) => m.body.type === "settle")).toHaveLength(1);
    const settle = sent[0]!.body;
    vi.setSystemTime(at(600));
    await deliver([settle, settle]);
    await deliver([settle]);
    expect(await changes()).toHaveLength(1);
  });
});

describe("read model", () => {
  it("shows a published change in the session JSON, the change log and both pages", async () => {
    await observe({ type: "notes.published", text: "decisions:\n- adopt the daemon\n" }, "p", at(0));
    await settleAt(600);

    const session = (await (await get(`/api/events/${EVENT}/sessions/${SESSION}`)).json()) as {
      latestChange: { type: string; url: string; summary: string; seq: number };
    };
    expect(session.latestChange).toMatchObject({
      type: "notes.published",
      url: PAD,
      seq: 1,
      summary: "Notes published: 2 lines",
    });

    const log = (await (await get(`/api/events/${EVENT}/changes`)).json()) as { changes: unknown[]; nextCursor: null };
    expect(log).toEqual({ changes: [session.latestChange], nextCursor: null });

    const page = await (await get(`/events/${EVENT}/sessions/${SESSION}`)).text();
    expect(page).toContain("Latest changes");
    expect(page).toContain("- adopt the daemon");
    const eventPage = await (await get(`/events/${EVENT}`)).text();
    expect(eventPage).toContain(`href="/events/${EVENT}/sessions/${SESSION}">Xen Toolstacks</a>`);
  });

  it("pages through the change log newest first with a cursor", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO changes (id, event_id, seq, session_id, session_title, type, url, summary, created_at)
       VALUES (?, ?, ?, ?, 'Xen Toolstacks', 'notes.updated', ?, 'edit', ?)`,
    );
    await env.DB.batch(
      Array.from({ length: 120 }, (_, i) => insert.bind(`c${i + 1}`, EVENT, i + 1, SESSION, PAD, at(i).toISOString())),
    );
    await publish(env);
    const seen: number[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await get(`/api/events/${EVENT}/changes?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { changes: { seq: number }[]; nextCursor: string | null };
      seen.push(...body.changes.map((c) => c.seq));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    const bad = await get(`/api/events/${EVENT}/changes?cursor=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: unknown[] } }).error.issues).toHaveLength(1);
    expect((await get(`/api/events/${EVENT}/changes?limit=500`)).status).toBe(400);
    expect((await get("/api/events/nope/changes")).status).toBe(404);
  });
});

describe("retry policy", () => {
  it("records and acks an unparseable message", async () => {
    const result = await deliver([{ v: 99, nonsense: true }]);
    expect(result.explicitAcks).toEqual([`msg-${seq}`]);
    const failure = await env.DB.prepare("SELECT queue, error FROM failures").first<{ queue: string; error: string }>();
    expect(failure?.queue).toBe("sessionwire-changes");
    expect(failure?.error).toMatch(/unparseable/);
  });

  it("records and acks work that can never succeed", async () => {
    const result = await deliver([{ v: 1, type: "receipt", receiptId: "no-such-receipt" }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await env.DB.prepare("SELECT error FROM failures").first<{ error: string }>())?.error).toMatch(/not found/);
  });

  it("retries a transient failure with exponential backoff, per message", async () => {
    await ingest(
      env,
      {
        source: "notes",
        externalId: "t",
        payload: { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD, text: "t" },
      },
      T0,
    );
    const good = sent[0]!.body;
    vi.spyOn(env.DB, "batch").mockRejectedValueOnce(new Error("D1 is having a moment"));
    vi.spyOn(env.DB, "prepare").mockImplementationOnce(() => {
      throw new Error("D1 is having a moment");
    });
    const batch = createMessageBatch("sessionwire-changes", [
      { id: "flaky", timestamp: new Date(), attempts: 3, body: good },
      { id: "gone", timestamp: new Date(), attempts: 3, body: { v: 1, type: "receipt", receiptId: "missing" } },
    ]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    const ctx = createExecutionContext();
    await worker.queue(batch, env as never);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([{ msgId: "flaky" }]);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 40 });
    expect(result.explicitAcks).toEqual(["gone"]);
  });

  it("records dead letters", async () => {
    const batch = createMessageBatch("sessionwire-changes-dlq", [
      { id: "dead-1", timestamp: new Date(), attempts: 6, body: { v: 1, type: "receipt", receiptId: "r" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env as never);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead-1"]);
    expect(await env.DB.prepare("SELECT queue, message_id, attempts, error FROM failures").first()).toEqual({
      queue: "sessionwire-changes-dlq",
      message_id: "dead-1",
      attempts: 6,
      error: "exhausted retries",
    });
  });
});
