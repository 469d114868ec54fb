// Reads pretalx REST API submissions into an Event: one submission object, a list of them, or one page of the
// paginated list (`{ count, next, previous, results: [...] }`); the documentation's examples start with a
// comment line, which is skipped.
//
// Both API versions are read: the legacy one (`slot: { start, end, room }`, `speakers: [{ code, name }]`,
// `track` and `submission_type` as names, translated names as `{ "en": … }`) and the current one when its
// relations are expanded (`?expand=speakers,slots,slots.room,track,resources`); an unexpanded relation is only
// an id and gives nothing (a speaker's code is not a name, a room id is not a room).
//
// A submission becomes a session when it is on the programme: state `accepted` or `confirmed` (or no state, as
// public talk lists give it). Withdrawn, canceled, rejected and deleted submissions are skipped, not read as
// withdrawn sessions: one the catalogue published is marked withdrawn by the schedule merge when it is gone from
// the source (schedule-diff.ts), and one that never was on the programme gets no page at all. Submissions still
// in review (submitted, draft) are skipped too: they are not on the programme yet.
// `notes` and `internal_notes` are what speakers tell the organisers, never session notes: they are not read.
// One page with a `next` page is refused (it is part of a list, and the rest would be read as withdrawn): fetch
// every page and import them as one list.
import { z } from "zod";
import type { Event, Session } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_HOST_CHARS,
  MAX_HOSTS,
  MAX_PLACE_CHARS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildImportedEvent, buildSessionIds } from "./build.ts";
import { ImportError } from "./errors.ts";
import { type JsonPath, buildIssueError, formatJsonPath, parseJsonText } from "./json.ts";
import { buildSessionLinks } from "./links.ts";
import { buildPlainTextFromMarkdown } from "./markdown.ts";
import { formatUtc, readOffsetTime } from "./time.ts";

const PROGRAMME_STATES = new Set(["accepted", "confirmed"]);

const Text = z.string().nullish();
/** A translated name: `{ "en": "Room 1", "de": "Raum 1" }`. */
const Translated = z.record(z.string(), z.string().nullable());
const Name = z.union([z.string(), Translated], { error: "expected a name or { language: name }" });
/** A room or track: its name, its translations, an expanded object with a `name`, or an id (unusable). */
const Named = z
  .union([z.string(), z.number(), z.looseObject({ name: Name.nullish() }), Translated], {
    error: "expected a name, { language: name }, { name } or an id",
  })
  .nullish();
const Slot = z.looseObject({ start: Text, end: Text, room: Named });
const Resource = z.union([z.number(), z.looseObject({ resource: Text, link: Text, description: Text })], {
  error: "expected a resource { resource, description } or an id",
});

/** What of one submission becomes a session; anything else in it may be anything. */
const Submission = z.looseObject({
  code: z.string().min(1),
  title: z.string(),
  state: Text,
  abstract: Text,
  description: Text,
  speakers: z
    .array(z.union([z.string(), z.looseObject({ name: Text })], { error: "expected a speaker { name } or a code" }))
    .nullish(),
  track: Named,
  duration: z.number().nullish(),
  /** Legacy API. */
  slot: Slot.nullish(),
  /** Current API: ids, or slots when expanded. */
  slots: z.array(z.union([z.number(), Slot], { error: "expected a slot { start, end, room } or an id" })).nullish(),
  resources: z.array(Resource).nullish(),
});
type Submission = z.infer<typeof Submission>;

interface Draft {
  path: string;
  session: Omit<Session, "id">;
  order: number;
}

/** Is this JSON a pretalx submission, a list of them or a page of them (what detectFormat sends here)? */
export function isPretalxSubmissions(json: unknown): boolean {
  if (Array.isArray(json)) return json.length > 0 && json.every(isSubmission);
  if (!isObject(json)) return false;
  if (Array.isArray(json.results)) return json.results.length > 0 && json.results.every(isSubmission);
  return isSubmission(json);
}

export function importPretalxApi(text: string, opts: { eventId: string; title: string }): Event {
  const json = parseJsonText(text);
  const { items, base } = listSubmissions(json);
  if (items.length > MAX_SESSIONS)
    throw new ImportError(
      formatJsonPath(base) || 1,
      `${items.length} submissions: at most ${MAX_SESSIONS} can be imported`,
    );

  const seenCodes = new Map<string, string>();
  const roomOrder: string[] = [];
  const drafts: Draft[] = [];
  items.forEach((value, i) => {
    const path = [...base, i];
    const parsed = Submission.safeParse(value);
    if (!parsed.success) throw buildIssueError(path, parsed.error);
    const submission = parsed.data;
    const where = formatJsonPath(path);
    const earlier = seenCodes.get(submission.code);
    if (earlier !== undefined)
      throw new ImportError(`${where}.code`, `submission ${submission.code} is listed twice (also at ${earlier})`);
    seenCodes.set(submission.code, where);
    if (submission.state && !PROGRAMME_STATES.has(submission.state)) return;
    const session = readSubmission(submission, path);
    if (session.room && !roomOrder.includes(session.room)) roomOrder.push(session.room);
    drafts.push({ path: where, session, order: i });
  });

  const roomIndex = (room: string | undefined) => (room ? roomOrder.indexOf(room) : roomOrder.length);
  drafts.sort(
    (a, b) =>
      compareStart(a.session.start, b.session.start) ||
      roomIndex(a.session.room) - roomIndex(b.session.room) ||
      a.order - b.order,
  );
  const ids = buildSessionIds(drafts.map((d) => d.session));
  const sessions = drafts.map((d, i) => ({ id: ids[i]!, ...d.session }));
  return buildImportedEvent(opts, undefined, sessions, (i) => drafts[i]?.path);
}

