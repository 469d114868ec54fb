// Loading and publishing: the start-up load never overwrites what the API and pipeline changed, and
// publishing cannot wedge (no bulk read of stored values, one failure stays one, a budget of KV operations
// with follow-up runs that finish the job).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import catalogue2019 from "../../data/events/xen-design-sessions-2019.json";
import { Event } from "../../src/domain/event.ts";
import { buildSite } from "../helpers/config.ts";
import { get, getText, sendAdmin } from "../helpers/http.ts";
import { captureQueues } from "../helpers/queue.ts";
import { FEED_FORMATS } from "../../src/feeds/model.ts";
import { calendarPaths, feedPaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { buildPutEventStatements, getEvent } from "../../src/store/catalogue.ts";
import { getSessionPage, siteKeys } from "../../src/store/site.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const now = new Date("2026-11-27T10:00:00Z");
const EVENT = "test-summit-2026";

afterEach(() => vi.restoreAllMocks());

const countChanges = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM changes").first<{ n: number }>())!.n;

describe("the start-up load", () => {
  it("round-trips an event through D1", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    expect(await getEvent(env.DB, event.id)).toEqual(event);
  });

  it("changes nothing when the same catalogue is loaded twice", async () => {
    const event = buildTestEvent();
    const first = await loadEvents(env, buildSite(), [event], now);
    // 5 pages (index, event, 3 sessions), 3 formats of 5 feeds (everything, event, 3 sessions), 4 calendars (event,
    // 3 sessions)
    expect(first).toMatchObject({ added: 1, kept: 0, written: 24, deleted: 0, failed: [], remaining: 0 });
    const second = await loadEvents(env, buildSite(), [event], new Date("2026-11-28T00:00:00Z"));
    expect(second).toEqual({ added: 0, kept: 1, written: 0, deleted: 0, changedFeeds: [], failed: [], remaining: 0 });
    const { results } = await env.DB.prepare("SELECT DISTINCT updated_at FROM sessions").all();
    expect(results).toEqual([{ updated_at: now.toISOString() }]);
  });

  it("never overwrites an event already stored: an admin edit survives a restart", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    const { changes } = captureQueues();
    const url = "https://hackmd.io/added-by-admin";
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, { url });
    expect(res.status).toBe(202);
    expect((await changes.deliver()).retryMessages).toEqual([]);
    const changesBefore = await countChanges();
    expect(changesBefore).toBe(1);

    const again = await loadEvents(env, buildSite(), [event], new Date("2026-11-28T00:00:00Z"));
    expect(again).toMatchObject({ added: 0, kept: 1, written: 0, deleted: 0 });
    const stored = await getEvent(env.DB, EVENT);
    expect(stored?.sessions.find((s) => s.id === "rust-and-xen")?.notes.map((n) => n.url)).toEqual([url]);
    expect(await countChanges()).toBe(changesBefore);
    expect((await getSessionPage(env.SITE, EVENT, "rust-and-xen"))?.notes.map((n) => n.url)).toEqual([url]);
  });

  it("loads a new catalogue beside the stored ones", async () => {
    await loadEvents(env, buildSite(), [buildTestEvent()], now);
    const other = buildTestEvent({ id: "other-summit-2027", title: "Other Summit 2027" });
    expect(await loadEvents(env, buildSite(), [buildTestEvent(), other], now)).toMatchObject({ added: 1, kept: 1 });
    expect(await getEvent(env.DB, other.id)).toEqual(other);
  });
});

