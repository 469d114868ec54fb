// The Web Crypto primitives every signature, token and content hash shares: HMAC-SHA256, SHA-256, the hex and
// base64 spellings of bytes, and one constant-time compare. Pure and binding-free, so webhooks/, email/, the
// pipeline and the Node scripts (which sign test deliveries) all run the same code.

/** Bytes as received or encoded (backed by an ArrayBuffer, which Web Crypto requires). */
export type Bytes = Uint8Array<ArrayBuffer>;

const encoder = new TextEncoder();
export const encodeText = (text: string) => encoder.encode(text) as Bytes;
const toBytes = (data: string | Bytes) => (typeof data === "string" ? encodeText(data) : data);

/**
 * An HMAC-SHA256 key, imported once per isolate under `name` (a secret from the configuration, or a name for it):
 * importing costs about as much as signing a small message, and every webhook delivery and token check signs.
 * Secrets are few and change only with the configuration; the bound guards against a caller naming many.
 */
export function importHmacKey(name: string, bytes: () => Bytes): Promise<CryptoKey> {
  let key = hmacKeys.get(name);
  if (!key) {
    key = importSigningKey(bytes());
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    hmacKeys.set(name, key);
    key.catch(() => hmacKeys.delete(name));
  }
  return key;
}
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_HMAC_KEYS = 32;
const importSigningKey = (bytes: Bytes) =>
  crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

/**
 * HMAC-SHA256 of `message` (a string is UTF-8 encoded) under `key`: a string is its UTF-8 bytes (imported once, see
 * `importHmacKey`), bytes are imported for this call.
 */
export async function signHmacSha256(key: string | Bytes | CryptoKey, message: string | Bytes): Promise<Bytes> {
  const cryptoKey =
    typeof key === "string"
      ? await importHmacKey(`utf-8:${key}`, () => encodeText(key))
      : key instanceof Uint8Array
        ? await importSigningKey(key)
        : key;
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, toBytes(message)));
}

export async function digestSha256(data: string | Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", toBytes(data)));
}

/**
 * Lowercase hex SHA-256 of the UTF-8 text: the one content hash, shared by the poller, the CHANGES consumer
 * (so their hashes of notes text compare) and the ETags of published values.
 */
export async function hashText(text: string): Promise<string> {
  return encodeHex(await digestSha256(text));
}

/**
 * Constant-time equality of two secrets or signatures of any lengths: timingSafeEqual needs equal lengths,
 * so it compares their SHA-256 digests (which leaks neither the length nor the position of a difference).
 */
export async function verifyEqual(a: string | Bytes, b: string | Bytes): Promise<boolean> {
  const [da, db] = await Promise.all([a, b].map((v) => crypto.subtle.digest("SHA-256", toBytes(v))));
  return timingSafeEqual(da!, db!);
}

/**
 * Constant-time equality of two signatures, whose length is the algorithm's and so no secret: compared as they
 * are (different lengths are unequal at once), without the two digests `verifyEqual` spends to hide a length.
 */
export function verifySignature(offered: string | Bytes, expected: string | Bytes): boolean {
  const [a, b] = [toBytes(offered), toBytes(expected)];
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

// workerd's extension to SubtleCrypto; spelled out because scripts/ typecheck this file against the DOM lib.
const timingSafeEqual = (a: ArrayBuffer | Bytes, b: ArrayBuffer | Bytes) =>
  (
    crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBuffer | Bytes, b: ArrayBuffer | Bytes): boolean }
  ).timingSafeEqual(a, b);

export const encodeHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export const encodeBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Throws on text that is not base64 (atob's forgiving decode: padding optional, ASCII whitespace ignored). */
export const decodeBase64 = (text: string): Bytes => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** RFC 4648 §5, unpadded: safe in a URL without percent-encoding. */
export const encodeBase64Url = (bytes: Uint8Array) =>
  encodeBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export const decodeBase64Url = (text: string): Bytes => decodeBase64(text.replace(/-/g, "+").replace(/_/g, "/"));
