import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { fetchWorker } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import { Observation } from "../../src/domain/changes.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { buildNoteLink } from "../../src/domain/event.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES } from "../../src/domain/limits.ts";
import { verifyGithubSignature } from "../../src/webhooks/github.ts";
import { encodeHex, encodeText, hashText, signHmacSha256 } from "../../src/lib/crypto.ts";
import { signStandardWebhook } from "../../src/webhooks/standard.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const REPO_FILE = "https://github.com/xen-project/summit-notes/blob/main/2026/rust.md";
const REPO_OLD_FILE = "https://github.com/xen-project/summit-notes/blob/main/2026/old%20notes.md";
const WIKI_PAGE = "https://github.com/xen-project/summit-notes/wiki/Rust-and-Xen";

// The shared notes file is the notes of two sessions; the pad `xen-rust` lives on two hosts.
const event = buildTestEvent({
  sessions: [
    buildTestSession(),
    buildTestSession({
      id: "rust-and-xen",
      title: "Rust and Xen",
      notes: [REPO_FILE, REPO_OLD_FILE, WIKI_PAGE, "https://etherpad.wikimedia.org/p/xen-rust"].map((u) =>
        buildNoteLink(u),
      ),
    }),
    buildTestSession({
      id: "xen-on-risc-v",
      title: "Xen on RISC-V",
      notes: [REPO_FILE, "https://pad.example.org/p/xen-rust/", "https://pad.example.org/p/risc-v%20notes"].map((u) =>
        buildNoteLink(u),
      ),
    }),
  ],
});

let changes: TestQueue<ChangesMessage>;

beforeEach(async () => {
  await loadEvents(env, buildSite(), [event], new Date("2026-11-27T00:00:00Z"));
  // Assert on what is sent, not on what a consumer does with it.
  changes = captureQueues().changes;
});
afterEach(() => {
  vi.restoreAllMocks();
});

const post = (path: string, init: RequestInit) => fetchWorker(path, { method: "POST", ...init });
const nowSeconds = () => Math.floor(Date.now() / 1000);

async function listReceipts() {
  const { results } = await env.DB.prepare(
    "SELECT id, source, external_id, payload FROM receipts ORDER BY external_id",
  ).all<{
    id: string;
    source: string;
    external_id: string;
    payload: string;
  }>();
  return results.map((r) => ({
    id: r.id,
    source: r.source,
    externalId: r.external_id,
    payload: Observation.parse(JSON.parse(r.payload)),
  }));
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = ErrorEnvelope.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body;
}

const sentReceiptIds = () => changes.sent.map(({ body }) => (body as { receiptId: string }).receiptId).sort();

