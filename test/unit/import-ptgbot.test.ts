// OpenStack ptgbot state files: a hand-written fixture for the traps (slots without dates, rooms booked by
// several tracks, a track in several rooms, custom and derived etherpads, room keys that are no slot, the bot's
// live state), and the real Denver 2018 sample in ../shared/samples.
import { describe, expect, it } from "vitest";
import { Event } from "../../src/domain/event.ts";
import { detectFormat, importSchedule } from "../../src/import/index.ts";
import { importPtgbot } from "../../src/import/ptgbot.ts";
import { readSample } from "../helpers/samples.ts";
import small from "../fixtures/import/ptgbot/small.json?raw";
import { catchImportError, editJson } from "../helpers/imports.ts";

const opts = { eventId: "ptg-2026", title: "PTG 2026" };

const editSmall = (edit: (doc: any) => void) => editJson(small, edit);

const importError = (text: string) => catchImportError(() => importPtgbot(text, opts));

describe("importPtgbot: the fixture", () => {
  const event = importPtgbot(small, opts);
  const byTrack = new Map(event.sessions.map((s) => [s.sourceId, s]));

  it("makes a session per track: booked ones by their first slot (then room), then the listed but unbooked", () => {
    expect(event.sessions.map((s) => [s.id, s.title, s.track])).toEqual([
      ["beta", "beta", "beta"],
      ["alpha", "alpha", "alpha"],
      ["gamma", "gamma", "gamma"],
      // Booked without being listed: ptgbot adds such tracks to its list.
      ["delta", "delta", "delta"],
      ["idle", "idle", "idle"],
    ]);
    // "omega" booked a key that is no slot ("WedAM"): ptgbot never shows it, nor does the import.
    expect(byTrack.has("omega")).toBe(false);
    expect(event.timeZone).toBeUndefined();
    expect(Event.parse(event)).toEqual(event);
  });

  it("gives each track its etherpad as notes: the one it set, else ptgbot's rule from the eventid", () => {
    expect(event.sessions.map((s) => s.notes.map((n) => [n.url, n.kind]))).toEqual([
      [["https://etherpad.opendev.org/p/beta-custom-agenda", "etherpad"]],
      [["https://etherpad.opendev.org/p/TEST-ptg-alpha", "etherpad"]],
      [["https://etherpad.opendev.org/p/TEST-ptg-gamma", "etherpad"]],
      [["https://etherpad.opendev.org/p/TEST-ptg-delta", "etherpad"]],
      [["https://etherpad.opendev.org/p/TEST-ptg-idle", "etherpad"]],
    ]);
    expect(event.sessions.every((s) => s.notesPublished)).toBe(true);
    // The pad in alpha's live "now" topic is not its notes.
    expect(JSON.stringify(event)).not.toContain("not-the-notes");
  });

  it("lists a track's rooms and its slots, a day's adjacent slots in one room merged", () => {
    expect(byTrack.get("alpha")).toMatchObject({
      room: "Room B, Room A",
      description: "- Monday 09:00-12:00: Room A\n- Tuesday 09:00-12:00: Room B\n- Tuesday Afternoon: Room A",
    });
    expect(byTrack.get("beta")).toMatchObject({
      room: "Room B",
      description: "- Monday 09:00-12:00, 13:00-17:00: Room B",
    });
    expect(byTrack.get("idle")).toMatchObject({ description: "" });
    expect(byTrack.get("idle")!.room).toBeUndefined();
    expect(JSON.stringify(event)).not.toMatch(/the pub|Fits a team|facetime/);
  });

  it("times a track only when every slot of it has a realtime; none is invented from day names", () => {
    // beta: MonAM (3 h from its desc) and MonPM (4 h): from the first start to the last end.
    expect(byTrack.get("beta")).toMatchObject({ start: "2026-03-02T14:00:00Z", end: "2026-03-02T22:00:00Z" });
    expect(byTrack.get("gamma")).toMatchObject({ start: "2026-03-02T18:00:00Z", end: "2026-03-02T22:00:00Z" });
    // alpha also has Tuesday slots, which have no realtime.
    for (const track of ["alpha", "delta", "idle"]) {
      expect(byTrack.get(track)!.start).toBeUndefined();
      expect(byTrack.get(track)!.end).toBeUndefined();
    }
    const withDuration = importPtgbot(
      editSmall((doc) => {
        doc.slots.Monday[1].duration = 60;
        delete doc.slots.Monday[0].desc;
      }),
      opts,
    );
    // MonAM has no length any more: beta gets a start, no end; gamma's slot lasts its `duration`.
    expect(withDuration.sessions.find((s) => s.id === "beta")).toMatchObject({ start: "2026-03-02T14:00:00Z" });
    expect(withDuration.sessions.find((s) => s.id === "beta")!.end).toBeUndefined();
    expect(withDuration.sessions.find((s) => s.id === "gamma")).toMatchObject({ end: "2026-03-02T19:00:00Z" });
  });

  it("keeps meeting URLs as related links: the track's own, else its rooms'", () => {
    expect(byTrack.get("gamma")!.links).toEqual([{ url: "https://meet.example.org/gamma", title: "Meeting link" }]);
    expect(byTrack.get("alpha")!.links).toEqual([
      { url: "https://meet.example.org/room-b", title: "Meeting link (Room B)" },
    ]);
    expect(byTrack.get("delta")!.links).toBeUndefined();
  });

  it("derives no etherpad without an eventid, and takes none from a custom one that is no URL", () => {
    const noEvent = importPtgbot(
      editSmall((doc) => {
        delete doc.eventid;
        doc.etherpads.gamma = "ask in #openstack-ptg";
      }),
      opts,
    );
    expect(noEvent.sessions.map((s) => [s.id, s.notes.map((n) => n.url), s.notesPublished])).toEqual([
      ["beta", ["https://etherpad.opendev.org/p/beta-custom-agenda"], true],
      ["alpha", [], false],
      ["gamma", [], false],
      ["delta", [], false],
      ["idle", [], false],
    ]);
  });

  it("is what detectFormat sends a ptgbot state to", () => {
    expect(detectFormat(small)).toBe("ptgbot");
    expect(importSchedule(small, opts)).toEqual(event);
  });
});

