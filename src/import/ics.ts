// Reads an iCalendar file (RFC 5545) into an Event: one session per VEVENT.
//
// ical.js reads every property kept (parameters, quoting, escapes, value types, durations) and does the
// arithmetic of the file's VTIMEZONE definitions. The lines are split, unfolded and nested here, because ical.js
// knows no line numbers and every refusal must name one: a line that is no `NAME[;params]:value`, an END that
// closes the wrong component, a file that ends inside a component (cut short), a kept property ical.js cannot
// read. What is not kept (DTSTAMP, X- properties, VALARM…) is only checked for its shape, so an odd parameter
// there (`DTSTAMP;TZID=…`, `CHARSET=UTF-8;ENCODING=8BIT`) costs nothing.
// Real files also carry CRs before the line end (`\r\r\n` in JRES 2022: one line end, not two) and U+FFFD where
// a fold cut a UTF-8 character in two (a run of them becomes one).
//
// Times: UTC as given; a TZID by the file's VTIMEZONE of that name, else as an IANA name (time.ts); an unknown
// TZID is refused. Floating times and all-day dates (from midnight to the midnight DTEND names, a day by
// default) are wall-clock times in the event's time zone, or UTC when the file names none. The event's time zone
// is X-WR-TIMEZONE, else the one VTIMEZONE, else the one TZID all sessions use, when it is an IANA name.
// Recurrence: a VEVENT is one session at its DTSTART; RRULE and RDATE are ignored, and a VEVENT that overrides
// one occurrence (RECURRENCE-ID) is skipped, like a CANCELLED one (a session that goes so is withdrawn).
import ICAL from "ical.js";
import { Event, type NoteLink, type RelatedLink } from "../domain/event.ts";
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
import { buildImportedEvent, buildSessionIds, sortBySchedule } from "./build.ts";
import { buildPlainText } from "./html.ts";
import { buildSessionLinks, readUrl } from "./links.ts";
import { formatUtc, isIanaZone, pickCalendarZone, toUtc } from "./time.ts";

const NAME = /^([A-Za-z0-9-]+)[;:]/;
/** A DATE or DATE-TIME as ical.js gives it (jCal). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/;
/** "Speaker: A, B" as the first line of a description (linux.conf.au). */
const SPEAKER_LINE = /^(?:speakers?|presenters?)\s*:\s*(.+)$/i;

interface Line {
  no: number;
  text: string;
}

interface Component {
  name: string;
  line: number;
  lines: Line[];
  /** The lines by property name, upper case. */
  properties: Map<string, Line[]>;
  components: Component[];
}

/** A DTSTART or DTEND: the value as ical.js gives it and the TZID it names. */
interface Stamp {
  line: number;
  value: string;
  tzid: string | undefined;
}

interface Draft {
  line: number;
  order: number;
  sourceId: string | undefined;
  title: string;
  description: string;
  hosts: string[];
  room: string | undefined;
  track: string | undefined;
  url: string | undefined;
  notes: NoteLink[];
  links: RelatedLink[];
  start: Stamp | undefined;
  end: Stamp | undefined;
  /** start and end as UTC instants, once the event's time zone is known. */
  startUtc?: string | undefined;
  endUtc?: string | undefined;
}

