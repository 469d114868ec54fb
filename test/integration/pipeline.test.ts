// The change pipeline end to end: receipts → CHANGES consumer → pads and their quiet period → change log →
// the KV read model (API and pages). Time is controlled with fake Date; queue batches are handed to the
// Worker's real queue handler.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestChanges } from "../helpers/factories.ts";
import { get } from "../helpers/http.ts";
import {
  type Sent,
  type TestQueue,
  buildBatch,
  captureQueues,
  deliver as deliverTo,
  runBatch,
} from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { MAX_TEXT_BYTES, type Observation } from "../../src/domain/changes.ts";
import { MAX_PAYLOAD_BYTES, PayloadTooLargeError, ingest } from "../../src/pipeline/ingest.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { apiPaths, pagePaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { buildPutEventStatements } from "../../src/store/catalogue.ts";
import { RESTART_AFTER_SECONDS } from "../../src/store/pads.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
const T0 = new Date("2026-11-27T10:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let queue: TestQueue<ChangesMessage>;
/** What was sent to CHANGES and not delivered yet (the driver keeps appending to it). */
let sent: Sent[];

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  // Mail (NOTIFY, captured and never delivered) is notify.test.ts's subject; a real NOTIFY consumer would outlive
  // the test and race the next one's reset.
  queue = captureQueues().changes;
  sent = queue.sent;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Hands messages to the Worker's queue handler as the platform would, and returns its ack/retry verdict. */
const deliver = (messages: Sent[], attempts = 1) => queue.deliver(messages.map((m) => ({ ...m, attempts })));

/** Removes the queued messages of one type (the driver keeps appending to the same list). */
const take = (type: ChangesMessage["type"]): Sent[] => queue.take((body) => body.type === type);

/** Delivers everything queued so far (and what that queues in turn, except delayed settles). */
const drain = () => queue.drain({ only: (body) => body.type === "receipt" });

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
  return deliver(settles);
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

describe("every real change", () => {
  const ids = async () => (await env.DB.prepare("SELECT id FROM changes ORDER BY seq").all<{ id: string }>()).results;

  it("publishes A → B → A → B, each settled, as four changes, and redelivered work adds none", async () => {
    const settles: Sent[] = [];
    for (const [i, text] of ["A\n", "B\n", "A\n", "B\n"].entries()) {
      await observe({ text }, `edit-${i}`, at(i * 700));
      settles.push(...sent.filter((m) => m.body.type === "settle"));
      await settleAt(i * 700 + 600);
    }
    expect((await changes()).map((c) => [c.type, c.summary])).toEqual([
      ["notes.published", "Notes published: 1 line"],
      ["notes.updated", "1 line added, 1 line removed"],
      ["notes.updated", "1 line added, 1 line removed"],
      ["notes.updated", "1 line added, 1 line removed"],
    ]);
    expect(new Set((await ids()).map((r) => r.id)).size).toBe(4);

    // Every settle again, and every receipt again as if each had crashed before it was marked processed.
    await env.DB.prepare("UPDATE receipts SET processed_at = NULL").run();
    const receipts = (await env.DB.prepare("SELECT id FROM receipts ORDER BY received_at").all<{ id: string }>())
      .results;
    vi.setSystemTime(at(4000));
    await deliver(receipts.map((r) => ({ body: { v: 1, type: "receipt", receiptId: r.id } })));
    await deliver(settles);
    await settleAt(5000);
    expect(await changes()).toHaveLength(4);
    expect(await env.DB.prepare("SELECT pending_hash FROM pads").first()).toEqual({ pending_hash: null });
  });

  it("takes a pad that started over (lower revision, clearly later) as its new text", async () => {
    await observe({ text: "old pad, last words", revision: 40 }, "old-40", at(0));
    await settleAt(600);
    // Recreated with its revisions from 0 again, first seen more than RESTART_AFTER_SECONDS after revision 40.
    const later = RESTART_AFTER_SECONDS + 1;
    await observe({ text: "new pad", revision: 1 }, "new-1", at(later));
    await settleAt(later + 600);
    await observe({ text: "new pad\nsecond line", revision: 2 }, "new-2", at(later + 700));
    await settleAt(later + 1300);
    expect((await changes()).map((c) => [c.type, c.excerpt])).toEqual([
      ["notes.published", "old pad, last words"],
      ["notes.updated", "new pad"],
      ["notes.updated", "second line"],
    ]);
    expect(await env.DB.prepare("SELECT published_revision, revision_at FROM pads").first()).toEqual({
      published_revision: 2,
      revision_at: at(later + 700).toISOString(),
    });
  });

  it("keeps converging on the newest revision within a burst, by when deliveries came in", async () => {
    await observe({ text: "rev five", revision: 5 }, "r5", at(0));
    await observe({ text: "rev four", revision: 4 }, "r4", at(1));
    // Received two seconds after revision 5, but processed long after: still a late delivery of that burst.
    vi.setSystemTime(at(2));
    await ingest(
      env,
      {
        source: "notes",
        externalId: "r3",
        payload: {
          kind: "notes",
          type: "notes.updated",
          event: EVENT,
          session: SESSION,
          url: PAD,
          text: "x",
          revision: 3,
        },
      },
      at(2),
    );
    await settleAt(700);
    vi.setSystemTime(at(RESTART_AFTER_SECONDS + 300));
    await drain();
    expect(take("settle")).toEqual([]);
    await settleAt(RESTART_AFTER_SECONDS + 1000);
    expect((await changes()).map((c) => c.excerpt)).toEqual(["rev five"]);
    expect(await env.DB.prepare("SELECT published_revision, pending_hash FROM pads").first()).toEqual({
      published_revision: 5,
      pending_hash: null,
    });
  });

  it("does not let an older delivery without revision, processed late, replace a newer text", async () => {
    vi.setSystemTime(at(0));
    await ingest(
      env,
      {
        source: "notes",
        externalId: "older",
        payload: { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD, text: "older" },
      },
      at(0),
    );
    const older = take("receipt");
    await observe({ text: "newer" }, "newer", at(5));
    vi.setSystemTime(at(30));
    await deliver(older);
    await settleAt(700);
    expect((await changes()).map((c) => c.excerpt)).toEqual(["newer"]);
  });
});

describe("the poller", () => {
  const poll = async (text: string, seconds: number) => {
    vi.setSystemTime(at(seconds));
    await ingest(
      env,
      {
        source: "poll",
        externalId: `${PAD}@${at(seconds).toISOString()}`,
        payload: { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD, text },
      },
      at(seconds),
    );
    await drain();
  };

  it("takes its first look as a baseline, and diffs what it sees next against that", async () => {
    await poll("agenda\n- one\n", 0);
    expect(take("settle")).toEqual([]);
    expect(
      await env.DB.prepare("SELECT text FROM pad_texts")
        .all()
        .then((r) => r.results),
    ).toEqual([{ text: "agenda\n- one\n" }]);
    await poll("agenda\n- one\n- two\n", 600);
    await settleAt(1200);
    expect((await changes()).map((c) => [c.type, c.summary, c.excerpt])).toEqual([
      ["notes.updated", "1 line added", "- two"],
    ]);
  });
});

describe("deliveries without text", () => {
  const CRYPTPAD = "https://cryptpad.fr/pad/#/2/pad/edit/0123456789abcdef/";
  // pad.example.org is not on WATCH_HOSTS: its text may not be fetched.
  const UNWATCHED = "https://pad.example.org/p/xen-toolstacks";

  it("settle like text: a burst of ten is one change, 'Notes published' first and 'Notes updated' after", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    for (let i = 0; i < 10; i++) await observe({ url: CRYPTPAD }, `crypt-${i}`, at(i * 10));
    expect(await changes()).toEqual([]);
    await settleAt(700);
    for (let i = 0; i < 3; i++) await observe({ url: CRYPTPAD }, `crypt-later-${i}`, at(1000 + i * 30));
    await settleAt(1700);
    expect(await changes()).toEqual([
      {
        seq: 1,
        type: "notes.published",
        url: CRYPTPAD,
        summary: "Notes published",
        excerpt: "",
        lines_added: 0,
        lines_removed: 0,
      },
      {
        seq: 2,
        type: "notes.updated",
        url: CRYPTPAD,
        summary: "Notes updated",
        excerpt: "",
        lines_added: 0,
        lines_removed: 0,
      },
    ]);
    expect(fetchSpy).not.toHaveBeenCalled();
    const session = (await (await get(apiPaths.session(EVENT, SESSION))).json()) as {
      notes: { url: string }[];
    };
    expect(session.notes.map((n) => n.url)).toContain(CRYPTPAD);
  });

  it("settle for a host that may not be fetched, revisions and all", async () => {
    for (let rev = 1; rev <= 5; rev++) await observe({ url: UNWATCHED, revision: rev }, `ep-${rev}`, at(rev * 20));
    await observe({ url: UNWATCHED, revision: 4 }, "ep-4-late", at(101));
    await settleAt(800);
    expect((await changes()).map((c) => [c.type, c.url, c.summary])).toEqual([
      ["notes.published", UNWATCHED, "Notes published"],
    ]);
    expect(await env.DB.prepare("SELECT published_revision, pending_hash FROM pads").first()).toEqual({
      published_revision: 5,
      pending_hash: null,
    });
  });

  it("a text after a version without text is counted whole, as an update", async () => {
    await observe({ url: UNWATCHED }, "no-text", at(0));
    await settleAt(600);
    await observe({ url: UNWATCHED, text: "first\nsecond\n" }, "text", at(700));
    await settleAt(1300);
    expect((await changes()).map((c) => [c.type, c.summary, c.excerpt])).toEqual([
      ["notes.published", "Notes published", ""],
      ["notes.updated", "Notes updated: 2 lines", "first\nsecond"],
    ]);
  });
});

