// The quiet period. Live note-taking edits a pad every few seconds; subscribers want one message with the
// final text. Every observed text becomes the pad's "pending" version; once no newer edit has arrived for the
// quiet period, the pending text is compared with the last published one and published as one change.
import { buildDiffSummary, buildExcerpt, diffLines } from "./diff.ts";

export type PadState = {
  publishedHash: string | null;
  publishedText: string | null;
  pendingHash: string | null;
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
  if (pad.pendingHash === null || pad.pendingText === null || pad.lastEditAt === null) return { kind: "idle" };
  const quietFor = (now.getTime() - Date.parse(pad.lastEditAt)) / 1000;
  if (quietFor < quietSeconds) return { kind: "wait", seconds: Math.ceil(quietSeconds - quietFor) };
  if (pad.pendingHash === pad.publishedHash) return { kind: "discard" };
  return { kind: "publish", change: buildNotesChange(pad.publishedText, pad.pendingText) };
}

export function buildNotesChange(before: string | null, after: string): NotesChangeBody {
  const diff = diffLines(before ?? "", after);
  const first = before === null;
  return {
    type: first ? "notes.published" : "notes.updated",
    summary: first
      ? `Notes published: ${diff.added.length} ${diff.added.length === 1 ? "line" : "lines"}`
      : buildDiffSummary(diff),
    excerpt: buildExcerpt(diff.added),
    linesAdded: diff.added.length,
    linesRemoved: diff.removed.length,
  };
}

/** Queue delays run to 12 h on older platform versions; a longer quiet period is waited out in steps. */
export const MAX_DELAY_SECONDS = 12 * 3600;

export function parseQuietPeriod(value: string | undefined): number {
  const n = Number(value ?? "600");
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 600;
}
