// POST /webhooks/github: GitHub's HMAC signature; push and gollum (wiki) events mapped to the notes links they
// touch, stored once per commit range or page commit whatever delivery id brings them (per delivery id when a push
// names no commit); pings, other branches, tags and other events ignored; bad signatures, bodies, media types and
// sizes refused, and 503 when a change cannot be queued.
import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES } from "../../src/domain/limits.ts";
import { verifyGithubSignature } from "../../src/webhooks/github.ts";
import { encodeHex, encodeText, signHmacSha256 } from "../../src/lib/crypto.ts";
import {
  EVENT,
  REPO_FILE,
  REPO_OLD_FILE,
  WIKI_PAGE,
  changes,
  expectError,
  listReceipts,
  post,
  sentReceiptIds,
  setUpWebhookTests,
} from "../helpers/webhooks.ts";

setUpWebhookTests();

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
