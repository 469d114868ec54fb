// Signed, single-purpose tokens for the links in mails: a confirmation link cannot unsubscribe, an
// unsubscribe link cannot confirm, and neither can be forged or altered. HMAC-SHA256 over the payload with
// SUBSCRIPTION_SECRET; confirmation tokens expire, unsubscribe tokens do not (old mails must keep working).
import { z } from "zod";
import { decodeBase64Url, encodeBase64Url, encodeText, signHmacSha256, verifyEqual } from "../lib/crypto.ts";

export type TokenPurpose = "confirm" | "unsubscribe";
export const CONFIRM_TOKEN_TTL_SECONDS = 7 * 86_400;

const Payload = z.object({ p: z.enum(["confirm", "unsubscribe"]), s: z.string().min(1), e: z.number().int() });

export async function signToken(
  secret: string,
  purpose: TokenPurpose,
  subscriberId: string,
  now: Date,
): Promise<string> {
  const expires = purpose === "confirm" ? Math.floor(now.getTime() / 1000) + CONFIRM_TOKEN_TTL_SECONDS : 0;
  const body = encodeBase64Url(encodeText(JSON.stringify({ p: purpose, s: subscriberId, e: expires })));
  return `${body}.${encodeBase64Url(await signHmacSha256(secret, body))}`;
}

/** The subscriber id a token names, or null when it is forged, altered, expired or for another purpose. */
export async function verifyToken(
  secret: string,
  token: string,
  purpose: TokenPurpose,
  now: Date,
): Promise<string | null> {
  // 32 bytes are 43 characters whose last one carries 2 unused bits: only the canonical spelling is accepted,
  // or three other endings would decode to the same signature and an altered token would still verify.
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{42}[AEIMQUYcgkosw048])$/.exec(token);
  if (!match) return null;
  const [, body, signature] = match as unknown as [string, string, string];
  const expected = await signHmacSha256(secret, body);
  if (!(await verifyEqual(decodeBase64Url(signature), expected))) return null;
  let payload: z.infer<typeof Payload>;
  try {
    payload = Payload.parse(JSON.parse(new TextDecoder().decode(decodeBase64Url(body))));
  } catch {
    return null;
  }
  if (payload.p !== purpose) return null;
  if (payload.e !== 0 && payload.e < now.getTime() / 1000) return null;
  return payload.s;
}
