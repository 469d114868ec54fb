import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestPublishedPad } from "../helpers/factories.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import { readConfig } from "../../src/config.ts";
import { pollWatchedLinks } from "../../src/pipeline/poll.ts";
import { buildNoteLink } from "../../src/domain/event.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { getPad } from "../../src/store/pads.ts";
import { hashText } from "../../src/lib/crypto.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";

const now = new Date("2026-11-27T10:00:00Z");
const EVENT = "test-summit-2026";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
const PAD_TEXT_URL = `${PAD}/download`;
const CRYPTPAD = "https://cryptpad.fr/pad/#/2/pad/edit/0123456789abcdef/";
const noSleep = async () => {};

/** Loads one event whose first session has the given notes links. */
async function loadLinks(...urls: string[]) {
  const event = buildTestEvent({ sessions: [buildTestSession({ notes: urls.map((u) => buildNoteLink(u)) })] });
  await loadEvents(env, buildSite(), [event], now);
}

/** Answers each URL from the table, 404 otherwise; records every request. */
function mockFetch(routes: Record<string, () => Response | Promise<Response>>) {
  return vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(async (input) => routes[String(input)]?.() ?? new Response("", { status: 404 }));
}

async function listReceipts() {
  const { results } = await env.DB.prepare("SELECT source, external_id, payload FROM receipts").all<{
    source: string;
    external_id: string;
    payload: string;
  }>();
  return results.map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
}

