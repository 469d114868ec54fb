// What flows through the change pipeline: observations that come in (webhooks, the poller, admin actions)
// and changes that go out (the change log every subscriber reads).
import { z } from "zod";
import { NoteLink, Session, Slug } from "./event.ts";

/** Notes text is capped: a pad larger than this is not notes (and D1 rows stop at 2 MB). */
export const MAX_TEXT_BYTES = 1024 * 1024;

export const NOTES_TYPES = ["notes.published", "notes.updated", "notes.removed"] as const;
export const CHANGE_TYPES = [...NOTES_TYPES, "link.added", "link.removed", "session.added", "session.edited"] as const;
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
};

const NotesUrl = z.url({ protocol: /^https?$/ }).max(2048);

/** The body of `POST /webhooks/notes`, and what every notes source is mapped to. */
export const NotesEvent = z.object({
  type: z.enum(NOTES_TYPES),
  event: Slug,
  session: Slug,
  url: NotesUrl,
  text: z.string().max(MAX_TEXT_BYTES).optional(),
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
    label: z.string().max(200).optional(),
  }),
  z.object({ action: z.literal("link.remove"), event: Slug, session: Slug, url: NotesUrl }),
  z.object({
    action: z.literal("session.put"),
    event: Slug,
    session: Session.omit({ notes: true }).extend({ notes: z.array(NoteLink).optional() }),
  }),
  z.object({
    action: z.literal("event.import"),
    event: Slug,
    title: z.string().min(1).max(300),
    text: z.string().max(MAX_TEXT_BYTES),
  }),
]);
export type AdminAction = z.infer<typeof AdminAction>;

/** A receipt's payload: one observation, from whichever source. */
export const Observation = z.discriminatedUnion("kind", [
  NotesEvent.extend({ kind: z.literal("notes") }),
  z.object({ kind: z.literal("admin"), edit: AdminAction }),
]);
export type Observation = z.infer<typeof Observation>;

export const Change = z
  .object({
    id: z.string(),
    event: Slug,
    seq: z.number().int().positive(),
    session: Slug.nullable(),
    sessionTitle: z.string().nullable(),
    type: ChangeType,
    url: z.string().nullable(),
    summary: z.string(),
    excerpt: z.string(),
    linesAdded: z.number().int().nonnegative(),
    linesRemoved: z.number().int().nonnegative(),
    at: z.iso.datetime(),
  })
  .meta({ id: "Change" });
export type Change = z.infer<typeof Change>;

/** A change before the log numbers it. */
export type NewChange = Omit<Change, "seq">;
