// Feeds through the Worker: rendered at publish time into KV, served with validators and 304s, discovered
// from pages, and announced to the WebSub hub through the queue.
import { env } from "cloudflare:workers";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestChanges } from "../helpers/factories.ts";
import { fetchWorker, sendAdmin } from "../helpers/http.ts";
import { captureQueues, deliver } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import {
  MAX_EXCERPT_CHARS,
  MAX_FEED_HEAD_BYTES,
  MAX_FEED_ITEM_BYTES,
  MAX_SESSION_TITLE_CHARS,
  MAX_SUMMARY_CHARS,
} from "../../src/domain/limits.ts";
import { FEED_FORMATS } from "../../src/feeds/model.ts";
import { apiPaths, feedPaths, pagePaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { insertChange as insertChangeRow } from "../../src/store/changes.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
// Tests run without a hub (vitest.config.ts), so background work never pings one; these tests name their own.
const HUB = "https://hub.websub.test/";
const hubEnv = { ...env, WEBSUB_HUB: HUB };
const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  fetchWorker(path, { method, headers });

async function addChanges(n: number, from = 1, session = "xen-toolstacks", title = "Xen Toolstacks") {
  await putTestChanges(
    Array.from({ length: n }, (_, j) => from + j - 1).map((i) => ({
      id: `chg_${session}_${i + 1}`,
      session,
      sessionTitle: title,
      summary: `${i + 1} lines added`,
      excerpt: `line ${i + 1}`,
      at: new Date(Date.UTC(2026, 10, 27, 10, i)).toISOString(),
    })),
  );
  await publish(hubEnv, buildSite(hubEnv));
}

beforeEach(async () => {
  await loadEvents(hubEnv, buildSite(hubEnv), [buildTestEvent()], new Date("2026-11-27T09:00:00Z"));
});
afterEach(() => vi.restoreAllMocks());

const FEEDS = [
  [feedPaths.all("rss"), "application/rss+xml; charset=utf-8"],
  [feedPaths.all("atom"), "application/atom+xml; charset=utf-8"],
  [feedPaths.all("json"), "application/feed+json; charset=utf-8"],
  [feedPaths.event(EVENT, "rss"), "application/rss+xml; charset=utf-8"],
  [feedPaths.event(EVENT, "atom"), "application/atom+xml; charset=utf-8"],
  [feedPaths.event(EVENT, "json"), "application/feed+json; charset=utf-8"],
  [feedPaths.session(EVENT, "xen-toolstacks", "rss"), "application/rss+xml; charset=utf-8"],
  [feedPaths.session(EVENT, "xen-toolstacks", "atom"), "application/atom+xml; charset=utf-8"],
  [feedPaths.session(EVENT, "xen-toolstacks", "json"), "application/feed+json; charset=utf-8"],
] as const;

describe("serving", () => {
  it.each(FEEDS)("serves %s as %s with validators", async (path, type) => {
    await addChanges(3);
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(type);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get("last-modified")).toBe("Fri, 27 Nov 2026 10:02:00 GMT");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const body = await res.text();
    if (path.endsWith(".json")) expect((JSON.parse(body) as { items: unknown[] }).items).toHaveLength(3);
    else expect(XMLValidator.validate(body)).toBe(true);
  });

  it("lists the session's items newest first with a title saying what happened", async () => {
    await addChanges(3);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(
      await (await get(feedPaths.session(EVENT, "xen-toolstacks", "rss"))).text(),
    ) as {
      rss: { channel: { item: { title: string; guid: { "#text": string; "@_isPermaLink": string }; link: string }[] } };
    };
    const items = feed.rss.channel.item;
    expect(items.map((i) => i.guid["#text"])).toEqual([
      "chg_xen-toolstacks_3",
      "chg_xen-toolstacks_2",
      "chg_xen-toolstacks_1",
    ]);
    expect(items[0]!.guid["@_isPermaLink"]).toBe("false");
    expect(items[0]!.title).toBe("Notes updated: Xen Toolstacks");
    expect(items[0]!.link).toBe(`http://127.0.0.1:8787${pagePaths.session(EVENT, "xen-toolstacks")}`);
  });

  it("keeps at most 50 items however long the log grows", async () => {
    await addChanges(60);
    const feed = JSON.parse(await (await get(feedPaths.event(EVENT, "json"))).text()) as { items: { id: string }[] };
    expect(feed.items).toHaveLength(50);
    expect(feed.items[0]!.id).toBe("chg_xen-toolstacks_60");
  });

  it("serves an empty feed for a session without changes, and 404 text for no feed", async () => {
    const empty = await get(feedPaths.session(EVENT, "xen-on-risc-v", "atom"));
    expect(empty.status).toBe(200);
    expect(XMLValidator.validate(await empty.text())).toBe(true);
    for (const path of [
      feedPaths.event("nope", "rss"),
      feedPaths.session(EVENT, "nope", "json"),
      feedPaths.event("x".repeat(600), "rss"),
    ]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    }
  });

  it("answers HEAD without a body and other methods with 405", async () => {
    const head = await get(feedPaths.all("atom"), {}, "HEAD");
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await get(feedPaths.all("atom"), {}, "POST")).status).toBe(405);
  });

  it("answers errors as plain text, never as a page: 405, 404 off the routes, 500", async () => {
    const expectText = async (res: Response, status: number, body: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(body);
    };
    const post = await get(`/events/${EVENT}/feed.rss`, {}, "POST");
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    await expectText(post, 405, "POST is not allowed here; use GET, HEAD.\n");
    await expectText(await get(`/events/${EVENT}/sessions/x/notes/feed.atom`), 404, "Nothing is at this address.\n");

    vi.spyOn(env.SITE, "getWithMetadata").mockRejectedValue(new Error("KV is down"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    await expectText(await get(`/events/${EVENT}/feed.json`), 500, "Something went wrong on our side.\n");
    expect(logged).toHaveBeenCalledWith("unhandled", "GET", `/events/${EVENT}/feed.json`, expect.any(Error));
  });
});

