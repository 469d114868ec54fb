// Calendars through the Worker: rendered at publish time into KV, served with validators and 304s like feeds, read
// back with a real iCalendar parser (ical.js). A reschedule through the import API bumps SEQUENCE and LAST-MODIFIED,
// a withdrawal cancels, notes text changes leave calendars as they were, and pages link them (webcal:).
import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import catalogue2019 from "../../data/events/xen-design-sessions-2019.json";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { Event } from "../../src/domain/event.ts";
import { calendarPaths, pagePaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { buildPutEventStatements } from "../../src/store/catalogue.ts";
import { getCalendar } from "../../src/store/site.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChange } from "../helpers/factories.ts";
import { fetchWorker, get, getText, sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";
import { type FrabTalk, buildFrabJson } from "../helpers/imports.ts";

const EVENT = "conf-2026";
const SITE = "http://127.0.0.1:8787";
const T1 = new Date("2026-01-10T10:00:00Z");
const T2 = new Date("2026-01-11T12:30:00Z");
const T3 = new Date("2026-01-12T08:15:00Z");

let changes: TestQueue<ChangesMessage>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T1);
  changes = captureQueues().changes;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

type Talk = Omit<FrabTalk, "track" | "abstract" | "hosts">;

/** 30-minute talks in the Xen track, each with a speaker and an abstract. */
const frabJson = (talks: Talk[]) =>
  buildFrabJson(
    talks.map((t) => ({ ...t, track: "Xen", abstract: `What ${t.title} is about.`, hosts: ["Ann Example"] })),
  );

const V1: Talk[] = [
  { guid: "g1", title: "Opening", start: "09:00" },
  { guid: "g2", title: "Rust in Xen", start: "10:00", pad: "https://hackmd.io/rust-in-xen" },
  { guid: "g3", title: "Closing", start: "17:00" },
];

async function importAt(now: Date, talks: Talk[]) {
  vi.setSystemTime(now);
  const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/import`, { title: "Conf", text: frabJson(talks) });
  expect(res.status).toBe(202);
  await changes.drain();
}

/** The calendar at `path`, parsed by ical.js, with the answer's validators. */
async function readCalendar(path: string) {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  const text = await res.text();
  const calendar = new ICAL.Component(ICAL.parse(text));
  expect(calendar.name).toBe("vcalendar");
  return { res, text, calendar, etag: res.headers.get("etag")!, lastModified: res.headers.get("last-modified")! };
}

const findEvent = (calendar: ICAL.Component, sessionId: string, eventId = EVENT) =>
  calendar
    .getAllSubcomponents("vevent")
    .find((v) => v.getFirstPropertyValue("uid") === `${sessionId}@${eventId}.sessionwire`);

/** A VEVENT's properties as ical.js reads them (times as their iCalendar UTC form). */
function readEvent(vevent: ICAL.Component | undefined) {
  expect(vevent).toBeDefined();
  const value = (name: string) => vevent!.getFirstPropertyValue(name);
  const time = (name: string) => (value(name) as ICAL.Time | null)?.toICALString() ?? null;
  return {
    start: time("dtstart"),
    end: time("dtend"),
    stamp: time("dtstamp"),
    lastModified: time("last-modified"),
    sequence: value("sequence"),
    status: value("status"),
    summary: value("summary"),
    location: value("location"),
    categories: value("categories"),
    url: value("url"),
    description: value("description") as string,
  };
}

const icalUtc = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

describe("an imported schedule's calendar", () => {
  it("has each session in UTC with its page, room, track, notes links and description", async () => {
    await importAt(T1, V1);
    const { res, text, calendar } = await readCalendar(calendarPaths.event(EVENT));
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("last-modified")).toBe(T1.toUTCString());
    expect(calendar.getFirstPropertyValue("prodid")).toBe("-//sessionwire//sessionwire calendars//EN");
    expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
    expect(calendar.getFirstPropertyValue("x-wr-calname")).toBe("Conf");
    expect(calendar.getFirstPropertyValue("x-wr-timezone")).toBe("Europe/Brussels");
    expect(calendar.getAllSubcomponents("vevent").map((v) => v.getFirstPropertyValue("summary"))).toEqual([
      "Opening",
      "Rust in Xen",
      "Closing",
    ]);
    expect(readEvent(findEvent(calendar, "rust-in-xen"))).toEqual({
      start: "20260201T090000Z",
      end: "20260201T093000Z",
      stamp: icalUtc(T1),
      lastModified: icalUtc(T1),
      sequence: 0,
      status: "CONFIRMED",
      summary: "Rust in Xen",
      location: "Main",
      categories: "Xen",
      url: `${SITE}${pagePaths.session(EVENT, "rust-in-xen")}`,
      description: "Notes: https://hackmd.io/rust-in-xen\nHosted by Ann Example\n\nWhat Rust in Xen is about.",
    });
    expect(text.split("\r\n").every((line) => new TextEncoder().encode(line).length <= 75)).toBe(true);

    // The session's own calendar holds the same VEVENT.
    const own = await readCalendar(calendarPaths.session(EVENT, "rust-in-xen"));
    expect(own.calendar.getAllSubcomponents("vevent")).toHaveLength(1);
    expect(readEvent(findEvent(own.calendar, "rust-in-xen"))).toEqual(readEvent(findEvent(calendar, "rust-in-xen")));
    expect(own.calendar.getFirstPropertyValue("x-wr-calname")).toBe("Rust in Xen · Conf");
  });

  it("bumps SEQUENCE and LAST-MODIFIED on a reschedule, cancels a withdrawn session, and leaves the rest as it was", async () => {
    await importAt(T1, V1);
    const before = {
      event: await readCalendar(calendarPaths.event(EVENT)),
      rust: await readCalendar(calendarPaths.session(EVENT, "rust-in-xen")),
      opening: await readCalendar(calendarPaths.session(EVENT, "opening")),
    };
    const v2: Talk[] = [
      V1[0]!,
      { guid: "g2", title: "Rust in Xen", start: "11:00", room: "Side", pad: "https://hackmd.io/rust-in-xen" },
    ];
    await importAt(T2, v2);
    const types = await env.DB.prepare("SELECT type, session_id, created_at FROM changes ORDER BY seq").all();
    expect(types.results).toEqual([
      { type: "event.imported", session_id: null, created_at: T1.toISOString() },
      { type: "session.rescheduled", session_id: "rust-in-xen", created_at: T2.toISOString() },
      { type: "session.withdrawn", session_id: "closing", created_at: T2.toISOString() },
    ]);

    const rust = await readCalendar(calendarPaths.session(EVENT, "rust-in-xen"));
    expect(readEvent(findEvent(rust.calendar, "rust-in-xen"))).toMatchObject({
      start: "20260201T100000Z",
      end: "20260201T103000Z",
      location: "Side",
      sequence: 1,
      stamp: icalUtc(T2),
      lastModified: icalUtc(T2),
      status: "CONFIRMED",
    });
    expect(rust.etag).not.toBe(before.rust.etag);
    expect(rust.lastModified).toBe(T2.toUTCString());

    const all = await readCalendar(calendarPaths.event(EVENT));
    expect(readEvent(findEvent(all.calendar, "closing"))).toMatchObject({
      status: "CANCELLED",
      sequence: 1,
      lastModified: icalUtc(T2),
      start: "20260201T160000Z",
    });
    expect(readEvent(findEvent(all.calendar, "opening"))).toMatchObject({ sequence: 0, lastModified: icalUtc(T1) });
    expect(all.lastModified).toBe(T2.toUTCString());

    // Opening did not change: its calendar is the one stored before, validators and all.
    const opening = await readCalendar(calendarPaths.session(EVENT, "opening"));
    expect([opening.text, opening.etag, opening.lastModified]).toEqual([
      before.opening.text,
      before.opening.etag,
      before.opening.lastModified,
    ]);

    // A client holding the old calendar gets the new one; one holding the new one gets 304.
    expect((await get(calendarPaths.event(EVENT), { "if-none-match": before.event.etag })).status).toBe(200);
    expect((await get(calendarPaths.event(EVENT), { "if-none-match": all.etag })).status).toBe(304);
    expect((await get(calendarPaths.event(EVENT), { "if-modified-since": before.event.lastModified })).status).toBe(
      200,
    );

    // Back on the schedule: the status changes again, so SEQUENCE does too.
    await importAt(T3, [...v2, V1[2]!]);
    const back = await readCalendar(calendarPaths.session(EVENT, "closing"));
    expect(readEvent(findEvent(back.calendar, "closing"))).toMatchObject({
      status: "CONFIRMED",
      sequence: 2,
      lastModified: icalUtc(T3),
    });
  });
});

describe("what changes a calendar", () => {
  const timed = buildTestEvent({
    timeZone: "Europe/Brussels",
    sessions: [
      buildTestSession({ start: "2026-11-30T09:00:00Z", end: "2026-11-30T10:00:00Z", room: "Room 1" }),
      buildTestSession({ id: "rust-and-xen", title: "Rust and Xen", notes: [] }),
    ],
  });
  const PATH = calendarPaths.session(timed.id, "xen-toolstacks");

  it("notes text changes leave it as it was; a new notes link and an admin edit change it, not its SEQUENCE", async () => {
    await loadEvents(env, buildSite(), [timed], T1);
    const first = await readCalendar(PATH);
    const putSpy = vi.spyOn(env.SITE, "put");

    vi.setSystemTime(T2);
    await putTestChange({ type: "notes.updated", at: T2.toISOString() });
    await putTestChange({ type: "notes.published", at: T2.toISOString() });
    await publish(env, buildSite());
    expect(putSpy.mock.calls.map(([key]) => key).filter((key) => key.includes("calendar"))).toEqual([]);
    const same = await readCalendar(PATH);
    expect([same.text, same.etag, same.lastModified]).toEqual([first.text, first.etag, first.lastModified]);

    const url = "https://hackmd.io/toolstacks-day-2";
    vi.setSystemTime(T3);
    expect(
      (await sendAdmin("POST", `/api/admin/events/${timed.id}/sessions/xen-toolstacks/notes`, { url })).status,
    ).toBe(202);
    await changes.drain();
    const linked = await readCalendar(PATH);
    const entry = readEvent(findEvent(linked.calendar, "xen-toolstacks", timed.id));
    expect(entry.description).toContain(`Notes: ${url}`);
    expect(entry).toMatchObject({ sequence: 0, lastModified: icalUtc(T3), start: "20261130T090000Z" });
    expect(linked.lastModified).toBe(T3.toUTCString());

    // An admin edit of the description keeps the session's time (and so its place in calendars).
    const T4 = new Date("2026-01-13T00:00:00Z");
    vi.setSystemTime(T4);
    const edit = { title: "Xen Toolstacks", description: "Now with a plan." };
    expect((await sendAdmin("PUT", `/api/admin/events/${timed.id}/sessions/xen-toolstacks`, edit)).status).toBe(202);
    await changes.drain();
    const edited = readEvent(findEvent((await readCalendar(PATH)).calendar, "xen-toolstacks", timed.id));
    expect(edited).toMatchObject({
      sequence: 0,
      lastModified: icalUtc(T4),
      start: "20261130T090000Z",
      location: "Room 1",
    });
    expect(edited.description.endsWith("\n\nNow with a plan.")).toBe(true);
  });

  it("leaves out sessions without a time, whose own calendar stays empty until they get one", async () => {
    await loadEvents(env, buildSite(), [timed], T1);
    const { calendar } = await readCalendar(calendarPaths.event(timed.id));
    expect(calendar.getAllSubcomponents("vevent").map((v) => v.getFirstPropertyValue("uid"))).toEqual([
      `xen-toolstacks@${timed.id}.sessionwire`,
    ]);
    const untimed = await readCalendar(calendarPaths.session(timed.id, "rust-and-xen"));
    expect(untimed.calendar.getAllSubcomponents("vevent")).toEqual([]);
  });

  it("is removed when its session leaves D1", async () => {
    await loadEvents(env, buildSite(), [timed], T1);
    expect(await getCalendar(env.SITE, PATH)).not.toBeNull();
    await env.DB.batch(buildPutEventStatements(env.DB, { ...timed, sessions: timed.sessions.slice(1) }, T2));
    await publish(env, buildSite());
    expect(await getCalendar(env.SITE, PATH)).toBeNull();
    expect((await get(PATH)).status).toBe(404);
  });
});

describe("the 2019 wiki event", () => {
  it("has an empty, valid calendar, and its pages offer none", async () => {
    const xen = Event.parse(catalogue2019);
    await loadEvents(env, buildSite(), [xen], T1);
    const { text, calendar } = await readCalendar(calendarPaths.event(xen.id));
    expect(calendar.getFirstPropertyValue("prodid")).toBeTruthy();
    expect(calendar.getFirstPropertyValue("version")).toBe("2.0");
    expect(calendar.getFirstPropertyValue("x-wr-calname")).toBe(xen.title);
    expect(calendar.getAllSubcomponents()).toEqual([]);
    expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    const page = await getText(pagePaths.event(xen.id));
    expect(page).not.toContain("text/calendar");
    expect(page).not.toContain("webcal:");
  });
});

describe("serving", () => {
  it("answers conditional requests, HEAD, other methods and unknown addresses as feeds do", async () => {
    await importAt(T1, V1);
    const path = calendarPaths.session(EVENT, "opening");
    const { etag, lastModified } = await readCalendar(path);
    const conditionals: Record<string, string>[] = [
      { "if-none-match": etag },
      { "if-none-match": `W/${etag}, "other"` },
      { "if-modified-since": lastModified },
    ];
    for (const headers of conditionals) {
      const res = await get(path, headers);
      expect(res.status).toBe(304);
      expect(res.headers.get("etag")).toBe(etag);
      expect(res.headers.get("last-modified")).toBe(lastModified);
      expect(await res.text()).toBe("");
    }
    expect((await get(path, { "if-none-match": '"other"' })).status).toBe(200);
    const head = await fetchWorker(path, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await fetchWorker(path, { method: "POST" })).status).toBe(405);
    for (const missing of [
      calendarPaths.event("nope"),
      calendarPaths.session(EVENT, "nope"),
      calendarPaths.event("Not_A_Slug"),
    ]) {
      const res = await get(missing);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    }
  });

  it("is linked from the event and session pages: webcal: to subscribe, the .ics file, and in the head", async () => {
    await importAt(T1, V1);
    const eventPage = await getText(pagePaths.event(EVENT));
    expect(eventPage).toContain(`href="webcal://127.0.0.1:8787${calendarPaths.event(EVENT)}"`);
    expect(eventPage).toContain(
      `<link rel="alternate" type="text/calendar" title="Conf (calendar)" href="${calendarPaths.event(EVENT)}"/>`,
    );
    const sessionPage = await getText(pagePaths.session(EVENT, "rust-in-xen"));
    expect(sessionPage).toContain(`href="webcal://127.0.0.1:8787${calendarPaths.session(EVENT, "rust-in-xen")}"`);
    expect(sessionPage).toContain(`href="${calendarPaths.session(EVENT, "rust-in-xen")}" type="text/calendar"`);
  });
});
