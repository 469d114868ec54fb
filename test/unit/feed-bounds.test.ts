// A stored feed's size is bounded by its item count whatever the change log holds: 50 changes as hostile as the
// rows of issue 8 (2 MB titles and summaries, 2,048-character URLs of "&", excerpts of `<&>"'`) render, in every
// format, within MAX_FEED_BYTES (limits.ts), item by item within MAX_FEED_ITEM_BYTES.
import { describe, expect, it } from "vitest";
import type { Change } from "../../src/domain/changes.ts";
import type { Event } from "../../src/domain/event.ts";
import {
  MAX_CHANGE_ID_CHARS,
  MAX_FEED_BYTES,
  MAX_FEED_HEAD_BYTES,
  MAX_FEED_ITEM_BYTES,
  MAX_FEED_ITEMS,
  MAX_ITEM_MARKUP_BYTES,
  MAX_ITEM_TITLE_CHARS,
  MAX_LINK_TEXT_CHARS,
  MAX_SITE_URL_CHARS,
  MAX_SLUG_CHARS,
  MAX_URL_CHARS,
} from "../../src/domain/limits.ts";
import { type SiteConfig, buildAllFeed, buildEventFeeds } from "../../src/feeds/build.ts";
import { FEED_FORMATS, type Feed } from "../../src/feeds/model.ts";
import { renderFeed } from "../../src/feeds/render.ts";

// Host labels of 63 characters: the longest site URL the bound assumes.
const HOST = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(50)}.example`;
const SITE: SiteConfig = { baseUrl: `https://${HOST}/`, hubUrl: `https://${HOST}/hub` };
const HOSTILE = "<&>\"'".repeat(400_000); // 2,000,000 characters, each escaped two or three times over
const EVENT_ID = "e".repeat(MAX_SLUG_CHARS);
const SESSION_ID = "s".repeat(MAX_SLUG_CHARS);
const AMPERSANDS = `https://pad.example/?${"&".repeat(MAX_URL_CHARS - "https://pad.example/?".length)}`;
const SINCE = "2026-11-27T00:00:00.000Z";

const event: Event = {
  id: EVENT_ID,
  title: HOSTILE,
  sessions: [{ id: SESSION_ID, title: HOSTILE, description: "", hosts: [], notesPublished: true, notes: [] }],
};

function buildHostileChange(i: number, overrides: Partial<Change> = {}): Change {
  return {
    id: `chg_${i}_`.padEnd(MAX_CHANGE_ID_CHARS, "&"),
    event: EVENT_ID,
    seq: i + 1,
    session: SESSION_ID,
    sessionTitle: HOSTILE,
    type: "notes.updated",
    url: AMPERSANDS,
    summary: HOSTILE,
    excerpt: HOSTILE,
    linesAdded: 1,
    linesRemoved: 0,
    at: new Date(Date.UTC(2026, 10, 27, 10, i)).toISOString(),
    ...overrides,
  };
}

const changes = Array.from({ length: MAX_FEED_ITEMS + 5 }, (_, i) => buildHostileChange(MAX_FEED_ITEMS + 5 - i));
const feeds = (list: Change[]): Feed[] => [
  buildAllFeed(SITE, list, new Map([[EVENT_ID, HOSTILE]]), SINCE),
  ...buildEventFeeds(SITE, event, list, SINCE),
];
const sizeOf = async (feed: Feed, format: (typeof FEED_FORMATS)[number]) =>
  new TextEncoder().encode((await renderFeed(feed, format)).body).byteLength;