describe("POST /webhooks/notes", () => {
  const notes = {
    type: "notes.updated",
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

describe("POST /webhooks/github", () => {
  const SECRET = "It's a Secret to Everybody";

  async function hubSignature(secret: string, body: string) {
    return `sha256=${encodeHex(await signHmacSha256(secret, body))}`;
  }

  async function github(
    eventName: string,
    payload: unknown,
    { delivery = crypto.randomUUID(), secret = SECRET, headers = {} } = {},
  ) {
    const body = JSON.stringify(payload);
    const init = {
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": eventName,
        "x-github-delivery": delivery,
        "x-hub-signature-256": await hubSignature(secret, body),
        ...headers,
      },
    };
    return { delivery, fetch: () => post("/webhooks/github", init) };
  }

  const BEFORE = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c";
  const AFTER = "9a8b7c6d5e4f30219a8b7c6d5e4f30219a8b7c6d";
  /** A push as GitHub shapes it: the commit range it moves the branch over, and its commits oldest first. */
  const push = (
    ref: string,
    commits: { added?: string[]; modified?: string[]; removed?: string[] }[],
    { before = BEFORE, after = AFTER } = {},
  ) => ({
    ref,
    before,
    after,
    repository: { full_name: "xen-project/summit-notes", name: "summit-notes" },
    commits: commits.map((c, i) => ({
      id: i === commits.length - 1 ? after : `c${i}`,
      message: "notes",
      added: [],
      modified: [],
      removed: [],
      ...c,
    })),
    head_commit: commits.length ? { id: after } : null,
  });

  it("verifies GitHub's documented signature example", async () => {
    const header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(await verifyGithubSignature(SECRET, header, encodeText("Hello, World!"))).toBe(true);
    expect(await verifyGithubSignature(SECRET, header, encodeText("Hello, World?"))).toBe(false);
    expect(await verifyGithubSignature(SECRET, header.toUpperCase(), encodeText("Hello, World!"))).toBe(false);
  });

  it("maps a push to the notes links of every session whose file it touched, last action winning", async () => {
    const { fetch } = await github(
      "push",
      push("refs/heads/main", [
        { added: ["2026/rust.md", "2026/old notes.md"] },
        { modified: ["2026/rust.md", "README.md"], removed: ["2026/old notes.md"] },
      ]),
    );
    const res = await fetch();
    expect(res.status).toBe(202);
    const body = await res.json<{ status: string; receipts: string[] }>();
    const receipts = await listReceipts();
    expect(body).toEqual({ status: "queued", receipts: expect.arrayContaining(receipts.map((r) => r.id)) });
    expect(receipts.map((r) => [r.source, r.externalId, r.payload])).toEqual([
      [
        "github",
        `push:${BEFORE}..${AFTER}:${EVENT}/rust-and-xen:${REPO_OLD_FILE}`,
        { kind: "notes", type: "notes.removed", event: EVENT, session: "rust-and-xen", url: REPO_OLD_FILE },
      ],
      [
        "github",
        `push:${BEFORE}..${AFTER}:${EVENT}/rust-and-xen:${REPO_FILE}`,
        { kind: "notes", type: "notes.updated", event: EVENT, session: "rust-and-xen", url: REPO_FILE },
      ],
      [
        "github",
        `push:${BEFORE}..${AFTER}:${EVENT}/xen-on-risc-v:${REPO_FILE}`,
        { kind: "notes", type: "notes.updated", event: EVENT, session: "xen-on-risc-v", url: REPO_FILE },
      ],
    ]);
    expect(sentReceiptIds()).toEqual(receipts.map((r) => r.id).sort());
  });

  it("maps a gollum event to the wiki pages that are notes links", async () => {
    const { fetch } = await github("gollum", {
      pages: [
        { page_name: "Rust-and-Xen", action: "edited", html_url: WIKI_PAGE },
        { page_name: "Home", action: "created", html_url: "https://github.com/xen-project/summit-notes/wiki/Home" },
      ],
      repository: { full_name: "xen-project/summit-notes" },
    });
    expect((await fetch()).status).toBe(202);
    expect((await listReceipts()).map((r) => r.payload)).toEqual([
      { kind: "notes", type: "notes.updated", event: EVENT, session: "rust-and-xen", url: WIKI_PAGE },
    ]);
  });

  it("stores the same push once, whatever delivery id or webhook brings it; another commit range is new", async () => {
    const change = [{ modified: ["2026/rust.md"] }];
    expect((await (await github("push", push("refs/heads/main", change))).fetch()).status).toBe(202);
    const redelivered = await (await github("push", push("refs/heads/main", change))).fetch();
    expect(redelivered.status).toBe(200);
    expect(await redelivered.json()).toEqual({ status: "duplicate" });
    expect(await listReceipts()).toHaveLength(2);

    // A force push back to the earlier commit changes the notes again: its range differs.
    const back = push("refs/heads/main", change, { before: AFTER, after: BEFORE });
    expect((await (await github("push", back)).fetch()).status).toBe(202);
    expect((await listReceipts()).map((r) => r.externalId.split(":")[1])).toEqual([
      `${BEFORE}..${AFTER}`,
      `${BEFORE}..${AFTER}`,
      `${AFTER}..${BEFORE}`,
      `${AFTER}..${BEFORE}`,
    ]);
  });

  it("keys a push that names no commit on its delivery id", async () => {
    const { commits, ref, repository } = push("refs/heads/main", [{ modified: ["2026/rust.md"] }]);
    const { delivery, fetch } = await github("push", { ref, repository, commits: commits.map(({ id: _, ...c }) => c) });
    expect((await fetch()).status).toBe(202);
    expect((await listReceipts()).map((r) => r.externalId)).toEqual([
      `delivery:${delivery}:${EVENT}/rust-and-xen:${REPO_FILE}`,
      `delivery:${delivery}:${EVENT}/xen-on-risc-v:${REPO_FILE}`,
    ]);
  });

  it("stores a wiki edit once per page commit, whatever delivery id brings it", async () => {
    const gollum = (sha: string) => ({
      pages: [{ page_name: "Rust-and-Xen", action: "edited", html_url: WIKI_PAGE, sha }],
      repository: { full_name: "xen-project/summit-notes" },
    });
    expect((await (await github("gollum", gollum(AFTER))).fetch()).status).toBe(202);
    expect((await (await github("gollum", gollum(AFTER))).fetch()).status).toBe(200);
    expect((await (await github("gollum", gollum(BEFORE))).fetch()).status).toBe(202);
    expect((await listReceipts()).map((r) => r.externalId)).toEqual([
      `wiki:${BEFORE}:${EVENT}/rust-and-xen:${WIKI_PAGE}`,
      `wiki:${AFTER}:${EVENT}/rust-and-xen:${WIKI_PAGE}`,
    ]);
  });

  it.each([
    ["ping", "ping", { zen: "Keep it logically awesome.", hook_id: 1 }],
    ["a push to another branch", "push", push("refs/heads/draft", [{ modified: ["2026/rust.md"] }])],
    ["a tag push", "push", push("refs/tags/v1", [])],
    ["an issue event", "issues", { action: "opened" }],
  ])("answers 200 and stores nothing for %s", async (_, eventName, payload) => {
    const res = await (await github(eventName, payload)).fetch();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ignored" });
    expect(await listReceipts()).toEqual([]);
    expect(changes.sent).toEqual([]);
  });

  it("stores each matched link once when 25 copies of a delivery arrive at once", async () => {
    const { fetch } = await github("push", push("refs/heads/main", [{ modified: ["2026/rust.md"] }]));
    const statuses = (await Promise.all(Array.from({ length: 25 }, fetch))).map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    const receipts = await listReceipts();
    expect(receipts.map((r) => r.payload.kind === "notes" && r.payload.session)).toEqual([
      "rust-and-xen",
      "xen-on-risc-v",
    ]);
    expect(sentReceiptIds()).toEqual(receipts.map((r) => r.id).sort());
    expect(await (await fetch()).json()).toEqual({ status: "duplicate" });
  });

  it.each([
    ["another secret", { secret: "not the secret" }],
    ["no signature", { headers: { "x-hub-signature-256": "" } }],
    ["a sha1 signature", { headers: { "x-hub-signature-256": "sha1=0000000000000000000000000000000000000000" } }],
  ])("answers 401 for %s", async (_, options) => {
    const res = await (
      await github("push", push("refs/heads/main", [{ modified: ["2026/rust.md"] }]), options)
    ).fetch();
    await expectError(res, 401, "unauthorized");
    expect(await listReceipts()).toEqual([]);
  });

  it("answers 400 without a delivery id, or for a push it cannot read", async () => {
    const noDelivery = await github("push", push("refs/heads/main", []), { headers: { "x-github-delivery": "" } });
    await expectError(await noDelivery.fetch(), 400, "bad_request");
    const body = await expectError(
      await (await github("push", { ref: "refs/heads/main" })).fetch(),
      400,
      "bad_request",
    );
    expect(body.error.issues?.map((i) => i.path)).toEqual([["repository"]]);
  });

  it("answers 503 when a change cannot be queued", async () => {
    changes.refuse((call) => call === 1);
    const { fetch } = await github("push", push("refs/heads/main", [{ modified: ["2026/rust.md"] }]));
    await expectError(await fetch(), 503, "unavailable");
    expect((await fetch()).status).toBe(200);
  });

  it("answers 415 for a form-encoded delivery", async () => {
    const { fetch } = await github("ping", {}, { headers: { "content-type": "application/x-www-form-urlencoded" } });
    await expectError(await fetch(), 415, "unsupported_media_type");
  });

  it("answers 413 with the envelope for a signed delivery over the cap", async () => {
    const { fetch } = await github("push", { ...push("refs/heads/main", []), padding: "x".repeat(MAX_BODY_BYTES) });
    await expectError(await fetch(), 413, "payload_too_large");
    expect(await listReceipts()).toEqual([]);
  });
});

describe("POST /webhooks/etherpad", () => {
  const KEY = "test-etherpad-api-key";
  const etherpad = (payload: unknown, key: string | null = KEY) =>
    post("/webhooks/etherpad", {
      body: JSON.stringify(payload),
      headers: { "content-type": "application/json", ...(key === null ? {} : { "x-api-key": key }) },
    });
  const update = {
    pads: {
      "xen-rust": [
        { userId: "a.1", rev: 3, ip: "192.0.2.1" },
        { userId: "a.2", rev: 9 },
      ],
      "risc-v notes": [{ userId: "a.3", rev: 2 }],
      "not-catalogued": [{ userId: "a.4", rev: 1 }],
    },
  };

  it("answers 413 with the envelope for a body over the cap, before the key is checked", async () => {
    const res = await etherpad({ pads: { big: [{ userId: "x".repeat(MAX_BODY_BYTES), rev: 1 }] } }, "wrong");
    await expectError(res, 413, "payload_too_large");
    expect(await listReceipts()).toEqual([]);
  });

  it("maps each updated pad to its notes links on any host, at the highest revision, without text", async () => {
    const res = await etherpad(update);
    expect(res.status).toBe(202);
    const receipts = await listReceipts();
    expect(receipts.map((r) => [r.source, r.externalId])).toEqual([
      ["etherpad", `rev:risc-v notes@2:${EVENT}/xen-on-risc-v:https://pad.example.org/p/risc-v%20notes`],
      ["etherpad", `rev:xen-rust@9:${EVENT}/rust-and-xen:https://etherpad.wikimedia.org/p/xen-rust`],
      ["etherpad", `rev:xen-rust@9:${EVENT}/xen-on-risc-v:https://pad.example.org/p/xen-rust/`],
    ]);
    expect(receipts.map((r) => r.payload)).toEqual([
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "xen-on-risc-v",
        url: "https://pad.example.org/p/risc-v%20notes",
        revision: 2,
      },
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "rust-and-xen",
        url: "https://etherpad.wikimedia.org/p/xen-rust",
        revision: 9,
      },
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "xen-on-risc-v",
        url: "https://pad.example.org/p/xen-rust/",
        revision: 9,
      },
    ]);
    expect(sentReceiptIds()).toEqual(receipts.map((r) => r.id).sort());
  });

  it("answers the same update again 200 duplicate", async () => {
    expect((await etherpad(update)).status).toBe(202);
    const again = await etherpad(update);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate" });
    expect(await listReceipts()).toHaveLength(3);
  });

  it("stores a pad at one revision once, in whatever body it comes", async () => {
    expect((await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: 9 }] } })).status).toBe(202);
    const reshaped = await etherpad({
      pads: { "not-catalogued": [{ userId: "a.4", rev: 1 }], "xen-rust": [{ userId: "a.2", rev: 9 }, { rev: 4 }] },
    });
    expect(reshaped.status).toBe(200);
    expect(await reshaped.json()).toEqual({ status: "duplicate" });
    expect((await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: 10 }] } })).status).toBe(202);
    expect((await listReceipts()).map((r) => r.externalId.split(":")[0])).toEqual(["rev", "rev", "rev", "rev"]);
    expect(await listReceipts()).toHaveLength(4);
  });

  it("falls back to the body's hash for an update without revision", async () => {
    const body = { pads: { "risc-v notes": [{ userId: "a.3" }] } };
    expect((await etherpad(body)).status).toBe(202);
    expect((await etherpad(body)).status).toBe(200);
    expect((await etherpad({ pads: { "risc-v notes": [{ userId: "a.5" }] } })).status).toBe(202);
    const bodyHash = await hashText(JSON.stringify(body));
    const receipts = await listReceipts();
    expect(receipts).toHaveLength(2);
    expect(receipts.map((r) => r.externalId)).toContain(
      `body:${bodyHash}:${EVENT}/xen-on-risc-v:https://pad.example.org/p/risc-v%20notes`,
    );
    expect(receipts.every((r) => r.payload.kind === "notes" && r.payload.revision === undefined)).toBe(true);
  });

  it("answers 200 and stores nothing for pads that are no one's notes", async () => {
    const res = await etherpad({ pads: { "p/xen-rust-2": [{ userId: "a.1", rev: 1 }] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ignored" });
    expect(await listReceipts()).toEqual([]);
  });

  it.each([
    ["a wrong key", "test-etherpad-api-key-2"],
    ["an empty key", ""],
    ["no key", null],
  ])("answers 401 for %s", async (_, key) => {
    await expectError(await etherpad(update, key), 401, "unauthorized");
    expect(await listReceipts()).toEqual([]);
  });

  it("answers 400 with the issues for a body that is not a pads update", async () => {
    const body = await expectError(
      await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: -1 }] } }),
      400,
      "bad_request",
    );
    expect(body.error.issues?.map((i) => i.path)).toEqual([["pads", "xen-rust", 0, "rev"]]);
    await expectError(await etherpad({ padIds: ["xen-rust"] }), 400, "bad_request");
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
