// Reads a frab/pentabarf schedule.xml (FOSDEM, CCC, DebConf's wafer, pretalx, Jekyll-made copies) into an Event:
// schedule > day[date] > room[name] > event, one session per <event>.
//
// Refused whole, never read in part: a document that is not well-formed XML (a truncated download names the line
// where it ends and the elements left open), one whose root is not <schedule> (pentabarf's xCal export is
// xcal.ts's), one with no events.
//
// Safety (parseXml, shared with xcal.ts): a DOCTYPE is refused before parsing. Schedules never declare one, and
// a DOCTYPE's entities are the only way to external entities and expansion bombs. The parser's own decoder is
// replaced: with processEntities on and htmlEntities off it leaves character references (`&#233;`) undecoded, and
// htmlEntities would bring in HTML names that are not XML. Ours knows the five XML entities and character
// references and nothing else; no entity declared by a document is ever expanded.
//
// Lenient about what it does not keep: the XSD is not checked (FOSDEM's files have no guid or <date>, wafer's
// mix UTC and local times, lswt's has <person> straight under <event>), missing optional fields are absent.
// Strict about what it keeps: a time, duration or title that cannot be read is an ImportError naming the
// event's line, not a session with a guessed value.
//
// Times: an event's <date> (ISO with an offset) is the instant when present (wafer's <date> is UTC while its
// <start> and even its <day date> are local). Otherwise the day's date and <start> are read in the
// conference's time zone: <time_zone_name>, else the IANA zone named after the conference's <city> (pentabarf
// gives only "Brussels"); times past midnight but before <day_change> belong to the next calendar day. With no
// zone and no <date>, a session has no time rather than a wrong one.
import { XMLParser, XMLValidator, type EntityDecoderOptions } from "fast-xml-parser";
import { buildSlug, Event, type Session } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_PLACE_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
  MAX_SLUG_CHARS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildImportedEvent } from "./build.ts";
import { ImportError } from "./errors.ts";
import { buildPlainText } from "./html.ts";
import { buildSessionLinks, readUrl } from "./links.ts";
import { formatUtc, parseDurationMinutes, toUtc } from "./time.ts";

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXmlEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g, (ref, dec, hex, name) => {
    if (name) return XML_ENTITIES[name]!;
    const code = dec ? Number(dec) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ref;
  });
}

const ENTITY_DECODER: EntityDecoderOptions = {
  decode: decodeXmlEntities,
  // Declared entities are never honoured (a DOCTYPE is refused before parsing anyway).
  addInputEntities: () => {},
  setExternalEntities: () => {},
  reset: () => {},
  setXmlVersion: () => {},
};

const METADATA = XMLParser.getMetaDataSymbol();
const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A parsed element: text, or an object of attributes (`@name`), text (`#text`) and child element arrays. */
export type Node = string | { [key: string]: unknown };

interface Draft {
  /** Where the <event> starts in the text, for errors. */
  at: number;
  title: string;
  sourceId: string | undefined;
  start: number | undefined;
  end: number | undefined;
  room: string | undefined;
  roomOrder: number | undefined;
  session: Omit<Session, "id" | "title" | "sourceId" | "start" | "end" | "room">;
}

