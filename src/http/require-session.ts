// The event, and the session when one is named, must exist in D1 before anything is stored against them:
// otherwise the same 404 for admin edits, notes webhooks and subscriptions, thrown to the one onError.
import { AppError } from "../errors.ts";
import { getSessionPresence } from "../store/links.ts";

/** `session` empty or absent: only the event must exist. */
export async function requireSession(db: D1Database, event: string, session = ""): Promise<void> {
  const found = await getSessionPresence(db, event, session);
  if (!found.event) throw new AppError(404, "not_found", "There is no such event.");
  if (session && !found.session) throw new AppError(404, "not_found", "There is no such session in this event.");
}