describe("publishing", () => {
  it("serves large pages and JSON gzipped, compressed once, to clients that accept it", async () => {
    const xen = Event.parse(catalogue2019);
    await loadEvents(env, buildSite(), [xen], now);
    for (const path of [`/events/${xen.id}`, `/api/events/${xen.id}`]) {
      const plain = await get(path);
      expect(plain.headers.get("content-encoding")).toBeNull();
      expect(plain.headers.get("vary")).toBe("Accept-Encoding");
      const text = await plain.text();
      expect(text.length).toBeGreaterThan(1024);
      for (const accept of ["gzip, deflate, br", "br;q=1.0, gzip;q=0.5", "*"]) {
        const packed = await get(path, { "accept-encoding": accept });
        expect(packed.headers.get("content-encoding"), accept).toBe("gzip");
        expect(packed.headers.get("content-type")).toBe(plain.headers.get("content-type"));
        // workerd's fetch decodes a gzip body as a client does (and fails if it is not gzip).
        expect(await packed.text()).toBe(text);
      }
      for (const accept of ["br", "gzip;q=0, br", "identity"]) {
        const res = await get(path, { "accept-encoding": accept });
        expect(res.headers.get("content-encoding"), accept).toBeNull();
        expect(await res.text()).toBe(text);
      }
    }
  });

  it("serves the new pages as soon as it publishes again: the rendered-page cache never outlives its value", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    const paths = ["/", `/events/${EVENT}`, `/events/${EVENT}/sessions/rust-and-xen`];
    const first = await Promise.all(paths.map((p) => getText(p)));
    expect(await Promise.all(paths.map((p) => getText(p)))).toEqual(first);
    const renamed = {
      ...event,
      title: "Renamed Summit",
      sessions: event.sessions.map((s) => ({ ...s, title: `${s.title} (moved)` })),
    };
    await env.DB.batch(buildPutEventStatements(env.DB, renamed, now));
    await publish(env, buildSite());
    const second = await Promise.all(paths.map((p) => getText(p)));
    for (const [i, page] of second.entries()) {
      expect(page, paths[i]).not.toEqual(first[i]);
      expect(page, paths[i]).toContain("Renamed Summit");
    }
    expect(second[2]).toContain("(moved)");
  });

  it("removes a session that left D1 from the read model", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    const sessions = event.sessions.filter((s) => s.id !== "xen-on-risc-v");
    await env.DB.batch(buildPutEventStatements(env.DB, { ...event, sessions }, now));
    const result = await publish(env, buildSite());
    // the session's page, its three feeds and its calendar
    expect(result).toMatchObject({ deleted: 5, failed: [], remaining: 0 });
    expect(await getSessionPage(env.SITE, EVENT, "xen-on-risc-v")).toBeNull();
    expect(await env.SITE.get(siteKeys.session(EVENT, "xen-on-risc-v"))).toBeNull();
    expect(await env.SITE.get(siteKeys.calendar(calendarPaths.session(EVENT, "xen-on-risc-v")))).toBeNull();
  });

  it("compares with what is stored without reading it back, however large it grew", async () => {
    await loadEvents(env, buildSite(), [buildTestEvent()], now);
    // Stored values far over what a bulk read may return in all (25 MB), as a flood once left behind.
    const big = "&amp;".repeat(1_000_000);
    const keys = FEED_FORMATS.flatMap((f) => [
      siteKeys.feed(feedPaths.event(EVENT, f)),
      siteKeys.feed(feedPaths.session(EVENT, "xen-toolstacks", f)),
      siteKeys.feed(feedPaths.all(f)),
    ]);
    for (const key of keys)
      await env.SITE.put(key, big, { metadata: { etag: '"stale"', lastModified: now.toISOString() } });
    const getSpy = vi.spyOn(env.SITE, "get");
    const result = await publish(env, buildSite());
    expect(getSpy).not.toHaveBeenCalled();
    expect(result).toMatchObject({ written: keys.length, failed: [], remaining: 0 });
    expect((await getText(feedPaths.event(EVENT, "atom"))).length).toBeLessThan(10_000);
  });

  it("records a page that cannot be rendered and still publishes the rest", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    // A value cap that one session's page and the event page (which carries it) pass, and nothing else does.
    const sessions = event.sessions.map((s) =>
      s.id === "rust-and-xen" ? { ...s, description: "x".repeat(9_000) } : s,
    );
    await env.DB.batch(buildPutEventStatements(env.DB, { ...event, title: "Renamed Summit", sessions }, now));
    const result = await publish(env, buildSite(), undefined, { maxValueBytes: 8_000 });
    expect(result.failed).toEqual([siteKeys.event(EVENT), siteKeys.session(EVENT, "rust-and-xen")]);
    expect(result.remaining).toBe(0);
    // The other pages and every feed carry the new title; the failed keys keep their last good value.
    expect((await getSessionPage(env.SITE, EVENT, "xen-toolstacks"))?.event.title).toBe("Renamed Summit");
    expect((await getSessionPage(env.SITE, EVENT, "rust-and-xen"))?.event.title).toBe("Test Summit 2026");
    expect(await getText(feedPaths.event(EVENT, "rss"))).toContain("Renamed Summit");
    const failures = await env.DB.prepare("SELECT queue, message_id FROM failures ORDER BY id").all();
    expect(failures.results).toEqual([
      { queue: "publish", message_id: siteKeys.event(EVENT) },
      { queue: "publish", message_id: siteKeys.session(EVENT, "rust-and-xen") },
    ]);
  });

  it("stays within its budget of KV operations and is finished by follow-up runs", async () => {
    const event = buildTestEvent();
    await loadEvents(env, buildSite(), [event], now);
    await env.DB.batch(buildPutEventStatements(env.DB, { ...event, title: "Renamed Summit" }, now));
    const putSpy = vi.spyOn(env.SITE, "put");
    const first = await publish(env, buildSite(), undefined, { budget: 6 });
    // one list operation, then five writes; the rest is left for later
    expect(putSpy).toHaveBeenCalledTimes(5);
    expect(first.written).toBe(5);
    expect(first.remaining).toBeGreaterThan(0);
    let runs = 1;
    for (let r = first; r.remaining > 0; runs++) r = await publish(env, buildSite(), undefined, { budget: 6 });
    expect(runs).toBeGreaterThan(2);
    expect(await publish(env, buildSite())).toMatchObject({ written: 0, remaining: 0 });
  });

  it("finishes an unfinished publish through the queue, and a commit never waits on it", async () => {
    await loadEvents(env, buildSite(), [buildTestEvent()], now);
    const { changes } = captureQueues();
    // KV refuses every write for a while (as it does past one write per key per second).
    const putSpy = vi.spyOn(env.SITE, "put").mockRejectedValue(new Error("KV PUT failed: 429 Too Many Requests"));
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url: "https://hackmd.io/while-kv-refuses",
    });
    expect(res.status).toBe(202);
    expect((await changes.deliver()).retryMessages).toEqual([]);
    // The edit is committed and the receipt done; a follow-up publish is queued.
    expect(await countChanges()).toBe(1);
    expect(changes.sent.map((m) => m.body)).toEqual([{ v: 1, type: "publish", eventIds: [EVENT] }]);
    // Still refused: no progress, so the message is retried with backoff rather than re-queued forever.
    expect((await changes.deliver([...changes.sent])).retryMessages).toHaveLength(1);
    putSpy.mockRestore();
    expect((await changes.deliver()).retryMessages).toEqual([]);
    const page = await getSessionPage(env.SITE, EVENT, "rust-and-xen");
    expect(page?.latestChange?.type).toBe("link.added");
  });
});
