import { describe, expect, it } from "vitest";
import {
  decodeBase64,
  decodeBase64Url,
  digestSha256,
  encodeBase64,
  encodeBase64Url,
  encodeHex,
  encodeText,
  hashText,
  importHmacKey,
  signHmacSha256,
  verifyEqual,
  verifySignature,
} from "../../src/lib/crypto.ts";

// Published test vectors, so the shared primitives are checked against something other than themselves.
describe("crypto primitives", () => {
  it("HMAC-SHA256 matches RFC 4231 test case 2", async () => {
    const mac = await signHmacSha256("Jefe", "what do ya want for nothing?");
    expect(encodeHex(mac)).toBe("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  });

  it("signs a string as its UTF-8 bytes, key and message alike", async () => {
    const fromStrings = await signHmacSha256("schlüssel", "naïve ✓");
    expect(fromStrings).toEqual(await signHmacSha256(encodeText("schlüssel"), encodeText("naïve ✓")));
    expect(fromStrings).not.toEqual(await signHmacSha256("schlussel", "naïve ✓"));
  });

  it("imports a named key once and signs with it as with its bytes", async () => {
    let decoded = 0;
    const bytes = () => (decoded++, encodeText("Jefe"));
    const key = importHmacKey("test:jefe", bytes);
    expect(importHmacKey("test:jefe", bytes)).toBe(key);
    expect(decoded).toBe(1);
    const mac = await signHmacSha256(await key, "what do ya want for nothing?");
    expect(mac).toEqual(await signHmacSha256(encodeText("Jefe"), "what do ya want for nothing?"));
    expect(mac).toEqual(await signHmacSha256("Jefe", "what do ya want for nothing?"));
  });

  it("compares signatures of the same length byte by byte, and any other length as unequal", () => {
    expect(verifySignature("c2lnbmF0dXJl", "c2lnbmF0dXJl")).toBe(true);
    expect(verifySignature("c2lnbmF0dXJm", "c2lnbmF0dXJl")).toBe(false);
    expect(verifySignature("c2lnbmF0dXJ", "c2lnbmF0dXJl")).toBe(false);
    expect(verifySignature("", "c2lnbmF0dXJl")).toBe(false);
    // Same number of characters, not of bytes.
    expect(verifySignature("c2lnbmF0dXJé", "c2lnbmF0dXJl")).toBe(false);
    expect(verifySignature(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(verifySignature(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
  });

  it("hashes text to lowercase hex SHA-256 (FIPS 180-2 vectors)", async () => {
    expect(await hashText("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await hashText("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(encodeHex(await digestSha256(encodeText("abc")))).toBe(await hashText("abc"));
  });

  it("spells bytes in hex with two lowercase digits each", () => {
    expect(encodeHex(new Uint8Array([0, 15, 16, 171, 255]))).toBe("000f10abff");
    expect(encodeHex(new Uint8Array())).toBe("");
  });

  it.each([
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ])("base64 of %j is %j (RFC 4648 §10), both ways", (text, base64) => {
    expect(encodeBase64(encodeText(text))).toBe(base64);
    expect(new TextDecoder().decode(decodeBase64(base64))).toBe(text);
  });

  it("base64url uses - and _ and drops the padding, and reads that back", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(encodeBase64(bytes)).toBe("+/+/");
    expect(encodeBase64Url(bytes)).toBe("-_-_");
    expect(encodeBase64Url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(decodeBase64Url("-_8")).toEqual(new Uint8Array([0xfb, 0xff]));
    expect(decodeBase64Url("-_-_")).toEqual(bytes);
  });

  it("refuses text that is not base64", () => {
    expect(() => decodeBase64("not base64!")).toThrow();
  });

  it("compares secrets of any lengths", async () => {
    expect(await verifyEqual("same", "same")).toBe(true);
    expect(await verifyEqual("same", "same ")).toBe(false);
    expect(await verifyEqual("", "x")).toBe(false);
    expect(await verifyEqual(encodeText("bytes"), "bytes")).toBe(true);
  });
});
