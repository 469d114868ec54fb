// Bodies built once per published value (http/render-once.ts): the value's own body and its variants are each
// rendered once, and the variants anyone can ask for are kept only up to MAX_VARIANTS per value.
import type { Context } from "hono";
import { describe, expect, it, vi } from "vitest";
import { ABANDONED_MS, MAX_VARIANTS, MAX_VARIANT_BYTES, serveOnce } from "../../src/http/render-once.ts";

const request = (acceptEncoding?: string) =>
  ({ req: { header: (name: string) => (name === "accept-encoding" ? acceptEncoding : undefined) } }) as Context;

describe("serveOnce", () => {
  it("renders a value's body and each variant once, and keeps them apart", async () => {
    const value = {};
    const render = vi.fn((variant: string) => `<p>${variant || "whole"}</p>`);
    const serve = (variant: string) => serveOnce(request(), value, "text/html", () => render(variant), variant);
    for (let i = 0; i < 3; i++) {
      expect(await (await serve("")).text()).toBe("<p>whole</p>");
      expect(await (await serve("q=rust")).text()).toBe("<p>q=rust</p>");
    }
    expect(render.mock.calls).toEqual([[""], ["q=rust"]]);
  });

  it("keeps at most MAX_VARIANTS variants of a value; past that each is rendered for its request", async () => {
    const value = {};
    const render = vi.fn(() => "<p>x</p>");
    const serve = (variant: string) => serveOnce(request(), value, "text/html", render, variant);
    for (let i = 0; i < MAX_VARIANTS + 10; i++) await serve(`q=${i}`);
    expect(render).toHaveBeenCalledTimes(MAX_VARIANTS + 10);
    // The first ones are kept; those past the bound are rendered again; the value's own body is still kept.
    await serve("q=0");
    expect(render).toHaveBeenCalledTimes(MAX_VARIANTS + 10);
    await serve(`q=${MAX_VARIANTS + 5}`);
    expect(render).toHaveBeenCalledTimes(MAX_VARIANTS + 11);
    await serve("");
    await serve("");
    expect(render).toHaveBeenCalledTimes(MAX_VARIANTS + 12);
  });

  it("stops keeping variants of a value once they hold MAX_VARIANT_BYTES", async () => {
    const value = {};
    const big = "x".repeat(MAX_VARIANT_BYTES / 2);
    const render = vi.fn(() => big);
    const serve = (variant: string) => serveOnce(request(), value, "text/plain", render, variant);
    for (const v of ["a", "b", "c", "a", "b", "c"]) await serve(v);
    expect(render).toHaveBeenCalledTimes(4);
  });

  it("keeps finished bodies only: a request arriving while the body is compressed gets it plain, not a wait", async () => {
    const value = {};
    const text = "<p>page</p>".repeat(500);
    const render = vi.fn(() => text);
    const first = serveOnce(request("gzip"), value, "text/html", render);
    const second = serveOnce(request("gzip"), value, "text/html", render);
    const [a, b] = await Promise.all([first, second]);
    expect(render).toHaveBeenCalledTimes(1);
    expect(a.headers.get("content-encoding")).toBe("gzip");
    expect(b.headers.get("content-encoding")).toBeNull();
    expect(await b.text()).toBe(text);
    // Once compressed, the gzipped body is kept for everyone.
    const third = await serveOnce(request("gzip"), value, "text/html", render);
    expect(third.headers.get("content-encoding")).toBe("gzip");
    expect(render).toHaveBeenCalledTimes(1);
  });

  it("compresses again when a compression was lost (its request cancelled mid-way), not plain forever", async () => {
    const value = {};
    const text = "<p>feed</p>".repeat(500);
    // The first compression never finishes, as when workerd cancels the request running it.
    const RealCompressionStream = CompressionStream;
    const stalled = new TransformStream<Uint8Array, Uint8Array>({ transform: () => new Promise<void>(() => {}) });
    const scope = globalThis as unknown as { CompressionStream: typeof CompressionStream };
    const compress = vi.spyOn(scope, "CompressionStream").mockImplementationOnce(function () {
      return stalled as never;
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      void serveOnce(request("gzip"), value, "text/html", () => text);
      const meanwhile = await serveOnce(request("gzip"), value, "text/html", () => text);
      expect(meanwhile.headers.get("content-encoding")).toBeNull();
      vi.advanceTimersByTime(ABANDONED_MS);
      compress.mockImplementation(function (format: ConstructorParameters<typeof CompressionStream>[0]) {
        return new RealCompressionStream(format);
      });
      const later = await serveOnce(request("gzip"), value, "text/html", () => text);
      expect(later.headers.get("content-encoding")).toBe("gzip");
      const again = await serveOnce(request("gzip"), value, "text/html", () => text);
      expect(again.headers.get("content-encoding")).toBe("gzip");
      expect(compress).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
      compress.mockRestore();
    }
  });

  it("gzips a small body too (sent plain, the edge would compress it per request), unless gzip is no smaller", async () => {
    const compress = vi.spyOn(
      globalThis as unknown as { CompressionStream: typeof CompressionStream },
      "CompressionStream",
    );
    try {
      const feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>Conference</title></channel></rss>';
      const small = await serveOnce(request("gzip"), {}, "application/rss+xml", () => feed.repeat(6));
      expect(small.headers.get("content-encoding")).toBe("gzip");
      const tiny = {};
      for (let i = 0; i < 3; i++) {
        const res = await serveOnce(request("gzip"), tiny, "application/json", () => "{}");
        expect(res.headers.get("content-encoding")).toBeNull();
        expect(await res.text()).toBe("{}");
      }
      // Once for each value: the tiny body's gzip, larger than it, is not tried again.
      expect(compress).toHaveBeenCalledTimes(2);
    } finally {
      compress.mockRestore();
    }
  });

  it("gzips a variant for a client that takes it, from the same plain body", async () => {
    const value = {};
    const text = "<p>found</p>".repeat(200);
    const res = await serveOnce(request("gzip"), value, "text/html", () => text, "notes=published");
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const unpacked = new Response(res.body!.pipeThrough(new DecompressionStream("gzip")));
    expect(await unpacked.text()).toBe(text);
  });
});
