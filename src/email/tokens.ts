// Signed, single-purpose tokens for the links in mails: a confirmation link cannot unsubscribe, an
// unsubscribe link cannot confirm or manage, and none can be forged or altered. HMAC-SHA256 over the payload
// with SUBSCRIPTION_SECRET. What a token names is random and never reused (a subscriber id, or a request's id), so
// a link says nothing about the address and cannot be guessed. Confirmation tokens expire after 7 days; manage
// tokens, which stand for the whole address (the page lists everything it follows), after 60, so a forwarded or
// leaked mail stops giving control over the address, while every new mail carries a fresh one; unsubscribe tokens
// never expire (old mails must keep working, and leaving must always be possible).
import { z } from "zod";
import { decodeBase64Url, encodeBase64Url, encodeText, signHmacSha256, verifySignature } from "../lib/crypto.ts";

export type TokenPurpose = "confirm" | "unsubscribe" | "manage";
export const CONFIRM_TOKEN_TTL_SECONDS = 7 * 86_400;
export const MANAGE_TOKEN_TTL_SECONDS = 60 * 86_400;
/** Seconds a token of each purpose stays valid; 0: for ever. */
const TTL_SECONDS: Record<TokenPurpose, number> = {
  confirm: CONFIRM_TOKEN_TTL_SECONDS,
  unsubscribe: 0,
  manage: MANAGE_TOKEN_TTL_SECONDS,
};

const Payload = z.object({
  p: z.enum(["confirm", "unsubscribe", "manage"]),
  s: z.string().min(1),
  e: z.number().int(),
});

export async function signToken(
  secret: string,
  purpose: TokenPurpose,
  /** A subscriber's id (confirm, unsubscribe, manage: the address of that subscriber) or a request's (confirm). */
  subject: string,
  now: Date,
): Promise<string> {
  const ttl = TTL_SECONDS[purpose];
  const expires = ttl === 0 ? 0 : Math.floor(now.getTime() / 1000) + ttl;
  const body = encodeBase64Url(encodeText(JSON.stringify({ p: purpose, s: subject, e: expires })));
  return `${body}.${encodeBase64Url(await signHmacSha256(secret, body))}`;
}

/** The id a token names, or null when it is forged, altered, expired or for another purpose. */
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
  if (!verifySignature(decodeBase64Url(signature), expected)) return null;
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
