import { describe, expect, it } from "vitest";
import { readCappedText } from "../../src/lib/body.ts";

/** A stream of the given chunks that records how many were pulled and whether it was cancelled. */
function buildBody(chunks: Uint8Array[]) {
  const state = { pulls: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const chunk = chunks[state.pulls++];
        if (chunk) controller.enqueue(chunk);
        else controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

const bytes = (n: number) => new Uint8Array(n).fill(0x61);

describe("readCappedText", () => {
  it("reads a body of exactly the cap", async () => {
    expect(await readCappedText(new Response("a".repeat(10)), 10)).toBe("a".repeat(10));
  });

  it("reads no body as empty text", async () => {
    expect(await readCappedText(new Response(null), 10)).toBe("");
  });

  it("decodes UTF-8 whose characters are split across chunks", async () => {
    const euro = new TextEncoder().encode("€"); // three bytes
    const { body } = buildBody([euro.slice(0, 1), euro.slice(1)]);
    expect(await readCappedText(new Response(body), 3)).toBe("€");
  });

  it("refuses a declared Content-Length over the cap without reading", async () => {
    const { body, state } = buildBody([bytes(4)]);
    expect(await readCappedText(new Response(body, { headers: { "content-length": "11" } }), 10)).toBeNull();
    expect(state).toEqual({ pulls: 0, cancelled: true });
  });

  it("stops reading and cancels once the stream passes the cap, whatever it declared", async () => {
    const { body, state } = buildBody([bytes(4), bytes(4), bytes(4), bytes(4)]);
    expect(await readCappedText(new Response(body, { headers: { "content-length": "8" } }), 10)).toBeNull();
    expect(state).toEqual({ pulls: 3, cancelled: true });
  });
});
