// The catalogue's shape: events, their design sessions, and the links to each session's notes.
// Every boundary (importer output, data/ files, D1 rows, KV values, API responses) parses with these.
import { z } from "zod";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_EVENT_TITLE_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_LABEL_CHARS,
  MAX_NOTE_LINKS,
  MAX_PLACE_CHARS,
  MAX_RELATED_LINKS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
  MAX_SLUG_CHARS,
  MAX_URL_CHARS,
} from "./limits.ts";
import { cleanLine, cleanText } from "./text.ts";

export const NOTE_KINDS = ["mailing-list", "hackmd", "hedgedoc", "cryptpad", "etherpad", "wiki", "other"] as const;
export const NoteKind = z.enum(NOTE_KINDS);
export type NoteKind = z.infer<typeof NoteKind>;

/** Lowercase a-z0-9 runs joined by single dashes: the form of every event and session id. */
export const Slug = z
  .string()
  .min(1)
  .max(MAX_SLUG_CHARS)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "must be a slug: lowercase a-z0-9 words joined by single '-'");

/** One line of untrusted text: cleaned (text.ts) before it is measured, so what is stored is what was checked. */
export const lineText = (max: number) => z.string().overwrite(cleanLine).max(max);
/** Untrusted text of several lines (TAB, LF and CR kept), cleaned before it is measured. */
export const multilineText = (max: number) => z.string().overwrite(cleanText).max(max);

export const NotesUrl = z.url({ protocol: /^https?$/ }).max(MAX_URL_CHARS);

export const NoteLink = z
  .object({
    url: NotesUrl,
    kind: NoteKind,
    /** What the page said beside the link, e.g. "these need work". */
    label: lineText(MAX_LABEL_CHARS).optional(),
    /** Whether the poller may fetch it: false for end-to-end encrypted pads (CryptPad). */
    watchable: z.boolean(),
    /** The event's schedule source lists it: a re-import that no longer does removes it (others keep theirs). */
    fromSource: z.boolean().optional(),
  })
  .meta({ id: "NoteLink" });
export type NoteLink = z.infer<typeof NoteLink>;

/** The schedule formats an import reads (src/import/); detected from the content when not given. */
export const IMPORT_FORMATS = [
  "wiki",
  "frab-xml",
  "frab-json",
  "ics",
  "xcal",
  "ptgbot",
  "pretalx-api",
  "text",
] as const;
export const ImportFormat = z.enum(IMPORT_FORMATS);
export type ImportFormat = z.infer<typeof ImportFormat>;

/** The schedule an event follows: fetched by the cron and re-imported when it changes. */
export const EventSource = z.object({ url: NotesUrl, format: ImportFormat.optional() }).meta({ id: "EventSource" });
export type EventSource = z.infer<typeof EventSource>;

/** A link of a session that is not its notes: slides, a recording, a project's homepage. */
export const RelatedLink = z
  .object({ url: NotesUrl, title: lineText(MAX_LABEL_CHARS).optional() })
  .meta({ id: "RelatedLink" });
export type RelatedLink = z.infer<typeof RelatedLink>;

/** An instant in UTC (`2026-02-01T09:30:00Z`): schedules give local times, importers convert them. */
export const UtcTime = z.iso.datetime({ offset: false });

/** An IANA time zone name the runtime knows (`Europe/Brussels`). */
export const TimeZone = z
  .string()
  .max(MAX_PLACE_CHARS)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone name");

