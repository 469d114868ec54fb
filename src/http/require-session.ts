// The event, and the session when one is named, must exist in D1 before anything is stored against them:
// otherwise the same 404 for admin edits, notes webhooks and subscriptions, thrown to the one onError.
import { AppError } from "../errors.ts";
import { getSessionPresence, listMissingSessions } from "../store/links.ts";

/** `session` empty or absent: only the event must exist. */
export async function requireSession(db: D1Database, event: string, session = ""): Promise<void> {
  const found = await getSessionPresence(db, event, session);
  if (!found.event) throw new AppError(404, "not_found", "There is no such event.");
  if (session && !found.session) throw new AppError(404, "not_found", "There is no such session in this event.");
}

/** Several sessions of one event (a subscribe request's), in one statement; "" in the list is the whole event. */
export async function requireSessions(db: D1Database, event: string, sessions: string[]): Promise<void> {
  if (sessions.length <= 1) return requireSession(db, event, sessions[0]);
  const found = await listMissingSessions(db, event, sessions.filter(Boolean));
  if (!found.event) throw new AppError(404, "not_found", "There is no such event.");
  if (found.missing.length > 0) throw new AppError(404, "not_found", "There is no such session in this event.");
}

// For receipts only (notes webhooks): a session found is remembered in the isolate for a minute, so an
// acknowledgement costs one D1 statement (its receipt) instead of two. A receipt is safe to take for a session
// deleted within that minute: the pipeline refuses and records an edit that no longer applies. Subscriptions and
// admin edits, which store rows against the session at once, always ask D1. What is not found is not remembered.
const PRESENT_MS = 60_000;
const MAX_REMEMBERED = 1_000;
const present = new Map<string, number>();

export async function requireSessionForReceipt(db: D1Database, event: string, session = "", now = Date.now()) {
  const key = `${event}/${session}`;
  if ((present.get(key) ?? 0) > now) return;
  await requireSession(db, event, session);
  present.delete(key);
  present.set(key, now + PRESENT_MS);
  if (present.size > MAX_REMEMBERED) present.delete(present.keys().next().value!);
}

/** Forgets every session found (tests reset storage underneath it). */
export function forgetSessions(): void {
  present.clear();
}
