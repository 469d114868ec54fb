// If-Modified-Since is only believed when it is an HTTP-date no later than now (RFC 9110 §13.1.3).
import { describe, expect, it } from "vitest";
import { isNotModified, parseHttpDate } from "../../src/http/conditional.ts";

const NOW = new Date("2026-11-27T12:00:00Z");
const FEED = { etag: '"abc"', lastModified: "2026-11-27T10:02:00.500Z" };
const since = (ifModifiedSince: string) => isNotModified({ ifNoneMatch: null, ifModifiedSince }, FEED, NOW);

describe("If-Modified-Since", () => {
  it("answers 304 for a valid date at or after Last-Modified and not after now", () => {
    expect(since("Fri, 27 Nov 2026 10:02:00 GMT")).toBe(true);
    expect(since("Fri, 27 Nov 2026 12:00:00 GMT")).toBe(true);
    expect(since("Fri, 27 Nov 2026 10:01:59 GMT")).toBe(false);
  });

  it("accepts the obsolete RFC 850 and asctime forms", () => {
    expect(since("Friday, 27-Nov-26 11:00:00 GMT")).toBe(true);
    expect(since("Fri Nov 27 11:00:00 2026")).toBe(true);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it("ignores a date later than now, however plausible", () => {
    expect(since("Fri, 27 Nov 2026 12:00:01 GMT")).toBe(false);
    expect(since("Sat, 28 Nov 2026 00:00:00 GMT")).toBe(false);
    expect(since("Fri, 31 Dec 9999 23:59:59 GMT")).toBe(false);
  });

  it.each([
    "yesterday-ish",
    "",
    "2026-11-28",
    "2026",
    "1",
    "Fri, 27 Nov 2026 11:00:00 +0000",
    "27 Nov 2026 11:00:00 GMT",
  ])("ignores %j, which is not an HTTP-date", (value) => {
    expect(parseHttpDate(value)).toBeNull();
    expect(since(value)).toBe(false);
  });

  it("lets If-None-Match decide alone when present", () => {
    const both = (ifNoneMatch: string) =>
      isNotModified({ ifNoneMatch, ifModifiedSince: "Fri, 27 Nov 2026 11:00:00 GMT" }, FEED, NOW);
    expect(both('"other"')).toBe(false);
    expect(both('W/"abc"')).toBe(true);
  });
});
