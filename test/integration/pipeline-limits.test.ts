// The change pipeline within D1's limits: two 1 MiB texts of one pad stay under the 2,000,000-byte row limit,
// a payload that JSON-escapes past MAX_PAYLOAD_BYTES is refused, and pad texts go with their last reference.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_TEXT_BYTES } from "../../src/domain/changes.ts";
import { MAX_PAYLOAD_BYTES, PayloadTooLargeError, ingest } from "../../src/pipeline/ingest.ts";
import {
  EVENT,
  PAD,
  SESSION,
  T0,
  at,
  changes,
  observe,
  sent,
  setUpPipelineTests,
  settleAt,
} from "../helpers/pipeline.ts";

setUpPipelineTests();

describe("storage limits", () => {
  /** The largest row of a table in bytes, every column counted as stored. */
  async function largestRow(table: string): Promise<number> {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info(${table})`).all<{ name: string }>();
    const sum = columns.map((c) => `COALESCE(length(CAST("${c.name}" AS BLOB)), 0)`).join(" + ");
    const row = await env.DB.prepare(`SELECT COALESCE(max(${sum}), 0) AS size FROM ${table}`).first<{ size: number }>();
    return row!.size;
  }

  /** `line` repeated to as close to MAX_TEXT_BYTES of UTF-8 as it fits. */
  const fill = (line: string) => line.repeat(Math.floor(MAX_TEXT_BYTES / new TextEncoder().encode(line).byteLength));

  it("keeps every row of pads, pad_texts and receipts under D1's 2,000,000 bytes with two 1 MiB texts", async () => {
    const published = fill("Ünïcödé nötes — ✓ 会议记录\n");
    // Quotes, backslashes and newlines grow by half again when JSON-escaped in the receipt.
    const pending = fill('"é\\"\n');
    for (const text of [published, pending]) {
      expect(new TextEncoder().encode(text).byteLength).toBeGreaterThan(MAX_TEXT_BYTES - 100);
    }
    expect(new TextEncoder().encode(JSON.stringify(pending)).byteLength).toBeGreaterThan(1_700_000);

    await observe({ text: published }, "big-1", at(0));
    await settleAt(600);
    await observe({ text: pending }, "big-2", at(700));
    const pad = await env.DB.prepare(
      `SELECT length(CAST(pub.text AS BLOB)) AS published, length(CAST(pen.text AS BLOB)) AS pending
       FROM pads p JOIN pad_texts pub ON pub.hash = p.published_hash JOIN pad_texts pen ON pen.hash = p.pending_hash`,
    ).first<{ published: number; pending: number }>();
    // Both texts are held at once (over 2 MB together), each in a row of its own.
    expect(pad!.published + pad!.pending).toBeGreaterThan(2_000_000);
    for (const table of ["pads", "pad_texts", "receipts"])
      expect(await largestRow(table), table).toBeLessThan(2_000_000);
    expect(await largestRow("receipts")).toBeGreaterThan(1_700_000);

    await settleAt(1300);
    expect((await changes()).map((c) => c.type)).toEqual(["notes.published", "notes.updated"]);
    // The text that was published before is gone with its last reference.
    const { results: texts } = await env.DB.prepare("SELECT length(CAST(text AS BLOB)) AS n FROM pad_texts").all();
    expect(texts).toEqual([{ n: new TextEncoder().encode(pending).byteLength }]);
  });

  it("refuses a payload that JSON-escapes past MAX_PAYLOAD_BYTES, storing nothing", async () => {
    const text = "\u0001".repeat(400_000);
    expect(new TextEncoder().encode(text).byteLength).toBeLessThan(MAX_TEXT_BYTES);
    const item = {
      source: "notes",
      externalId: "escapes",
      payload: {
        kind: "notes" as const,
        type: "notes.updated" as const,
        event: EVENT,
        session: SESSION,
        url: PAD,
        text,
      },
    };
    const error = await ingest(env, item, T0).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM receipts").first()).toEqual({ n: 0 });
    expect(sent).toEqual([]);
  });

  it("keeps a text two pads share until neither refers to it, and removes a removed link's texts", async () => {
    const OTHER = "https://hackmd.io/other-pad";
    await observe({ text: "shared notes" }, "s1", at(0));
    await observe({ url: OTHER, text: "shared notes" }, "s2", at(1));
    await settleAt(700);
    await observe({ text: "moved on" }, "s3", at(800));
    await settleAt(1500);
    const texts = async () =>
      (await env.DB.prepare("SELECT text FROM pad_texts ORDER BY text").all<{ text: string }>()).results.map(
        (r) => r.text,
      );
    expect(await texts()).toEqual(["moved on", "shared notes"]);
    await observe({ type: "notes.removed", url: OTHER }, "s4", at(1600));
    expect(await texts()).toEqual(["moved on"]);
  });
});
