// Reads a frab `schedule.json` into an Event: version 1 (schedule.conference.days[].rooms{room: events[]}, as
// frab, pretalx and the CCC hub export it) and the flat "schedule v2" (schedule.events[], rooms and tracks as
// references into schedule.conference).
//
// Real files rarely validate against their JSON schemas (frab's own slugs and acronyms break the patterns,
// pretalx adds `answers`, ids come as strings), so each event is read with a schema of only what becomes the
// session: those fields must be usable, and an ImportError names the JSON path of the first that is not;
// everything else may be anything. Times: an event's `date` (v1) or `start` (v2) with its UTC offset is
// authoritative; without one, the day's date and the `start` wall-clock time are read in the conference's
// time zone (a start before the day's `day_start` is after midnight, on the next date).
import { z } from "zod";
import { Event, type Session, TimeZone } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_PLACE_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { ImportError } from "./errors.ts";
import { buildPlainText } from "./html.ts";
import { buildImportedEvent, buildSessionIds } from "./build.ts";
import { type JsonPath, buildIssueError, buildJsonSyntaxError, formatJsonPath } from "./json.ts";
import { buildSessionLinks, readUrl } from "./links.ts";
import { formatUtc, parseDurationMinutes, toUtc } from "./time.ts";

const Id = z.union([z.string(), z.number()], { error: "expected a string or a number" }).nullish();
const Text = z.string().nullish();
/** v2 texts may be a map of translations: `{ "en": "…", "de": "…" }`. */
const LocalizedText = z
  .union([z.string(), z.record(z.string(), z.string())], { error: "expected a text or { language: text }" })
  .nullish();
const Reference = z.looseObject({ url: z.string(), title: Text });
const Person = z.union([z.string(), z.looseObject({ public_name: Text, name: Text })], {
  error: "expected a person: a name, or an object with public_name or name",
});

/** What of one schedule event becomes a session (v1 and v2 alike); anything else in it may be anything. */
const ScheduleEvent = z.looseObject({
  guid: Id,
  id: Id,
  title: z.string(),
  subtitle: Text,
  abstract: LocalizedText,
  description: LocalizedText,
  /** v1 */
  persons: z.array(Person).nullish(),
  /** v2 */
  participants: z.array(Person).nullish(),
  room: z
    .union([z.string(), z.looseObject({ name: Text, guid: Text })], { error: "expected a room name or { name, guid }" })
    .nullish(),
  track: z
    .union([z.string(), z.looseObject({ name: Text, slug: Text })], { error: "expected a track name or { slug }" })
    .nullish(),
  /** v1: the start with its offset; `start` is then the local `HH:MM`. v2 has `start` with its offset. */
  date: Text,
  start: Text,
  end: Text,
  duration: z.union([z.string(), z.number()], { error: "expected a duration (HH:MM)" }).nullish(),
  url: Text,
  links: z.array(Reference).nullish(),
  attachments: z.array(Reference).nullish(),
});
type ScheduleEvent = z.infer<typeof ScheduleEvent>;

const Day = z.looseObject({
  date: z.unknown().optional(),
  day_start: z.unknown().optional(),
  rooms: z.record(z.string(), z.array(z.unknown())),
});

const Document = z.looseObject({
  schedule: z.looseObject({
    base_url: z.unknown().optional(),
    conference: z.looseObject({
      time_zone_name: Text,
      rooms: z.unknown().optional(),
      tracks: z.unknown().optional(),
      days: z.unknown().optional(),
    }),
    /** Present: the flat v2 shape. */
    events: z.array(z.unknown()).optional(),
  }),
});

/** An event of the document, with where it is and what its day says. */
interface Located {
  path: JsonPath;
  value: unknown;
  /** v1: the day's date and its start (an instant), for events that only give `HH:MM`. */
  day?: { date: unknown; start: unknown; path: JsonPath };
  /** v1: the key of the room it is listed under. */
  roomKey?: string;
}

interface Context {
  zone: string | undefined;
  baseUrl: string | undefined;
  /** v2 room references by guid, tracks by slug. */
  roomNames: Map<string, string>;
  trackNames: Map<string, string>;
}

