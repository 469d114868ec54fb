// CORS: feeds, calendars and the JSON API answer any origin on GET and HEAD and answer their preflight, so
// readers and dashboards on other sites can use them; admin, webhooks, subscriptions and pages answer no CORS
// header at all, and their preflight is refused.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import catalogue2019 from "../../data/events/xen-design-sessions-2019.json";
import { Event } from "../../src/domain/event.ts";
import { isPublicRead } from "../../src/http/cors.ts";
import { apiPaths, feedPaths, pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChanges } from "../helpers/factories.ts";
import { ADMIN_TOKEN, fetchWorker } from "../helpers/http.ts";
import { captureQueues } from "../helpers/queue.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const ORIGIN = "https://dashboard.example.net";

const accessControl = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")));

/** A browser's preflight for a cross-origin request of `method` with conditional headers. */
const preflight = (path: string, method = "GET") =>
  fetchWorker(path, {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": method,
      "access-control-request-headers": "if-none-match, content-type",
    },
  });

const PUBLIC_READS = [
  apiPaths.events(),
  apiPaths.event(EVENT),
  apiPaths.session(EVENT, SESSION),
  apiPaths.changes(EVENT),
  apiPaths.openApi(),
  feedPaths.all("rss"),
  feedPaths.event(EVENT, "atom"),
  feedPaths.session(EVENT, SESSION, "json"),
];

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date("2026-11-27T10:00:00Z"));
  captureQueues();
  await putTestChanges([{ summary: "2 lines added" }]);
  await publish(env, buildSite());
});

describe("public reads", () => {
  it("answer any origin on GET and HEAD, and expose their validators", async () => {
    for (const path of PUBLIC_READS) {
      for (const method of ["GET", "HEAD"]) {
        const res = await fetchWorker(path, { method, headers: { origin: ORIGIN } });
        expect(res.status, `${method} ${path}`).toBe(200);
        expect(accessControl(res), `${method} ${path}`).toEqual({
          "access-control-allow-origin": "*",
          "access-control-expose-headers": "ETag,Last-Modified",
        });
      }
    }
  });

  it("keep it on a 304 and on a 404, so a reader on another site can read those too", async () => {
    const feed = await fetchWorker(feedPaths.event(EVENT, "rss"), { headers: { origin: ORIGIN } });
    const etag = feed.headers.get("etag")!;
    const notModified = await fetchWorker(feedPaths.event(EVENT, "rss"), {
      headers: { origin: ORIGIN, "if-none-match": etag },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get("access-control-allow-origin")).toBe("*");
    for (const path of [apiPaths.event("nope"), feedPaths.event("nope", "atom")]) {
      const missing = await fetchWorker(path, { headers: { origin: ORIGIN } });
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get("access-control-allow-origin"), path).toBe("*");
    }
  });

  it("answer a preflight with 204 and the methods and headers they take; calendars too, by their path", async () => {
    const calendars = ["/events/test-summit-2026/calendar.ics", "/events/test-summit-2026/sessions/x/calendar.ics"];
    for (const path of [...PUBLIC_READS, ...calendars]) {
      const res = await preflight(path);
      expect(res.status, path).toBe(204);
      expect(accessControl(res), path).toEqual({
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "GET,HEAD",
        "access-control-allow-headers": "If-None-Match,If-Modified-Since",
        "access-control-expose-headers": "ETag,Last-Modified",
        "access-control-max-age": "86400",
      });
      expect(await res.text()).toBe("");
    }
  });

  it("still send a gzipped body as it is, with the header added", async () => {
    const xen = Event.parse(catalogue2019);
    await loadEvents(env, buildSite(), [xen], new Date("2026-11-27T10:00:00Z"));
    const plain = await fetchWorker(apiPaths.event(xen.id), { headers: { origin: ORIGIN } });
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(1024);
    const packed = await fetchWorker(apiPaths.event(xen.id), {
      headers: { origin: ORIGIN, "accept-encoding": "gzip" },
    });
    expect(packed.headers.get("content-encoding")).toBe("gzip");
    expect(packed.headers.get("access-control-allow-origin")).toBe("*");
    // workerd's fetch decodes the gzip body as a client does: compressed twice, it would not read back.
    expect(await packed.text()).toBe(text);
  });
});

describe("everything else", () => {
  it("answers no CORS header: admin, webhooks, subscriptions, pages", async () => {
    const requests: [string, RequestInit][] = [
      ["/api/admin/health", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }],
      ["/api/admin/failures", {}],
      ["/webhooks/notes", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
      ["/webhooks/github", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
      ["/webhooks/etherpad", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
      [subscriptionPaths.subscribe(), { method: "POST", body: new URLSearchParams({ email: "a@example.org" }) }],
      [subscriptionPaths.confirm("nope"), {}],
      [subscriptionPaths.unsubscribe("nope"), {}],
      [pagePaths.home(), {}],
      [pagePaths.event(EVENT), {}],
      ["/healthz", {}],
    ];
    for (const [path, init] of requests) {
      const res = await fetchWorker(path, { ...init, headers: { ...init.headers, origin: ORIGIN } });
      expect(accessControl(res), `${init.method ?? "GET"} ${path} → ${res.status}`).toEqual({});
    }
  });

  it("refuses their preflight: no allow (admin asks for its token first; the others take no OPTIONS)", async () => {
    for (const [path, method, status] of [
      ["/api/admin/health", "GET", 401],
      ["/api/admin/events/x/sessions/y", "PUT", 401],
      ["/webhooks/notes", "POST", 405],
      [subscriptionPaths.subscribe(), "POST", 405],
      [subscriptionPaths.unsubscribe(), "POST", 405],
    ] as const) {
      const res = await preflight(path, method);
      expect(res.status, path).toBe(status);
      expect(accessControl(res), path).toEqual({});
    }
  });

  it("does not take a path for a public read because it ends like one", () => {
    expect(isPublicRead("/api/admin/events/x/feed.rss")).toBe(false);
    expect(isPublicRead("/api/eventsx")).toBe(false);
    expect(isPublicRead("/events/x/y/feed.rss")).toBe(false);
    expect(isPublicRead("/subscriptions/calendar.ics")).toBe(false);
    expect(isPublicRead("/events/x/sessions/y/calendar.ics")).toBe(true);
  });
});
