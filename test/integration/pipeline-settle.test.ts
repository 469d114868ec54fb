// The change pipeline from edits to a published change: receipts → CHANGES consumer → a pad's quiet period →
// one change per settled edit, converging on the newest revision whatever order deliveries arrive in → the KV
// read model (API and pages). Fake Date; queue batches go to the Worker's real queue handler.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestChanges } from "../helpers/factories.ts";
import { get } from "../helpers/http.ts";
import type { Sent } from "../helpers/queue.ts";
import { ingest } from "../../src/pipeline/ingest.ts";
import { apiPaths, pagePaths } from "../../src/paths.ts";
import { publish } from "../../src/pipeline/publish.ts";
import { RESTART_AFTER_SECONDS } from "../../src/store/pads.ts";
import {
  EVENT,
  PAD,
  SESSION,
  at,
  changes,
  deliver,
  drain,
  observe,
  sent,
  setUpPipelineTests,
  settleAt,
  take,
} from "../helpers/pipeline.ts";

setUpPipelineTests();

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
