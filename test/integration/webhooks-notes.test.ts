// POST /webhooks/notes, signed as Standard Webhooks specifies: a verified delivery is stored once as a receipt and
// queued (a redelivery or concurrent copies answer "duplicate"; 503 when it cannot be stored or queued). Anything
// unsigned, stale or tampered is refused before it is parsed or stored, and so are bodies that are not a notes
// event, name an unknown event or session, come as another media type or exceed the cap. Also: every webhook path
// answers other methods with 405.
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { fetchWorker } from "../helpers/http.ts";
import { MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES } from "../../src/domain/limits.ts";
import { encodeText } from "../../src/lib/crypto.ts";
import { type IngestResult, ingestTogether } from "../../src/pipeline/ingest.ts";
import { putReceipt, putReceipts } from "../../src/store/receipts.ts";
import { signStandardWebhook } from "../../src/webhooks/standard.ts";
import {
  EVENT,
  changes,
  expectError,
  listReceipts,
  nowSeconds,
  post,
  sentReceiptIds,
  setUpWebhookTests,
} from "../helpers/webhooks.ts";

setUpWebhookTests();

describe("POST /webhooks/notes", () => {
  const notes = {
    type: "notes.updated" as const,
    event: EVENT,
    session: "xen-toolstacks",
    url: "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ",
  };

  /** Signed by the standardwebhooks library, as a sender would. */
  function signed(
    body: unknown,
    { id = `msg_${crypto.randomUUID()}`, timestamp = nowSeconds(), secret = env.WEBHOOK_SECRET, headers = {} } = {},
  ) {
    const raw = typeof body === "string" ? body : JSON.stringify(body);
    const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), raw);
    const init = {
      method: "POST",
      body: raw,
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signature,
        ...headers,
      },
    };
    return { id, raw, init, fetch: () => fetchWorker("/webhooks/notes", init) };
  }

  it("stores a receipt, queues it and answers 202 with its id", async () => {
    const delivery = signed(
      { ...notes, text: "# Notes\n\n- keep the ABI\n", revision: 4 },
      {
        headers: { "content-type": "application/json; charset=utf-8" },
      },
    );
    const res = await delivery.fetch();
    expect(res.status).toBe(202);
    const body = await res.json<{ status: string; receipt: string }>();
    expect(body.status).toBe("queued");
    expect(await listReceipts()).toEqual([
      {
        id: body.receipt,
        source: "notes",
        externalId: delivery.id,
        payload: { kind: "notes", ...notes, text: "# Notes\n\n- keep the ABI\n", revision: 4 },
      },
    ]);
    expect(changes.sent).toEqual([{ body: { v: 1, type: "receipt", receiptId: body.receipt } }]);
  });

  it("answers a redelivery of the same webhook-id 200 duplicate and changes nothing", async () => {
    const delivery = signed(notes);
    expect((await delivery.fetch()).status).toBe(202);
    const before = await listReceipts();
    const again = await delivery.fetch();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate" });
    expect(await listReceipts()).toEqual(before);
    expect(changes.sent).toHaveLength(1);
  });

  it("stores exactly one receipt when 25 copies of a delivery arrive at once", async () => {
    const delivery = signed({ ...notes, text: "storm" });
    const answers = await Promise.all(Array.from({ length: 25 }, () => delivery.fetch()));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(24);
    const receipts = await listReceipts();
    expect(receipts).toHaveLength(1);
    expect(sentReceiptIds()).toEqual([receipts[0]!.id]);
  });

  describe("acknowledgements under load commit as groups (pipeline/ingest.ts)", () => {
    /** 40 deliveries at once: 30 ids, 10 of them sent twice. */
    const storm = () => {
      const deliveries = Array.from({ length: 30 }, (_, i) => signed({ ...notes, text: `storm ${i}` }));
      return [...deliveries, ...deliveries.slice(0, 10)];
    };
    const answer = async (sent: ReturnType<typeof signed>[]) =>
      Promise.all(sent.map(async (d) => ({ id: d.id, status: (await d.fetch()).status })));

    /** How many receipt rows an insert's SQL stores (0: not a receipt insert). */
    const countReceiptRows = (sql: string) =>
      sql.startsWith("INSERT INTO receipts ") ? sql.match(/\(\?, \?, \?, \?, \?\)/g)!.length : 0;

    it("stores and queues each id once, answering 202 once per id, in fewer D1 calls than deliveries", async () => {
      const batches = vi.spyOn(env.DB, "batch");
      const prepared = vi.spyOn(env.DB, "prepare");
      const answers = await answer(storm());
      const ids = new Set(answers.map((a) => a.id));
      for (const id of ids) {
        const statuses = answers.filter((a) => a.id === id).map((a) => a.status);
        expect(
          statuses.filter((s) => s === 202),
          id,
        ).toHaveLength(1);
        expect(
          statuses.filter((s) => s !== 202 && s !== 200),
          id,
        ).toEqual([]);
      }
      const receipts = await listReceipts();
      expect(receipts.map((r) => r.externalId).sort()).toEqual([...ids].sort());
      expect(sentReceiptIds()).toEqual(receipts.map((r) => r.id).sort());
      // Grouped: the first delivery's batch is in flight while the others arrive.
      expect(batches.mock.calls.length).toBeLessThan(answers.length / 2);
      // Every delivery is one row of one insert (several rows an insert), a duplicate included.
      expect(prepared.mock.calls.reduce((n, [sql]) => n + countReceiptRows(sql), 0)).toBe(answers.length);
      expect(prepared.mock.calls.filter(([sql]) => countReceiptRows(sql) > 0).length).toBeLessThan(answers.length / 2);
    });

    /**
     * `ingestTogether` called directly, in the test's own context, after nine senders were around the last group.
     * `kept` is what the requests handed to their waitUntil: whatever must run on if their senders go away.
     */
    async function gatherNineSenders() {
      const item = (text: string) => ({
        source: "notes",
        externalId: `msg_${crypto.randomUUID()}`,
        payload: { kind: "notes" as const, ...notes, text },
      });
      const kept: Promise<unknown>[] = [];
      const ingestNow = (text: string) => ingestTogether(env, item(text), new Date(), (p) => kept.push(p));
      // One alone: whatever earlier tests left, one sender is around. Wave 1: the first is stored alone while nine
      // arrive, so ten senders are around; the nine wait the gathering time for a tenth, then go as a group.
      expect((await ingestNow("alone")).status).toBe("queued");
      const first = await Promise.all(Array.from({ length: 10 }, (_, i) => ingestNow(`wave 1: ${i}`)));
      expect(first.every((r) => r.status === "queued")).toBe(true);
      kept.length = 0;
      return { kept, ingestNow };
    }

    it("holds the line for the senders of the last group; the arrival that completes it stores the group at once", async () => {
      // What is asserted is the order of events, not their timing.
      const { kept, ingestNow } = await gatherNineSenders();
      // Wave 2: as many as the last group arrive one after another, with no timer turn between them. The first
      // holds the line (alone, it would cost a D1 batch of its own); the ninth completes it and stores the nine in
      // one batch, before any timer could have fired.
      const batches = vi.spyOn(env.DB, "batch");
      const prepared = vi.spyOn(env.DB, "prepare");
      const second: Promise<IngestResult>[] = [];
      // How many D1 batches had begun as each of the nine came in (read before anything can yield to a timer).
      const begun: number[] = [];
      for (let i = 0; i < 9; i++) {
        second.push(ingestNow(`wave 2: ${i}`));
        begun.push(batches.mock.calls.length);
        await Promise.resolve();
      }
      // Settled first, so a failure here leaves nothing in the line for the next test.
      const results = await Promise.all(second);
      expect(begun).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
      // The hold (so the line is led even if every sender in it goes away), then the group.
      expect(kept).toHaveLength(2);
      expect(prepared.mock.calls.map(([sql]) => countReceiptRows(sql)).filter((rows) => rows > 0)).toEqual([9]);
      expect(results.map((r) => r.status)).toEqual(Array(9).fill("queued"));
    });

    it("extends the hold from each arrival while receipts keep coming, to 20 ms from its start", async () => {
      const { kept, ingestNow } = await gatherNineSenders();
      // The hold reads the time from Date.now, moved here by hand; the waiting receipts look again on real timers.
      let clock = Date.now();
      vi.spyOn(Date, "now").mockImplementation(() => clock);
      const batches = vi.spyOn(env.DB, "batch");
      const prepared = vi.spyOn(env.DB, "prepare");
      const lookAgain = () => new Promise((resolve) => setTimeout(resolve, 5));
      // Five of the nine come, 4 ms apart (each within 5 ms of the one before): the line stays held, past 5 ms
      // from its start.
      const second: Promise<IngestResult>[] = [];
      for (let i = 0; i < 5; i++) {
        if (i) clock += 4;
        second.push(ingestNow(`wave 2: ${i}`));
        await lookAgain();
      }
      clock += 3;
      await lookAgain();
      expect(batches).not.toHaveBeenCalled();
      // 20 ms after the hold began, it is over, whoever keeps coming: the five go as one group.
      clock += 1;
      const results = await Promise.all(second);
      expect(prepared.mock.calls.map(([sql]) => countReceiptRows(sql)).filter((rows) => rows > 0)).toEqual([5]);
      expect(results.map((r) => r.status)).toEqual(Array(5).fill("queued"));
      // One timer covers the whole hold, the holder's, whoever extends it.
      expect(kept).toHaveLength(2);
    });

    it("stores a group of 45 in three inserts, each (source, id) once: duplicates within an insert, across two, and stored before", async () => {
      const now = new Date("2026-12-01T10:00:00Z");
      const item = (n: number) => ({
        source: "notes",
        externalId: `msg_${n}`,
        payload: { kind: "notes" as const, ...notes },
      });
      expect(await putReceipt(env.DB, item(7), now)).toEqual(expect.any(String));
      // 0…39, then 3 again (same insert as its first), 25 again (a later insert), 7 (stored before), 40 twice.
      const numbers = [...Array.from({ length: 40 }, (_, n) => n), 3, 25, 7, 40, 40];
      const ids = await putReceipts(
        env.DB,
        numbers.map((n) => ({ item: item(n), now })),
      );
      const fresh = numbers.map((n, i) => n !== 7 && numbers.indexOf(n) === i);
      expect(ids.map((id) => id !== null)).toEqual(fresh);
      const stored = await listReceipts();
      expect(stored).toHaveLength(41);
      expect(new Set(stored.map((r) => r.id))).toEqual(
        new Set([stored.find((r) => r.externalId === "msg_7")!.id, ...ids.filter(Boolean)]),
      );
    });

    it("stores each receipt alone when a group's batch fails: one receipt D1 refuses fails only its own delivery", async () => {
      // D1 refuses every insert of several rows (as it would one over its limits): no such table.
      const prepare = env.DB.prepare.bind(env.DB);
      vi.spyOn(env.DB, "prepare").mockImplementation((sql) =>
        prepare(countReceiptRows(sql) > 1 ? sql.replace("INSERT INTO receipts ", "INSERT INTO refused ") : sql),
      );
      const answers = await answer(storm());
      expect(answers.filter((a) => a.status === 202)).toHaveLength(30);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
      expect(sentReceiptIds()).toHaveLength(30);
    });

    it("answers 503 to every new receipt of a group whose queue send fails, and duplicates 200; retries answer 200", async () => {
      const first = signed({ ...notes, text: "first" });
      expect((await first.fetch()).status).toBe(202);
      changes.refuse(() => true);
      const late = Array.from({ length: 10 }, (_, i) => signed({ ...notes, text: `late ${i}` }));
      const answers = await answer([first, ...late, first]);
      expect(answers.filter((a) => a.id === first.id).map((a) => a.status)).toEqual([200, 200]);
      expect(answers.filter((a) => a.id !== first.id).map((a) => a.status)).toEqual(Array(10).fill(503));
      // Stored, so the cron sweep queues them; a sender's retry finds them received.
      expect(await listReceipts()).toHaveLength(11);
      changes.refuse(() => false);
      expect((await late[0]!.fetch()).status).toBe(200);
    });
  });

  it("answers 503 when the change cannot be queued; the receipt is kept, so the retry answers 200", async () => {
    changes.refuse((call) => call === 1);
    const delivery = signed(notes);
    await expectError(await delivery.fetch(), 503, "unavailable");
    expect(await listReceipts()).toHaveLength(1);
    const retry = await delivery.fetch();
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ status: "duplicate" });
  });

  it("answers 503, storing nothing, when D1 refuses the receipt", async () => {
    await env.DB.exec("DROP TABLE receipts");
    await expectError(await signed(notes).fetch(), 503, "unavailable");
    expect(changes.sent).toEqual([]);
  });

  describe("401 before anything is parsed or stored", () => {
    const cases: [string, () => Promise<Response>][] = [
      [
        "no signature headers",
        () => post("/webhooks/notes", { body: JSON.stringify(notes), headers: { "content-type": "application/json" } }),
      ],
      ["a missing webhook-id", () => signed(notes, { headers: { "webhook-id": "" } }).fetch()],
      ["a missing webhook-signature", () => signed(notes, { headers: { "webhook-signature": "" } }).fetch()],
      ["another key", () => signed(notes, { secret: `whsec_${btoa("not our key")}` }).fetch()],
      ["a timestamp 400 s old", () => signed(notes, { timestamp: nowSeconds() - 400 }).fetch()],
      ["a timestamp 400 s ahead", () => signed(notes, { timestamp: nowSeconds() + 400 }).fetch()],
      [
        "a body changed after signing",
        () => {
          const { init } = signed(notes);
          return post("/webhooks/notes", { ...init, body: JSON.stringify({ ...notes, session: "rust-and-xen" }) });
        },
      ],
      [
        "a webhook-id changed after signing",
        () => {
          const { init } = signed(notes, { id: "msg_1" });
          return post("/webhooks/notes", { ...init, headers: { ...init.headers, "webhook-id": "msg_2" } });
        },
      ],
      [
        "a timestamp changed after signing",
        () => {
          const { init } = signed(notes, { timestamp: nowSeconds() });
          return post("/webhooks/notes", {
            ...init,
            headers: { ...init.headers, "webhook-timestamp": String(nowSeconds() - 1) },
          });
        },
      ],
      ["an unsigned body that is not even JSON", () => signed("not json", { secret: `whsec_${btoa("nope")}` }).fetch()],
    ];
    it.each(cases)("for %s", async (_, send) => {
      await expectError(await send(), 401, "unauthorized");
      expect(await listReceipts()).toEqual([]);
      expect(changes.sent).toEqual([]);
    });
  });

  it("answers 400 for a signed body that is not JSON", async () => {
    await expectError(await signed(`{"type": "notes.updated",`).fetch(), 400, "bad_request");
  });

  it("answers 400 for a signed body that is not UTF-8", async () => {
    const { init } = signed("");
    const body = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff":1}
    const signature = await signStandardWebhook(
      env.WEBHOOK_SECRET,
      init.headers["webhook-id"],
      init.headers["webhook-timestamp"],
      body,
    );
    const res = await post("/webhooks/notes", {
      ...init,
      body,
      headers: { ...init.headers, "webhook-signature": signature },
    });
    expect((await expectError(res, 400, "bad_request")).error.issues).toBeUndefined();
  });

  it("answers 400 with the zod issues for a body that is not a notes event", async () => {
    const res = await signed({
      type: "notes.changed",
      event: "Not A Slug",
      session: "xen-toolstacks",
      url: "ftp://x.org/a",
      revision: -1,
    }).fetch();
    const body = await expectError(res, 400, "bad_request");
    expect(body.error.issues?.map((i) => i.path)).toEqual([["type"], ["event"], ["url"], ["revision"]]);
    expect(await listReceipts()).toEqual([]);
  });

  it.each([
    ["event", { event: "no-such-summit" }],
    ["session", { session: "no-such-session" }],
  ])("answers 404 for an unknown %s", async (_, overrides) => {
    await expectError(await signed({ ...notes, ...overrides }).fetch(), 404, "not_found");
    expect(await listReceipts()).toEqual([]);
  });

  it.each([
    ["text/plain", { "content-type": "text/plain" }],
    ["form data", { "content-type": "application/x-www-form-urlencoded" }],
    ["json-ish", { "content-type": "application/jsonp" }],
  ])("answers 415 for %s", async (_, headers) => {
    await expectError(await signed(notes, { headers }).fetch(), 415, "unsupported_media_type");
  });

  it("answers 415 when there is no Content-Type", async () => {
    const { init } = signed(notes);
    const { "content-type": _, ...headers } = init.headers;
    await expectError(
      await post("/webhooks/notes", { ...init, body: encodeText(init.body), headers }),
      415,
      "unsupported_media_type",
    );
  });

  it("accepts a body of exactly 1 MiB", async () => {
    const empty = JSON.stringify({ ...notes, text: "" });
    const delivery = signed({ ...notes, text: "x".repeat(MAX_BODY_BYTES - empty.length) });
    expect(delivery.raw.length).toBe(MAX_BODY_BYTES);
    expect((await delivery.fetch()).status).toBe(202);
  });

  it("answers 413 for a body one byte over 1 MiB, signed or not", async () => {
    const empty = JSON.stringify({ ...notes, text: "" });
    const delivery = signed({ ...notes, text: "x".repeat(MAX_BODY_BYTES + 1 - empty.length) });
    await expectError(await delivery.fetch(), 413, "payload_too_large");
    expect(await listReceipts()).toEqual([]);
  });

  it("answers 413 from a Content-Length over 1 MiB without reading the body", async () => {
    const { init } = signed(notes);
    let pulls = 0;
    const body = new ReadableStream({
      pull(controller) {
        pulls++;
        controller.enqueue(encodeText(init.body));
        controller.close();
      },
    });
    const res = await post("/webhooks/notes", {
      ...init,
      body,
      headers: { ...init.headers, "content-length": String(MAX_BODY_BYTES + 1) },
    });
    await expectError(res, 413, "payload_too_large");
    expect(pulls).toBeLessThanOrEqual(1);
  });

  it("answers 413 to an endless body with no Content-Length, reading only a little past 1 MiB", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream({
      pull(controller) {
        sent += chunk.length;
        controller.enqueue(chunk.slice());
      },
    });
    const { init } = signed(notes);
    await expectError(await post("/webhooks/notes", { ...init, body }), 413, "payload_too_large");
    expect(sent).toBeLessThan(4 * MAX_BODY_BYTES);
  });
});

describe("other methods", () => {
  it.each(["/webhooks/notes", "/webhooks/github", "/webhooks/etherpad"])(
    "answer 405 with Allow: POST on %s",
    async (path) => {
      const res = await fetchWorker(path);
      await expectError(res, 405, "method_not_allowed");
      expect(res.headers.get("allow")).toBe("POST");
    },
  );
});
