import { describe, expect, it } from "vitest";
import { buildNoteLink } from "../../src/domain/event.ts";
import { buildFetchUrl, buildTextFromHtml } from "../../src/watch/sources.ts";

const fetchUrlOf = (url: string, kind?: string) => buildFetchUrl(kind ? { url, kind } : buildNoteLink(url));

describe("buildFetchUrl", () => {
  it.each([
    ["https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ", "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ/download"],
    ["https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ?view#Agenda", "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ/download"],
    ["https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ/edit", "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ/download"],
    ["https://hackmd.io/@xen/design-2019", "https://hackmd.io/@xen/design-2019/download"],
    ["https://hackmd.io/s/SkxZ1cK9V", "https://hackmd.io/s/SkxZ1cK9V/download"],
    ["https://demo.hedgedoc.org/s/abc123#x", "https://demo.hedgedoc.org/s/abc123/download"],
    ["https://demo.hedgedoc.org/p/abc123", "https://demo.hedgedoc.org/s/abc123/download"],
    ["https://demo.hedgedoc.org/7Nm2oQ?both", "https://demo.hedgedoc.org/7Nm2oQ/download"],
  ])("HackMD/HedgeDoc %s → %s", (url, expected) => {
    expect(fetchUrlOf(url)).toBe(expected);
  });

  it("gives no download URL for a HackMD page that is not a note", () => {
    expect(fetchUrlOf("https://hackmd.io/")).toBeNull();
    expect(fetchUrlOf("https://hackmd.io/@xen")).toBeNull();
    expect(fetchUrlOf("https://hackmd.io/abc/def/ghi")).toBeNull();
  });

  it.each([
    ["https://etherpad.wikimedia.org/p/xen-ds-2019", "https://etherpad.wikimedia.org/p/xen-ds-2019/export/txt"],
    [
      "https://etherpad.wikimedia.org/p/xen-ds-2019/timeslider#42",
      "https://etherpad.wikimedia.org/p/xen-ds-2019/export/txt",
    ],
    ["https://pad.example.org/pads/p/notes?lang=en", "https://pad.example.org/pads/p/notes/export/txt"],
  ])("Etherpad %s → %s", (url, expected) => {
    expect(fetchUrlOf(url)).toBe(expected);
  });

  it.each([
    [
      "https://wiki.xenproject.org/wiki/Design_Sessions_2019#Notes",
      "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019&action=raw",
    ],
    [
      "https://wiki.xenproject.org/wiki/Xen%20Toolstacks/Notes",
      "https://wiki.xenproject.org/index.php?title=Xen+Toolstacks%2FNotes&action=raw",
    ],
    ["https://wiki.xenproject.org/wiki/A%26B", "https://wiki.xenproject.org/index.php?title=A%26B&action=raw"],
    [
      "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019&oldid=123",
      "https://wiki.xenproject.org/index.php?title=Design_Sessions_2019&action=raw",
    ],
    ["https://wiki.example.org/w/index.php?title=Notes", "https://wiki.example.org/w/index.php?title=Notes&action=raw"],
  ])("MediaWiki %s → %s", (url, expected) => {
    expect(fetchUrlOf(url)).toBe(expected);
  });

  it("gives no raw URL for a wiki link without a title", () => {
    expect(fetchUrlOf("https://wiki.xenproject.org/index.php")).toBeNull();
    expect(fetchUrlOf("https://wiki.xenproject.org/Main_Page")).toBeNull();
  });

  it("fetches a mailing-list archive page itself, without its fragment", () => {
    expect(fetchUrlOf("https://lists.xenproject.org/archives/html/xen-devel/2019-07/threads.html#00789")).toBe(
      "https://lists.xenproject.org/archives/html/xen-devel/2019-07/threads.html",
    );
  });

  it("never fetches CryptPad or other links", () => {
    const cryptpad = buildNoteLink("https://cryptpad.fr/pad/#/2/pad/edit/abc/");
    expect(cryptpad.kind).toBe("cryptpad");
    expect(buildFetchUrl(cryptpad)).toBeNull();
    expect(fetchUrlOf("https://docs.google.com/document/d/1", "other")).toBeNull();
    expect(fetchUrlOf("not a url", "hackmd")).toBeNull();
  });
});

describe("buildTextFromHtml", () => {
  it("keeps the text a reader sees, one line per block", () => {
    const html = `<!DOCTYPE html><html><head><title>[Xen-devel] Toolstacks</title>
      <style>body { color: red }</style><script>var x = "<p>not text</p>";</script></head>
      <body><h1>Design   session</h1><!-- <p>hidden</p> -->
      <ul><li><a href="a.html" title="x > y">First</a> message</li><li>Second</li></ul>
      <p>Line one<br>line two</p></body></html>`;
    expect(buildTextFromHtml(html)).toBe(
      "[Xen-devel] Toolstacks\nDesign session\nFirst message\nSecond\nLine one\nline two",
    );
  });

  it("decodes named and numeric entities once", () => {
    expect(
      buildTextFromHtml(
        "<p>a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#x27; &amp;lt; &nbsp;f &mdash; &#128512; &bogus; &#0;</p>",
      ),
    ).toBe(`a & b <c> "d" 'e' &lt; f \u2014 \u{1F600} &bogus; \ufffd`);
  });

  it("keeps the lines of a <pre> message body", () => {
    expect(buildTextFromHtml("<pre>Hi all,\n\n  we agreed:\n- a\n- b\n</pre><p>after</p>")).toBe(
      "Hi all,\nwe agreed:\n- a\n- b\nafter",
    );
  });

  it("treats stray angle brackets as text and survives unclosed markup", () => {
    expect(buildTextFromHtml("<p>1 < 2 and 3<4</p><p>end")).toBe("1 < 2 and 3<4\nend");
    expect(buildTextFromHtml("<p>before</p><script>never closed <p>x</p>")).toBe("before");
  });
});
