// The catalogue in D1: schedule fields round-trip, and a conference-sized event is written in a handful of
// statements (D1 allows 1,000 queries per invocation), only what changed when the stored event is given.
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { type Event, buildNoteLink } from "../../src/domain/event.ts";
import { buildPutEventStatements, getEvent } from "../../src/store/catalogue.ts";

const T0 = new Date("2026-12-01T00:00:00Z");
const conference: Event = {
  id: "big-conf",
  title: "A big conference",
  timeZone: "Europe/Brussels",
  sessions: Array.from({ length: 1000 }, (_, i) => ({
    id: `talk-${i}`,
    title: `Talk ${i} — Ünïcode & <markup>`,
    description: `About talk ${i}.\n\nSecond paragraph.`,
    hosts: [`Speaker ${i}`],
    notesPublished: i % 2 === 0,
    notes: i % 2 === 0 ? [{ ...buildNoteLink(`https://hackmd.io/talk-${i}`, "Notes"), fromSource: true }] : [],
    sourceId: `guid-${i}`,
    start: `2026-02-0${1 + (i % 2)}T${String(9 + (i % 8)).padStart(2, "0")}:00:00Z`,
    end: `2026-02-0${1 + (i % 2)}T${String(9 + (i % 8)).padStart(2, "0")}:30:00Z`,
    room: `Room ${i % 30}`,
    track: `Track ${i % 12}`,
    url: `https://conf.example.org/talks/${i}`,
    links: [{ url: `https://conf.example.org/slides/${i}.pdf`, title: "Slides" }],
    ...(i === 7 ? { withdrawn: true } : {}),
  })),
};

it("round-trips a 1,000-session event written in a few statements", async () => {
  const statements = buildPutEventStatements(env.DB, conference, T0);
  expect(statements.length).toBeLessThan(20);
  await env.DB.batch(statements);
  expect(await getEvent(env.DB, conference.id)).toEqual(conference);
});

it("writes only the sessions that changed when given the stored event", async () => {
  await env.DB.batch(buildPutEventStatements(env.DB, conference, T0));
  const sessions = conference.sessions.map((s, i) => (i === 500 ? { ...s, title: "Renamed", room: "Room 99" } : s));
  const next: Event = { ...conference, sessions };
  const statements = buildPutEventStatements(env.DB, next, T0, conference);
  expect(statements.length).toBe(5);
  await env.DB.batch(statements);
  expect(await getEvent(env.DB, conference.id)).toEqual(next);
});
