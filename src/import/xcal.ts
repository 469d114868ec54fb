// Reads an xCal calendar (iCalendar written as XML) into an Event: one session per vevent. Two dialects:
// - pentabarf's export, after the xCal drafts: iCalendar > vcalendar > vevent, each property an element holding
//   its value as iCalendar text (`<dtstart>20101227T113000</dtstart>`, `<duration>01H00M00S</duration>`),
//   parameters as attributes, pentabarf's own fields beside them (`<pentabarf:title>`);
// - RFC 6321: icalendar > vcalendar > components > vevent > properties > dtstart > [parameters] date-time, each
//   value in an element naming its type, in extended form (`2010-12-27T11:30:00`, `PT1H`).
// Both become one shape (a component's properties by name, with their parameters and where they start), which
// is mapped as ics.ts maps iCalendar. The XML is read by frab-xml.ts's parseXml: safely (a DOCTYPE is refused)
// and whole (a truncated document is refused naming the line it ends on).
//
// Title: pentabarf's own <pentabarf:title>, its subtitle the description's first paragraph (its <summary> is the
// two glued with "- "; frab-xml reads pentabarf's schedule.xml the same way), else the summary.
// Times as ics.ts reads them: UTC as given; a TZID as an IANA name (VTIMEZONE definitions are not read, so any
// other TZID is refused); floating times and all-day dates are wall-clock times in the event's time zone, or UTC
// when the calendar names none. pentabarf names none: its sessions keep their wall-clock times, shown as UTC.
// The event's time zone is X-WR-TIMEZONE, else the one VTIMEZONE's TZID, else the one TZID all sessions use,
// when it is an IANA name. A VEVENT that overrides one occurrence (RECURRENCE-ID) or is CANCELLED is skipped.
import type { Event, NoteLink, RelatedLink } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_PLACE_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildImportedEvent, buildSessionIds, sortBySchedule } from "./build.ts";
import { ImportError } from "./errors.ts";
import { children, type Node, parseXml, startOf, textOf } from "./frab-xml.ts";
import { buildPlainText } from "./html.ts";
import { buildSessionLinks, readUrl } from "./links.ts";
import { formatUtc, isIanaZone, pickCalendarZone, toUtc } from "./time.ts";

const ROOT = /^(?:[\w.-]+:)?(icalendar|vcalendar)$/i;
/** The draft dialect's elements that are components, not properties. */
const COMPONENTS = new Set(["vevent", "vtodo", "vjournal", "vfreebusy", "vtimezone", "valarm", "standard", "daylight"]);
/** A DATE or DATE-TIME in iCalendar's basic form (pentabarf) or RFC 6321's extended one. */
const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})(Z)?)?$/;
/** An iCalendar DURATION (`PT1H30M`, `P1D`), or pentabarf's `01H00M00S`. */
const DURATION = /^(?:P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?|(\d+)H(\d+)M(\d+)S)$/;
/** A cal-address given without a name (`mailto:…`): not a speaker to list. */
const URI = /^[a-z][a-z0-9+.-]*:\S*$/i;

interface Property {
  value: string;
  /** Parameters by lower-case name. */
  params: Map<string, string>;
  /** Where the property starts in the text (its component's start when the parser gives none). */
  at: number;
}

interface Component {
  name: string;
  at: number;
  /** Properties by lower-case name (without the root's namespace prefix; pentabarf's keep theirs). */
  properties: Map<string, Property[]>;
  components: Component[];
}

/** A DTSTART or DTEND: its wall-clock time as if it were UTC, whether it is UTC, a date, and the TZID it names. */
interface Stamp {
  at: number;
  wall: number;
  utc: boolean;
  isDate: boolean;
  tzid: string | undefined;
}

interface Draft {
  at: number;
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
  /** What DURATION adds to the start when there is no DTEND: days on the wall clock, the rest in milliseconds. */
  duration: { days: number; ms: number } | undefined;
  startUtc?: number | undefined;
  endUtc?: number | undefined;
}

