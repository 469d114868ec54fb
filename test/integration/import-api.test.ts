// Importing schedules through POST /api/admin/events/{event}/import: any format read (detected or forced), the
// first import is the event's baseline, a second version publishes exactly what changed, and a document that
// cannot be read is refused with 400 naming where, storing nothing.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { getJson, getText, sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import { readSample } from "../helpers/samples.ts";
import { buildFrabJson } from "../helpers/imports.ts";

let changes: TestQueue<ChangesMessage>;
beforeEach(() => {
  changes = captureQueues().changes;
});
afterEach(() => vi.restoreAllMocks());

const importText = async (event: string, text: string, format?: string) => {
  const res = await sendAdmin("POST", `/api/admin/events/${event}/import`, { title: "Conf", text, format });
  await changes.drain();
  return res;
};

type EventPage = {
  sessions: { id: string; title: string; room?: string; start?: string; withdrawn?: boolean }[];
  changeCount: number;
  latestChanges: { type: string; session: string | null; summary: string }[];
};

it("reads a frab schedule.json as the baseline, then publishes exactly what the next version changed", async () => {
  const v1 = buildFrabJson([
    { guid: "g1", title: "Opening", start: "09:00" },
    { guid: "g2", title: "Rust in Xen", start: "10:00" },
    { guid: "g3", title: "Closing", start: "17:00" },
  ]);
  expect((await importText("conf-2026", v1)).status).toBe(202);
  const first = await getJson<EventPage>("/api/events/conf-2026");
  expect(first.sessions.map((s) => [s.id, s.start])).toEqual([
    ["opening", "2026-02-01T08:00:00Z"],
    ["rust-in-xen", "2026-02-01T09:00:00Z"],
    ["closing", "2026-02-01T16:00:00Z"],
  ]);
  expect(first.latestChanges.map((c) => c.type)).toEqual(["event.imported"]);
  // The page groups the schedule by day and room, in the event's time zone, with anchors to each.
  const page = await getText("/events/conf-2026");
  expect(page).toContain(
    '<a href="#day-2026-02-01">Sunday, 1 February 2026</a>: <a href="#day-2026-02-01-main">Main</a>',
  );
  expect(page).toContain('<h2 id="day-2026-02-01">Sunday, 1 February 2026</h2>');
  expect(page).toContain('<h3 id="day-2026-02-01-main">Main <span class="count">(3)</span></h3>');
  expect(page).toContain(
    '<time datetime="2026-02-01T09:00:00Z">10:00–10:30</time><h4><a href="/events/conf-2026/sessions/rust-in-xen">Rust in Xen</a></h4>',
  );
  expect(page).toContain("Times in Europe/Brussels.");
  const sessionPage = await getText("/events/conf-2026/sessions/rust-in-xen");
  expect(sessionPage).toContain("Sunday, 1 February 2026, 10:00–10:30");

  const v2 = buildFrabJson([
    { guid: "g1", title: "Opening", start: "09:00" },
    { guid: "g2", title: "Rust in the hypervisor", start: "11:00", room: "Side" },
    { guid: "g4", title: "Lightning talks", start: "16:00" },
  ]);
  expect((await importText("conf-2026", v2, "frab-json")).status).toBe(202);
  const second = await getJson<EventPage>("/api/events/conf-2026");
  expect(second.sessions.map((s) => [s.id, s.title, s.withdrawn ?? false])).toEqual([
    ["opening", "Opening", false],
    ["rust-in-xen", "Rust in the hypervisor", false],
    ["closing", "Closing", true],
    ["lightning-talks", "Lightning talks", false],
  ]);
  const types = (await env.DB.prepare("SELECT type, session_id FROM changes ORDER BY seq").all()).results;
  expect(types).toEqual([
    { type: "event.imported", session_id: null },
    { type: "session.retitled", session_id: "rust-in-xen" },
    { type: "session.rescheduled", session_id: "rust-in-xen" },
    { type: "session.added", session_id: "lightning-talks" },
    { type: "session.withdrawn", session_id: "closing" },
  ]);
  // The retitled session kept its page and feed.
  expect((await sendAdmin("GET", "/events/conf-2026/sessions/rust-in-xen/feed.atom")).status).toBe(200);
  // The same version again changes nothing.
  await importText("conf-2026", v2);
  expect((await getJson<EventPage>("/api/events/conf-2026")).changeCount).toBe(5);
});

it("refuses a document it cannot read with 400 naming where, storing nothing", async () => {
  const res = await sendAdmin("POST", "/api/admin/events/conf-2026/import", {
    title: "Conf",
    text: buildFrabJson([{ guid: "g1", title: "Opening", start: "09:00" }]).slice(0, 200),
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { code: string; message: string; issues: { path: string[] }[] } };
  expect(body.error.code).toBe("invalid_schedule");
  expect(body.error.message).toMatch(/^The schedule cannot be read: line 1: /);
  expect(body.error.issues[0]!.path).toEqual(["text", "line 1"]);
  expect(changes.sent).toEqual([]);
  expect(await env.DB.prepare("SELECT count(*) AS n FROM receipts").first()).toEqual({ n: 0 });
});

it("reads an iCalendar sample, detected from its content", async (ctx) => {
  const text = await readSample("ics/kieler-linux-tage-2020.ics");
  if (text === null) return ctx.skip();
  expect((await importText("kielux-2020", text)).status).toBe(202);
  expect((await getJson<EventPage>("/api/events/kielux-2020")).sessions).toHaveLength(24);
});

it("publishes exactly FOSDEM 2010's changes between its two schedule revisions", async (ctx) => {
  const [before, after] = await Promise.all([
    readSample("frab-xml/fosdem-2010.2010-01-20.xml"),
    readSample("frab-xml/fosdem-2010.2010-02-01.xml"),
  ]);
  if (before === null || after === null) return ctx.skip();
  expect((await importText("fosdem-2010", before)).status).toBe(202);
  expect((await importText("fosdem-2010", after)).status).toBe(202);
  const counts = (
    await env.DB.prepare("SELECT type, count(*) AS n FROM changes WHERE event_id = ? GROUP BY type ORDER BY type")
      .bind("fosdem-2010")
      .all<{ type: string; n: number }>()
  ).results;
  expect(Object.fromEntries(counts.map((c) => [c.type, c.n]))).toEqual({
    "event.imported": 1,
    "session.added": 67,
    "session.retitled": 3,
    "session.rescheduled": 19,
    "session.withdrawn": 2,
  });
  const event = await getJson<EventPage>("/api/events/fosdem-2010");
  expect(event.sessions).toHaveLength(302); // 300 on the schedule, and the 2 withdrawn ones kept
  expect(event.sessions.filter((s) => s.withdrawn)).toHaveLength(2);
}, 60_000);