describe("conditional GET", () => {
  let etag: string;
  let lastModified: string;
  beforeEach(async () => {
    await addChanges(2);
    const res = await get(feedPaths.event(EVENT, "atom"));
    etag = res.headers.get("etag")!;
    lastModified = res.headers.get("last-modified")!;
  });
  const status = async (headers: Record<string, string>) => {
    const res = await get(feedPaths.event(EVENT, "atom"), headers);
    if (res.status === 304) expect(await res.text()).toBe("");
    return res.status;
  };

  it("answers 304 with no body for a matching If-None-Match: exact, weak, in a list, or *", async () => {
    expect(await status({ "if-none-match": etag })).toBe(304);
    expect(await status({ "if-none-match": `W/${etag}` })).toBe(304);
    expect(await status({ "if-none-match": `"other", ${etag}` })).toBe(304);
    expect(await status({ "if-none-match": "*" })).toBe(304);
    expect(await status({ "if-none-match": '"other"' })).toBe(200);
  });

  it("answers 304 for If-Modified-Since at or after Last-Modified, 200 before or when unparseable", async () => {
    expect(await status({ "if-modified-since": lastModified })).toBe(304);
    expect(await status({ "if-modified-since": "Sat, 28 Nov 2026 00:00:00 GMT" })).toBe(304);
    expect(await status({ "if-modified-since": "Fri, 27 Nov 2026 10:00:59 GMT" })).toBe(200);
    expect(await status({ "if-modified-since": "yesterday-ish" })).toBe(200);
  });

  it("ignores an If-Modified-Since that is in the future or not an HTTP-date, and honours a valid past one", async () => {
    expect(await status({ "if-modified-since": new Date(Date.now() + 60_000).toUTCString() })).toBe(200);
    expect(await status({ "if-modified-since": "Fri, 31 Dec 9999 23:59:59 GMT" })).toBe(200);
    expect(await status({ "if-modified-since": "garbage" })).toBe(200);
    // Date.parse reads this one, and it is after Last-Modified; it is still no HTTP-date.
    expect(await status({ "if-modified-since": "Nov 28 2026" })).toBe(200);
    expect(await status({ "if-modified-since": new Date(Date.now() - 1000).toUTCString() })).toBe(304);
  });

  it("lets a mismatched If-None-Match win over a matching date (RFC 9110)", async () => {
    expect(await status({ "if-none-match": '"stale"', "if-modified-since": lastModified })).toBe(200);
  });

  it("keeps the ETag across rebuilds of unchanged content and changes it with the content", async () => {
    const again = await publish(hubEnv, buildSite(hubEnv));
    expect(again.changedFeeds).toEqual([]);
    expect((await get(feedPaths.event(EVENT, "atom"))).headers.get("etag")).toBe(etag);
    await addChanges(1, 3);
    expect((await get(feedPaths.event(EVENT, "atom"))).headers.get("etag")).not.toBe(etag);
  });
});

