// Etherpad's ep_webhooks plugin (`pads.update`): it sends the pads edited in the last few seconds with the
// newest revision each author reached, authenticated by a shared key in X-API-KEY. It sends no text: the
// change pipeline fetches the pad. Pure; the store finds the catalogued links of each pad.
import { z } from "zod";
import { verifyEqual } from "../lib/crypto.ts";

export const EtherpadPadsUpdate = z.object({
  pads: z.record(
    z.string().min(1).max(500),
    z.array(z.object({ userId: z.string().nullish(), rev: z.number().int().nonnegative().nullish() })),
  ),
});
export type EtherpadPadsUpdate = z.infer<typeof EtherpadPadsUpdate>;

export type PadUpdate = { padId: string; revision?: number };

export async function verifyEtherpadKey(expected: string, offered: string | null): Promise<boolean> {
  if (!expected) throw new Error("No Etherpad API key is configured (ETHERPAD_API_KEY).");
  return offered ? verifyEqual(offered, expected) : false;
}

/** One update per pad, at the highest revision any of its authors reached. */
export function buildPadUpdates(body: EtherpadPadsUpdate): PadUpdate[] {
  return Object.entries(body.pads).map(([padId, edits]) => {
    const revs = edits.flatMap((e) => (typeof e.rev === "number" ? [e.rev] : []));
    return revs.length ? { padId, revision: Math.max(...revs) } : { padId };
  });
}

/**
 * An update's receipt key for one notes link. ep_webhooks sends no delivery id, and one pad at one revision may
 * come in several bodies (with other pads, other authors): the pad and its revision are the delivery. Only an
 * update without revision falls back to the body's hash.
 */
export function buildPadUpdateExternalId(
  update: PadUpdate,
  bodyHash: string,
  link: { event: string; session: string; url: string },
): string {
  const version = update.revision === undefined ? `body:${bodyHash}` : `rev:${update.padId}@${update.revision}`;
  return `${version}:${link.event}/${link.session}:${link.url}`;
}
