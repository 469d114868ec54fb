// The signed tokens mails link to (confirm, unsubscribe, manage): bound to their purpose and secret, refused when
// any character is changed or malformed; a confirmation and a manage token expire after their TTLs, an unsubscribe
// never does.
import { describe, expect, it } from "vitest";
import {
  CONFIRM_TOKEN_TTL_SECONDS,
  MANAGE_TOKEN_TTL_SECONDS,
  type TokenPurpose,
  signToken,
  verifyToken,
} from "../../src/email/tokens.ts";

describe("tokens", () => {
  const SECRET = "test-subscription-secret";
  const NOW = new Date("2026-03-01T10:00:00Z");
  const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  const PURPOSES: TokenPurpose[] = ["confirm", "unsubscribe", "manage"];
  it.each(PURPOSES)("round-trips a %s token, and only for that purpose", async (purpose) => {
    const token = await signToken(SECRET, purpose, "sub-42", NOW);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(await verifyToken(SECRET, token, purpose, NOW)).toBe("sub-42");
    for (const other of PURPOSES.filter((p) => p !== purpose)) {
      expect(await verifyToken(SECRET, token, other, NOW)).toBeNull();
    }
  });

  it("rejects a token signed with another secret", async () => {
    const token = await signToken("another-secret", "unsubscribe", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "unsubscribe", NOW)).toBeNull();
  });

  it("rejects every single-character change to the body or the signature", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    const accepted: string[] = [];
    for (let i = 0; i < token.length; i++) {
      for (const c of ALPHABET + ".=+/ ") {
        if (c === token[i]) continue;
        const tampered = token.slice(0, i) + c + token.slice(i + 1);
        if ((await verifyToken(SECRET, tampered, "unsubscribe", NOW)) !== null) accepted.push(tampered);
      }
    }
    expect(accepted).toEqual([]);
  });

  it("rejects malformed tokens", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    for (const bad of ["", ".", token.split(".")[0]!, `${token}A`, `${token}.x`, token.replace(".", "")])
      expect(await verifyToken(SECRET, bad, "unsubscribe", NOW)).toBeNull();
  });

  it("expires a confirmation token after its TTL", async () => {
    const token = await signToken(SECRET, "confirm", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "confirm", later(CONFIRM_TOKEN_TTL_SECONDS))).toBe("sub-42");
    expect(await verifyToken(SECRET, token, "confirm", later(CONFIRM_TOKEN_TTL_SECONDS + 1))).toBeNull();
  });

  it("expires a manage token after its TTL", async () => {
    const token = await signToken(SECRET, "manage", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "manage", later(MANAGE_TOKEN_TTL_SECONDS))).toBe("sub-42");
    expect(await verifyToken(SECRET, token, "manage", later(MANAGE_TOKEN_TTL_SECONDS + 1))).toBeNull();
  });

  it("never expires an unsubscribe token", async () => {
    const token = await signToken(SECRET, "unsubscribe", "sub-42", NOW);
    expect(await verifyToken(SECRET, token, "unsubscribe", later(100 * 365 * 86_400))).toBe("sub-42");
  });
});