export function importXcal(text: string, opts: { eventId: string; title: string }): Event {
  const { doc, root, rootAt, lineAt } = parseXml(text);
  const match = ROOT.exec(root);
  if (!match)
    throw new ImportError(
      lineAt(rootAt),
      `the root element is <${root}>, not <icalendar>: not an xCal calendar` +
        (root === "schedule" ? " (a frab/pentabarf schedule.xml is read as frab-xml)" : ""),
    );
  const ns = root.slice(0, root.length - match[1]!.length);
  const top = doc[root]?.[0] ?? "";
  const calendars = (match[1]!.toLowerCase() === "vcalendar" ? [top] : children(top, `${ns}vcalendar`)).map((node) =>
    readComponent(node, "vcalendar", ns, rootAt),
  );

  const drafts: Draft[] = [];
  const uids = new Map<string, number>();
  for (const vevent of calendars.flatMap((c) => c.components.filter((v) => v.name === "vevent"))) {
    if (vevent.properties.has("recurrence-id")) continue;
    if (readText(vevent, "status")?.toUpperCase() === "CANCELLED") continue;
    const draft = readEvent(vevent, drafts.length, lineAt);
    if (draft.sourceId !== undefined) {
      const first = uids.get(draft.sourceId);
      if (first !== undefined)
        throw new ImportError(
          lineAt(vevent.at),
          `UID "${draft.sourceId}" is also the UID of the vevent at line ${first}`,
        );
      uids.set(draft.sourceId, lineAt(vevent.at));
    }
    drafts.push(draft);
  }
  if (drafts.length === 0)
    throw new ImportError(lineAt(rootAt), "no vevent found under <vcalendar>: nothing to import");
  if (drafts.length > MAX_SESSIONS)
    throw new ImportError(lineAt(drafts[MAX_SESSIONS]!.at), `more than ${MAX_SESSIONS} sessions`);

  const timeZone = readEventZone(calendars, drafts);
  for (const d of drafts) {
    d.startUtc = d.start && readInstant(d.start, timeZone, lineAt);
    d.endUtc = d.end ? readInstant(d.end, timeZone, lineAt) : d.start && readDurationEnd(d, timeZone, lineAt);
    if (d.startUtc !== undefined && d.endUtc !== undefined && d.endUtc < d.startUtc)
      throw new ImportError(
        lineAt(d.end?.at ?? d.at),
        `the session ends (${formatUtc(d.endUtc)}) before it starts (${formatUtc(d.startUtc)})`,
      );
  }

  const sorted = sortBySchedule(drafts, (d) => d.startUtc);
  const ids = buildSessionIds(sorted);
  const sessions = sorted.map((d, i) => ({
    id: ids[i]!,
    title: d.title,
    description: d.description,
    hosts: d.hosts,
    notesPublished: d.notes.length > 0,
    notes: d.notes,
    ...(d.sourceId ? { sourceId: d.sourceId } : {}),
    ...(d.startUtc !== undefined ? { start: formatUtc(d.startUtc) } : {}),
    ...(d.endUtc !== undefined ? { end: formatUtc(d.endUtc) } : {}),
    ...(d.room ? { room: d.room } : {}),
    ...(d.track ? { track: d.track } : {}),
    ...(d.url ? { url: d.url } : {}),
    ...(d.links.length ? { links: d.links } : {}),
  }));
  return buildImportedEvent(opts, timeZone, sessions, (i) => (sorted[i] ? lineAt(sorted[i].at) : undefined));
}

/** An element's name without the root's namespace prefix, lower case (pentabarf's own keep their prefix). */
function localName(key: string, ns: string): string {
  return (key.startsWith(ns) ? key.slice(ns.length) : key).toLowerCase();
}

