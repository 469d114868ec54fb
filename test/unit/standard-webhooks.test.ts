import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config.ts";
import { encodeText } from "../../src/lib/crypto.ts";
import {
  type StandardWebhookHeaders,
  signStandardWebhook,
  verifyStandardWebhook,
} from "../../src/webhooks/standard.ts";

// The Standard Webhooks specification's own test vector (as in the svix and standardwebhooks test suites).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const PAYLOAD = `{"test": 2432232314}`;
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
const AT = new Date(TIMESTAMP * 1000);
const OTHER_SECRET = `whsec_${btoa("another key, the one we rotate to")}`;

const headers = (overrides: Partial<StandardWebhookHeaders> = {}): StandardWebhookHeaders => ({
  id: ID,
  timestamp: String(TIMESTAMP),
  signature: SIGNATURE,
  ...overrides,
});
const verify = (h: StandardWebhookHeaders, body = PAYLOAD, now = AT, secrets = [SECRET]) =>
  verifyStandardWebhook(secrets, h, encodeText(body), now);

describe("Standard Webhooks signatures", () => {
  it("matches the specification's test vector", async () => {
    expect(await signStandardWebhook(SECRET, ID, TIMESTAMP, PAYLOAD)).toBe(SIGNATURE);
    expect(await verify(headers())).toEqual({ ok: true });
  });

  it("agrees with the standardwebhooks library, both ways, on any payload", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        async (body, id) => {
          const now = new Date();
          const timestamp = Math.floor(now.getTime() / 1000);
          const ours = await signStandardWebhook(SECRET, id, timestamp, body);
          const theirs = new Webhook(SECRET).sign(id, new Date(timestamp * 1000), body);
          expect(ours).toBe(theirs);
          // The library verifies against the real clock, so both sides use it here.
          const sent = { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": ours };
          expect(() => new Webhook(SECRET).verify(body, sent, { jsonParse: false })).not.toThrow();
          expect(await verify({ id, timestamp: String(timestamp), signature: theirs }, body, now)).toEqual({
            ok: true,
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses any single byte changed in the id, the timestamp or the body", async () => {
    const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
    const fields = { id: ID, timestamp: String(TIMESTAMP), body: PAYLOAD };
    const mutation = fc
      .constantFrom("id", "timestamp", "body" as const)
      .chain((field) =>
        fc.record({ field: fc.constant(field), at: fc.nat({ max: fields[field].length - 1 }), char: printable }),
      )
      .filter(({ field, at, char }) => fields[field][at] !== char);
    await fc.assert(
      fc.asyncProperty(mutation, async ({ field, at, char }) => {
        const changed = { ...fields, [field]: fields[field].slice(0, at) + char + fields[field].slice(at + 1) };
        const result = await verify(headers({ id: changed.id, timestamp: changed.timestamp }), changed.body);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a body with one bit flipped anywhere, even when it is no longer UTF-8", async () => {
    const body = encodeText(PAYLOAD);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: body.length - 1 }), fc.nat({ max: 7 }), async (at, bit) => {
        const flipped = body.slice();
        flipped[at]! ^= 1 << bit;
        expect(await verifyStandardWebhook([SECRET], headers(), flipped, AT)).toEqual({
          ok: false,
          reason: "no-matching-signature",
        });
      }),
    );
  });

  it.each([
    [-301, { ok: false, reason: "timestamp-too-new" }],
    [-300, { ok: true }],
    [-299, { ok: true }],
    [0, { ok: true }],
    [299, { ok: true }],
    [300, { ok: true }],
    [301, { ok: false, reason: "timestamp-too-old" }],
  ])("with the clock %i s after the timestamp answers %o", async (offset, expected) => {
    expect(await verify(headers(), PAYLOAD, new Date((TIMESTAMP + offset) * 1000))).toEqual(expected);
  });

  it("counts whole seconds: 301.9 s old is refused, 300.9 s old passes", async () => {
    expect(await verify(headers(), PAYLOAD, new Date((TIMESTAMP + 301.9) * 1000))).toMatchObject({ ok: false });
    expect(await verify(headers(), PAYLOAD, new Date((TIMESTAMP + 300.9) * 1000))).toEqual({ ok: true });
  });

  it.each<[string, Partial<StandardWebhookHeaders>, string]>([
    ["no id", { id: null }, "missing-header"],
    ["no timestamp", { timestamp: null }, "missing-header"],
    ["no signature", { signature: null }, "missing-header"],
    ["an empty signature", { signature: "" }, "missing-header"],
    ["a timestamp in milliseconds", { timestamp: String(TIMESTAMP * 1000) }, "malformed-timestamp"],
    ["a fractional timestamp", { timestamp: `${TIMESTAMP}.0` }, "malformed-timestamp"],
    ["a negative timestamp", { timestamp: `-${TIMESTAMP}` }, "malformed-timestamp"],
    ["a signature without its version", { signature: SIGNATURE.slice(3) }, "no-matching-signature"],
    ["another version's signature", { signature: `v1a,${SIGNATURE.slice(3)}` }, "no-matching-signature"],
    [
      "the signature's bytes spelled otherwise",
      { signature: SIGNATURE.replace("1OE=", "1OF=") },
      "no-matching-signature",
    ],
    ["a truncated signature", { signature: SIGNATURE.slice(0, -2) }, "no-matching-signature"],
    ["the signature in hex", { signature: `v1,${"ab".repeat(32)}` }, "no-matching-signature"],
  ])("refuses %s", async (_, overrides, reason) => {
    expect(await verify(headers(overrides))).toEqual({ ok: false, reason });
  });

  it("passes when any one of several signatures matches", async () => {
    const stale = await signStandardWebhook(OTHER_SECRET, ID, TIMESTAMP, PAYLOAD);
    expect(await verify(headers({ signature: `${stale} ${SIGNATURE}` }))).toEqual({ ok: true });
    expect(await verify(headers({ signature: `v2,abc ${SIGNATURE} v1,bm9wZQ==` }))).toEqual({ ok: true });
    expect(await verify(headers({ signature: `${stale} v1,bm9wZQ==` }))).toMatchObject({ ok: false });
  });

  it("accepts either secret while a key rotates, and neither once it is gone", async () => {
    const secrets = readConfig({ WEBHOOK_SECRET: ` ${SECRET} , ${OTHER_SECRET},` }).secrets.webhook;
    expect(secrets).toEqual([SECRET, OTHER_SECRET]);
    const rotated = await signStandardWebhook(OTHER_SECRET, ID, TIMESTAMP, PAYLOAD);
    expect(await verify(headers(), PAYLOAD, AT, secrets)).toEqual({ ok: true });
    expect(await verify(headers({ signature: rotated }), PAYLOAD, AT, secrets)).toEqual({ ok: true });
    expect(await verify(headers({ signature: rotated }), PAYLOAD, AT, [SECRET])).toMatchObject({ ok: false });
    expect(await verify(headers(), PAYLOAD, AT, [OTHER_SECRET])).toMatchObject({ ok: false });
  });

  it("fails loudly, accepting nothing, when no secret is configured", async () => {
    expect(readConfig({}).secrets.webhook).toEqual([]);
    await expect(verify(headers(), PAYLOAD, AT, [])).rejects.toThrow(/WEBHOOK_SECRET/);
  });

  it("signs raw bytes and strings alike", async () => {
    expect(await signStandardWebhook(SECRET, ID, TIMESTAMP, encodeText(PAYLOAD))).toBe(SIGNATURE);
  });
});
