// The change pipeline for each kind of delivery: the poller's first look is a baseline, deliveries without text
// (CryptPad, hosts that may not be fetched) settle like text, and a session's first notes mark its notes
// published. Fake Date; queue batches go to the Worker's real queue handler.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { get } from "../helpers/http.ts";
import { ingest } from "../../src/pipeline/ingest.ts";
import { apiPaths } from "../../src/paths.ts";
import { buildPutEventStatements } from "../../src/store/catalogue.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import {
  EVENT,
  PAD,
  SESSION,
  T0,
  at,
  changes,
  drain,
  observe,
  setUpPipelineTests,
  settleAt,
  take,
} from "../helpers/pipeline.ts";

setUpPipelineTests();

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