/** The submissions of the document and the path they are listed under. */
function listSubmissions(json: unknown): { items: unknown[]; base: JsonPath } {
  if (Array.isArray(json)) return { items: json, base: [] };
  if (!isObject(json))
    throw new ImportError(1, "not pretalx API submissions: expected a submission, a list of them or a page of them");
  if (!("results" in json)) return { items: [json], base: [] };
  if (!Array.isArray(json.results)) throw new ImportError("results", "expected a list of submissions");
  if (typeof json.next === "string" && json.next)
    throw new ImportError(
      "next",
      `this is one page of ${typeof json.count === "number" ? json.count : "more"} submissions (the next is ${json.next}): ` +
        "fetch every page and import them as one list",
    );
  return { items: json.results, base: ["results"] };
}

function readSubmission(submission: Submission, path: JsonPath): Omit<Session, "id"> {
  const at = (...field: JsonPath) => formatJsonPath([...path, ...field]);
  const title = fitLine(submission.title, MAX_SESSION_TITLE_CHARS);
  if (!title) throw new ImportError(at("title"), "the title is empty");

  const texts = [submission.abstract, submission.description];
  const paragraphs: string[] = [];
  for (const t of texts) {
    const plain = t ? buildPlainTextFromMarkdown(t) : "";
    if (plain && !paragraphs.includes(plain)) paragraphs.push(plain);
  }
  const description = fitText(paragraphs.join("\n\n"), MAX_DESCRIPTION_CHARS);

  const hosts = (submission.speakers ?? [])
    .map((speaker) => (typeof speaker === "string" ? "" : fitLine(speaker.name ?? "", MAX_HOST_CHARS)))
    .filter((name, i, all) => name && all.indexOf(name) === i)
    .slice(0, MAX_HOSTS);

  const { slot, slotPath } = pickSlot(submission, path);
  const { start, end } = slot ? readTimes(slot, slotPath, submission.duration) : {};
  const room = slot ? readName(slot.room) : undefined;
  const track = readName(submission.track);

  const resources = (submission.resources ?? []).flatMap((r) => {
    const url = typeof r === "number" ? null : (r.resource ?? r.link);
    return url ? [{ url, title: (typeof r === "number" ? null : r.description) ?? undefined }] : [];
  });
  const { notes, links } = buildSessionLinks(resources, texts);

  return {
    title,
    description,
    hosts,
    notesPublished: notes.length > 0,
    notes,
    sourceId: fitLine(submission.code, MAX_PLACE_CHARS),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    ...(room ? { room } : {}),
    ...(track ? { track } : {}),
    ...(links.length ? { links } : {}),
  };
}

type SlotValue = z.infer<typeof Slot>;

/** The legacy `slot`, else the earliest expanded one of `slots` that has a start. */
function pickSlot(submission: Submission, path: JsonPath): { slot?: SlotValue; slotPath: JsonPath } {
  if (submission.slot) return { slot: submission.slot, slotPath: [...path, "slot"] };
  let best: { slot?: SlotValue; slotPath: JsonPath } = { slotPath: path };
  let bestStart: string | undefined;
  (submission.slots ?? []).forEach((slot, i) => {
    if (typeof slot === "number" || !slot.start) return;
    const slotPath = [...path, "slots", i];
    const start = readOffsetTime(slot.start, formatJsonPath([...slotPath, "start"]));
    if (bestStart === undefined || start < bestStart) {
      best = { slot, slotPath };
      bestStart = start;
    }
  });
  return best;
}

function readTimes(
  slot: SlotValue,
  path: JsonPath,
  duration: number | null | undefined,
): { start?: string; end?: string } {
  if (!slot.start) return {};
  const at = (field: string) => formatJsonPath([...path, field]);
  const start = readOffsetTime(slot.start, at("start"));
  let end: string | undefined;
  if (slot.end) end = readOffsetTime(slot.end, at("end"));
  else if (duration !== null && duration !== undefined && duration >= 0)
    end = formatUtc(Date.parse(start) + duration * 60_000);
  if (end && end < start) throw new ImportError(at("end"), "the session ends before it starts");
  return { start, ...(end ? { end } : {}) };
}

/** A room's or track's name: as given, English, else the first translation; an id names nothing. */
function readName(value: z.infer<typeof Named>): string | undefined {
  if (value === null || value === undefined || typeof value === "number") return undefined;
  const name =
    typeof value === "string"
      ? value
      : Object.hasOwn(value, "name")
        ? (value as { name?: z.infer<typeof Name> | null }).name
        : (value as z.infer<typeof Translated>);
  const text =
    typeof name === "string" ? name : name ? (name.en ?? Object.values(name).find((t) => t !== null)) : undefined;
  const line = text ? fitLine(text, MAX_PLACE_CHARS) : "";
  return line || undefined;
}

function isSubmission(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.code === "string" &&
    typeof value.title === "string" &&
    ("submission_type" in value || Array.isArray(value.speakers))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function compareStart(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // unscheduled sessions after the scheduled ones
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}