describe("the size of a stored feed", () => {
  it("assumes a site URL no longer than this test's", () => {
    expect(SITE.baseUrl.length).toBeLessThanOrEqual(MAX_SITE_URL_CHARS);
    expect(MAX_FEED_BYTES).toBeLessThan(25 * 1024 * 1024); // a KV value
  });

  it.each(FEED_FORMATS)("stays within MAX_FEED_BYTES in %s for 50 maximal hostile changes", async (format) => {
    for (const feed of feeds(changes)) {
      const full = await sizeOf(feed, format);
      const head = await sizeOf({ ...feed, items: [] }, format);
      expect(head).toBeLessThanOrEqual(MAX_FEED_HEAD_BYTES);
      expect((full - head) / MAX_FEED_ITEMS).toBeLessThanOrEqual(MAX_FEED_ITEM_BYTES);
      expect(full).toBeLessThanOrEqual(MAX_FEED_BYTES);
      // The bound is not vacuous: the hostile text really does fill the items (escaped several times over).
      expect(full).toBeGreaterThan(MAX_FEED_ITEMS * 10_000);
    }
  });

  it("counts an item's own markup within MAX_ITEM_MARKUP_BYTES", async () => {
    const site: SiteConfig = { baseUrl: "https://s.example/", hubUrl: "https://s.example/hub" };
    const small: Event = { ...event, id: "e", title: "", sessions: [{ ...event.sessions[0]!, id: "s", title: "" }] };
    const empty = Array.from({ length: MAX_FEED_ITEMS }, (_, i) =>
      buildHostileChange(i, {
        id: "c",
        event: "e",
        session: "s",
        sessionTitle: "",
        summary: "",
        excerpt: "x",
        url: "https://p.example/",
      }),
    );
    for (const format of FEED_FORMATS) {
      for (const feed of buildEventFeeds(site, small, empty, SINCE)) {
        const perItem =
          ((await sizeOf(feed, format)) - (await sizeOf({ ...feed, items: [] }, format))) / MAX_FEED_ITEMS;
        expect(perItem).toBeLessThanOrEqual(MAX_ITEM_MARKUP_BYTES);
      }
    }
  });

  it("stays within the bound for URLs too long to link, and event-level changes", async () => {
    const unlinkable = Array.from({ length: MAX_FEED_ITEMS }, (_, i) =>
      buildHostileChange(i, {
        url: i % 2 ? `${AMPERSANDS}&` : `https://pad.example/${"é".repeat(MAX_URL_CHARS - 20)}`,
        ...(i % 3 ? {} : { session: null, sessionTitle: null }),
      }),
    );
    for (const format of FEED_FORMATS) {
      for (const feed of feeds(unlinkable)) expect(await sizeOf(feed, format)).toBeLessThanOrEqual(MAX_FEED_BYTES);
    }
  });

  it("shows cut titles, a linked notes URL of 2,048 characters and a shortened link text", async () => {
    const [all] = feeds(changes);
    const json = JSON.parse((await renderFeed(all!, "json")).body) as {
      title: string;
      items: { title: string; content_html: string; tags: string[] }[];
    };
    expect(json.items).toHaveLength(MAX_FEED_ITEMS);
    for (const item of json.items) {
      expect(item.title.length).toBeLessThanOrEqual(MAX_ITEM_TITLE_CHARS);
      expect(item.title.startsWith("Notes updated: <&>\"'")).toBe(true);
      expect(item.title.endsWith("…")).toBe(true);
      const [, href, text] = item.content_html.match(/<a href="([^"]*)">([^<]*)<\/a>/)!;
      expect(href!.replaceAll("&amp;", "&")).toBe(AMPERSANDS);
      const shown = text!.replaceAll("&amp;", "&");
      expect(shown).toHaveLength(MAX_LINK_TEXT_CHARS);
      expect(shown.endsWith("…")).toBe(true);
    }
  });

  it("shows a URL over the limit shortened and unlinked, as parsed, not as sent", async () => {
    const tooLong = `${AMPERSANDS}&`;
    // Within the limit as sent, over it once the URL parser has percent-encoded it: not linked either.
    const expands = `https://pad.example/${"é".repeat(MAX_URL_CHARS - 20)}`;
    for (const url of [tooLong, expands]) {
      const [feed] = feeds([buildHostileChange(1, { url })]);
      const html = (JSON.parse((await renderFeed(feed!, "json")).body) as { items: { content_html: string }[] })
        .items[0]!.content_html;
      expect(html).not.toContain("<a");
      const shown = html.match(/<strong>Notes:<\/strong> ([^<]*)<\/p>/)![1]!.replaceAll("&amp;", "&");
      expect(shown).toHaveLength(MAX_LINK_TEXT_CHARS);
      expect(url.startsWith(shown.slice(0, -1))).toBe(true);
    }
  });
});
