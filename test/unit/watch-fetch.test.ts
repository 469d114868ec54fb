import { afterEach, describe, expect, it, vi } from "vitest";
import { type FetchOptions, fetchNotesText, fetchWatched } from "../../src/watch/fetch.ts";

const NOTE = "https://hackmd.io/abc/download";
const opts = (overrides: Partial<FetchOptions> = {}): FetchOptions => ({
  allowHosts: ["hackmd.io", "demo.hedgedoc.org"],
  maxBytes: 1024,
  timeoutMs: 2000,
  ...overrides,
});

const mockFetch = () => vi.spyOn(globalThis, "fetch");
const headersOf = (spy: ReturnType<typeof mockFetch>, call = 0) => new Headers(spy.mock.calls[call]?.[1]?.headers);
const urlsOf = (spy: ReturnType<typeof mockFetch>) => spy.mock.calls.map(([input]) => String(input));
const redirect = (location: string, status = 302) => new Response(null, { status, headers: { location } });

/** A body that produces `chunk`-sized pieces on demand, recording how much was read and whether it was cancelled. */
function buildEndlessBody(chunk: number) {
  const state = { pulls: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        state.pulls++;
        controller.enqueue(new Uint8Array(chunk).fill(0x61));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("fetchWatched", () => {
  it("returns the text and validators of a 200, decoded as UTF-8, without following redirects itself", async () => {
    const spy = mockFetch().mockResolvedValue(
      new Response(new TextEncoder().encode("# Notes – Grüße"), {
        headers: { etag: '"v1"', "last-modified": "Wed, 25 Nov 2026 10:00:00 GMT", "content-type": "text/markdown" },
      }),
    );
    expect(await fetchWatched(NOTE, opts())).toEqual({
      outcome: "modified",
      text: "# Notes – Grüße",
      etag: '"v1"',
      lastModified: "Wed, 25 Nov 2026 10:00:00 GMT",
      contentType: "text/markdown",
    });
    expect(spy.mock.calls[0]?.[1]?.redirect).toBe("manual");
    expect(headersOf(spy).has("if-none-match")).toBe(false);
  });

  it("sends If-None-Match and If-Modified-Since, and reports a 304 as not modified", async () => {
    const spy = mockFetch().mockResolvedValue(new Response(null, { status: 304 }));
    const result = await fetchWatched(NOTE, opts({ etag: '"v1"', lastModified: "Wed, 25 Nov 2026 10:00:00 GMT" }));
    expect(result).toEqual({ outcome: "not-modified" });
    expect(headersOf(spy).get("if-none-match")).toBe('"v1"');
    expect(headersOf(spy).get("if-modified-since")).toBe("Wed, 25 Nov 2026 10:00:00 GMT");
  });

  it("follows a redirect on the same host, keeping the validators", async () => {
    const spy = mockFetch()
      .mockResolvedValueOnce(redirect("/abc/download?v=2", 301))
      .mockResolvedValueOnce(new Response("moved notes"));
    const result = await fetchWatched(NOTE, opts({ etag: '"v1"' }));
    expect(result).toMatchObject({ outcome: "modified", text: "moved notes" });
    expect(urlsOf(spy)).toEqual([NOTE, "https://hackmd.io/abc/download?v=2"]);
    expect(headersOf(spy, 1).get("if-none-match")).toBe('"v1"');
  });

  it.each([
    ["another host", "https://evil.example/steal"],
    ["another allow-listed host", "https://demo.hedgedoc.org/abc/download"],
    ["plain http on the same host", "http://hackmd.io/abc/download"],
  ])("refuses a redirect to %s", async (_, location) => {
    const spy = mockFetch().mockResolvedValue(redirect(location));
    expect(await fetchWatched(NOTE, opts())).toMatchObject({ outcome: "refused" });
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it("stops a redirect loop after 3 redirects", async () => {
    const spy = mockFetch().mockImplementation(async () => redirect("/abc/download"));
    expect(await fetchWatched(NOTE, opts())).toEqual({ outcome: "refused", reason: "more than 3 redirects" });
    expect(spy).toHaveBeenCalledTimes(4);
  });

  it("fails on a redirect without a Location", async () => {
    mockFetch().mockResolvedValue(new Response(null, { status: 302 }));
    expect(await fetchWatched(NOTE, opts())).toMatchObject({ outcome: "failed", status: 302 });
  });

  it.each([
    ["plain http", "http://hackmd.io/abc/download", "http: is not https"],
    ["a host not on the allow-list", "https://example.org/abc/download", "host example.org is not allowed"],
    ["a look-alike host", "https://hackmd.io.evil.example/abc/download", "host hackmd.io.evil.example is not allowed"],
    ["IPv4 loopback", "https://127.0.0.1/abc", "IP literal host"],
    ["IPv6 loopback", "https://[::1]/abc", "IP literal host"],
    ["hex-ish IPv4", "https://0x7f.1/abc", "IP literal host"],
    ["decimal IPv4", "https://2130706433/abc", "IP literal host"],
    ["user and password", "https://user:secret@hackmd.io/abc/download", "credentials in URL"],
    ["a user name", "https://user@hackmd.io/abc/download", "credentials in URL"],
    ["an unparseable URL", "https://", "invalid URL"],
  ])("refuses %s without a request", async (_, url, reason) => {
    const spy = mockFetch();
    // Even allow-listed, an IP literal is refused.
    const allowHosts = ["hackmd.io", "127.0.0.1", "[::1]", "0x7f.1", "2130706433"];
    expect(await fetchWatched(url, opts({ allowHosts }))).toEqual({ outcome: "refused", reason });
    expect(spy).not.toHaveBeenCalled();
  });

  it("matches allow-listed hosts case-insensitively", async () => {
    mockFetch().mockResolvedValue(new Response("ok"));
    const result = await fetchWatched("https://HackMD.IO/abc/download", opts({ allowHosts: ["HACKMD.io"] }));
    expect(result).toMatchObject({ outcome: "modified", text: "ok" });
  });

  it("reports a non-2xx answer as failed with its status", async () => {
    mockFetch().mockResolvedValue(new Response("nope", { status: 503 }));
    expect(await fetchWatched(NOTE, opts())).toEqual({ outcome: "failed", reason: "HTTP 503", status: 503 });
  });

  it("refuses a body whose Content-Length is over the cap without reading it", async () => {
    const { body, state } = buildEndlessBody(512);
    mockFetch().mockResolvedValue(new Response(body, { headers: { "content-length": "4096" } }));
    expect(await fetchWatched(NOTE, opts())).toMatchObject({ outcome: "refused" });
    expect(state.pulls).toBe(0);
    expect(state.cancelled).toBe(true);
  });

  it("cancels a streamed body once it grows past the cap", async () => {
    const { body, state } = buildEndlessBody(300);
    mockFetch().mockResolvedValue(new Response(body));
    expect(await fetchWatched(NOTE, opts())).toEqual({ outcome: "refused", reason: "body over 1024 bytes" });
    expect(state.pulls).toBe(4);
    expect(state.cancelled).toBe(true);
  });

  it("accepts a body of exactly the cap", async () => {
    mockFetch().mockResolvedValue(new Response("a".repeat(1024)));
    expect(await fetchWatched(NOTE, opts())).toMatchObject({ outcome: "modified", text: "a".repeat(1024) });
  });

  it("fails after the timeout, aborting the request", async () => {
    let aborted = false;
    mockFetch().mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => {
            aborted = true;
            reject(init.signal?.reason);
          });
        }),
    );
    expect(await fetchWatched(NOTE, opts({ timeoutMs: 50 }))).toEqual({
      outcome: "failed",
      reason: "timed out after 50 ms",
    });
    expect(aborted).toBe(true);
  });

  it("reports a network error as failed", async () => {
    mockFetch().mockRejectedValue(new TypeError("Network connection lost."));
    expect(await fetchWatched(NOTE, opts())).toEqual({ outcome: "failed", reason: "Network connection lost." });
  });
});