export function importFrabXml(text: string, opts: { eventId: string; title: string }): Event {
  const { doc, root, rootAt, lineAt } = parseXml(text);
  if (root !== "schedule") {
    const xcal = /^(?:[\w-]+:)?(?:iCalendar|vcalendar)$/i.test(root);
    throw new ImportError(
      lineAt(rootAt),
      xcal
        ? `this is an xCal calendar (root <${root}>, as pentabarf exports it), not a frab schedule.xml: import it as xcal (the format detected for it)`
        : `the root element is <${root}>, not <schedule>: not a frab/pentabarf schedule.xml`,
    );
  }
  const schedule = doc.schedule?.[0] ?? "";
  const conference = children(schedule, "conference")[0] ?? "";
  const zone = readZone(conference);
  const dayChange = readDayChange(conference);

  const drafts: Draft[] = [];
  const rooms: string[] = [];
  const instants = new Map<string, number>();
  for (const day of children(schedule, "day")) {
    const date = attr(day, "date");
    for (const room of children(day, "room")) {
      const roomName = fitLine(attr(room, "name") ?? "", MAX_PLACE_CHARS) || undefined;
      for (const event of children(room, "event")) {
        const at = startOf(event) ?? startOf(room) ?? 0;
        try {
          drafts.push(readEvent(event, { at, date, roomName, zone, dayChange, rooms, instants }));
        } catch (error) {
          if (error instanceof ImportError && error.line === null) throw new ImportError(lineAt(at), error.message);
          throw error;
        }
      }
    }
  }
  if (drafts.length === 0)
    throw new ImportError(lineAt(rootAt), "no <event> found under <schedule>, <day> and <room>: nothing to import");
  if (drafts.length > MAX_SESSIONS)
    throw new ImportError(lineAt(drafts[MAX_SESSIONS]!.at), `more than ${MAX_SESSIONS} events`);

  // Schedule order: by start, then rooms as the document lists them (sort is stable: then document order).
  drafts.sort((a, b) => compareOrder(a.start, b.start) || compareOrder(a.roomOrder, b.roomOrder));
  const sourceIds = buildSourceIds(drafts);
  const ids = buildSessionIds(drafts, sourceIds);
  const sessions = drafts.map((d, i) => ({
    id: ids[i]!,
    title: d.title,
    ...d.session,
    ...(sourceIds[i] ? { sourceId: sourceIds[i] } : {}),
    ...(d.start !== undefined ? { start: formatUtc(d.start) } : {}),
    ...(d.end !== undefined ? { end: formatUtc(d.end) } : {}),
    ...(d.room ? { room: d.room } : {}),
  }));

  return buildImportedEvent(opts, zone, sessions, (i) => (drafts[i] ? lineAt(drafts[i].at) : undefined));
}

/** A parsed document: its root element's name, where it starts, and the line of any index into the text. */
export interface XmlDocument {
  doc: Record<string, Node[]>;
  root: string;
  rootAt: number;
  lineAt: (index: number) => number;
}

/**
 * A schedule's XML, read safely (see the header): refused naming the line when not well-formed or when it
 * declares a DOCTYPE. Every element is an array, attributes are `@name`, every object node knows where it starts.
 */
export function parseXml(text: string): XmlDocument {
  const source = text.replace(/^\uFEFF/, "");
  const lineAt = (index: number) => countLines(source.slice(0, index));
  verifyWellFormed(source);
  const rootAt = source.search(/<[A-Za-z_:]/);
  const doctype = source.slice(0, rootAt).search(/<!DOCTYPE/i);
  if (doctype >= 0)
    throw new ImportError(
      lineAt(doctype),
      "a DOCTYPE is not accepted: schedules do not declare one, and its entities could expand without bound or reach outside the document",
    );

  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    parseTagValue: false,
    parseAttributeValue: false,
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
    processEntities: true,
    htmlEntities: false,
    entityDecoder: ENTITY_DECODER,
    ignoreDeclaration: true,
    ignorePiTags: true,
    captureMetaData: true,
  });
  let doc: Record<string, Node[]>;
  try {
    doc = parser.parse(source) as Record<string, Node[]>;
  } catch (error) {
    // What the validator lets through but the parser's own limits refuse (elements nested over 100 deep).
    throw new ImportError(lineAt(rootAt), `cannot read the XML: ${error instanceof Error ? error.message : error}`);
  }
  return { doc, root: Object.keys(doc)[0] ?? "", rootAt, lineAt };
}

/** Refuses what is not well-formed XML, naming the line; a cut-short document by the line it ends on. */
function verifyWellFormed(text: string): void {
  const verdict = XMLValidator.validate(text);
  if (verdict === true) return;
  const { msg, line } = verdict.err;
  // The validator reports elements left open at the end as "Invalid '[ "schedule", "day" ]' found." on line 1.
  const open = /^Invalid '\[([\s\S]*)\]' found\.$/.exec(msg);
  if (open) {
    const names = [...open[1]!.matchAll(/"([^"]*)"/g)].map((m) => `<${m[1]}>`);
    throw new ImportError(
      countLines(text.replace(/\s+$/, "")),
      `the document ends with ${names.join(", ")} still open: it is cut short or not well-formed XML`,
    );
  }
  throw new ImportError(line, `not well-formed XML: ${msg}`);
}

/** Ascending, unknown last. */
function compareOrder(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}

export function children(node: Node | undefined, name: string): Node[] {
  if (!node || typeof node !== "object") return [];
  const value = node[name];
  return Array.isArray(value) ? (value as Node[]) : [];
}

