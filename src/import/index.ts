// The one way a schedule document becomes an Event: the format is detected from the content (or forced), and
// the format's own reader (one module each, pure) reads it or throws an ImportError naming the line or path.
import type { ImportFormat } from "../domain/changes.ts";
import type { Event } from "../domain/event.ts";
import { ImportError } from "./errors.ts";
import { importFrabJson } from "./frab-json.ts";
import { importIcs } from "./ics.ts";
import { importWikiPage } from "./wiki.ts";

export type ImportOptions = { eventId: string; title: string; format?: ImportFormat | undefined };

const READERS: Record<ImportFormat, (text: string, opts: { eventId: string; title: string }) => Event> = {
  wiki: importWikiPage,
  "frab-json": importFrabJson,
  ics: importIcs,
};

/** The format a document is in, from how it starts: XML, JSON, iCalendar, else a wiki page. */
export function detectFormat(text: string): ImportFormat {
  const start = text.replace(/^\uFEFF/, "").trimStart();
  if (/^BEGIN:VCALENDAR/i.test(start)) return "ics";
  if (/^[{[]/.test(start) || /^\/\/[^\n]*\n\s*[{[]/.test(start)) return "frab-json";
  if (start.startsWith("<")) {
    throw new ImportError(1, "an XML document, but not one this server reads (frab/pentabarf schedule.xml)");
  }
  return "wiki";
}

export function importSchedule(text: string, { eventId, title, format }: ImportOptions): Event {
  return READERS[format ?? detectFormat(text)](text, { eventId, title });
}