describe("discovery and WebSub", () => {
  it("advertises feeds in page heads and as visible links", async () => {
    const html = await (await get(pagePaths.session(EVENT, "xen-toolstacks"))).text();
    expect(html).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Xen Toolstacks (Atom)" href="${feedPaths.session(EVENT, "xen-toolstacks", "atom")}"/>`,
    );
    expect(html).toContain(
      `<link rel="alternate" type="application/rss+xml" title="Test Summit 2026 (RSS)" href="${feedPaths.event(EVENT, "rss")}"/>`,
    );
    expect(html).toMatch(/Follow this session:.*feed\.rss.*RSS.*feed\.atom.*Atom.*feed\.json.*JSON Feed/s);
    const home = await (await get("/")).text();
    expect(home).toContain(`href="${feedPaths.all("json")}"`);
  });

  it("advertises the hub and itself in every feed", async () => {
    const atom = await (await get(feedPaths.event(EVENT, "atom"))).text();
    expect(atom).toContain(`rel="hub"`);
    expect(atom).toContain(HUB);
    expect(atom).toContain(`http://127.0.0.1:8787${feedPaths.event(EVENT, "atom")}`);
    const json = JSON.parse(await (await get(feedPaths.event(EVENT, "json"))).text()) as {
      hubs: { url: string }[];
      feed_url: string;
    };
    expect(json.hubs[0]!.url).toBe(HUB);
    expect(json.feed_url).toBe(`http://127.0.0.1:8787${feedPaths.event(EVENT, "json")}`);
  });

  it("pings the hub through the queue for every feed that changed, and retries a failing hub", async () => {
    const { changes } = captureQueues();
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url: "https://hackmd.io/rusty",
    });
    const receiptId = ((await res.json()) as { receipt: string }).receipt;
    changes.sent.splice(0);
    await deliver(QUEUES.changes, [{ body: { v: 1, type: "receipt", receiptId } }], { bindings: hubEnv });
    const pings = changes.sent.map((m) => (m.body as { feedUrl: string }).feedUrl);
    expect(pings.sort()).toEqual(
      [
        ...FEED_FORMATS.map((f) => `http://127.0.0.1:8787${feedPaths.all(f)}`),
        ...FEED_FORMATS.map((f) => `http://127.0.0.1:8787${feedPaths.event(EVENT, f)}`),
        ...FEED_FORMATS.map((f) => `http://127.0.0.1:8787${feedPaths.session(EVENT, "rust-and-xen", f)}`),
      ].sort(),
    );
    // The change is published whatever the hub does.
    expect((await get(feedPaths.session(EVENT, "rust-and-xen", "json"))).status).toBe(200);

    const fetch = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValueOnce(new Response(null, { status: 204 }))
      .mockResolvedValueOnce(new Response("busy", { status: 503 }));
    const result = await deliver(
      QUEUES.changes,
      [
        { id: "ok", body: { v: 1, type: "websub", feedUrl: pings[0] } },
        { id: "down", body: { v: 1, type: "websub", feedUrl: pings[1] } },
      ],
      { bindings: hubEnv },
    );
    expect(result.explicitAcks).toEqual(["ok"]);
    expect(result.retryMessages).toEqual([{ msgId: "down" }]);
    const request = fetch.mock.calls[0]![0] as Request;
    expect(request.url).toBe(HUB);
    expect(request.method).toBe("POST");
    expect(new URLSearchParams(await request.text())).toEqual(
      new URLSearchParams({ "hub.mode": "publish", "hub.url": pings[0]! }),
    );
  });
});

