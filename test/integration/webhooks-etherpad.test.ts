// POST /webhooks/etherpad: the API key checked after the body cap, each updated pad mapped to its notes links on
// any host at its highest revision (or the body's hash without one), duplicates answered as such, pads that are
// no one's notes ignored, and malformed updates refused with the issues.
import { describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES as MAX_BODY_BYTES } from "../../src/domain/limits.ts";
import { hashText } from "../../src/lib/crypto.ts";
import { EVENT, expectError, listReceipts, post, sentReceiptIds, setUpWebhookTests } from "../helpers/webhooks.ts";

setUpWebhookTests();

describe("POST /webhooks/etherpad", () => {
  const KEY = "test-etherpad-api-key";
  const etherpad = (payload: unknown, key: string | null = KEY) =>
    post("/webhooks/etherpad", {
      body: JSON.stringify(payload),
      headers: { "content-type": "application/json", ...(key === null ? {} : { "x-api-key": key }) },
    });
  const update = {
    pads: {
      "xen-rust": [
        { userId: "a.1", rev: 3, ip: "192.0.2.1" },
        { userId: "a.2", rev: 9 },
      ],
      "risc-v notes": [{ userId: "a.3", rev: 2 }],
      "not-catalogued": [{ userId: "a.4", rev: 1 }],
    },
  };

  it("answers 413 with the envelope for a body over the cap, before the key is checked", async () => {
    const res = await etherpad({ pads: { big: [{ userId: "x".repeat(MAX_BODY_BYTES), rev: 1 }] } }, "wrong");
    await expectError(res, 413, "payload_too_large");
    expect(await listReceipts()).toEqual([]);
  });

  it("maps each updated pad to its notes links on any host, at the highest revision, without text", async () => {
    const res = await etherpad(update);
    expect(res.status).toBe(202);
    const receipts = await listReceipts();
    expect(receipts.map((r) => [r.source, r.externalId])).toEqual([
      ["etherpad", `rev:risc-v notes@2:${EVENT}/xen-on-risc-v:https://pad.example.org/p/risc-v%20notes`],
      ["etherpad", `rev:xen-rust@9:${EVENT}/rust-and-xen:https://etherpad.wikimedia.org/p/xen-rust`],
      ["etherpad", `rev:xen-rust@9:${EVENT}/xen-on-risc-v:https://pad.example.org/p/xen-rust/`],
    ]);
    expect(receipts.map((r) => r.payload)).toEqual([
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "xen-on-risc-v",
        url: "https://pad.example.org/p/risc-v%20notes",
        revision: 2,
      },
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "rust-and-xen",
        url: "https://etherpad.wikimedia.org/p/xen-rust",
        revision: 9,
      },
      {
        kind: "notes",
        type: "notes.updated",
        event: EVENT,
        session: "xen-on-risc-v",
        url: "https://pad.example.org/p/xen-rust/",
        revision: 9,
      },
    ]);
    expect(sentReceiptIds()).toEqual(receipts.map((r) => r.id).sort());
  });

  it("answers the same update again 200 duplicate", async () => {
    expect((await etherpad(update)).status).toBe(202);
    const again = await etherpad(update);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ status: "duplicate" });
    expect(await listReceipts()).toHaveLength(3);
  });

  it("stores a pad at one revision once, in whatever body it comes", async () => {
    expect((await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: 9 }] } })).status).toBe(202);
    const reshaped = await etherpad({
      pads: { "not-catalogued": [{ userId: "a.4", rev: 1 }], "xen-rust": [{ userId: "a.2", rev: 9 }, { rev: 4 }] },
    });
    expect(reshaped.status).toBe(200);
    expect(await reshaped.json()).toEqual({ status: "duplicate" });
    expect((await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: 10 }] } })).status).toBe(202);
    expect((await listReceipts()).map((r) => r.externalId.split(":")[0])).toEqual(["rev", "rev", "rev", "rev"]);
    expect(await listReceipts()).toHaveLength(4);
  });

  it("falls back to the body's hash for an update without revision", async () => {
    const body = { pads: { "risc-v notes": [{ userId: "a.3" }] } };
    expect((await etherpad(body)).status).toBe(202);
    expect((await etherpad(body)).status).toBe(200);
    expect((await etherpad({ pads: { "risc-v notes": [{ userId: "a.5" }] } })).status).toBe(202);
    const bodyHash = await hashText(JSON.stringify(body));
    const receipts = await listReceipts();
    expect(receipts).toHaveLength(2);
    expect(receipts.map((r) => r.externalId)).toContain(
      `body:${bodyHash}:${EVENT}/xen-on-risc-v:https://pad.example.org/p/risc-v%20notes`,
    );
    expect(receipts.every((r) => r.payload.kind === "notes" && r.payload.revision === undefined)).toBe(true);
  });

  it("answers 200 and stores nothing for pads that are no one's notes", async () => {
    const res = await etherpad({ pads: { "p/xen-rust-2": [{ userId: "a.1", rev: 1 }] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ignored" });
    expect(await listReceipts()).toEqual([]);
  });

  it.each([
    ["a wrong key", "test-etherpad-api-key-2"],
    ["an empty key", ""],
    ["no key", null],
  ])("answers 401 for %s", async (_, key) => {
    await expectError(await etherpad(update, key), 401, "unauthorized");
    expect(await listReceipts()).toEqual([]);
  });

  it("answers 400 with the issues for a body that is not a pads update", async () => {
    const body = await expectError(
      await etherpad({ pads: { "xen-rust": [{ userId: "a.1", rev: -1 }] } }),
      400,
      "bad_request",
    );
    expect(body.error.issues?.map((i) => i.path)).toEqual([["pads", "xen-rust", 0, "rev"]]);
    await expectError(await etherpad({ padIds: ["xen-rust"] }), 400, "bad_request");
  });
});
