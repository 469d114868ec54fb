// Finding sessions (domain/find-sessions.ts): a query read from any URL holds only values the event has, in a
// canonical form of bounded size; filters and the search combine.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildDayOf,
  buildQueryString,
  filterSessions,
  foldText,
  listFilterOptions,
  readSessionQuery,
} from "../../src/domain/find-sessions.ts";
import { MAX_SEARCH_CHARS } from "../../src/domain/limits.ts";
import { buildTestSession } from "../fixtures/catalogue.ts";

const dayOf = buildDayOf("America/New_York");
const sessions = [
  buildTestSession({ id: "a", title: "Édition", start: "2026-03-01T03:00:00Z", room: "B", track: "T" }),
  buildTestSession({ id: "b", title: "Second", start: "2026-03-01T15:00:00Z", room: "A", hosts: ["Ann Ó Brien"] }),
  buildTestSession({ id: "c", title: "Third", notesPublished: false }),
];
const options = listFilterOptions(sessions, dayOf);

describe("listFilterOptions", () => {
  it("gives the days in the event's time zone, rooms and tracks, each once and sorted", () => {
    // 03:00 UTC on 1 March is 22:00 on 28 February in New York.
    expect(options).toEqual({ days: ["2026-02-28", "2026-03-01"], rooms: ["A", "B"], tracks: ["T"] });
  });
});

describe("readSessionQuery", () => {
  it("keeps known values and drops the rest", () => {
    const params = new URLSearchParams("q=x&notes=nope&day=2026-03-02&room=A&track=U&extra=1");
    expect(readSessionQuery(params, options)).toEqual({ q: "x", room: "A" });
  });

  it("holds any query to values the event has and a search of at most MAX_SEARCH_CHARS", () => {
    const key = fc.constantFrom("q", "notes", "day", "room", "track", "other");
    fc.assert(
      fc.property(fc.array(fc.tuple(key, fc.string({ unit: "grapheme", maxLength: 400 }))), (pairs) => {
        const query = readSessionQuery(new URLSearchParams(pairs), options);
        if (query.day !== undefined) expect(options.days).toContain(query.day);
        if (query.room !== undefined) expect(options.rooms).toContain(query.room);
        if (query.track !== undefined) expect(options.tracks).toContain(query.track);
        if (query.notes !== undefined) expect(["published", "missing"]).toContain(query.notes);
        if (query.q !== undefined) {
          expect(query.q.length).toBeLessThanOrEqual(MAX_SEARCH_CHARS);
          expect(query.q).toBe(query.q.trim());
          expect(query.q).not.toBe("");
          expect(query.q).not.toMatch(/[\uD800-\uDBFF]$/);
        }
        // The canonical string reads back as the same query.
        expect(readSessionQuery(new URLSearchParams(buildQueryString(query)), options)).toEqual(query);
      }),
    );
  });
});

describe("filterSessions", () => {
  const find = (query: string) =>
    filterSessions(sessions, readSessionQuery(new URLSearchParams(query), options), dayOf).map((s) => s.id);

  it.each([
    ["", ["a", "b", "c"]],
    ["day=2026-02-28", ["a"]],
    ["day=2026-03-01&room=A", ["b"]],
    ["notes=missing", ["c"]],
    ["q=edition", ["a"]],
    ["q=o%27brien", []],
    ["q=o+brien", ["b"]],
    ["q=binary+xl", ["a", "b", "c"]],
    ["q=binary+nothing", []],
  ])("?%s finds %j", (query, ids) => {
    expect(find(query)).toEqual(ids);
  });

  it("folds case and accents alike on both sides", () => {
    expect(foldText("ÉDITION Ó")).toBe("edition o");
  });
});