describe("compressed", () => {
  it("gzips every format for a client that takes it, under an ETag of its own; either ETag revalidates", async () => {
    await addChanges(3);
    for (const format of FEED_FORMATS) {
      const path = feedPaths.event(EVENT, format);
      const plain = await get(path);
      const packed = await get(path, { "accept-encoding": "gzip, br" });
      expect(plain.headers.get("content-encoding")).toBeNull();
      expect(packed.headers.get("content-encoding")).toBe("gzip");
      expect(packed.headers.get("content-type")).toBe(plain.headers.get("content-type"));
      const etag = plain.headers.get("etag")!;
      expect(packed.headers.get("etag")).toBe(etag.replace(/"$/, '-gzip"'));
      const text = await plain.text();
      // workerd's fetch decodes what it receives: a body that was not gzip would fail here.
      expect(await packed.text()).toBe(text);
      for (const tag of [etag, packed.headers.get("etag")!]) {
        for (const encoding of ["gzip", "identity"]) {
          const again = await get(path, { "accept-encoding": encoding, "if-none-match": tag });
          expect(again.status, `${format} ${tag} ${encoding}`).toBe(304);
        }
      }
      // A client that refuses gzip gets the plain body.
      const refused = await get(path, { "accept-encoding": "gzip;q=0, identity" });
      expect(refused.headers.get("content-encoding")).toBeNull();
      expect(await refused.text()).toBe(text);
    }
    // The next publish changes both ETags: neither revalidates the old body.
    const before = await get(feedPaths.event(EVENT, "atom"), { "accept-encoding": "gzip" });
    await addChanges(1, 4);
    const after = await get(feedPaths.event(EVENT, "atom"), {
      "accept-encoding": "gzip",
      "if-none-match": before.headers.get("etag")!,
    });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
  });
});

describe("the change log API", () => {
  type Log = { changes: { seq: number }[]; nextCursor: string | null };
  const log = async (query = "", headers: Record<string, string> = {}) =>
    (await get(`${apiPaths.changes(EVENT)}${query}`, headers)).json<Log>();

  it("pages newest first by cursor, gzipped or not, and shows a new change at once after its publish", async () => {
    await addChanges(5);
    const first = await log("?limit=2", { "accept-encoding": "gzip" });
    expect(first.changes.map((c) => c.seq)).toEqual([5, 4]);
    expect(await log("?limit=2")).toEqual(first);
    const second = await log(`?limit=2&cursor=${first.nextCursor}`);
    expect(second.changes.map((c) => c.seq)).toEqual([3, 2]);
    const last = await log(`?limit=2&cursor=${second.nextCursor}`);
    expect(last).toEqual({ changes: [expect.objectContaining({ seq: 1 })], nextCursor: null });
    // The same window, asked again after a publish: the body kept for it is not served.
    await addChanges(1, 6);
    expect((await log("?limit=2", { "accept-encoding": "gzip" })).changes.map((c) => c.seq)).toEqual([6, 5]);
  });
});

describe("in a browser", () => {
  /** What Chromium and Firefox send when a link to a feed is followed, and what feedparser sends. */
  const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
  const FEEDPARSER =
    "application/atom+xml,application/rdf+xml,application/rss+xml,application/x-netcdf,application/xml;q=0.9," +
    "text/xml;q=0.2,*/*;q=0.1";

  it("serves RSS and Atom as XML to a navigation, the same bytes, and the feed types to readers", async () => {
    await addChanges(2);
    for (const format of ["rss", "atom"] as const) {
      const path = feedPaths.event(EVENT, format);
      const [page, reader, plain] = await Promise.all([
        get(path, { accept: BROWSER }),
        get(path, { accept: FEEDPARSER }),
        get(path),
      ]);
      expect(page.headers.get("content-type")).toBe("application/xml; charset=utf-8");
      expect(reader.headers.get("content-type")).toBe(`application/${format}+xml; charset=utf-8`);
      expect(plain.headers.get("content-type")).toBe(`application/${format}+xml; charset=utf-8`);
      for (const res of [page, reader, plain]) expect(res.headers.get("vary")).toBe("Accept-Encoding, Accept");
      expect(page.headers.get("etag")).toBe(reader.headers.get("etag"));
      expect(await page.text()).toBe(await reader.text());
      const refused = await get(path, { accept: "text/html;q=0, application/xml" });
      expect(refused.headers.get("content-type")).toBe(`application/${format}+xml; charset=utf-8`);
      const revalidated = await get(path, { accept: BROWSER, "if-none-match": page.headers.get("etag")! });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers.get("vary")).toBe("Accept-Encoding, Accept");
    }
    const json = await get(feedPaths.event(EVENT, "json"), { accept: BROWSER });
    expect(json.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
    expect(json.headers.get("vary")).toBe("Accept-Encoding");
  });

  it("serves the stylesheet the feeds name, cached for a week and revalidated by its ETag", async () => {
    const rss = await (await get(feedPaths.all("rss"))).text();
    const href = /<\?xml-stylesheet type="text\/xsl" href="([^"]+)"\?>/.exec(rss)?.[1];
    expect(href).toBe(feedPaths.stylesheet());
    const res = await get(href!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=604800");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const xsl = await res.text();
    expect(XMLValidator.validate(xsl)).toBe(true);
    const root = new XMLParser({ ignoreAttributes: false }).parse(xsl)["xsl:stylesheet"] as Record<string, string>;
    expect(root["@_version"]).toBe("1.0");
    expect(xsl).not.toContain("disable-output-escaping");
    expect(xsl).not.toContain("<script");
    const again = await get(href!, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    expect((await get(href!, { "if-none-match": '"other"' })).status).toBe(200);
    expect((await get(href!, {}, "HEAD")).headers.get("etag")).toBe(etag);
  });

  it("lets a feed load that one stylesheet under its CSP, and no script", async () => {
    const csp = (await get(feedPaths.event(EVENT, "atom"))).headers.get("content-security-policy")!;
    const directives = Object.fromEntries(
      csp.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(" ")];
      }),
    );
    // fetchWorker requests http://sessionwire.test (test/helpers/http.ts): the origin the browser loaded.
    expect(directives["script-src"]).toBe("http://sessionwire.test/feed.xsl");
    expect(directives["default-src"]).toBe("'none'");
    expect(directives["style-src"]).toBe("'unsafe-inline'");
    expect((await get(pagePaths.event(EVENT))).headers.get("content-security-policy")).toBe(csp);
  });
});

