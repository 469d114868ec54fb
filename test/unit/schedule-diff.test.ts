// Merging a new version of a schedule: the baseline, matching by source id, and exactly one change per kind.
import { describe, expect, it } from "vitest";
import { mergeImportedEvent } from "../../src/domain/schedule-diff.ts";
import { type Event, type Session, buildNoteLink } from "../../src/domain/event.ts";

const session = (id: string, over: Partial<Session> = {}): Session => ({
  id,
  title: id.replace(/-/g, " "),
  description: "",
  hosts: [],
  notesPublished: false,
  notes: [],
  sourceId: `src-${id}`,
  start: "2010-02-06T09:00:00Z",
  end: "2010-02-06T10:00:00Z",
  room: "H.1301",
  ...over,
});
const event = (sessions: Session[]): Event => ({
  id: "fosdem",
  title: "FOSDEM",
  timeZone: "Europe/Brussels",
  sessions,
});

describe("mergeImportedEvent", () => {
  it("makes the first import a baseline of one change", () => {
    const { event: merged, changes } = mergeImportedEvent(null, event([session("a"), session("b")]));
    expect(merged.sessions.map((s) => s.id)).toEqual(["a", "b"]);
    expect(changes).toEqual([
      { type: "event.imported", session: null, url: null, summary: "Schedule imported: 2 sessions" },
    ]);
  });

  it("keeps a retitled and moved session's id, with one change of each type", () => {
    const before = event([session("rust-in-xen")]);
    const after = event([
      session("rust-in-the-hypervisor", { sourceId: "src-rust-in-xen", title: "Rust in the hypervisor", room: "K.1" }),
    ]);
    const { event: merged, changes } = mergeImportedEvent(before, after);
    expect(merged.sessions.map((s) => [s.id, s.title, s.room])).toEqual([
      ["rust-in-xen", "Rust in the hypervisor", "K.1"],
    ]);
    expect(changes.map((c) => [c.type, c.summary])).toEqual([
      ["session.retitled", 'Retitled from "rust in xen"'],
      ["session.rescheduled", "Rescheduled: 2010-02-06 09:00, H.1301 → 2010-02-06 09:00, K.1"],
    ]);
  });

  it("marks a session gone from the source withdrawn (kept), and one that comes back added", () => {
    const v1 = mergeImportedEvent(event([session("a")]), event([session("a"), session("b")])).event;
    const v2 = mergeImportedEvent(v1, event([session("b")]));
    expect(v2.event.sessions.map((s) => [s.id, s.withdrawn ?? false])).toEqual([
      ["a", true],
      ["b", false],
    ]);
    expect(v2.changes.map((c) => [c.type, c.session?.id])).toEqual([["session.withdrawn", "a"]]);
    expect(mergeImportedEvent(v2.event, event([session("b")])).changes).toEqual([]);
    const back = mergeImportedEvent(v2.event, event([session("a"), session("b")]));
    expect(back.changes.map((c) => [c.type, c.summary])).toEqual([["session.added", "Back on the schedule"]]);
    expect(back.event.sessions[0]!.withdrawn).toBeUndefined();
  });

  it("removes only the notes links the source listed; links others added survive", () => {
    const pad = buildNoteLink("https://hackmd.io/pad");
    const admin = buildNoteLink("https://etherpad.wikimedia.org/p/admin");
    const v1 = mergeImportedEvent(event([session("a")]), event([session("a", { notes: [pad] })]));
    expect(v1.changes.map((c) => [c.type, c.url])).toEqual([["link.added", pad.url]]);
    const withAdmin: Event = {
      ...v1.event,
      sessions: [{ ...v1.event.sessions[0]!, notes: [...v1.event.sessions[0]!.notes, admin] }],
    };
    const v2 = mergeImportedEvent(withAdmin, event([session("a")]));
    expect(v2.changes.map((c) => [c.type, c.url])).toEqual([["link.removed", pad.url]]);
    expect(v2.event.sessions[0]!.notes.map((n) => n.url)).toEqual([admin.url]);
  });

  it("gives a new session an id no other holds, and matches without source ids by slug", () => {
    const before = event([session("talk", { sourceId: "1" })]);
    const { event: merged, changes } = mergeImportedEvent(
      before,
      event([session("talk", { sourceId: "1" }), session("talk", { sourceId: "2" })]),
    );
    expect(merged.sessions.map((s) => [s.id, s.sourceId])).toEqual([
      ["talk", "1"],
      ["talk-2", "2"],
    ]);
    expect(changes.map((c) => c.type)).toEqual(["session.added"]);
    const wiki = { ...event([session("x", { sourceId: undefined })]) };
    delete wiki.sessions[0]!.sourceId;
    expect(mergeImportedEvent(wiki, wiki).changes).toEqual([]);
  });
});