let changes: TestQueue<ChangesMessage>;
beforeEach(() => {
  // Assert on what is queued, not on what a consumer does with it.
  changes = captureQueues().changes;
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("WATCH_HOSTS", () => {
  it("splits, trims, lowercases and drops empties", () => {
    expect(readConfig({ WATCH_HOSTS: " HackMD.io, ,wiki.xenproject.org,hackmd.io," }).watchHosts).toEqual([
      "hackmd.io",
      "wiki.xenproject.org",
    ]);
    expect(readConfig({ WATCH_HOSTS: "" }).watchHosts).toEqual([]);
  });
});

describe("pollWatchedLinks", () => {
  it("never fetches a CryptPad link", async () => {
    await loadLinks(PAD, CRYPTPAD);
    const spy = mockFetch({ [PAD_TEXT_URL]: () => new Response(null, { status: 304 }) });
    const summary = await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect(spy.mock.calls.map(([input]) => String(input))).toEqual([PAD_TEXT_URL]);
    expect(summary).toMatchObject({ checked: 1, notModified: 1 });
  });

  it("hands over a text too large to store with its receipt without the text, rather than failing each cycle", async () => {
    await loadLinks(PAD);
    // Under the fetch cap, but JSON escapes each control character sixfold: over a receipt's row budget.
    const text = "\u0001".repeat(400_000);
    mockFetch({ [PAD_TEXT_URL]: () => new Response(text) });
    const summary = await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect(summary).toMatchObject({ modified: 1, failed: 0 });
    const [receipt] = await listReceipts();
    expect(receipt?.payload).toEqual({
      kind: "notes",
      type: "notes.published",
      event: EVENT,
      session: "xen-toolstacks",
      url: PAD,
    });
  });

  it("hands a new pad's text to the pipeline as exactly one receipt and one queue message", async () => {
    await loadLinks(PAD);
    mockFetch({ [PAD_TEXT_URL]: () => new Response("# Toolstacks\n- a daemon", { headers: { etag: '"v2"' } }) });
    const summary = await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect(summary).toEqual({ checked: 1, modified: 1, unchanged: 0, notModified: 0, refused: 0, failed: 0 });
    const receipts = await listReceipts();
    expect(receipts).toEqual([
      {
        source: "poll",
        external_id: `${PAD}@${now.toISOString()}`,
        payload: {
          kind: "notes",
          type: "notes.published",
          event: EVENT,
          session: "xen-toolstacks",
          url: PAD,
          text: "# Toolstacks\n- a daemon",
        },
      },
    ]);
    expect(changes.sent).toEqual([{ body: { v: 1, type: "receipt", receiptId: expect.any(String) } }]);
    expect(await getPad(env.DB, { event: EVENT, session: "xen-toolstacks", url: PAD })).toMatchObject({
      etag: '"v2"',
      checkedAt: now.toISOString(),
    });
  });

  it("reports changed text of a known pad as notes.updated", async () => {
    await loadLinks(PAD);
    await putTestPublishedPad(PAD, { text: "old notes" });
    mockFetch({ [PAD_TEXT_URL]: () => new Response("new notes") });
    await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect((await listReceipts()).map((r) => r.payload.type)).toEqual(["notes.updated"]);
  });

  it("queues nothing when the text hashes to what the pipeline already has", async () => {
    await loadLinks(PAD);
    await putTestPublishedPad(PAD, { text: "same notes" });
    mockFetch({ [PAD_TEXT_URL]: () => new Response("same notes", { headers: { etag: '"v3"' } }) });
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep })).toMatchObject({
      unchanged: 1,
      modified: 0,
    });
    expect(await listReceipts()).toEqual([]);
    expect(changes.sent).toEqual([]);
    expect((await getPad(env.DB, { event: EVENT, session: "xen-toolstacks", url: PAD }))?.etag).toBe('"v3"');
  });

  it("sends the stored validators, and on 304 queues nothing and keeps them", async () => {
    await loadLinks(PAD);
    const lastModified = "Wed, 25 Nov 2026 10:00:00 GMT";
    await putTestPublishedPad(PAD, { text: "published notes", etag: '"v1"', lastModified });
    const spy = mockFetch({ [PAD_TEXT_URL]: () => new Response(null, { status: 304 }) });
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep })).toMatchObject({ notModified: 1 });
    const headers = new Headers(spy.mock.calls[0]?.[1]?.headers);
    expect([headers.get("if-none-match"), headers.get("if-modified-since")]).toEqual(['"v1"', lastModified]);
    expect(await listReceipts()).toEqual([]);
    expect(await getPad(env.DB, { event: EVENT, session: "xen-toolstacks", url: PAD })).toMatchObject({
      etag: '"v1"',
      lastModified,
      publishedHash: await hashText("published notes"),
      checkedAt: now.toISOString(),
    });
  });

  it("reduces a mailing-list archive page to its text", async () => {
    const page = "https://lists.xenproject.org/archives/html/xen-devel/2019-07/msg00789.html";
    await loadLinks(page);
    mockFetch({
      [page]: () => new Response("<html><body><h1>Toolstacks</h1><pre>We agreed &amp; moved on.</pre></body></html>"),
    });
    await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect((await listReceipts())[0]?.payload.text).toBe("Toolstacks\nWe agreed & moved on.");
  });

  it("does not take a pad host's HTML page (a login form) for notes", async () => {
    await loadLinks(PAD);
    mockFetch({
      [PAD_TEXT_URL]: () =>
        new Response("<html>Sign in</html>", { headers: { "content-type": "text/html; charset=utf-8" } }),
    });
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep })).toMatchObject({
      refused: 1,
      modified: 0,
    });
    expect(await listReceipts()).toEqual([]);
  });

  it("refuses links on hosts that are not allow-listed, without a request", async () => {
    await loadLinks("https://pad.example.org/p/notes");
    const spy = mockFetch({});
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep })).toMatchObject({
      checked: 1,
      refused: 1,
    });
    expect(spy).not.toHaveBeenCalled();
  });

  it("spaces requests to the same host, 3 s apart by default", async () => {
    const pads = ["https://hackmd.io/aaa", "https://hackmd.io/bbb", "https://hackmd.io/ccc"];
    await loadLinks(...pads, "https://etherpad.wikimedia.org/p/xen");
    const log: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      log.push(new URL(String(input)).hostname);
      return new Response(null, { status: 304 });
    });
    const sleep = vi.fn(async (ms: number) => {
      log.push(`sleep ${ms}`);
    });
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep })).toMatchObject({ checked: 4, notModified: 4 });
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(log.filter((e) => e !== "etherpad.wikimedia.org")).toEqual([
      "hackmd.io",
      "sleep 3000",
      "hackmd.io",
      "sleep 3000",
      "hackmd.io",
    ]);
    expect(log).toContain("etherpad.wikimedia.org");
  });

  it("runs hosts in parallel, never more than 6 requests at once", async () => {
    const hosts = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"].map(
      (h) => `pad.${h}.org`,
    );
    await loadLinks(...hosts.flatMap((h) => [`https://${h}/p/one`, `https://${h}/p/two`]));
    let inFlight = 0;
    let most = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return new Response(null, { status: 304 });
    });
    const pollEnv = { DB: env.DB, CHANGES: env.CHANGES, WATCH_HOSTS: hosts.join(",") };
    expect(await pollWatchedLinks(pollEnv, readConfig(pollEnv), now, { sleep: noSleep })).toMatchObject({
      checked: 18,
      notModified: 18,
    });
    expect(most).toBe(6);
  });

  it("keeps going when one host fails", async () => {
    const wiki = "https://wiki.xenproject.org/wiki/Design_Sessions_2019";
    await loadLinks("https://hackmd.io/aaa", "https://hackmd.io/bbb", wiki);
    mockFetch({
      "https://hackmd.io/aaa/download": () => Promise.reject(new TypeError("Network connection lost.")),
      "https://hackmd.io/bbb/download": () => new Response("bbb notes"),
      "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019&action=raw": () => new Response("== Notes =="),
    });
    const summary = await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep });
    expect(summary).toEqual({ checked: 3, modified: 2, unchanged: 0, notModified: 0, refused: 0, failed: 1 });
    expect((await listReceipts()).map((r) => r.payload.text).sort()).toEqual(["== Notes ==", "bbb notes"]);
  });

  it("keeps going when handing one pad to the pipeline throws", async () => {
    await loadLinks("https://hackmd.io/aaa", "https://etherpad.wikimedia.org/p/xen");
    changes.refuse((call) => call === 1);
    mockFetch({
      "https://hackmd.io/aaa/download": () => new Response("aaa notes"),
      "https://etherpad.wikimedia.org/p/xen/export/txt": () => new Response("pad notes"),
    });
    expect(await pollWatchedLinks(env, readConfig(env), now, { sleep: noSleep })).toMatchObject({
      checked: 2,
      modified: 1,
      failed: 1,
    });
    // The first hand-over was refused; the second still went out.
    expect(changes.sent).toHaveLength(1);
  });
});