describe("ids that do not depend on the site's address", () => {
  /** Every id each format gives its items (and Atom its feed), for the three scopes. */
  async function readIds() {
    const paths = (f: "rss" | "atom" | "json") => [
      feedPaths.all(f),
      feedPaths.event(EVENT, f),
      feedPaths.session(EVENT, "xen-toolstacks", f),
    ];
    const parser = new XMLParser({ ignoreAttributes: false, isArray: (name) => ["item", "entry"].includes(name) });
    const ids: Record<string, unknown> = {};
    const links: string[] = [];
    for (const path of paths("rss")) {
      const { channel } = parser.parse(await (await get(path)).text()).rss;
      ids[path] = channel.item.map((i: { guid: { "#text": string } }) => i.guid["#text"]);
      links.push(channel.link);
    }
    for (const path of paths("atom")) {
      const { feed } = parser.parse(await (await get(path)).text());
      ids[path] = [feed.id, ...feed.entry.map((e: { id: string }) => e.id)];
    }
    for (const path of paths("json")) {
      ids[path] = (JSON.parse(await (await get(path)).text()) as { items: { id: string }[] }).items.map((i) => i.id);
    }
    return { ids, links };
  }

  it("keeps every Atom id, RSS guid and JSON Feed id when the site moves to another address", async () => {
    await addChanges(3);
    const before = await readIds();
    const moved = { ...hubEnv, PUBLIC_BASE_URL: "https://notes.example.org" };
    expect((await publish(moved, buildSite(moved))).changedFeeds.length).toBeGreaterThan(0);
    const after = await readIds();
    expect(after.links).toEqual([
      "https://notes.example.org/",
      `https://notes.example.org${pagePaths.event(EVENT)}`,
      `https://notes.example.org${pagePaths.session(EVENT, "xen-toolstacks")}`,
    ]);
    expect(before.links).not.toEqual(after.links);
    expect(after.ids).toEqual(before.ids);
    expect(after.ids[feedPaths.session(EVENT, "xen-toolstacks", "atom")]).toEqual([
      "tag:sessionwire.invalid,2026:feed/events/test-summit-2026/sessions/xen-toolstacks",
      "tag:sessionwire.invalid,2026:change/chg_xen-toolstacks_3",
      "tag:sessionwire.invalid,2026:change/chg_xen-toolstacks_2",
      "tag:sessionwire.invalid,2026:change/chg_xen-toolstacks_1",
    ]);
  });
});

