// The CHANGES consumer under redelivery and failure: a repeated receipt or settle has one effect; an unparseable
// message or impossible work is recorded and acked, a transient failure retried with backoff per message, and a
// dead letter recorded. Through the Worker's real queue handler.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { buildBatch, deliver as deliverTo, runBatch } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { ingest } from "../../src/pipeline/ingest.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import {
  EVENT,
  PAD,
  SESSION,
  T0,
  at,
  changes,
  deliver,
  observe,
  sent,
  setUpPipelineTests,
} from "../helpers/pipeline.ts";

setUpPipelineTests();

describe("exactly one effect", () => {
  it("ignores a redelivered receipt and a repeated settle", async () => {
    await observe({ text: "hello" }, "x", at(0));
    const receipt = await env.DB.prepare("SELECT id FROM receipts").first<{ id: string }>();
    await deliver([{ body: { v: 1, type: "receipt", receiptId: receipt!.id } }]);
    expect(sent.filter((m) => m.body.type === "settle")).toHaveLength(1);
    const settle = sent[0]!;
    vi.setSystemTime(at(600));
    await deliver([settle, settle]);
    await deliver([settle]);
    expect(await changes()).toHaveLength(1);
  });
});

describe("retry policy", () => {
  it("records and acks an unparseable message", async () => {
    const batch = buildBatch(QUEUES.changes, [{ id: "nonsense", body: { v: 99, nonsense: true } }]);
    expect((await runBatch(batch)).explicitAcks).toEqual(["nonsense"]);
    const failure = await env.DB.prepare("SELECT queue, error FROM failures").first<{ queue: string; error: string }>();
    expect(failure?.queue).toBe("sessionwire-changes");
    expect(failure?.error).toMatch(/unparseable/);
  });

  it("records and acks work that can never succeed", async () => {
    const result = await deliver([{ body: { v: 1, type: "receipt", receiptId: "no-such-receipt" } }]);
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
    const batch = buildBatch<ChangesMessage>(QUEUES.changes, [
      { id: "flaky", attempts: 3, body: good },
      { id: "gone", attempts: 3, body: { v: 1, type: "receipt", receiptId: "missing" } },
    ]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    const result = await runBatch(batch);
    expect(result.retryMessages).toEqual([{ msgId: "flaky" }]);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 40 });
    expect(result.explicitAcks).toEqual(["gone"]);
  });

  it("records dead letters", async () => {
    const dead = await deliverTo(QUEUES.changesDeadLetters, [
      { id: "dead-1", attempts: 6, body: { v: 1, type: "receipt", receiptId: "r" } },
    ]);
    expect(dead.explicitAcks).toEqual(["dead-1"]);
    expect(await env.DB.prepare("SELECT queue, message_id, attempts, error FROM failures").first()).toEqual({
      queue: "sessionwire-changes-dlq",
      message_id: "dead-1",
      attempts: 6,
      error: "exhausted retries",
    });
  });
});
