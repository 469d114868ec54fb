// The one way a schedule document becomes an Event: the format is detected from the content (or forced), and
// the format's own reader (one module each, pure) reads it or throws an ImportError naming the line or path.
import type { ImportFormat } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { ImportError } from "./errors.ts";
import { importFrabJson } from "./frab-json.ts";
import { importFrabXml } from "./frab-xml.ts";
import { importIcs } from "./ics.ts";
import { parseJsonText } from "./json.ts";
import { importPretalxApi, isPretalxSubmissions } from "./pretalx-api.ts";
import { importPtgbot, isPtgbotState } from "./ptgbot.ts";
import { importText, isTextSchedule } from "./text.ts";
import { importWikiPage } from "./wiki.ts";
import { importXcal } from "./xcal.ts";

export type ImportOptions = { eventId: string; title: string; format?: ImportFormat | undefined };

const READERS: Record<ImportFormat, (text: string, opts: { eventId: string; title: string }) => Event> = {
  wiki: importWikiPage,
  "frab-xml": importFrabXml,
  "frab-json": importFrabJson,
  ics: importIcs,
  xcal: importXcal,
  ptgbot: importPtgbot,
  "pretalx-api": importPretalxApi,
  text: importText,
};

/** An xCal root, after the XML declaration, comments and processing instructions. */
const XCAL_ROOT =
  /^(?:(?:<!--(?:[^-]|-(?!->))*-->|<\?[^>]*>|<![^-][^>]*>)\s*)*<(?:[\w.-]+:)?(?:icalendar|vcalendar)[\s/>]/i;

/**
 * The format a document is in, from how it starts: iCalendar, JSON (and which: below), XML (xCal or frab); else a
 * reST or Markdown session list when it has their headings (text.ts says which), else a wiki page.
 */
export function detectFormat(text: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (/^BEGIN:VCALENDAR/i.test(start)) return "ics";
  if (/^(?:(?:\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)\s*)*[{[]/.test(start)) return detectJsonFormat(text);
  // XML: xCal by its root element (the first tag after the declaration); frab-xml's reader names what other XML
  // documents are (an HTML page) when it refuses them.
  if (start.startsWith("<")) return XCAL_ROOT.test(start) ? "xcal" : "frab-xml";
  if (isTextSchedule(text)) return "text";
  return "wiki";
}

/**
 * Which JSON reader: a ptgbot state (`slots` and `schedule` objects, no `schedule.conference`), pretalx API
 * submissions (objects with `code`, `title` and `submission_type` or `speakers`: one, a list, or a page of
 * `results`), else a frab schedule.json, whose reader also names where a document that is no JSON breaks.
 */
function detectJsonFormat(text: string): ImportFormat {
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    if (error instanceof ImportError) return "frab-json";
    throw error;
  }
  if (isPtgbotState(json)) return "ptgbot";
  if (isPretalxSubmissions(json)) return "pretalx-api";
  return "frab-json";
}

export function importSchedule(text: string, { eventId, title, format }: ImportOptions): Event {
  return READERS[format ?? detectFormat(text)](text, { eventId, title });
}
