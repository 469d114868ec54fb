// Reads the state file of OpenStack's ptgbot (https://opendev.org/openstack/ptgbot: its base.json, or the
// ptg.json the bot serves) into an Event.
//
// The file: `slots` names the event's days (in order) and each day's time slots ({ name: "MonA1", desc:
// "09:00-10:45", realtime?: UTC instant, duration?: minutes }); `schedule` is rooms × slot names → the track
// that booked the slot ("" when free), with room keys that are no slot (`url`: the room's video meeting,
// `desc`, `cap_icon`, `cap_desc`); `tracks` lists the teams; `etherpads` and `urls` hold what a track set with
// the bot's `etherpad` and `url` commands; `eventid` names the event's etherpads. The rest is the bot's live
// state (`now`, `next`, `location` — reset each day —, `colors`, `motd`, check-ins, subscriptions) and is not
// read.
//
// A session is a track: what a subscriber follows is "the nova track", and a track has one etherpad (its notes)
// for all its slots, whichever rooms and days they are in. Its room is the rooms it booked (as the schedule
// lists them), its description the days, times and rooms of its slots, one line each, a day's adjacent slots in
// one room merged ("Monday 09:00-12:30, 13:30-17:00: Ballroom A"). Every track listed is a session, booked or
// not (ptgbot lists an etherpad for each), and so is a track that booked a slot without being listed (the bot
// adds those to its list when it loads a file).
// Sessions come in the order of their first booked slot (then of the rooms), the unbooked ones last.
// Notes: the etherpad the track set, else ptgbot's default `https://etherpad.opendev.org/p/<eventid>-<track>`
// (ptgbot/ics.py; its older pages named etherpad.openstack.org, which now redirects there); no default without
// an eventid (ptgbot's pages say so too), and none when the track set one that is no http(s) URL. Related
// links: the track's `urls` entry, else its rooms' `url`.
// Times: slots give day names and local times, no date and no time zone, so sessions have a start and an end
// only when every slot of the track has a `realtime` (the UTC instant ptgbot's add_realtime.py writes): from
// the first slot's start to the last one's end (`duration` minutes, else the length its `desc` range gives).
import { z } from "zod";
import { type Event, type RelatedLink, type Session, buildNoteLink } from "../domain/event.ts";
import {
  MAX_DESCRIPTION_CHARS,
  MAX_LABEL_CHARS,
  MAX_PLACE_CHARS,
  MAX_RELATED_LINKS,
  MAX_SESSION_TITLE_CHARS,
  MAX_SESSIONS,
} from "../domain/limits.ts";
import { fitLine, fitText } from "../domain/text.ts";
import { buildImportedEvent, buildSessionIds } from "./build.ts";
import { ImportError } from "./errors.ts";
import { type JsonPath, buildIssueError, formatJsonPath, parseJsonText } from "./json.ts";
import { readUrl } from "./links.ts";
import { formatUtc, readOffsetTime } from "./time.ts";

const DEFAULT_ETHERPAD_BASE = "https://etherpad.opendev.org/p/";
/** A slot's `desc` when it is a time range: `09:00-10:45`. */
const RANGE = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/;

const Text = z.string().nullish();
const Slot = z.looseObject({
  name: z.string().min(1),
  desc: Text,
  realtime: Text,
  duration: z.number().nonnegative().nullish(),
});
/** What of the state file becomes sessions; anything else in it may be anything. */
const State = z.looseObject({
  eventid: Text,
  slots: z.record(z.string(), z.array(Slot)),
  schedule: z.record(z.string(), z.record(z.string(), z.unknown())),
  tracks: z.array(z.string()).nullish(),
  etherpads: z.record(z.string(), z.string()).nullish(),
  urls: z.record(z.string(), z.string()).nullish(),
});
type State = z.infer<typeof State>;

interface SlotInfo {
  day: string;
  name: string;
  desc: string | undefined;
  /** UTC instants, when the slot has a `realtime`. */
  start?: string;
  end?: string;
}

interface Booking {
  slot: SlotInfo;
  room: string;
  roomIndex: number;
}

/** Is this JSON a ptgbot state (what detectFormat sends here)? A frab schedule.json has `schedule.conference`. */
export function isPtgbotState(json: unknown): boolean {
  return isObject(json) && isObject(json.slots) && isObject(json.schedule) && !("conference" in json.schedule);
}

export function importPtgbot(text: string, opts: { eventId: string; title: string }): Event {
  const json = parseJsonText(text);
  if (!isObject(json)) throw new ImportError(1, "not a ptgbot state: the document is not a JSON object");
  const parsed = State.safeParse(json);
  if (!parsed.success) throw buildIssueError([], parsed.error);
  const state = parsed.data;

  const bookings = listBookings(state, listSlots(state));
  // Where each track is in the file, for a refusal: its first booking, else its place in the list.
  const places = new Map(
    [...bookings].map(([track, [first]]) => [track, formatJsonPath(["schedule", first!.room, first!.slot.name])]),
  );
  (state.tracks ?? []).forEach((listed, i) => {
    const track = listed.trim();
    if (track && !places.has(track)) places.set(track, formatJsonPath(["tracks", i]));
  });
  const tracks = [...places.keys()];
  if (tracks.length > MAX_SESSIONS)
    throw new ImportError("tracks", `${tracks.length} tracks: at most ${MAX_SESSIONS} can be imported`);

  const drafts = tracks.map((track) => readTrack(track, bookings.get(track) ?? [], state));
  const ids = buildSessionIds(drafts);
  const sessions = drafts.map((session, i) => ({ id: ids[i]!, ...session }));
  return buildImportedEvent(opts, undefined, sessions, (i) => places.get(tracks[i] ?? ""));
}