/** An element's child element names (not its attributes or text). */
function elementNames(node: Node | undefined): string[] {
  return node && typeof node === "object" ? Object.keys(node).filter((key) => !/^[@#]/.test(key)) : [];
}

/** A component in either dialect: RFC 6321 groups its parts under <properties> and <components>. */
function readComponent(node: Node, name: string, ns: string, parentAt: number): Component {
  const at = startOf(node) ?? parentAt;
  const component: Component = { name, at, properties: new Map(), components: [] };
  const add = (key: string, property: Property) => {
    const same = component.properties.get(localName(key, ns));
    if (same) same.push(property);
    else component.properties.set(localName(key, ns), [property]);
  };
  const properties = children(node, `${ns}properties`)[0];
  const components = children(node, `${ns}components`)[0];
  if (properties !== undefined || components !== undefined) {
    for (const key of elementNames(properties))
      for (const element of children(properties, key)) add(key, readTypedProperty(element, ns, at));
    for (const key of elementNames(components))
      for (const child of children(components, key))
        component.components.push(readComponent(child, localName(key, ns), ns, at));
    return component;
  }
  for (const key of elementNames(node)) {
    for (const element of children(node, key)) {
      const name = localName(key, ns);
      if (COMPONENTS.has(name)) component.components.push(readComponent(element, name, ns, at));
      else add(key, readTextProperty(element, at));
    }
  }
  return component;
}

/** The drafts' property: its text is the value, its attributes the parameters. */
function readTextProperty(element: Node, parentAt: number): Property {
  const params = new Map<string, string>();
  if (typeof element === "object")
    for (const [key, value] of Object.entries(element))
      if (key.startsWith("@") && typeof value === "string") params.set(key.slice(1).toLowerCase(), value.trim());
  return { value: textOf(element), params, at: startOf(element) ?? parentAt };
}

/** RFC 6321's property: [<parameters>] then its value(s), each in an element naming its type; the first is kept. */
function readTypedProperty(element: Node, ns: string, parentAt: number): Property {
  const typed = (node: Node | undefined) => {
    const type = elementNames(node).find((key) => key !== `${ns}parameters`);
    return type ? textOf(children(node, type)[0]) : textOf(node);
  };
  const params = new Map<string, string>();
  const parameters = children(element, `${ns}parameters`)[0];
  for (const key of elementNames(parameters)) params.set(localName(key, ns), typed(children(parameters, key)[0]));
  return { value: typed(element), params, at: startOf(element) ?? parentAt };
}

function readProperty(component: Component, name: string): Property | undefined {
  return component.properties.get(name)?.[0];
}

function readText(component: Component, name: string): string | undefined {
  return readProperty(component, name)?.value || undefined;
}

function readEvent(vevent: Component, order: number, lineAt: (index: number) => number): Draft {
  const pentabarfTitle = readText(vevent, "pentabarf:title");
  const title = fitLine(pentabarfTitle ?? readText(vevent, "summary") ?? "", MAX_SESSION_TITLE_CHARS);
  if (!title) throw new ImportError(lineAt(vevent.at), "the vevent has no summary: a session needs a title");
  const uid = readText(vevent, "uid");
  const raw = (readText(vevent, "description") ?? "").replace(/\r\n?/g, "\n");
  const subtitle = pentabarfTitle ? readText(vevent, "pentabarf:subtitle") : undefined;
  const paragraphs = [...new Set([subtitle, raw].map((t) => (t ? buildPlainText(t) : "")).filter(Boolean))];

  // pentabarf gives the speaker's name as the attendee's value; RFC 6321 a mailto: with the name in CN.
  const hosts = [...(vevent.properties.get("attendee") ?? []), ...(vevent.properties.get("organizer") ?? [])]
    .map((p) => p.params.get("cn") || (URI.test(p.value) ? "" : p.value))
    .map((h) => fitLine(h, MAX_HOST_CHARS))
    .filter(Boolean);

  const url = readUrl(readText(vevent, "url"));
  const { notes, links } = buildSessionLinks(url ? [{ url }] : [], [raw]);
  const start = readStamp(vevent, "dtstart", lineAt);
  // An empty element is no value (pentabarf writes them: `<pentabarf:subtitle></pentabarf:subtitle>`).
  const duration = readProperty(vevent, "duration");
  return {
    at: vevent.at,
    order,
    sourceId: uid ? fitLine(uid, MAX_PLACE_CHARS) || undefined : undefined,
    title,
    description: fitText(paragraphs.join("\n\n"), MAX_DESCRIPTION_CHARS),
    hosts: [...new Set(hosts)].slice(0, MAX_HOSTS),
    room: fitLine(readText(vevent, "location") ?? "", MAX_PLACE_CHARS) || undefined,
    track: fitLine(readText(vevent, "categories") ?? readText(vevent, "category") ?? "", MAX_PLACE_CHARS) || undefined,
    url: url ?? undefined,
    notes,
    links: links.filter((l) => l.url !== url),
    start,
    end: start && readStamp(vevent, "dtend", lineAt),
    duration: start && duration?.value ? readDuration(duration, lineAt) : undefined,
  };
}

function readStamp(vevent: Component, name: "dtstart" | "dtend", lineAt: (index: number) => number): Stamp | undefined {
  const property = readProperty(vevent, name);
  if (!property?.value) return undefined;
  const m = DATE_TIME.exec(property.value);
  const [y, mo, d, h = "00", mi = "00", s = "00"] = m?.slice(1) ?? [];
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!m || Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 19) !== `${y}-${mo}-${d}T${h}:${mi}:${s}`)
    throw new ImportError(lineAt(property.at), `<${name}> "${property.value}" is not a date or a date and time`);
  const tzid = property.params.get("tzid") || undefined;
  return { at: property.at, wall, utc: m[7] === "Z", isDate: m[4] === undefined, tzid };
}