function attr(node: Node | undefined, name: string): string | undefined {
  if (!node || typeof node !== "object") return undefined;
  const value = node[`@${name}`];
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

/** An element's own text (text beside child elements included), trimmed. */
export function textOf(node: Node | undefined): string {
  if (typeof node === "string") return node.trim();
  const text = node?.["#text"];
  return typeof text === "string" ? text.trim() : "";
}

/** The text of the first child element of that name, or undefined when absent or empty. */
function childText(node: Node | undefined, name: string): string | undefined {
  return textOf(children(node, name)[0]) || undefined;
}

export function startOf(node: Node | undefined): number | undefined {
  if (!node || typeof node !== "object") return undefined;
  const meta = (node as Record<symbol, { startIndex?: number } | undefined>)[METADATA as symbol];
  return meta?.startIndex;
}

function isZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The conference's IANA time zone: <time_zone_name>, else the zone its <city> names (`Brussels`). */
function readZone(conference: Node): string | undefined {
  const named = childText(conference, "time_zone_name");
  if (named && isZone(named)) return named;
  const city = childText(conference, "city")?.toLowerCase().replace(/\s+/g, "_");
  if (!city) return undefined;
  return Intl.supportedValuesOf("timeZone").find((zone) => zone.toLowerCase().split("/").pop() === city);
}

/** Minutes after midnight at which pentabarf's schedule day begins (`<day_change>08:00</day_change>`). */
function readDayChange(conference: Node): number {
  const value = childText(conference, "day_change");
  const hm = value ? /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(value) : null;
  return hm ? Number(hm[1]) * 60 + Number(hm[2]) : 0;
}

function nextDate(date: string): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10);
}

interface Context {
  at: number;
  date: string | undefined;
  roomName: string | undefined;
  zone: string | undefined;
  dayChange: number;
  rooms: string[];
  /** Local times already converted in the conference's zone. */
  instants: Map<string, number>;
}