export function importIcs(text: string, opts: { eventId: string; title: string }): Event {
  const calendars = readCalendars(readLines(text));
  const zones = readZones(calendars);
  const vevents = calendars.flatMap((c) => c.components.filter((v) => v.name === "VEVENT"));
  const drafts: Draft[] = [];
  const uids = new Map<string, number>();
  for (const vevent of vevents) {
    if (vevent.properties.has("RECURRENCE-ID")) continue;
    if (readText(vevent, "STATUS")?.trim().toUpperCase() === "CANCELLED") continue;
    const draft = readEvent(vevent, drafts.length);
    if (draft.sourceId !== undefined) {
      const first = uids.get(draft.sourceId);
      if (first !== undefined)
        throw new ImportError(vevent.line, `UID "${draft.sourceId}" is also the UID of the VEVENT at line ${first}`);
      uids.set(draft.sourceId, vevent.line);
    }
    drafts.push(draft);
  }
  if (drafts.length > MAX_SESSIONS)
    throw new ImportError(drafts[MAX_SESSIONS]!.line, `more than ${MAX_SESSIONS} sessions`);

  const timeZone = readEventZone(calendars, zones, drafts);
  for (const d of drafts) {
    d.startUtc = d.start && readInstant(d.start, zones, timeZone ?? "UTC");
    d.endUtc = d.end && readInstant(d.end, zones, timeZone ?? "UTC");
    if (d.startUtc && d.endUtc && d.endUtc < d.startUtc)
      throw new ImportError(d.end!.line, `the session ends (${d.endUtc}) before it starts (${d.startUtc})`);
  }

  const sorted = sortBySchedule(drafts, (d) => (d.startUtc ? Date.parse(d.startUtc) : undefined));
  const sessions = buildSessions(sorted);
  return buildImportedEvent(opts, timeZone, sessions, (i) => sorted[i]?.line);
}

/** Physical lines (LF, with any CRs before it) unfolded into content lines that keep their first line's number. */
function readLines(text: string): Line[] {
  const lines: Line[] = [];
  const physical = text.replace(/^\uFEFF/, "").split("\n");
  for (const [i, raw] of physical.entries()) {
    const content = raw.replace(/\r+$/, "");
    if (content === "") continue;
    const last = lines.at(-1);
    if (content[0] === " " || content[0] === "\t") {
      if (!last) throw new ImportError(i + 1, "not an iCalendar file: it starts with a folded line");
      last.text += content.slice(1);
    } else lines.push({ no: i + 1, text: content });
  }
  for (const line of lines) line.text = line.text.replace(/\uFFFD+/g, "\uFFFD");
  return lines;
}