function readDuration(property: Property, lineAt: (index: number) => number): { days: number; ms: number } {
  const m = DURATION.exec(property.value.toUpperCase());
  if (!m || !/\d/.test(property.value))
    throw new ImportError(lineAt(property.at), `<duration> "${property.value}" is not a duration (PT1H30M)`);
  const [weeks, days, hours, minutes, seconds, ph, pm, ps] = m.slice(1).map((n) => Number(n ?? 0));
  return {
    days: weeks! * 7 + days!,
    ms: ((hours! + ph!) * 3600 + (minutes! + pm!) * 60 + seconds! + ps!) * 1000,
  };
}

function readEventZone(calendars: Component[], drafts: Draft[]): string | undefined {
  return pickCalendarZone(
    calendars.map((c) => readText(c, "x-wr-timezone")),
    calendars.flatMap((c) => c.components.filter((v) => v.name === "vtimezone")).map((v) => readText(v, "tzid")),
    drafts.flatMap((d) => [d.start?.tzid, d.end?.tzid]),
  );
}

/** A wall-clock time (ms as if UTC) as an instant: UTC as given, else in its TZID or the event's zone, else UTC. */
function readInstant(stamp: Stamp, timeZone: string | undefined, lineAt: (index: number) => number): number {
  if (stamp.utc) return stamp.wall;
  if (stamp.tzid !== undefined && !isIanaZone(stamp.tzid))
    throw new ImportError(
      lineAt(stamp.at),
      `unknown time zone "${stamp.tzid}": not an IANA name (xCal VTIMEZONE definitions are not read)`,
    );
  const zone = stamp.tzid ?? timeZone ?? "UTC";
  return Date.parse(toUtc(formatUtc(stamp.wall).slice(0, 19), zone, `line ${lineAt(stamp.at)}`));
}

/** DTSTART plus DURATION (days on the wall clock, hours and less exact); an all-day session lasts a day. */
function readDurationEnd(
  d: Draft,
  timeZone: string | undefined,
  lineAt: (index: number) => number,
): number | undefined {
  const start = d.start!;
  const duration = d.duration ?? (start.isDate ? { days: 1, ms: 0 } : undefined);
  if (!duration) return undefined;
  const day = readInstant({ ...start, wall: start.wall + duration.days * 86_400_000 }, timeZone, lineAt);
  return day + duration.ms;
}
