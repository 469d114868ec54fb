// Standard Webhooks (https://www.standardwebhooks.com) signatures for POST /webhooks/notes: verify what comes
// in, sign what the CLI and the tests send. Pure: secrets, headers, the raw body bytes and `now` in, a result
// with a reason out. Signed bytes are the raw body, never re-serialized JSON, so any byte changed fails.
import {
  type Bytes,
  decodeBase64,
  encodeBase64,
  encodeText,
  importHmacKey,
  signHmacSha256,
  verifySignature,
} from "../lib/crypto.ts";

/** Timestamps further than this from `now`, either way, are refused (replays, and clocks far off). */
export const TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = "whsec_";

export type StandardWebhookHeaders = { id: string | null; timestamp: string | null; signature: string | null };

export type VerifyFailure =
  "missing-header" | "malformed-timestamp" | "timestamp-too-old" | "timestamp-too-new" | "no-matching-signature";
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

export function readStandardWebhookHeaders(headers: Headers): StandardWebhookHeaders {
  return {
    id: headers.get("webhook-id"),
    timestamp: headers.get("webhook-timestamp"),
    signature: headers.get("webhook-signature"),
  };
}

/** The `v1,<base64>` signature of one message; `body` as sent (a string is UTF-8 encoded). */
export async function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number | string,
  body: string | Bytes,
): Promise<string> {
  return `v1,${await computeSignature(secret, id, String(timestamp), typeof body === "string" ? encodeText(body) : body)}`;
}

export async function verifyStandardWebhook(
  secrets: string[],
  headers: StandardWebhookHeaders,
  body: Bytes,
  now: Date,
): Promise<VerifyResult> {
  if (secrets.length === 0) throw new Error("No webhook secret is configured (WEBHOOK_SECRET).");
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: "missing-header" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed-timestamp" };
  const age = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (age > TOLERANCE_SECONDS) return { ok: false, reason: "timestamp-too-old" };
  if (age < -TOLERANCE_SECONDS) return { ok: false, reason: "timestamp-too-new" };

  // Compared as base64 text, like the reference library: decoding first would accept other spellings of the
  // same bytes (unused trailing bits).
  const offered = signature
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => entry.slice(3));
  for (const secret of secrets) {
    const expected = await computeSignature(secret, id, timestamp, body);
    for (const candidate of offered) if (verifySignature(candidate, expected)) return { ok: true };
  }
  return { ok: false, reason: "no-matching-signature" };
}

async function computeSignature(secret: string, id: string, timestamp: string, body: Bytes): Promise<string> {
  const head = encodeText(`${id}.${timestamp}.`);
  const message = new Uint8Array(head.length + body.length);
  message.set(head);
  message.set(body, head.length);
  const key = await importHmacKey(`standard-webhooks:${secret}`, () => decodeSecret(secret));
  return encodeBase64(await signHmacSha256(key, message));
}

/** The key is the base64 after `whsec_` (the prefix is optional, as in the reference library). */
function decodeSecret(secret: string): Bytes {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = decodeBase64(encoded);
  if (key.length === 0) throw new Error("A webhook secret is empty.");
  return key;
}
