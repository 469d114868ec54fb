// The one way a schedule document becomes an Event: the format is detected from the content (or forced), and
// the format's own reader (one module each, pure) reads it or throws an ImportError naming the line or path.
import type { ImportFormat } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { importFrabJson } from "./frab-json.ts";
import { importFrabXml } from "./frab-xml.ts";
import { importIcs } from "./ics.ts";
import { importText, isTextSchedule } from "./text.ts";
import { importWikiPage } from "./wiki.ts";

export type ImportOptions = { eventId: string; title: string; format?: ImportFormat | undefined };

const READERS: Record<ImportFormat, (text: string, opts: { eventId: string; title: string }) => Event> = {
  wiki: importWikiPage,
  "frab-xml": importFrabXml,
  "frab-json": importFrabJson,
  ics: importIcs,
  text: importText,
};

/**
 * The format a document is in, from how it starts: iCalendar, JSON, XML; else a reST or Markdown session list
 * when it has their headings (text.ts says which), else a wiki page.
 */
export function detectFormat(text: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (/^BEGIN:VCALENDAR/i.test(start)) return "ics";
  if (/^[{[]/.test(start) || /^\/\/[^\n]*\n\s*[{[]/.test(start)) return "frab-json";
  // frab-xml's reader names what other XML documents are (an xCal export, an HTML page) when it refuses them.
  if (start.startsWith("<")) return "frab-xml";
  if (isTextSchedule(text)) return "text";
  return "wiki";
}

export function importSchedule(text: string, { eventId, title, format }: ImportOptions): Event {
  return READERS[format ?? detectFormat(text)](text, { eventId, title });
}
