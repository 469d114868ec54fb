// The quiet period. Live note-taking edits a pad every few seconds; subscribers want one message with the
// final text. Every observed version becomes the pad's "pending" version; once no newer edit has arrived for the
// quiet period, the pending version is compared with the last published one and published as one change.
// A version may have no text (an end-to-end encrypted pad, a host we may not fetch): it settles the same way
// and is published as the words alone.
import { CHANGE_LABELS } from "./changes.ts";
import { buildDiffSummary, buildExcerpt, diffLines } from "./diff.ts";

export type PadState = {
  publishedHash: string | null;
  /** Null when nothing was published, or what was published had no text. */
  publishedText: string | null;
  pendingHash: string | null;
  /** Null when the pending version has no text. */
  pendingText: string | null;
  lastEditAt: string | null;
};

export type NotesChangeBody = {
  type: "notes.published" | "notes.updated";
  summary: string;
  excerpt: string;
  linesAdded: number;
  linesRemoved: number;
};

export type SettleDecision =
  | { kind: "idle" }
  | { kind: "wait"; seconds: number }
  | { kind: "discard" }
  | { kind: "publish"; change: NotesChangeBody };

export function decideSettle(pad: PadState, now: Date, quietSeconds: number): SettleDecision {
  if (pad.pendingHash === null || pad.lastEditAt === null) return { kind: "idle" };
  const quietFor = (now.getTime() - Date.parse(pad.lastEditAt)) / 1000;
  if (quietFor < quietSeconds) return { kind: "wait", seconds: Math.ceil(quietSeconds - quietFor) };
  if (pad.pendingHash === pad.publishedHash) return { kind: "discard" };
  return {
    kind: "publish",
    change: buildNotesChange(pad.publishedHash === null ? null : { text: pad.publishedText }, pad.pendingText),
  };
}

/**
 * The change from what was last published (null: nothing ever was) to `after` (null: a version without text).
 * Without text on either side there is nothing to diff: a version without text is named only, and a text after
 * one without is counted whole.
 */
export function buildNotesChange(published: { text: string | null } | null, after: string | null): NotesChangeBody {
  const type = published === null ? "notes.published" : "notes.updated";
  if (after === null) return { type, summary: CHANGE_LABELS[type], excerpt: "", linesAdded: 0, linesRemoved: 0 };
  const before = published?.text ?? null;
  const diff = diffLines(before ?? "", after);
  const lines = (n: number) => `${n} ${n === 1 ? "line" : "lines"}`;
  return {
    type,
    summary: before === null ? `${CHANGE_LABELS[type]}: ${lines(diff.added.length)}` : buildDiffSummary(diff),
    excerpt: buildExcerpt(diff.added),
    linesAdded: diff.added.length,
    linesRemoved: diff.removed.length,
  };
}

/** Queue delays run to 12 h on older platform versions; a longer quiet period is waited out in steps. */
export const MAX_DELAY_SECONDS = 12 * 3600;
