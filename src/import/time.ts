// Schedules give wall-clock times in the conference's time zone; the catalogue stores UTC instants. The offset
// is looked up with Intl (the runtime's time zone data), so summer time and past rule changes come out right.
import { TimeZone } from "../domain/event.ts";
import { ImportError } from "./errors.ts";

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** One formatter per zone: building one costs far more than using it, and a schedule converts hundreds of times. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function getFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function zoneOffsetMs(utcMs: number, zone: string): number {
  const parts = getFormatter(zone).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** `2026-02-01T09:30:00.000Z` → `2026-02-01T09:30:00Z`. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * A wall-clock time (`YYYY-MM-DD HH:MM[:SS]` or with `T`) in `zone` as a UTC instant. A time that does not exist
 * (skipped by a spring-forward) is read with the offset before the change; an ambiguous one (repeated in the
 * autumn) as the first of the two. `where` names the field in errors.
 */
export function toUtc(local: string, zone: string, where: string): string {
  const m = LOCAL.exec(local.trim());
  if (!m) throw new ImportError(where, `"${local}" is not a date and time (YYYY-MM-DD HH:MM)`);
  const [, y, mo, d, h, mi, s] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== Number(d))
    throw new ImportError(where, `"${local}" is not a valid date`);
  // The offsets a day before and after bracket any change: a candidate is right when it reads back as `wall`.
  const before = zoneOffsetMs(wall - 86_400_000, zone);
  const after = zoneOffsetMs(wall + 86_400_000, zone);
  const valid = [wall - before, wall - after].filter((c) => c + zoneOffsetMs(c, zone) === wall);
  return formatUtc(valid.length ? Math.min(...valid) : wall - before);
}

/** `01:30`, `1:30`, `90` (minutes) or `01:30:00` as minutes; frab durations. */
export function parseDurationMinutes(value: string, where: string): number {
  const v = value.trim();
  const hm = /^(\d{1,3}):(\d{2})(?::(\d{2}))?$/.exec(v);
  if (hm) return Number(hm[1]) * 60 + Number(hm[2]) + Math.round(Number(hm[3] ?? 0) / 60);
  if (/^\d+$/.test(v)) return Number(v);
  throw new ImportError(where, `"${value}" is not a duration (HH:MM)`);
}

const OFFSET_TIME = /^((\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An ISO 8601 date and time with its UTC offset (`2017-12-27T10:00:00+01:00`, `…Z`, `…+0100`, seconds optional)
 * as a UTC instant. Anything else, a local time without offset included, is refused naming `where`.
 */
export function readOffsetTime(value: string, where: string): string {
  const m = OFFSET_TIME.exec(value.trim());
  if (!m) throw new ImportError(where, `"${value}" is not a date and time with a UTC offset (YYYY-MM-DDTHH:MM+HH:MM)`);
  const [, local, date, offset] = m as unknown as [string, string, string, string];
  const ms = Date.parse(`${local}${offset.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")}`);
  // Date.parse rolls 2026-02-30 over into March: a date that does not read back as itself does not exist.
  const day = Date.parse(`${date}T00:00:00Z`);
  const exists = !Number.isNaN(day) && new Date(day).toISOString().startsWith(date);
  if (Number.isNaN(ms) || !exists) throw new ImportError(where, `"${value}" is not a valid date and time`);
  return formatUtc(ms);
}

export function isIanaZone(zone: string | undefined): zone is string {
  return zone !== undefined && TimeZone.safeParse(zone).success;
}

/**
 * An iCalendar's (or xCal's) time zone: the one X-WR-TIMEZONE names, else the one VTIMEZONE it defines, else the
 * one TZID all its times use; only an IANA name counts. None: times that name no zone are read as UTC.
 */
export function pickCalendarZone(
  declared: (string | undefined)[],
  defined: (string | undefined)[],
  used: (string | undefined)[],
): string | undefined {
  const first = declared.map((z) => z?.trim()).find(isIanaZone);
  if (first) return first;
  if (defined.length === 1 && isIanaZone(defined[0])) return defined[0];
  const distinct = new Set(used.filter((z) => z !== undefined));
  const [one] = distinct;
  return distinct.size === 1 && isIanaZone(one) ? one : undefined;
}