describe("fetchNotesText", () => {
  const allowHosts = ["hackmd.io", "lists.xenproject.org"];

  it("fetches a pad's download URL and gives its text as is", async () => {
    const spy = mockFetch().mockResolvedValue(
      new Response("# Notes\n", { headers: { "content-type": "text/markdown" } }),
    );
    const result = await fetchNotesText(
      { url: "https://hackmd.io/abc#top", kind: "hackmd" },
      { allowHosts, timeoutMs: 2000 },
    );
    expect(result).toMatchObject({ outcome: "modified", text: "# Notes\n" });
    expect(urlsOf(spy)).toEqual([NOTE]);
  });

  it("reduces a mailing-list page to the text a reader sees", async () => {
    mockFetch().mockResolvedValue(
      new Response("<h1>Re: Toolstacks</h1><pre>agreed &amp; done</pre>", { headers: { "content-type": "text/html" } }),
    );
    const link = {
      url: "https://lists.xenproject.org/archives/html/xen-devel/2019-07/msg00789.html",
      kind: "mailing-list",
    };
    expect(await fetchNotesText(link, { allowHosts, timeoutMs: 2000 })).toMatchObject({
      outcome: "modified",
      text: "Re: Toolstacks\nagreed & done",
    });
  });

  it("refuses a pad that answers with an HTML page (a private note's login form)", async () => {
    mockFetch().mockResolvedValue(
      new Response("<form>Sign in</form>", { headers: { "content-type": "text/html; charset=utf-8" } }),
    );
    const result = await fetchNotesText(
      { url: "https://hackmd.io/abc", kind: "hackmd" },
      { allowHosts, timeoutMs: 2000 },
    );
    expect(result).toEqual({ outcome: "refused", reason: "HTML page instead of notes text" });
  });

  it("never requests a CryptPad link", async () => {
    const spy = mockFetch();
    const result = await fetchNotesText(
      { url: "https://cryptpad.fr/pad/#/2/pad/edit/x/", kind: "cryptpad" },
      { allowHosts, timeoutMs: 2000 },
    );
    expect(result).toMatchObject({ outcome: "refused" });
    expect(spy).not.toHaveBeenCalled();
  });
});