export const Session = z
  .object({
    id: Slug,
    title: lineText(MAX_SESSION_TITLE_CHARS).min(1),
    /** Plain text: paragraphs separated by a blank line; a paragraph of "- " lines is a list. */
    description: multilineText(MAX_DESCRIPTION_CHARS),
    hosts: z.array(lineText(MAX_HOST_CHARS)).max(MAX_HOSTS),
    /** What the source says, even when it gives no link ("published, link missing"). */
    notesPublished: z.boolean(),
    notes: z.array(NoteLink).max(MAX_NOTE_LINKS),
    /** The source's own stable id (frab guid or id, iCalendar UID): a session keeps its id when retitled. */
    sourceId: lineText(MAX_PLACE_CHARS).min(1).optional(),
    /** When it is scheduled, as UTC instants; the event's time zone says how to show them. */
    start: UtcTime.optional(),
    end: UtcTime.optional(),
    room: lineText(MAX_PLACE_CHARS).min(1).optional(),
    track: lineText(MAX_PLACE_CHARS).min(1).optional(),
    /** The session's own page at the source. */
    url: NotesUrl.optional(),
    links: z.array(RelatedLink).max(MAX_RELATED_LINKS).optional(),
    /** Gone from the source's schedule: kept (page, feed and subscribers stay) and marked. */
    withdrawn: z.boolean().optional(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const Event = z
  .object({
    id: Slug,
    title: lineText(MAX_EVENT_TITLE_CHARS).min(1),
    /** Where the schedule's local times are (sessions' times are stored in UTC). */
    timeZone: TimeZone.optional(),
    source: EventSource.optional(),
    sessions: z.array(Session).max(MAX_SESSIONS),
  })
  .superRefine((event, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of event.sessions.entries()) {
      if (seen.has(s.id))
        ctx.addIssue({ code: "custom", path: ["sessions", i, "id"], message: `duplicate session id ${s.id}` });
      seen.add(s.id);
    }
  })
  .meta({ id: "Event" });
export type Event = z.infer<typeof Event>;

/** Letters NFKD does not take apart into a base letter and marks. */
const TRANSLITERATIONS: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  đ: "d",
  ð: "d",
  ł: "l",
  þ: "th",
  ı: "i",
};

/**
 * `Xen Toolstacks` → `xen-toolstacks`; `A new book on Xen?` → `a-new-book-on-xen`; `Café Ünïcode` →
 * `cafe-unicode` (accents dropped, not the letters they sit on). Empty when the title has no Latin letters or
 * digits (the importer then names the session otherwise). Cut at a word boundary to the slug limit.
 */
export function buildSlug(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[ßæœøđðłþı]/g, (c) => TRANSLITERATIONS[c] ?? c)
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length <= MAX_SLUG_CHARS) return slug;
  const cut = slug.slice(0, MAX_SLUG_CHARS + 1);
  const boundary = cut.lastIndexOf("-");
  return (boundary > 0 ? cut.slice(0, boundary) : cut.slice(0, MAX_SLUG_CHARS)).replace(/-+$/, "");
}

const HOST_KINDS: [RegExp, NoteKind][] = [
  [/(^|\.)hackmd\.io$/, "hackmd"],
  [/(^|\.)cryptpad\.[a-z.]+$/, "cryptpad"],
  [/(^|\.)(hedgedoc|codimd|demo\.hedgedoc)\.[a-z.]+$/, "hedgedoc"],
  [/(^|\.)(etherpad|pads?)\.[a-z.]+$/, "etherpad"],
  [/^lists\.|^(www\.)?mail-archive\.com$|^marc\.info$|^lore\.kernel\.org$/, "mailing-list"],
  [/^wiki\.|(^|\.)wikipedia\.org$/, "wiki"],
];

/** Classifies a notes URL by its host and path; unknown hosts are "other". */
export function buildNoteKind(url: string): NoteKind {
  const u = new URL(url);
  const host = u.hostname.toLowerCase();
  for (const [pattern, kind] of HOST_KINDS) if (pattern.test(host)) return kind;
  if (/\/pipermail\/|\/archives\//.test(u.pathname)) return "mailing-list";
  if (/\/wiki\//.test(u.pathname) || u.pathname.endsWith("/index.php")) return "wiki";
  if (/^\/p\/[^/]+/.test(u.pathname)) return "etherpad";
  return "other";
}

/** A notes link as the catalogue keeps it; CryptPad is end-to-end encrypted, so it is never fetched. */
export function buildNoteLink(url: string, label?: string): NoteLink {
  const kind = buildNoteKind(url);
  return { url, kind, ...(label ? { label } : {}), watchable: kind !== "cryptpad" && kind !== "other" };
}
