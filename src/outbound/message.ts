// Build the webhook, then send it (STYLE 8): the notice a change makes, the body each format carries and the
// Standard Webhooks headers that sign it. Pure, apart from the randomness of a new secret.
import type { Change } from "../domain/changes.ts";
import { encodeBase64 } from "../lib/crypto.ts";
import { buildPublicUrl, pagePaths } from "../paths.ts";
import { signStandardWebhook } from "../webhooks/standard.ts";
import { buildChatBody } from "./formats.ts";
import type { ChangeNotice } from "./notice.ts";

export const HOOK_FORMATS = ["standard", "slack", "discord", "matrix"] as const;
export type HookFormat = (typeof HOOK_FORMATS)[number];
/** The Standard Webhooks `type` of every delivery. */
export const CHANGE_PUBLISHED = "change.published";
const SECRET_BYTES = 32;

/** A new signing secret, as Svix spells them: `whsec_` and the base64 of 32 random bytes. */
export function createSecret(): string {
  return `whsec_${encodeBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/**
 * What a change tells an endpoint. The session's title is the one the change recorded (immutable, so every
 * attempt and replay carries the same text); the event's is the catalogue's (its id when the event is gone).
 */
export function buildChangeNotice(change: Change, eventTitle: string | null, baseUrl: string): ChangeNotice {
  return {
    change,
    event: {
      id: change.event,
      title: eventTitle ?? change.event,
      url: buildPublicUrl(baseUrl, pagePaths.event(change.event)),
    },
    session: change.session
      ? {
          id: change.session,
          title: change.sessionTitle ?? change.session,
          url: buildPublicUrl(baseUrl, pagePaths.session(change.event, change.session)),
        }
      : null,
  };
}

/** The Standard Webhooks envelope of the `standard` format: its timestamp is the change's. */
export function buildStandardBody(notice: ChangeNotice) {
  return { type: CHANGE_PUBLISHED, timestamp: notice.change.at, data: notice };
}

/** The body a format carries, as sent (and signed): the envelope, or a chat message (src/outbound/formats.ts). */
export function buildDeliveryBody(format: HookFormat, notice: ChangeNotice): string {
  return JSON.stringify(format === "standard" ? buildStandardBody(notice) : buildChatBody(format, notice));
}

/**
 * The headers of one attempt: `webhook-id` (the ledger row, the same on every attempt and replay), the
 * attempt's `webhook-timestamp`, and one `v1,` signature per live secret (two during a rotation), space-separated.
 */
export async function buildDeliveryHeaders(
  secrets: string[],
  webhookId: string,
  timestamp: number,
  body: string,
): Promise<Record<string, string>> {
  const signatures = await Promise.all(secrets.map((s) => signStandardWebhook(s, webhookId, timestamp, body)));
  return {
    "content-type": "application/json",
    "user-agent": "sessionwire-webhooks",
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signatures.join(" "),
  };
}
