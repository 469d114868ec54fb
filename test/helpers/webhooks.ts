// What the inbound webhook tests share (webhooks-*.test.ts): a catalogue whose notes links GitHub and Etherpad
// deliveries map to, CHANGES captured so the tests assert on what is queued rather than on what a consumer does
// with it, and readers for the stored receipts and the error envelope.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { Observation } from "../../src/domain/changes.ts";
import { buildNoteLink } from "../../src/domain/event.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";
import { buildSite } from "./config.ts";
import { fetchWorker } from "./http.ts";
import { type TestQueue, captureQueues } from "./queue.ts";

export const EVENT = "test-summit-2026";
export const REPO_FILE = "https://github.com/xen-project/summit-notes/blob/main/2026/rust.md";
export const REPO_OLD_FILE = "https://github.com/xen-project/summit-notes/blob/main/2026/old%20notes.md";
export const WIKI_PAGE = "https://github.com/xen-project/summit-notes/wiki/Rust-and-Xen";

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

/** CHANGES, captured afresh for each test (a live binding: read it inside tests, not at import). */
export let changes: TestQueue<ChangesMessage>;

/** Loads the catalogue and captures CHANGES before each test of the calling file. */
export function setUpWebhookTests() {
  beforeEach(async () => {
    await loadEvents(env, buildSite(), [event], new Date("2026-11-27T00:00:00Z"));
    // Assert on what is sent, not on what a consumer does with it.
    changes = captureQueues().changes;
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
}

export const post = (path: string, init: RequestInit) => fetchWorker(path, { method: "POST", ...init });
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export async function listReceipts() {
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

export async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = ErrorEnvelope.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body;
}

export const sentReceiptIds = () => changes.sent.map(({ body }) => (body as { receiptId: string }).receiptId).sort();
