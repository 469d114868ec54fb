// A hostile sender cannot wedge publishing: 105 maximal signed notes webhooks (URLs of `&`, notes text of
// characters that every escaping layer multiplies) spread over the 21 sessions of the 2019 catalogue, then one
// ordinary webhook. Everything goes through the real routes and the real queue handler, batched as the platform
// batches; time is a fake clock, so the quiet period passes at once.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import catalogue from "../../data/events/xen-design-sessions-2019.json";
import { buildSite } from "../helpers/config.ts";
import { getText, postSignedWebhook } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import { Event } from "../../src/domain/event.ts";
import { MAX_FEED_BYTES, MAX_URL_CHARS, MAX_WEBHOOK_BODY_BYTES } from "../../src/domain/limits.ts";
import { feedPaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";

const event = Event.parse(catalogue);
const QUIET_MS = Number(env.QUIET_PERIOD_SECONDS) * 1000;
const T0 = new Date("2026-11-27T10:00:00Z");
let changes: TestQueue<ChangesMessage>;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, buildSite(), [event], T0);
  changes = captureQueues().changes;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const postNotes = (id: string, body: object) => postSignedWebhook(body, id);

/** Delivers queued messages of these types in batches of 10, as the platform does, until none are left. */
async function drain(types: ChangesMessage["type"][]) {
  expect(await changes.drain({ only: (body) => types.includes(body.type) })).toMatchObject({ retried: 0 });
}

/** The largest notes text whose webhook body still fits the body limit: `<&>"'` repeated. */
function buildHostileBody(i: number) {
  const session = event.sessions[i % event.sessions.length]!;
  const prefix = `https://hackmd.io/flood-${i}?`;
  const url = prefix + "&".repeat(MAX_URL_CHARS - prefix.length);
  const shell = { type: "notes.updated", event: event.id, session: session.id, url, text: "" };
  // Each `<&>"'` is 5 bytes of text and 6 in JSON (the quote is escaped).
  const reps = Math.floor((MAX_WEBHOOK_BODY_BYTES - JSON.stringify(shell).length - 64) / 6);
  return { ...shell, text: `flood ${i}\n${`<&>"'`.repeat(reps)}` };
}

it("publishes every change of a flood of maximal webhooks, and an ordinary change right after it", async () => {
  for (let i = 0; i < 105; i++) {
    const res = await postNotes(`flood-${i}`, buildHostileBody(i));
    expect(res.status).toBe(202);
  }
  await drain(["receipt", "publish"]);
  vi.setSystemTime(new Date(T0.getTime() + QUIET_MS + 1000));
  await drain(["settle", "publish"]);

  const ordinaryAt = new Date(T0.getTime() + QUIET_MS + 5000);
  vi.setSystemTime(ordinaryAt);
  const started = performance.now();
  const res = await postNotes("ordinary", {
    type: "notes.updated",
    event: event.id,
    session: "xen-toolstacks",
    url: "https://hackmd.io/ordinary-notes",
    text: "# Toolstacks\n- decision: keep libxl\n",
  });
  expect(res.status).toBe(202);
  await drain(["receipt", "publish"]);
  vi.setSystemTime(new Date(ordinaryAt.getTime() + QUIET_MS + 1000));
  await drain(["settle", "publish"]);

  const { results } = await env.DB.prepare(
    "SELECT url FROM changes WHERE type IN ('notes.published', 'notes.updated') ORDER BY seq",
  ).all<{ url: string }>();
  expect(results).toHaveLength(106);
  expect(new Set(results.map((r) => r.url)).size).toBe(106);

  // The ordinary change is in its session feed, and every feed stays small.
  const body = await getText(feedPaths.session(event.id, "xen-toolstacks", "atom"));
  expect(body).toContain("https://hackmd.io/ordinary-notes");
  expect(body).toContain("decision: keep libxl");
  // Beyond the quiet period (on the fake clock), a few seconds of real work: nothing is stuck behind the flood.
  expect(performance.now() - started).toBeLessThan(10_000);
  for (const path of [
    feedPaths.event(event.id, "rss"),
    feedPaths.all("json"),
    feedPaths.session(event.id, "xen-toolstacks", "atom"),
  ]) {
    expect((await getText(path)).length).toBeLessThan(MAX_FEED_BYTES);
  }
  // Nothing failed on the way.
  expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM failures").first<{ n: number }>())!.n).toBe(0);
}, 180_000);