interface Draft {
  path: string;
  session: Omit<Session, "id">;
  roomOrder: number;
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?$/;
const WALL_CLOCK = /^\d{1,2}:\d{2}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function importFrabJson(text: string, opts: { eventId: string; title: string }): Event {
  const json = parseJson(text);
  verifySchedule(json);
  const doc = Document.safeParse(json);
  if (!doc.success) throw buildIssueError([], doc.error);
  const { schedule } = doc.data;
  const conference = schedule.conference;

  let zone: string | undefined;
  if (conference.time_zone_name) {
    if (!TimeZone.safeParse(conference.time_zone_name).success)
      throw new ImportError(
        "schedule.conference.time_zone_name",
        `"${conference.time_zone_name}" is not an IANA time zone name`,
      );
    zone = conference.time_zone_name;
  }
  const baseUrl = typeof schedule.base_url === "string" ? (readUrl(schedule.base_url) ?? undefined) : undefined;
  const rooms = listNamed(conference.rooms);
  const ctx: Context = {
    zone,
    baseUrl,
    roomNames: new Map(rooms.flatMap((r) => (r.guid ? [[r.guid, r.name]] : []))),
    trackNames: new Map(listNamed(conference.tracks).flatMap((t) => (t.slug ? [[t.slug, t.name]] : []))),
  };

  const located = schedule.events
    ? schedule.events.map((value, i): Located => ({ path: ["schedule", "events", i], value }))
    : listDayEvents(conference.days);
  if (located.length > MAX_SESSIONS)
    throw new ImportError(
      schedule.events ? "schedule.events" : "schedule.conference.days",
      `${located.length} sessions: at most ${MAX_SESSIONS} can be imported`,
    );

  // Room order as the source lists rooms: the conference's list, then rooms as they first appear.
  const roomOrder = rooms.map((r) => r.name);
  const drafts = located.map((item) => {
    const draft = readEvent(item, ctx);
    const room = draft.session.room ?? item.roomKey;
    if (room && !roomOrder.includes(room)) roomOrder.push(room);
    draft.roomOrder = room ? roomOrder.indexOf(room) : roomOrder.length;
    return draft;
  });
  const ordered = drafts
    .map((draft, order) => ({ draft, order }))
    .sort(
      (a, b) =>
        compareStart(a.draft.session.start, b.draft.session.start) ||
        a.draft.roomOrder - b.draft.roomOrder ||
        a.order - b.order,
    )
    .map(({ draft }) => draft);

  // A source id is a session's identity across imports: one that repeats identifies neither, so only the
  // first keeps it.
  const seenSourceIds = new Set<string>();
  for (const { session } of ordered) {
    if (session.sourceId === undefined) continue;
    if (seenSourceIds.has(session.sourceId)) delete session.sourceId;
    else seenSourceIds.add(session.sourceId);
  }

  const ids = buildSessionIds(ordered.map((d) => d.session));
  const sessions = ordered.map((d, i) => ({ id: ids[i]!, ...d.session }));
  return buildImportedEvent(opts, zone, sessions, (i) => ordered[i]?.path);
}

/** JSON.parse, with a syntax error turned into the line and column it is at. */
function parseJson(text: string): unknown {
  const body = text.replace(/^\uFEFF/, "");
  try {
    return JSON.parse(body);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A pretalx API object with the comment line its documentation puts on top: say what it is.
    const uncommented = body.replace(/^\s*(?:\/\*[\s\S]*?\*\/|\/\/[^\n]*)\s*/, "");
    if (uncommented !== body) {
      try {
        verifySchedule(JSON.parse(uncommented));
      } catch (inner) {
        if (inner instanceof ImportError) throw inner;
      }
    }
    throw buildJsonSyntaxError(body, error);
  }
}

/** Refuses what is JSON but not a schedule, saying what it is when it can tell. */
function verifySchedule(json: unknown): void {
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ImportError(1, "not a frab schedule.json: the document is not a JSON object");
  const doc = json as Record<string, unknown>;
  if (doc.schedule !== undefined) return;
  if (typeof doc.code === "string" && typeof doc.title === "string" && ("speakers" in doc || "slot" in doc))
    throw new ImportError(
      1,
      "a pretalx submission (one talk), not a schedule: import the event's schedule.json (/schedule/export/schedule.json)",
    );
  throw new ImportError("schedule", 'not a frab schedule.json: there is no "schedule" object');
}

function listDayEvents(days: unknown): Located[] {
  const base: JsonPath = ["schedule", "conference", "days"];
  const parsed = z.array(z.unknown()).safeParse(days);
  if (!parsed.success)
    throw new ImportError(formatJsonPath(base), 'not a list of days (and there is no flat "schedule.events" list)');
  return parsed.data.flatMap((value, i) => {
    const path = [...base, i];
    const day = Day.safeParse(value);
    if (!day.success) throw buildIssueError(path, day.error);
    const info = { date: day.data.date, start: day.data.day_start, path };
    return Object.entries(day.data.rooms).flatMap(([room, events]) =>
      events.map((event, j): Located => ({
        path: [...path, "rooms", room, j],
        value: event,
        day: info,
        roomKey: room,
      })),
    );
  });
}

function readEvent(item: Located, ctx: Context): Draft {
  const where = formatJsonPath(item.path);
  const parsed = ScheduleEvent.safeParse(item.value);
  if (!parsed.success) throw buildIssueError(item.path, parsed.error);
  const ev = parsed.data;
  const at = (field: string) => formatJsonPath([...item.path, field]);

  const title = fitLine(ev.title, MAX_SESSION_TITLE_CHARS);
  if (!title) throw new ImportError(at("title"), "the title is empty");
  const sourceId = [ev.guid, ev.id].map((id) => fitLine(String(id ?? ""), MAX_PLACE_CHARS)).find(Boolean);

  const texts = [ev.subtitle, pickText(ev.abstract), pickText(ev.description)];
  const paragraphs: string[] = [];
  for (const t of texts) {
    const plain = t ? buildPlainText(t) : "";
    if (plain && !paragraphs.includes(plain)) paragraphs.push(plain);
  }
  const description = fitText(paragraphs.join("\n\n"), MAX_DESCRIPTION_CHARS);

  const hosts = [...(ev.persons ?? []), ...(ev.participants ?? [])]
    .map((p) => fitLine((typeof p === "string" ? p : (p.public_name ?? p.name)) ?? "", MAX_HOST_CHARS))
    .filter((name, i, all) => name && all.indexOf(name) === i)
    .slice(0, MAX_HOSTS);

  const room = place(
    typeof ev.room === "string" ? ev.room : (ev.room?.name ?? ctx.roomNames.get(ev.room?.guid ?? "")),
    item.roomKey,
  );
  const track = place(
    typeof ev.track === "string"
      ? ev.track
      : (ev.track?.name ?? ctx.trackNames.get(ev.track?.slug ?? "") ?? ev.track?.slug),
  );

  const { start, end } = readTimes(ev, item, ctx);
  const references = [...(ev.links ?? []), ...(ev.attachments ?? [])].map((r) => ({
    url: resolveUrl(r.url, ctx.baseUrl) ?? r.url,
    title: r.title ?? undefined,
  }));
  const { notes, links } = buildSessionLinks(references, texts);
  const url = ev.url ? resolveUrl(ev.url, ctx.baseUrl) : null;

  const session: Omit<Session, "id"> = {
    title,
    description,
    hosts,
    notesPublished: notes.length > 0,
    notes,
    ...(sourceId ? { sourceId } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    ...(room ? { room } : {}),
    ...(track ? { track } : {}),
    ...(url ? { url } : {}),
    ...(links.length ? { links } : {}),
  };
  return { path: where, session, roomOrder: 0 };
}

function readTimes(ev: ScheduleEvent, item: Located, ctx: Context): { start?: string; end?: string } {
  const at = (field: string) => formatJsonPath([...item.path, field]);
  let start: string | undefined;
  if (ev.date) start = readInstant(ev.date, ctx.zone, at("date"));
  else if (ev.start && !WALL_CLOCK.test(ev.start.trim())) start = readInstant(ev.start, ctx.zone, at("start"));
  else if (ev.start) start = readDayTime(ev.start.trim(), item, ctx, at("start"));
  if (!start) return {};

  let end: string | undefined;
  if (ev.end) end = readInstant(ev.end, ctx.zone, at("end"));
  else if (ev.duration !== null && ev.duration !== undefined) {
    const minutes = readDuration(ev.duration, at("duration"));
    end = formatUtc(Date.parse(start) + minutes * 60_000);
  }
  if (end && end < start)
    throw new ImportError(ev.end ? at("end") : at("duration"), "the session ends before it starts");
  return { start, ...(end ? { end } : {}) };
}

/** An instant with its UTC offset, or a local date and time in the conference's zone. */
function readInstant(value: string, zone: string | undefined, where: string): string {
  const v = value.trim();
  if (OFFSET_TIME.test(v)) {
    const ms = parseOffsetTime(v);
    if (Number.isNaN(ms)) throw new ImportError(where, `"${value}" is not a valid date and time`);
    return formatUtc(ms);
  }
  if (LOCAL_TIME.test(v)) {
    if (!zone) throw new ImportError(where, `"${value}" has no UTC offset and the conference gives no time_zone_name`);
    return toUtc(v, zone, where);
  }
  throw new ImportError(where, `"${value}" is not a date and time (YYYY-MM-DDTHH:MM:SS+HH:MM)`);
}

/** Milliseconds of a date and time with its UTC offset (`+01:00`, `+0100` or `Z`); NaN for anything else. */
function parseOffsetTime(value: string): number {
  return OFFSET_TIME.test(value) ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2")) : NaN;
}

/** v1 without `date`: `start` (HH:MM) on the day's date, in the conference's zone. */
function readDayTime(time: string, item: Located, ctx: Context, where: string): string {
  const day = item.day;
  if (!day) throw new ImportError(where, `"${time}" is a time without a date`);
  if (typeof day.date !== "string" || !DATE.test(day.date))
    throw new ImportError(
      formatJsonPath([...day.path, "date"]),
      "the day has no date (YYYY-MM-DD) for its events' start times",
    );
  if (!ctx.zone)
    throw new ImportError(where, `"${time}" has no date with a UTC offset and the conference gives no time_zone_name`);
  const start = toUtc(`${day.date} ${time}`, ctx.zone, where);
  // Schedules run past midnight: a start before the day's start is on the next date.
  const dayStart = typeof day.start === "string" ? parseOffsetTime(day.start.trim()) : NaN;
  if (Date.parse(start) >= dayStart || Number.isNaN(dayStart)) return start;
  const next = new Date(Date.parse(`${day.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return toUtc(`${next} ${time}`, ctx.zone, where);
}

/** `01:30`, `90` (minutes) or ISO 8601 `PT1H30M` (schedule v2). */
function readDuration(value: string | number, where: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw new ImportError(where, `${value} is not a duration`);
  }
  const iso = ISO_DURATION.exec(value.trim());
  if (iso && value.trim() !== "P" && !value.trim().endsWith("T")) {
    const [, d, h, m, s] = iso;
    return Number(d ?? 0) * 1440 + Number(h ?? 0) * 60 + Number(m ?? 0) + Math.round(Number(s ?? 0) / 60);
  }
  return parseDurationMinutes(value, where);
}

/** A room or track as the catalogue keeps it, or undefined. */
function place(...values: (string | null | undefined)[]): string | undefined {
  for (const value of values) {
    const text = value ? fitLine(value, MAX_PLACE_CHARS) : "";
    if (text) return text;
  }
  return undefined;
}

/** A translated text: English, else the first language given. */
function pickText(value: z.infer<typeof LocalizedText>): string | null | undefined {
  if (typeof value !== "object" || value === null) return value;
  return value.en ?? Object.values(value)[0];
}

/**
 * An absolute http(s) URL, or a path (`/system/…`: frab's attachments) on the schedule's base_url; null when
 * neither. A bare `example.org` is not read as a path under base_url.
 */
function resolveUrl(value: string, base: string | undefined): string | null {
  const absolute = readUrl(value);
  if (absolute || !base || !value.trim().startsWith("/")) return absolute;
  const resolved = URL.parse(value.trim(), base);
  return resolved ? readUrl(resolved.href) : null;
}

/** `{ name, guid?, slug? }` entries of a conference's rooms or tracks; anything else in the list is skipped. */
function listNamed(list: unknown): { name: string; guid?: string; slug?: string }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { name, guid, slug } = entry as Record<string, unknown>;
    if (typeof name !== "string" || !name.trim()) return [];
    return [
      {
        name: name.trim(),
        ...(typeof guid === "string" ? { guid } : {}),
        ...(typeof slug === "string" ? { slug } : {}),
      },
    ];
  });
}

function compareStart(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // unscheduled sessions after the scheduled ones
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
