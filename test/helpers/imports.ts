// Shared by the schedule readers' tests.
import { ImportError } from "../../src/import/errors.ts";

/** The ImportError `fn` throws (the test fails when it throws nothing or something else). */
export function catchImportError(fn: () => unknown): ImportError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error("expected an ImportError, and nothing was thrown");
}

/** A JSON fixture with one change made to its parsed document. */
export function editJson(text: string, edit: (doc: any) => void): string {
  const doc = JSON.parse(text);
  edit(doc);
  return JSON.stringify(doc, null, 2);
}

/** A talk of buildFrabJson's schedule: local start "HH:MM" on 2026-02-01 in Brussels, 30 minutes. */
export type FrabTalk = {
  guid: string;
  title: string;
  start: string;
  room?: string;
  track?: string;
  abstract?: string;
  hosts?: string[];
  /** A notes pad among its links. */
  pad?: string;
};

/** A frab schedule.json v1: one day in Brussels, a room per `room` (default "Main"). */
export const buildFrabJson = (talks: FrabTalk[]) =>
  JSON.stringify({
    schedule: {
      version: "1",
      conference: {
        acronym: "conf",
        title: "Conf",
        time_zone_name: "Europe/Brussels",
        days: [
          {
            index: 1,
            date: "2026-02-01",
            rooms: Object.fromEntries(
              [...new Set(talks.map((t) => t.room ?? "Main"))].map((room) => [
                room,
                talks
                  .filter((t) => (t.room ?? "Main") === room)
                  .map((t, i) => ({
                    id: i + 1,
                    guid: t.guid,
                    title: t.title,
                    date: `2026-02-01T${t.start}:00+01:00`,
                    start: t.start,
                    duration: "00:30",
                    room,
                    ...(t.track ? { track: t.track } : {}),
                    ...(t.abstract ? { abstract: t.abstract } : {}),
                    persons: (t.hosts ?? []).map((public_name) => ({ public_name })),
                    links: t.pad ? [{ url: t.pad, title: "Notes" }] : [],
                  })),
              ]),
            ),
          },
        ],
      },
    },
  });
