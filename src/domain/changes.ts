// What flows through the change pipeline: observations that come in (webhooks, the poller, admin actions)
// and changes that go out (the change log every subscriber reads).
import { z } from "zod";
import { ImportFormat, NotesUrl, Session, Slug, lineText } from "./event.ts";

export { IMPORT_FORMATS, ImportFormat } from "./event.ts";
import {
  MAX_CHANGE_ID_CHARS,
  MAX_EVENT_TITLE_CHARS,
  MAX_EXCERPT_CHARS,
  MAX_IMPORT_TEXT_BYTES,
  MAX_LABEL_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_TEXT_BYTES,
} from "./limits.ts";
import { fitLine, fitText, measureUtf8 } from "./text.ts";

export { MAX_TEXT_BYTES };

/** Text of at most `max` UTF-8 bytes (zod's max counts UTF-16 units: 1M three-byte characters would pass it). */
export const utf8Text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => measureUtf8(text) <= max, { message: `Too big: expected at most ${max} bytes of UTF-8` })
    .meta({ description: `At most ${max} bytes of UTF-8` });

export const NOTES_TYPES = ["notes.published", "notes.updated", "notes.removed"] as const;
export const CHANGE_TYPES = [
  ...NOTES_TYPES,
  "link.added",
  "link.removed",
  "session.added",
  "session.edited",
  "session.retitled",
  "session.rescheduled",
  "session.withdrawn",
  "event.imported",
] as const;
export const ChangeType = z.enum(CHANGE_TYPES);
export type ChangeType = z.infer<typeof ChangeType>;

/** How a change is named to people: page headings, feed item titles, mail subjects. */
export const CHANGE_LABELS: Record<ChangeType, string> = {
  "notes.published": "Notes published",
  "notes.updated": "Notes updated",
  "notes.removed": "Notes removed",
  "link.added": "Notes link added",
  "link.removed": "Notes link removed",
  "session.added": "Session added",
  "session.edited": "Session edited",
  "session.retitled": "Session retitled",
  "session.rescheduled": "Session rescheduled",
  "session.withdrawn": "Session withdrawn",
  "event.imported": "Schedule imported",
};

/** The body of `POST /webhooks/notes`, and what every notes source is mapped to. */
export const NotesEvent = z.object({
  type: z.enum(NOTES_TYPES),
  event: Slug,
  session: Slug,
  url: NotesUrl,
  text: utf8Text(MAX_TEXT_BYTES).optional(),
  revision: z.number().int().nonnegative().optional(),
});
export type NotesEvent = z.infer<typeof NotesEvent>;

/** Admin edits; each becomes one or more changes through the same pipeline as notes events. */
export const AdminAction = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("link.add"),
    event: Slug,
    session: Slug,
    url: NotesUrl,
    label: lineText(MAX_LABEL_CHARS).optional(),
  }),
  z.object({ action: z.literal("link.remove"), event: Slug, session: Slug, url: NotesUrl }),
  z.object({
    action: z.literal("session.put"),
    event: Slug,
    /** Omitted fields keep their current value when the edit is applied (a new session gets defaults). */
    session: Session.partial({ description: true, hosts: true, notesPublished: true, notes: true }),
  }),
  z.object({
    action: z.literal("event.import"),
    event: Slug,
    title: lineText(MAX_EVENT_TITLE_CHARS).min(1),
    format: ImportFormat.optional(),
    text: utf8Text(MAX_IMPORT_TEXT_BYTES),
  }),
]);
export type AdminAction = z.infer<typeof AdminAction>;

/** A receipt's payload: one observation, from whichever source. */
export const Observation = z.discriminatedUnion("kind", [
  NotesEvent.extend({ kind: z.literal("notes") }),
  z.object({ kind: z.literal("admin"), edit: AdminAction }),
]);
export type Observation = z.infer<typeof Observation>;

// A change row's texts are cut to their limits, not refused: rows are written by the pipeline from titles and
// notes that were checked already, and rows written before the limits existed must still be read (and shown small).
const fitSessionTitle = (title: string) => fitLine(title, MAX_SESSION_TITLE_CHARS);
const fitSummary = (summary: string) => fitText(summary, MAX_SUMMARY_CHARS);
const fitExcerpt = (excerpt: string) => fitText(excerpt, MAX_EXCERPT_CHARS);

export const Change = z
  .object({
    id: z.string().max(MAX_CHANGE_ID_CHARS),
    event: Slug,
    seq: z.number().int().positive(),
    session: Slug.nullable(),
    sessionTitle: z.string().overwrite(fitSessionTitle).nullable(),
    type: ChangeType,
    url: z.string().nullable(),
    summary: z.string().overwrite(fitSummary),
    excerpt: z.string().overwrite(fitExcerpt),
    linesAdded: z.number().int().nonnegative(),
    linesRemoved: z.number().int().nonnegative(),
    at: z.iso.datetime(),
  })
  .meta({ id: "Change" });
export type Change = z.infer<typeof Change>;

/** A change before the log numbers it. */
export type NewChange = Omit<Change, "seq">;

/** A change with its texts cut as the change log stores them (the log's one writer calls this). */
export function fitChange<T extends NewChange>(change: T): T {
  return {
    ...change,
    sessionTitle: change.sessionTitle === null ? null : fitSessionTitle(change.sessionTitle),
    summary: fitSummary(change.summary),
    excerpt: fitExcerpt(change.excerpt),
  };
}
