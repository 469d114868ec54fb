import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getEvent } from "../../src/store/catalogue.ts";
import { loadEvents } from "../../src/publish.ts";
import { getSessionPage, siteKeys } from "../../src/store/site.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const now = new Date("2026-11-27T10:00:00Z");

describe("load and publish", () => {
  it("round-trips an event through D1", async () => {
    const event = buildTestEvent();
    await loadEvents(env, [event], now);
    expect(await getEvent(env.DB, event.id)).toEqual(event);
  });

  it("changes nothing when the same catalogue is loaded twice", async () => {
    const event = buildTestEvent();
    const first = await loadEvents(env, [event], now);
    // 5 pages (index, event, 3 sessions) and 3 formats of 5 feeds (everything, event, 3 sessions)
    expect(first).toMatchObject({ changed: 1, written: 20, deleted: 0 });
    const second = await loadEvents(env, [event], new Date("2026-11-28T00:00:00Z"));
    expect(second).toEqual({ changed: 0, written: 0, deleted: 0, changedFeeds: [] });
    const { results } = await env.DB.prepare("SELECT DISTINCT updated_at FROM sessions").all();
    expect(results).toEqual([{ updated_at: now.toISOString() }]);
  });

  it("removes a dropped session from D1 and from the read model", async () => {
    const event = buildTestEvent();
    await loadEvents(env, [event], now);
    const shorter = { ...event, sessions: event.sessions.slice(0, 2) };
    const result = await loadEvents(env, [shorter], now);
    // the session's page and its three feeds
    expect(result).toMatchObject({ changed: 1, deleted: 4 });
    expect(await getSessionPage(env.SITE, event.id, "xen-on-risc-v")).toBeNull();
    expect(await env.SITE.get(siteKeys.session(event.id, "xen-on-risc-v"))).toBeNull();
    expect((await getEvent(env.DB, event.id))?.sessions.map((s) => s.id)).toEqual(["xen-toolstacks", "rust-and-xen"]);
  });
});
