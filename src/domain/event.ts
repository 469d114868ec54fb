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
  })
  .meta({ id: "NoteLink" });
export type NoteLink = z.infer<typeof NoteLink>;

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
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const Event = z
  .object({
    id: Slug,
    title: lineText(MAX_EVENT_TITLE_CHARS).min(1),
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

/** `Xen Toolstacks` → `xen-toolstacks`; `A new book on Xen?` → `a-new-book-on-xen`. */
export function buildSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const HOST_KINDS: [RegExp, NoteKind][] = [
  [/(^|\.)hackmd\.io$/, "hackmd"],
  [/(^|\.)cryptpad\.[a-z.]+$/, "cryptpad"],
  [/(^|\.)(hedgedoc|codimd|demo\.hedgedoc)\.[a-z.]+$/, "hedgedoc"],
  [/(^|\.)(etherpad|pad)\.[a-z.]+$/, "etherpad"],
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
