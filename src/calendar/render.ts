// Renders a calendar as iCalendar (RFC 5545) with ical.js, which escapes every TEXT value and folds long lines, with
// the validators its HTTP answers carry: the ETag comes from the content and Last-Modified from the newest change
// the calendar shows, as for feeds (publish.ts moves it to the event's last write when that is later).
//
// The body depends on nothing but the model: no METHOD, so DTSTAMP is when the entry last changed rather than
// when the file was made (§3.8.7.2), and an unchanged calendar keeps its ETag across rebuilds.
import ICAL from "ical.js";
import { hashText } from "../lib/crypto.ts";
import type { Calendar, CalendarEntry } from "./build.ts";

export type RenderedCalendar = { body: string; etag: string; lastModified: string };

export const CALENDAR_MEDIA_TYPE = "text/calendar; charset=utf-8";

const PRODID = "-//sessionwire//sessionwire calendars//EN";
/** How often subscribed apps should fetch again: schedules change by the day, notes links by the hour. */
const REFRESH = "PT1H";

// ical.js knows NAME (RFC 7986) and the X-WR- properties apps read as unknown types and writes them unescaped;
// declared as TEXT here (in a copy of its design set, not in the library's own), they are escaped like SUMMARY.
const TEXT = { defaultType: "text" };
const DESIGN = {
  ...ICAL.design.icalendar,
  property: { ...ICAL.design.icalendar.property, name: TEXT, "x-wr-calname": TEXT, "x-wr-timezone": TEXT },
};

// ical.js folds a line into pieces of 75 octets and puts the continuation's leading space before each, so a
// continuation line would have 76: at 74, every line has at most the 75 RFC 5545 allows (§3.1). Nothing else here
// writes iCalendar (the importer only reads it).
ICAL.foldLength = 74;

const utc = (iso: string) => ICAL.Time.fromJSDate(new Date(iso), true);

function addText(component: ICAL.Component, name: string, value: string) {
  component.addProperty(new ICAL.Property([name, {}, "text", value]));
}

function buildEvent(entry: CalendarEntry): ICAL.Component {
  const vevent = new ICAL.Component("vevent");
  const event = new ICAL.Event(vevent);
  event.uid = entry.uid;
  vevent.addPropertyWithValue("dtstamp", utc(entry.modified));
  event.startDate = utc(entry.start);
  if (entry.end) event.endDate = utc(entry.end);
  event.summary = entry.summary;
  if (entry.location) event.location = entry.location;
  if (entry.description) event.description = entry.description;
  if (entry.categories.length) vevent.addPropertyWithValue("categories", entry.categories[0]!);
  vevent.addPropertyWithValue("url", entry.url);
  vevent.addPropertyWithValue("status", entry.cancelled ? "CANCELLED" : "CONFIRMED");
  event.sequence = entry.sequence;
  vevent.addPropertyWithValue("last-modified", utc(entry.modified));
  return vevent;
}

// An event's calendar and its session's share each entry object (build.ts): its VEVENT is written once.
const vevents = new WeakMap<CalendarEntry, string>();

function renderEvent(entry: CalendarEntry): string {
  let text = vevents.get(entry);
  if (text === undefined) {
    text = ICAL.stringify.component(buildEvent(entry).toJSON(), DESIGN);
    vevents.set(entry, text);
  }
  return text;
}

const END = "END:VCALENDAR";

export function renderCalendarText(calendar: Calendar): string {
  const vcalendar = new ICAL.Component("vcalendar");
  vcalendar.addPropertyWithValue("prodid", PRODID);
  vcalendar.addPropertyWithValue("version", "2.0");
  vcalendar.addPropertyWithValue("calscale", "GREGORIAN");
  addText(vcalendar, "name", calendar.name);
  addText(vcalendar, "x-wr-calname", calendar.name);
  if (calendar.timeZone) addText(vcalendar, "x-wr-timezone", calendar.timeZone);
  // RFC 7986 wants VALUE=DURATION spelled out, which a value not of the property's default type gets.
  vcalendar.addProperty(new ICAL.Property(["refresh-interval", {}, "duration", REFRESH]));
  vcalendar.addPropertyWithValue("x-published-ttl", REFRESH);
  // What ical.js writes for the calendar with its VEVENTs (each line ended by CRLF, the last one too, §3.1), the
  // VEVENTs written once per entry rather than once per calendar that holds them.
  const head = ICAL.stringify.component(vcalendar.toJSON(), DESIGN).slice(0, -END.length);
  return `${head}${calendar.entries.map((e) => `${renderEvent(e)}\r\n`).join("")}${END}\r\n`;
}

export async function renderCalendar(calendar: Calendar): Promise<RenderedCalendar> {
  const body = renderCalendarText(calendar);
  return { body, etag: `"${(await hashText(body)).slice(0, 32)}"`, lastModified: calendar.updated };
}