/** The VCALENDARs, their components nested; refuses what is not iCalendar and what ends inside a component. */
function readCalendars(lines: Line[]): Component[] {
  const calendars: Component[] = [];
  const open: Component[] = [];
  for (const line of lines) {
    const name = NAME.exec(line.text)?.[1]?.toUpperCase();
    const top = open.at(-1);
    if (!name || (!top && line.text.toUpperCase() !== "BEGIN:VCALENDAR")) {
      const found = `"${fitLine(line.text, 80)}"`;
      const expected = `expected BEGIN:VCALENDAR, found ${found}`;
      if (!top) throw new ImportError(line.no, calendars.length ? expected : `not an iCalendar file: ${expected}`);
      throw new ImportError(line.no, `not an iCalendar line (NAME:value) in ${top.name}: ${found}`);
    }
    const value = line.text
      .slice(line.text.indexOf(":") + 1)
      .trim()
      .toUpperCase();
    if (name === "BEGIN") {
      const component: Component = { name: value, line: line.no, lines: [], properties: new Map(), components: [] };
      (top ? top.components : calendars).push(component);
      open.push(component);
    } else if (name === "END") {
      if (value !== top!.name)
        throw new ImportError(line.no, `END:${value} inside ${top!.name} (begun at line ${top!.line})`);
      open.pop();
    } else {
      top!.lines.push(line);
      const same = top!.properties.get(name);
      if (same) same.push(line);
      else top!.properties.set(name, [line]);
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    const last = lines.at(-1)!.no;
    throw new ImportError(
      last,
      `the file ends inside ${unclosed.name} (begun at line ${unclosed.line}): is it cut short?`,
    );
  }
  if (calendars.length === 0) throw new ImportError(1, "not an iCalendar file: it is empty");
  return calendars;
}

function readProperty(line: Line): ICAL.Property {
  try {
    return new ICAL.Property(ICAL.parse.property(line.text));
  } catch (e) {
    throw new ImportError(line.no, `cannot read the property: ${readReason(e)}`);
  }
}

/** What ical.js said, short: its messages quote the whole line. */
function readReason(e: unknown): string {
  return fitLine(e instanceof Error ? e.message : String(e), 200);
}

/** The first value of a component's first property of that name, read by ical.js. */
function readValue(component: Component, name: string): { line: number; property: ICAL.Property } | undefined {
  const line = component.properties.get(name)?.[0];
  return line && { line: line.no, property: readProperty(line) };
}

function readText(component: Component, name: string): string | undefined {
  const value = readValue(component, name)?.property.getFirstValue();
  return value === undefined || value === null ? undefined : String(value);
}

/** The file's VTIMEZONE definitions by TZID. */
function readZones(calendars: Component[]): Map<string, ICAL.Timezone> {
  const zones = new Map<string, ICAL.Timezone>();
  for (const vtimezone of calendars.flatMap((c) => c.components.filter((v) => v.name === "VTIMEZONE"))) {
    const jcal = buildJcal(vtimezone);
    try {
      const zone = new ICAL.Timezone(new ICAL.Component(jcal));
      if (typeof zone.tzid !== "string" || !zone.tzid) throw new Error("it has no TZID");
      zones.set(zone.tzid, zone);
    } catch (e) {
      throw new ImportError(vtimezone.line, `cannot read the VTIMEZONE: ${readReason(e)}`);
    }
  }
  return zones;
}

function buildJcal(component: Component): unknown[] {
  return [
    component.name.toLowerCase(),
    component.lines.map((line) => readProperty(line).toJSON()),
    component.components.map(buildJcal),
  ];
}

function readEvent(vevent: Component, order: number): Draft {
  const title = fitLine(readText(vevent, "SUMMARY") ?? "", MAX_SESSION_TITLE_CHARS);
  if (!title) throw new ImportError(vevent.line, "the VEVENT has no SUMMARY: a session needs a title");
  const uid = readText(vevent, "UID")?.trim();
  const raw = (readText(vevent, "DESCRIPTION") ?? "").replace(/\r\n?/g, "\n");
  let description = buildPlainText(raw);

  const hosts = [...(vevent.properties.get("ATTENDEE") ?? []), ...(vevent.properties.get("ORGANIZER") ?? [])]
    .map((line) => readProperty(line).getParameter("cn"))
    .filter((cn): cn is string => typeof cn === "string");
  const speakers = hosts.length ? null : SPEAKER_LINE.exec(description.split("\n", 1)[0]!);
  if (speakers) {
    hosts.push(...speakers[1]!.split(/\s*,\s*|\s+(?:and|&)\s+/));
    description = description.slice(speakers[0].length).trim();
  }

  const url = readUrl(readText(vevent, "URL"));
  const { notes, links } = buildSessionLinks(url ? [{ url }] : [], [raw]);
  const start = readStamp(vevent, "DTSTART");
  return {
    line: vevent.line,
    order,
    sourceId: uid ? fitLine(uid, MAX_PLACE_CHARS) || undefined : undefined,
    title,
    description: fitText(description, MAX_DESCRIPTION_CHARS),
    hosts: [...new Set(hosts.map((h) => fitLine(h, MAX_HOST_CHARS)).filter(Boolean))].slice(0, MAX_HOSTS),
    room: fitLine(readText(vevent, "LOCATION") ?? "", MAX_PLACE_CHARS) || undefined,
    track:
      fitLine(String(readValue(vevent, "CATEGORIES")?.property.getValues()[0] ?? ""), MAX_PLACE_CHARS) || undefined,
    url: url ?? undefined,
    notes,
    links: links.filter((l) => l.url !== url),
    start,
    end: start && (readStamp(vevent, "DTEND") ?? readDurationEnd(vevent, start)),
  };
}

function readStamp(vevent: Component, name: "DTSTART" | "DTEND"): Stamp | undefined {
  const read = readValue(vevent, name);
  if (!read) return undefined;
  const value: unknown = read.property.toJSON()[3];
  if (typeof value !== "string" || !DATE_TIME.test(value))
    throw new ImportError(read.line, `${name} is not a date or a date and time`);
  const tzid = read.property.getParameter("tzid");
  return { line: read.line, value, tzid: typeof tzid === "string" ? tzid : undefined };
}

/** DTSTART plus DURATION, on the wall clock of DTSTART; an all-day session lasts a day by default. */
function readDurationEnd(vevent: Component, start: Stamp): Stamp | undefined {
  const read = readValue(vevent, "DURATION");
  const isDate = !start.value.includes("T");
  if (!read && !isDate) return undefined;
  try {
    const time = isDate ? ICAL.Time.fromDateString(start.value) : ICAL.Time.fromDateTimeString(start.value);
    const duration = read ? read.property.getFirstValue() : ICAL.Duration.fromString("P1D");
    if (!(duration instanceof ICAL.Duration)) throw new Error("not a duration");
    time.addDuration(duration);
    return { ...start, line: read?.line ?? start.line, value: time.toString() };
  } catch (e) {
    throw new ImportError(read?.line ?? start.line, `cannot read the DURATION: ${readReason(e)}`);
  }
}

function readEventZone(calendars: Component[], zones: Map<string, ICAL.Timezone>, drafts: Draft[]): string | undefined {
  return pickCalendarZone(
    calendars.map((c) => readText(c, "X-WR-TIMEZONE")),
    [...zones.keys()],
    drafts.flatMap((d) => [d.start?.tzid, d.end?.tzid]),
  );
}

/** A DTSTART or DTEND as a UTC instant; `floating` is the zone of times and dates that name none. */
function readInstant(stamp: Stamp, zones: Map<string, ICAL.Timezone>, floating: string): string {
  const [, y, mo, d, h = "00", mi = "00", s = "00", utc] = DATE_TIME.exec(stamp.value)!;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (new Date(wall).toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`)
    throw new ImportError(stamp.line, `"${stamp.value}" is not a valid date and time`);
  if (utc) return formatUtc(wall);
  const vtimezone = stamp.tzid === undefined ? undefined : zones.get(stamp.tzid);
  if (vtimezone) {
    const time = ICAL.Time.fromData(
      { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s) },
      vtimezone,
    );
    const ms = time.toUnixTime() * 1000;
    if (!Number.isFinite(ms))
      throw new ImportError(stamp.line, `the VTIMEZONE ${stamp.tzid} gives no offset for ${stamp.value}`);
    return formatUtc(ms);
  }
  if (stamp.tzid !== undefined && !isIanaZone(stamp.tzid))
    throw new ImportError(
      stamp.line,
      `unknown time zone "${stamp.tzid}": the file has no VTIMEZONE for it and it is not an IANA name`,
    );
  return toUtc(`${y}-${mo}-${d} ${h}:${mi}:${s}`, stamp.tzid ?? floating, `line ${stamp.line}`);
}

function buildSessions(drafts: Draft[]) {
  const ids = buildSessionIds(drafts);
  return drafts.map((d, i) => {
    const id = ids[i]!;
    return {
      id,
      title: d.title,
      description: d.description,
      hosts: d.hosts,
      notesPublished: d.notes.length > 0,
      notes: d.notes,
      ...(d.sourceId ? { sourceId: d.sourceId } : {}),
      ...(d.startUtc ? { start: d.startUtc } : {}),
      ...(d.endUtc ? { end: d.endUtc } : {}),
      ...(d.room ? { room: d.room } : {}),
      ...(d.track ? { track: d.track } : {}),
      ...(d.url ? { url: d.url } : {}),
      ...(d.links.length ? { links: d.links } : {}),
    };
  });
}
