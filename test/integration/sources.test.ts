// Following an event's schedule: PUT /api/admin/events/{event}/source, then the 10-minute cron fetches it with a
// conditional GET under the pads' confinement and re-imports it when its text changed. An unchanged source makes
// nothing; one that fails to fetch or to parse is recorded in failures and leaves the catalogue as it is.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { POLL_CRON } from "../../src/cron/index.ts";
import { Event } from "../../src/domain/event.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { followSources } from "../../src/pipeline/sources.ts";
import catalogue2019 from "../../data/events/xen-design-sessions-2019.json";
import wikitext2019 from "../fixtures/design-sessions-2019.wiki?raw";
import { buildConfig, buildSite } from "../helpers/config.ts";
import { getJson, sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues, runCron } from "../helpers/queue.ts";

const SOURCE = "https://hackmd.io/conf-2026/schedule.json";
let changes: TestQueue<ChangesMessage>;
beforeEach(() => {
  changes = captureQueues().changes;
});
afterEach(() => vi.restoreAllMocks());

const ics = (events: [uid: string, summary: string, start: string][]) =>
  [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//test//EN",
    ...events.flatMap(([uid, summary, start]) => [
      "BEGIN:VEVENT",
      `UID:${uid}`,
      "DTSTAMP:20260101T000000Z",
      `DTSTART:${start}`,
      "DURATION:PT30M",
      `SUMMARY:${summary}`,
      "END:VEVENT",
    ]),
    "END:VCALENDAR",
    "",
  ].join("\r\n");

/** The admin import that creates the event, then its source, and a fetch that answers `answers` in turn. */
async function follow(answers: Response[]) {
  await sendAdmin("POST", "/api/admin/events/conf-2026/import", {
    title: "Conf 2026",
    text: ics([["a@conf", "Opening", "20260201T090000Z"]]),
  });
  await changes.drain();
  const put = await sendAdmin("PUT", "/api/admin/events/conf-2026/source", { url: SOURCE, format: "ics" });
  expect(put.status).toBe(200);
  const fetch = vi.spyOn(globalThis, "fetch");
  for (const answer of answers) fetch.mockResolvedValueOnce(answer);
  return fetch;
}

const cron = async (minute: number) => {
  await runCron(POLL_CRON, new Date(Date.UTC(2026, 1, 1, 12, minute)));
  await changes.drain();
};
const changeTypes = async () =>
  (await env.DB.prepare("SELECT type, session_id FROM changes ORDER BY seq").all()).results.map(
    (r) => `${r.type} ${r.session_id}`,
  );

it("re-imports a changed source, sends validators, and makes nothing of an unchanged one", async () => {
  const v2 = ics([
    ["a@conf", "Opening keynote", "20260201T090000Z"],
    ["b@conf", "Closing", "20260201T170000Z"],
  ]);
  const fetch = await follow([
    new Response(v2, { headers: { etag: '"v2"' } }),
    new Response(null, { status: 304 }),
    new Response(v2, { headers: { etag: '"v2b"' } }),
  ]);
  await cron(0);
  expect(await changeTypes()).toEqual(["event.imported null", "session.retitled opening", "session.added closing"]);
  await cron(10);
  await cron(20);
  expect(await changeTypes()).toHaveLength(3);
  const requests = fetch.mock.calls.map(([input, init]) => [
    String(input),
    new Headers(init?.headers).get("if-none-match"),
  ]);
  expect(requests).toEqual([
    [SOURCE, null],
    [SOURCE, '"v2"'],
    [SOURCE, '"v2"'],
  ]);
  const event = await getJson<{ source: unknown; sessions: { id: string; title: string }[] }>("/api/events/conf-2026");
  expect(event.source).toEqual({ url: SOURCE, format: "ics" });
  expect(event.sessions.map((s) => s.title)).toEqual(["Opening keynote", "Closing"]);
});

it("records a source that cannot be fetched or read, and leaves the catalogue as it is", async () => {
  await follow([new Response("busy", { status: 503 }), new Response("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x")]);
  await cron(0);
  await cron(10);
  const res = await sendAdmin("GET", "/api/admin/failures");
  const { failures: listed } = (await res.json()) as { failures: { subject: string; error: string }[] };
  expect(listed.map((f) => f.subject).sort()).toEqual(["source:conf-2026", expect.stringMatching(/^receipt:/)].sort());
  expect(listed.find((f) => f.subject === "source:conf-2026")?.error).toMatch(/503/);
  expect(listed.find((f) => f.subject.startsWith("receipt:"))?.error).toMatch(/line \d+: /);
  expect(await changeTypes()).toEqual(["event.imported null"]);
});

it("refuses a source that is not https on an allowed host, and one for no event", async () => {
  for (const url of ["http://hackmd.io/x", "https://example.org/schedule.json"]) {
    await sendAdmin("POST", "/api/admin/events/conf-2026/import", {
      title: "Conf",
      text: ics([["a", "A", "20260201T090000Z"]]),
    });
    const res = await sendAdmin("PUT", "/api/admin/events/conf-2026/source", { url });
    expect(res.status).toBe(400);
  }
  expect((await sendAdmin("PUT", "/api/admin/events/nope/source", { url: SOURCE })).status).toBe(404);
  expect((await sendAdmin("DELETE", "/api/admin/events/nope/source")).status).toBe(404);
});

it("follows the 2019 catalogue's wiki page: its wikitext adds nothing, a notes link added there is one change", async () => {
  const committed = Event.parse(catalogue2019);
  expect(committed.source?.url).toBe("https://wiki.xenproject.org/wiki/Design_Sessions_2019");
  await loadEvents(env, buildSite(), [committed], new Date(Date.UTC(2026, 1, 1)));
  const noted = wikitext2019.replace("For notes, see\n", "For notes, see\n* https://cryptpad.fr/pad/#/2/pad/view/p\n");
  expect(noted).not.toBe(wikitext2019);
  const fetch = vi.spyOn(globalThis, "fetch");
  fetch.mockResolvedValueOnce(new Response(wikitext2019, { headers: { etag: '"r1"' } }));
  fetch.mockResolvedValueOnce(new Response(noted, { headers: { etag: '"r2"' } }));
  // Only the sources step of the cron: its pad polling (3 s between requests to a host) is not under test here.
  const follow = async (minute: number) => {
    await followSources(env, buildConfig(), new Date(Date.UTC(2026, 1, 1, 12, minute)));
    await changes.drain();
  };
  await follow(0);
  expect(await changeTypes()).toEqual([]);
  await follow(10);
  expect(await changeTypes()).toEqual(["link.added agreeing-priorities-for-the-next-year"]);
  expect(fetch.mock.calls.map(([input]) => String(input))).toEqual([
    "https://wiki.xenproject.org/wiki/Design_Sessions_2019?action=raw",
    "https://wiki.xenproject.org/wiki/Design_Sessions_2019?action=raw",
  ]);
});