describe("change rows as large as issue 8's", () => {
  const HUGE = "<&>\"'".repeat(400_000); // 2,000,000 characters

  it("render small from rows written before the limits: feeds, pages and the change log", async () => {
    // Raw SQL on purpose: insertChange cuts these texts now; rows written before the limits were not cut.
    await env.DB.prepare(
      `INSERT INTO changes (id, event_id, seq, session_id, session_title, type, url, summary, excerpt, created_at)
       VALUES ('chg_old', ?, 1, 'xen-toolstacks', ?, 'notes.updated', ?, ?, ?, '2026-11-27T10:00:00.000Z')`,
    )
      .bind(EVENT, HUGE, `https://hackmd.io/?${"&".repeat(2000)}`, HUGE.slice(0, 100_000), HUGE.slice(0, 100_000))
      .run();
    await publish(hubEnv, buildSite(hubEnv));
    for (const [path] of FEEDS) {
      const body = await (await get(path)).text();
      expect(new TextEncoder().encode(body).byteLength, path).toBeLessThanOrEqual(
        MAX_FEED_HEAD_BYTES + MAX_FEED_ITEM_BYTES,
      );
      expect(body, path).toContain("Notes updated: ");
    }
    const log = (await (await get(apiPaths.changes(EVENT))).json()) as {
      changes: { sessionTitle: string; summary: string; excerpt: string }[];
    };
    expect(log.changes[0]!.sessionTitle).toHaveLength(MAX_SESSION_TITLE_CHARS);
    const session = await (await get(apiPaths.session(EVENT, "xen-toolstacks"))).text();
    expect(session.length).toBeLessThan(20_000);
    const page = await (await get(pagePaths.session(EVENT, "xen-toolstacks"))).text();
    expect(page.length).toBeLessThan(50_000);
  });

  it("are cut when written: insertChange stores the session title, summary and excerpt at their limits", async () => {
    await insertChangeRow(env.DB, {
      id: "chg_new",
      event: EVENT,
      session: "xen-toolstacks",
      sessionTitle: HUGE,
      type: "notes.updated",
      url: "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ",
      summary: HUGE,
      excerpt: HUGE,
      linesAdded: 1,
      linesRemoved: 0,
      at: "2026-11-27T10:00:00.000Z",
    }).run();
    const row = await env.DB.prepare(
      "SELECT length(session_title) AS title, length(summary) AS summary, length(excerpt) AS excerpt FROM changes",
    ).first();
    expect(row).toEqual({ title: MAX_SESSION_TITLE_CHARS, summary: MAX_SUMMARY_CHARS, excerpt: MAX_EXCERPT_CHARS });
  });
});