function readEvent(event: Node, ctx: Context): Draft {
  const sourceId = attr(event, "guid") ?? attr(event, "id");
  const name = sourceId ? `<event ${sourceId}>` : "<event>";
  const title = fitLine(childText(event, "title") ?? "", MAX_SESSION_TITLE_CHARS);
  if (!title) throw new ImportError(name, "has no <title>");

  const start = readStart(event, ctx, name);
  const duration = childText(event, "duration");
  const end =
    start !== undefined && duration ? start + parseDurationMinutes(duration, `${name} <duration>`) * 60_000 : undefined;

  const room = ctx.roomName ?? (fitLine(childText(event, "room") ?? "", MAX_PLACE_CHARS) || undefined);
  if (room && !ctx.rooms.includes(room)) ctx.rooms.push(room);
  const track = fitLine(childText(event, "track") ?? "", MAX_PLACE_CHARS);
  const url = readUrl(childText(event, "url"));

  const texts = ["subtitle", "abstract", "description"].map((field) => childText(event, field));
  // XML pretty-printers indent continuation lines of a text element: that indentation is layout, not text.
  const dedent = (t: string) => t.replace(/^[ \t]+/gm, "");
  const paragraphs = [...new Set(texts.map((t) => (t ? buildPlainText(dedent(t)) : "")).filter(Boolean))];

  // lswt-2019 puts <person> straight under <event>.
  const persons = [...children(children(event, "persons")[0], "person"), ...children(event, "person")];
  const hosts = [...new Set(persons.map((p) => fitLine(textOf(p), MAX_HOST_CHARS)).filter(Boolean))];

  const links = [
    ...children(children(event, "links")[0], "link"),
    ...children(children(event, "attachments")[0], "attachment"),
  ].flatMap((link) => {
    const href = attr(link, "href");
    const text = textOf(link);
    // 36c3: `<link>https://…</link>` with no href; 39c3: the title in a nested <title>, not the event's.
    const linkUrl = href ?? (/^https?:\/\//i.test(text) ? text : undefined);
    const linkTitle = childText(link, "title") ?? (href ? text : undefined);
    return linkUrl ? [{ url: linkUrl, ...(linkTitle ? { title: linkTitle } : {}) }] : [];
  });
  const { notes, links: related } = buildSessionLinks(links, texts);

  return {
    at: ctx.at,
    title,
    sourceId,
    start,
    end,
    room,
    roomOrder: room ? ctx.rooms.indexOf(room) : undefined,
    session: {
      description: fitText(paragraphs.join("\n\n"), MAX_DESCRIPTION_CHARS),
      hosts: hosts.slice(0, MAX_HOSTS),
      notesPublished: notes.length > 0,
      notes,
      ...(track ? { track } : {}),
      ...(url ? { url } : {}),
      links: related,
    },
  };
}

/** The event's start in ms since the epoch: its <date>, else its day's date and <start> in the zone. */
function readStart(event: Node, ctx: Context, name: string): number | undefined {
  const date = childText(event, "date");
  if (date) {
    const m = ISO_INSTANT.exec(date);
    if (!m) throw new ImportError(name, `<date> "${date}" is not an ISO date and time`);
    if (m[3]) {
      const ms = Date.parse(`${m[1]}T${m[2]}${m[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")}`);
      if (Number.isNaN(ms)) throw new ImportError(name, `<date> "${date}" is not a valid date`);
      return ms;
    }
    return ctx.zone ? Date.parse(toUtc(`${m[1]} ${m[2]!.slice(0, 8)}`, ctx.zone, `${name} <date>`)) : undefined;
  }
  const time = childText(event, "start");
  if (!time || !ctx.zone || !ctx.date) return undefined;
  if (!DATE.test(ctx.date)) throw new ImportError(name, `its <day date="${ctx.date}"> is not a date (YYYY-MM-DD)`);
  const hm = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(time);
  if (!hm) throw new ImportError(name, `<start> "${time}" is not a time (HH:MM)`);
  const minutes = Number(hm[1]) * 60 + Number(hm[2]);
  const day = minutes < ctx.dayChange ? nextDate(ctx.date) : ctx.date;
  const local = `${day} ${hm[1]!.padStart(2, "0")}:${hm[2]}`;
  // Events share a few start times, and each toUtc asks Intl three times: FOSDEM's 300 take 120 ms without this.
  let ms = ctx.instants.get(local);
  if (ms === undefined) ctx.instants.set(local, (ms = Date.parse(toUtc(local, ctx.zone, `${name} <start>`))));
  return ms;
}

/**
 * The source's id of each session (guid, else id). An id given to several events (lswt-2019 lists each break
 * once per room, same id) is qualified by room, then numbered, so that every id names one session.
 */
function buildSourceIds(drafts: Draft[]): (string | undefined)[] {
  const count = new Map<string, number>();
  for (const d of drafts) if (d.sourceId) count.set(d.sourceId, (count.get(d.sourceId) ?? 0) + 1);
  const used = new Set<string>();
  return drafts.map((d) => {
    if (!d.sourceId) return undefined;
    const base = fitLine(
      count.get(d.sourceId)! > 1 && d.room ? `${d.sourceId}@${d.room}` : d.sourceId,
      MAX_PLACE_CHARS - 4,
    );
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}#${n}`;
    used.add(id);
    return id;
  });
}

/** `a` cut at a dash so that `a-b` fits a slug. */
function joinSlugs(a: string, b: string): string {
  if (!a || !b) return a || b;
  const room = MAX_SLUG_CHARS - b.length - 1;
  if (room <= 0) return b.slice(0, MAX_SLUG_CHARS).replace(/-+$/, "");
  const head = a.length <= room ? a : a.slice(0, room).replace(/-[^-]*$/, "") || a.slice(0, room);
  return `${head.replace(/-+$/, "")}-${b}`;
}

/**
 * Session ids: the title's slug; when it is empty (a non-Latin title) or taken, the title's slug joined to the
 * source id's (`lightning-talk-819`); then -2, -3… Schedule order decides who gets the plain slug.
 */
function buildSessionIds(drafts: Draft[], sourceIds: (string | undefined)[]): string[] {
  const used = new Set<string>();
  return drafts.map((d, i) => {
    const titleSlug = buildSlug(d.title);
    const sourceSlug = buildSlug(sourceIds[i] ?? "");
    const base = titleSlug && !used.has(titleSlug) ? titleSlug : joinSlugs(titleSlug, sourceSlug) || "session";
    let id = base;
    for (let n = 2; used.has(id); n++) id = joinSlugs(base, String(n));
    used.add(id);
    return id;
  });
}
