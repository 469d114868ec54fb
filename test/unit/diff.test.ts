import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildDiffSummary, buildExcerpt, diffLines, splitLines } from "../../src/domain/diff.ts";

describe("diffLines", () => {
  it("finds inserted, deleted and replaced lines", () => {
    const before = "# Notes\nattendees: 5\n- item one\n- item two\n";
    const after = "# Notes\nattendees: 7\n- item one\n- item 1.5\n- item two\n- action: write design doc\n";
    expect(diffLines(before, after)).toEqual({
      added: ["attendees: 7", "- item 1.5", "- action: write design doc"],
      removed: ["attendees: 5"],
    });
  });

  it("treats CRLF and LF alike and a first version as all added", () => {
    expect(diffLines("a\r\nb\r\n", "a\nb\n")).toEqual({ added: [], removed: [] });
    expect(diffLines("", "a\nb")).toEqual({ added: ["a", "b"], removed: [] });
  });

  it("falls back to a multiset count past the edit limit", () => {
    const before = Array.from({ length: 50 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 50 }, (_, i) => `new ${i}`).join("\n");
    const diff = diffLines(before, after, 10);
    expect(diff.added).toHaveLength(50);
    expect(diff.removed).toHaveLength(50);
  });

  it("always accounts for every line: before − removed + added = after, as multisets", () => {
    const lines = fc.array(fc.constantFrom("a", "b", "c", "d", ""), { maxLength: 30 });
    fc.assert(
      fc.property(lines, lines, fc.integer({ min: 1, max: 60 }), (a, b, maxEdits) => {
        const diff = diffLines(a.join("\n"), b.join("\n"), maxEdits);
        const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
        const result = count(splitLines(a.join("\n")));
        for (const r of diff.removed) result.set(r, result.get(r)! - 1);
        for (const x of diff.added) result.set(x, (result.get(x) ?? 0) + 1);
        const expected = count(splitLines(b.join("\n")));
        for (const [k, v] of result) expect(v, k).toBe(expected.get(k) ?? 0);
        if (maxEdits >= 60) expect(diff.added.length + diff.removed.length).toBeLessThanOrEqual(a.length + b.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe("excerpt and summary", () => {
  it("keeps the first added lines within the limit", () => {
    expect(buildExcerpt(["", "  first  ", "second", "third"], 14)).toBe("first\nsecond\n…");
    expect(buildExcerpt(["a very long line of notes text"], 12)).toBe("a very long…");
  });
  it("says what changed in words", () => {
    expect(buildDiffSummary({ added: ["x"], removed: ["y", "z"] })).toBe("1 line added, 2 lines removed");
    expect(buildDiffSummary({ added: [], removed: [] })).toBe("whitespace or line-ending changes only");
  });
});