describe("importPtgbot: refusals name where", () => {
  it("refuses a file cut short, naming the line", () => {
    const error = importError(small.slice(0, Math.floor(small.length / 2)));
    expect(error.line).toBeGreaterThan(1);
    expect(error.message).toMatch(/not valid JSON at column \d+: .*cut short/);
  });

  it("refuses a booking that is no track name, a slot time it cannot read and a slot named twice", () => {
    const booking = importError(editSmall((doc) => (doc.schedule["Room A"].MonPM = ["gamma"])));
    expect(booking.where).toBe('schedule["Room A"].MonPM');
    const realtime = importError(editSmall((doc) => (doc.slots.Monday[0].realtime = "Monday 9am")));
    expect(realtime.where).toBe("slots.Monday[0].realtime");
    expect(realtime.reason).toMatch(/UTC offset/);
    const twice = importError(editSmall((doc) => (doc.slots.Tuesday[2].name = "MonAM")));
    expect(twice.message).toBe("slots.Tuesday[2].name: slot MonAM is also slots.Monday[0]: bookings name slots");
  });

  it("refuses what is no ptgbot state when forced to read it", () => {
    expect(importError("[]").message).toMatch(/^line 1: not a ptgbot state/);
    expect(importError(editSmall((doc) => delete doc.slots)).message).toBe("slots: missing");
    expect(importError(editSmall((doc) => (doc.slots.Monday = { name: "MonAM" }))).where).toBe("slots.Monday");
    expect(importError(editSmall((doc) => (doc.tracks = "alpha beta"))).where).toBe("tracks");
  });
});

describe("importPtgbot: the sample", async () => {
  const SAMPLE = "ptgbot/openstack-ptg-denver-2018.json";
  const text = await readSample(SAMPLE);

  it.skipIf(text === null)(`${SAMPLE}: 44 tracks, 44 derived etherpads, no invented times`, () => {
    const event = importPtgbot(text!, opts);
    expect(detectFormat(text!)).toBe("ptgbot");
    expect(event.sessions).toHaveLength(44);
    // Every listed track booked at least one slot; none set its own etherpad, so each is DEN-ptg-<track>.
    expect(event.sessions.flatMap((s) => s.notes.map((n) => n.url))).toEqual(
      event.sessions.map((s) => `https://etherpad.opendev.org/p/DEN-ptg-${s.sourceId}`),
    );
    expect(event.sessions.every((s) => s.room && s.description)).toBe(true);
    // Only MonA1 has a realtime (and the tracks in it have other slots), so no session has a time.
    expect(event.sessions.some((s) => s.start || s.end)).toBe(false);
    expect(event.sessions[0]).toMatchObject({
      id: "ops-meetup",
      room: "Aspen",
      description: "- Monday 09:00-12:30, 13:30-17:00: Aspen\n- Tuesday 09:00-12:30, 13:30-17:00: Aspen",
    });
    const swift = event.sessions.find((s) => s.id === "swift")!;
    expect(swift).toMatchObject({
      room: "Ballroom C, Big Thompson, Vail",
      description: [
        "- Monday 09:00-12:30: Ballroom C",
        "- Tuesday 09:00-12:30: Ballroom C",
        "- Tuesday 15:15-17:00: Vail",
        "- Wednesday 09:00-12:30, 13:30-17:00: Big Thompson",
        "- Thursday 09:00-12:30, 13:30-17:00: Big Thompson",
        "- Friday 09:00-12:30, 13:30-17:00: Big Thompson",
      ].join("\n"),
    });
    expect(event.sessions.find((s) => s.id === "nova")!.links).toEqual([
      { url: "http://meet.jit.si/DEN-ptg-BallroomA", title: "Meeting link (Ballroom A)" },
    ]);
  });

  it.skipIf(text === null)(`${SAMPLE}: refused when cut short`, () => {
    const error = importError(text!.slice(0, Math.floor(text!.length / 2)));
    expect(error.line).toBeGreaterThan(1);
    expect(error.message).toMatch(/not valid JSON at column \d+: .*cut short/);
  });
});