describe("storage limits", () => {
  /** The largest row of a table in bytes, every column counted as stored. */
  async function largestRow(table: string): Promise<number> {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info(${table})`).all<{ name: string }>();
    const sum = columns.map((c) => `COALESCE(length(CAST("${c.name}" AS BLOB)), 0)`).join(" + ");
    const row = await env.DB.prepare(`SELECT COALESCE(max(${sum}), 0) AS size FROM ${table}`).first<{ size: number }>();
    return row!.size;
  }

  /** `line` repeated to as close to MAX_TEXT_BYTES of UTF-8 as it fits. */
  const fill = (line: string) => line.repeat(Math.floor(MAX_TEXT_BYTES / new TextEncoder().encode(line).byteLength));

  it("keeps every row of pads, pad_texts and receipts under D1's 2,000,000 bytes with two 1 MiB texts", async () => {
    const published = fill("Ünïcödé nötes — ✓ 会议记录\n");
    // Quotes, backslashes and newlines grow by half again when JSON-escaped in the receipt.
    const pending = fill('"é\\"\n');
    for (const text of [published, pending]) {
      expect(new TextEncoder().encode(text).byteLength).toBeGreaterThan(MAX_TEXT_BYTES - 100);
    }
    expect(new TextEncoder().encode(JSON.stringify(pending)).byteLength).toBeGreaterThan(1_700_000);

    await observe({ text: published }, "big-1", at(0));
    await settleAt(600);
    await observe({ text: pending }, "big-2", at(700));
    const pad = await env.DB.prepare(
      `SELECT length(CAST(pub.text AS BLOB)) AS published, length(CAST(pen.text AS BLOB)) AS pending
       FROM pads p JOIN pad_texts pub ON pub.hash = p.published_hash JOIN pad_texts pen ON pen.hash = p.pending_hash`,
    ).first<{ published: number; pending: number }>();
    // Both texts are held at once (over 2 MB together), each in a row of its own.
    expect(pad!.published + pad!.pending).toBeGreaterThan(2_000_000);
    for (const table of ["pads", "pad_texts", "receipts"])
      expect(await largestRow(table), table).toBeLessThan(2_000_000);
    expect(await largestRow("receipts")).toBeGreaterThan(1_700_000);

    await settleAt(1300);
    expect((await changes()).map((c) => c.type)).toEqual(["notes.published", "notes.updated"]);
    // The text that was published before is gone with its last reference.
    const { results: texts } = await env.DB.prepare("SELECT length(CAST(text AS BLOB)) AS n FROM pad_texts").all();
    expect(texts).toEqual([{ n: new TextEncoder().encode(pending).byteLength }]);
  });

  it("refuses a payload that JSON-escapes past MAX_PAYLOAD_BYTES, storing nothing", async () => {
    const text = "\u0001".repeat(400_000);
    expect(new TextEncoder().encode(text).byteLength).toBeLessThan(MAX_TEXT_BYTES);
    const item = {
      source: "notes",
      externalId: "escapes",
      payload: {
        kind: "notes" as const,
        type: "notes.updated" as const,
        event: EVENT,
        session: SESSION,
        url: PAD,
        text,
      },
    };
    const error = await ingest(env, item, T0).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM receipts").first()).toEqual({ n: 0 });
    expect(sent).toEqual([]);
  });

  it("keeps a text two pads share until neither refers to it, and removes a removed link's texts", async () => {
    const OTHER = "https://hackmd.io/other-pad";
    await observe({ text: "shared notes" }, "s1", at(0));
    await observe({ url: OTHER, text: "shared notes" }, "s2", at(1));
    await settleAt(700);
    await observe({ text: "moved on" }, "s3", at(800));
    await settleAt(1500);
    const texts = async () =>
      (await env.DB.prepare("SELECT text FROM pad_texts ORDER BY text").all<{ text: string }>()).results.map(
        (r) => r.text,
      );
    expect(await texts()).toEqual(["moved on", "shared notes"]);
    await observe({ type: "notes.removed", url: OTHER }, "s4", at(1600));
    expect(await texts()).toEqual(["moved on"]);
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
    const session = (await (await get(apiPaths.session(EVENT, "xen-on-risc-v"))).json()) as {
      notesPublished: boolean;
    };
    expect(session.notesPublished).toBe(true);
  });
});

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

describe("read model", () => {
  it("shows a published change in the session JSON, the change log and both pages", async () => {
    await observe({ type: "notes.published", text: "decisions:\n- adopt the daemon\n" }, "p", at(0));
    await settleAt(600);

    const session = (await (await get(apiPaths.session(EVENT, SESSION))).json()) as {
      latestChange: { type: string; url: string; summary: string; seq: number };
    };
    expect(session.latestChange).toMatchObject({
      type: "notes.published",
      url: PAD,
      seq: 1,
      summary: "Notes published: 2 lines",
    });

    const log = (await (await get(apiPaths.changes(EVENT))).json()) as { changes: unknown[]; nextCursor: null };
    expect(log).toEqual({ changes: [session.latestChange], nextCursor: null });

    const page = await (await get(pagePaths.session(EVENT, SESSION))).text();
    expect(page).toContain("Latest changes");
    expect(page).toContain("- adopt the daemon");
    const eventPage = await (await get(pagePaths.event(EVENT))).text();
    expect(eventPage).toContain(`href="${pagePaths.session(EVENT, SESSION)}">Xen Toolstacks</a>`);
  });

  it("pages through the change log newest first with a cursor", async () => {
    await putTestChanges(
      Array.from({ length: 120 }, (_, i) => ({ id: `c${i + 1}`, summary: "edit", at: at(i).toISOString() })),
    );
    await publish(env, buildSite());
    const seen: number[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await get(`${apiPaths.changes(EVENT)}?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
      const body = (await res.json()) as { changes: { seq: number }[]; nextCursor: string | null };
      seen.push(...body.changes.map((c) => c.seq));
      cursor = body.nextCursor;
    }
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    const bad = await get(`${apiPaths.changes(EVENT)}?cursor=abc`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: unknown[] } }).error.issues).toHaveLength(1);
    expect((await get(`${apiPaths.changes(EVENT)}?limit=500`)).status).toBe(400);
    expect((await get(apiPaths.changes("nope"))).status).toBe(404);
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
