import { describe, expect, it } from "vitest";
import { buildSlug, buildNoteKind } from "../../src/domain/event.ts";
import seed from "../../data/sources/design-sessions-2019.txt?raw";

describe("buildSlug", () => {
  it("follows the catalogue's id rule", () => {
    expect(buildSlug("Xen Toolstacks")).toBe("xen-toolstacks");
    expect(buildSlug("A new book on Xen?")).toBe("a-new-book-on-xen");
    expect(buildSlug("  --Rust & Xen--  ")).toBe("rust-xen");
  });
  it("keeps non-ASCII Latin titles readable", () => {
    expect(buildSlug("Café Ünïcode")).toBe("cafe-unicode");
    expect(buildSlug("Straße, Œuvre, Ærø, Łódź")).toBe("strasse-oeuvre-aero-lodz");
    expect(buildSlug("ｆｕｌｌ－ｗｉｄｔｈ")).toBe("full-width");
    expect(buildSlug("日本語")).toBe("");
  });
  it("cuts a long title at a word boundary within the slug limit", () => {
    const slug = buildSlug("word ".repeat(100));
    expect(slug.length).toBeLessThanOrEqual(200);
    expect(slug).toMatch(/^(word-)*word$/);
  });
  it("reads raw text", () => {
    expect(seed.split("\n")[0]).toBe("Design Sessions 2019");
  });
  it("classifies kinds", () => {
    expect(buildNoteKind("https://lists.xenproject.org/archives/html/xen-devel/2019-07/threads.html#00709")).toBe(
      "mailing-list",
    );
    expect(buildNoteKind("https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ")).toBe("hackmd");
    expect(buildNoteKind("https://cryptpad.fr/pad/#/2/pad/edit/fCwXg1GmSXXG8bc4ridHAsnR/")).toBe("cryptpad");
    expect(buildNoteKind("https://wiki.xen.org/wiki/Live-Updating_Xen")).toBe("wiki");
  });
});
