// The quiet period's decisions, on plain pad states.
import { describe, expect, it } from "vitest";
import { type PadState, buildNotesChange, decideSettle } from "../../src/domain/settle.ts";

const NOW = new Date("2026-11-27T10:10:00Z");
const pad = (overrides: Partial<PadState>): PadState => ({
  publishedHash: null,
  publishedText: null,
  pendingHash: null,
  pendingText: null,
  lastEditAt: "2026-11-27T10:00:00.000Z",
  ...overrides,
});

describe("decideSettle", () => {
  it("is idle with nothing pending, even though the last edit's time stays", () => {
    expect(decideSettle(pad({ publishedHash: "a", publishedText: "A" }), NOW, 600)).toEqual({ kind: "idle" });
  });

  it("waits out the rest of the quiet period", () => {
    expect(decideSettle(pad({ pendingHash: "b", pendingText: "B" }), NOW, 900)).toEqual({ kind: "wait", seconds: 300 });
  });

  it("discards a pending version equal to the published one", () => {
    expect(decideSettle(pad({ publishedHash: "a", pendingHash: "a", pendingText: "A" }), NOW, 600)).toEqual({
      kind: "discard",
    });
  });

  it("publishes a version without text as the words alone", () => {
    const first = decideSettle(pad({ pendingHash: "opaque:1" }), NOW, 600);
    expect(first).toEqual({
      kind: "publish",
      change: { type: "notes.published", summary: "Notes published", excerpt: "", linesAdded: 0, linesRemoved: 0 },
    });
    const next = decideSettle(pad({ publishedHash: "a", publishedText: "A", pendingHash: "opaque:2" }), NOW, 600);
    expect(next).toMatchObject({ kind: "publish", change: { type: "notes.updated", summary: "Notes updated" } });
  });
});

describe("buildNotesChange", () => {
  it("diffs against the published text", () => {
    expect(buildNotesChange({ text: "a\nb\n" }, "a\nc\n")).toEqual({
      type: "notes.updated",
      summary: "1 line added, 1 line removed",
      excerpt: "c",
      linesAdded: 1,
      linesRemoved: 1,
    });
  });

  it("counts a text whole when nothing, or nothing with text, was published", () => {
    expect(buildNotesChange(null, "a\nb\n")).toMatchObject({
      type: "notes.published",
      summary: "Notes published: 2 lines",
    });
    expect(buildNotesChange({ text: null }, "a\n")).toMatchObject({
      type: "notes.updated",
      summary: "Notes updated: 1 line",
    });
  });
});