/** Every slot by name, in the order of the days and of each day's slots. */
function listSlots(state: State): Map<string, SlotInfo> {
  const slots = new Map<string, SlotInfo & { path: JsonPath }>();
  for (const [day, list] of Object.entries(state.slots)) {
    list.forEach((slot, i) => {
      const path: JsonPath = ["slots", day, i];
      const at = (field: string) => formatJsonPath([...path, field]);
      const earlier = slots.get(slot.name);
      if (earlier)
        throw new ImportError(
          at("name"),
          `slot ${slot.name} is also ${formatJsonPath(earlier.path)}: bookings name slots`,
        );
      const info: SlotInfo & { path: JsonPath } = { day, name: slot.name, desc: slot.desc?.trim() || undefined, path };
      if (slot.realtime) {
        info.start = readOffsetTime(slot.realtime, at("realtime"));
        const minutes = slot.duration ?? measureRange(info.desc);
        if (minutes !== undefined) info.end = formatUtc(Date.parse(info.start) + minutes * 60_000);
      }
      slots.set(slot.name, info);
    });
  }
  return slots;
}

/** Each track's bookings, tracks in the order of their first booking (slot, then room as the schedule lists rooms). */
function listBookings(state: State, slots: Map<string, SlotInfo>): Map<string, Booking[]> {
  const rooms = Object.keys(state.schedule);
  const bookings = new Map<string, Booking[]>();
  for (const slot of slots.values()) {
    rooms.forEach((room, roomIndex) => {
      const value = state.schedule[room]![slot.name];
      if (value === undefined || value === null) return;
      if (typeof value !== "string")
        throw new ImportError(
          formatJsonPath(["schedule", room, slot.name]),
          'expected the name of the track that booked the slot, or "" when it is free',
        );
      const track = value.trim();
      if (!track) return;
      const list = bookings.get(track) ?? [];
      list.push({ slot, room, roomIndex });
      bookings.set(track, list);
    });
  }
  return bookings;
}

function readTrack(track: string, bookings: Booking[], state: State): Omit<Session, "id"> {
  const rooms = [...new Set([...bookings].sort((a, b) => a.roomIndex - b.roomIndex).map((b) => b.room))];
  const room = fitLine(rooms.join(", "), MAX_PLACE_CHARS);
  const name = fitLine(track, MAX_PLACE_CHARS);

  const custom = state.etherpads?.[track];
  const eventId = state.eventid?.trim();
  const etherpad = readUrl(
    custom ?? (eventId ? `${DEFAULT_ETHERPAD_BASE}${encodeURIComponent(`${eventId}-${track}`)}` : null),
  );
  const notes = etherpad ? [buildNoteLink(etherpad)] : [];

  const trackUrl = state.urls?.[track];
  const meetings = trackUrl
    ? [{ url: trackUrl, title: "Meeting link" }]
    : rooms.map((r) => ({ url: state.schedule[r]!.url, title: `Meeting link (${r})` }));
  const links: RelatedLink[] = [];
  for (const meeting of meetings) {
    const url = typeof meeting.url === "string" ? readUrl(meeting.url) : null;
    if (url && !links.some((l) => l.url === url) && links.length < MAX_RELATED_LINKS)
      links.push({ url, title: fitLine(meeting.title, MAX_LABEL_CHARS) });
  }

  const timed = bookings.length > 0 && bookings.every((b) => b.slot.start);
  const start = timed ? bookings.map((b) => b.slot.start!).sort()[0] : undefined;
  const ends = bookings.map((b) => b.slot.end);
  const end = timed && ends.every(Boolean) ? (ends as string[]).sort().at(-1) : undefined;

  return {
    title: fitLine(track, MAX_SESSION_TITLE_CHARS),
    description: fitText(describeBookings(bookings), MAX_DESCRIPTION_CHARS),
    hosts: [],
    notesPublished: notes.length > 0,
    notes,
    ...(name ? { sourceId: name, track: name } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    ...(room ? { room } : {}),
    ...(links.length ? { links } : {}),
  };
}

/** `- Monday 09:00-12:30, 13:30-17:00: Ballroom A`: a line per day and room, in the order they come. */
function describeBookings(bookings: Booking[]): string {
  const lines: { day: string; room: string; pieces: { from?: string; to?: string; text: string }[] }[] = [];
  for (const { slot, room } of bookings) {
    let line = lines.find((l) => l.day === slot.day && l.room === room);
    if (!line) {
      line = { day: slot.day, room, pieces: [] };
      lines.push(line);
    }
    const range = RANGE.exec(slot.desc ?? "");
    const last = line.pieces.at(-1);
    if (range && last && last.to === range[1]) {
      last.to = range[2];
      last.text = `${last.from}-${last.to}`;
    } else if (range) line.pieces.push({ from: range[1], to: range[2], text: `${range[1]}-${range[2]}` });
    else line.pieces.push({ text: slot.desc ?? slot.name });
  }
  return lines.map((l) => `- ${l.day} ${l.pieces.map((p) => p.text).join(", ")}: ${l.room}`).join("\n");
}

/** Minutes of a `09:00-10:45` range, or undefined. */
function measureRange(desc: string | undefined): number | undefined {
  const range = RANGE.exec(desc ?? "");
  if (!range) return undefined;
  const minutes = (hm: string) => {
    const [h, m] = hm.split(":").map(Number);
    return h! * 60 + m!;
  };
  const length = minutes(range[2]!) - minutes(range[1]!);
  return length > 0 ? length : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
