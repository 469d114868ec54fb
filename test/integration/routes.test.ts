import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { fetchWorker } from "../helpers/http.ts";
import { Event } from "../../src/domain/event.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { apiPaths, pagePaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { EventList, SessionPage } from "../../src/store/site.ts";
import { buildTestEvent, buildTestSession } from "../fixtures/catalogue.ts";

const get = fetchWorker;

const event = buildTestEvent({
  sessions: [
    ...buildTestEvent().sessions,
    buildTestSession({
      id: "script-alert-1-script",
      title: `<script>alert(1)</script>`,
      description: `<img src=x onerror=alert(1)> see https://example.org/a?b=1&c=2.`,
      notes: [],
    }),
  ],
});

beforeEach(async () => {
  await loadEvents(env, buildSite(), [event], new Date("2026-11-27T00:00:00Z"));
});
afterEach(() => vi.restoreAllMocks());

describe("JSON API", () => {
  it("lists events with counts", async () => {
    const res = await get(apiPaths.events());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(EventList.parse(await res.json())).toEqual({
      events: [{ id: event.id, title: event.title, sessionCount: 4, notesPublishedCount: 3 }],
    });
  });

  it("serves an event with its sessions in order", async () => {
    const body = Event.parse(await (await get(apiPaths.event(event.id))).json());
    expect(body).toEqual(event);
  });

  it("serves one session with its notes links and event", async () => {
    const res = await get(apiPaths.session(event.id, "xen-toolstacks"));
    expect(res.status).toBe(200);
    const body = SessionPage.parse(await res.json());
    expect(body.event).toEqual({ id: event.id, title: event.title });
    expect(body.notes.map((n) => [n.url, n.kind])).toEqual([
      ["https://lists.xenproject.org/archives/html/xen-devel/2019-07/threads.html#00789", "mailing-list"],
      ["https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ", "hackmd"],
    ]);
  });

  it.each([
    apiPaths.event("no-such-event"),
    apiPaths.session(event.id, "no-such-session"),
    apiPaths.session("no-such-event", "xen-toolstacks"),
    "/api/events/NOT%20A%20SLUG",
    apiPaths.event("x".repeat(600)),
    "/api/nothing-here",
  ])("answers 404 with the error envelope for %s", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    const body = ErrorEnvelope.parse(await res.json());
    expect(body.error.code).toBe("not_found");
  });

  it("publishes an OpenAPI document generated from the schemas", async () => {
    const doc = (await (await get(apiPaths.openApi())).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    // Every public route, not only the JSON API's (test/integration/openapi.test.ts holds them to the app's routes).
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/",
      "/api/admin/events/{event}/import",
      "/api/admin/events/{event}/sessions/{session}",
      "/api/admin/events/{event}/sessions/{session}/notes",
      "/api/admin/events/{event}/source",
      "/api/admin/failures",
      "/api/admin/health",
      "/api/admin/webhooks/endpoints",
      "/api/admin/webhooks/endpoints/{id}",
      "/api/admin/webhooks/endpoints/{id}/deliveries",
      "/api/admin/webhooks/endpoints/{id}/deliveries/{deliveryId}/replay",
      "/api/admin/webhooks/endpoints/{id}/pause",
      "/api/admin/webhooks/endpoints/{id}/replay",
      "/api/admin/webhooks/endpoints/{id}/resume",
      "/api/admin/webhooks/endpoints/{id}/rotate",
      "/api/events",
      "/api/events/{event}",
      "/api/events/{event}/changes",
      "/api/events/{event}/sessions/{session}",
      "/api/openapi.json",
      "/events/{event}",
      "/events/{event}/calendar.ics",
      "/events/{event}/feed.atom",
      "/events/{event}/feed.json",
      "/events/{event}/feed.rss",
      "/events/{event}/sessions/{session}",
      "/events/{event}/sessions/{session}/calendar.ics",
      "/events/{event}/sessions/{session}/feed.atom",
      "/events/{event}/sessions/{session}/feed.json",
      "/events/{event}/sessions/{session}/feed.rss",
      "/feed.atom",
      "/feed.json",
      "/feed.rss",
      "/feed.xsl",
      "/healthz",
      "/subscriptions",
      "/subscriptions/confirm",
      "/subscriptions/manage",
      "/subscriptions/unsubscribe",
      "/webhooks/etherpad",
      "/webhooks/github",
      "/webhooks/notes",
    ]);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(["EventWithChanges", "Session", "NoteLink", "EventList", "Change", "ChangeList", "Error"]),
    );
  });
});

describe("HTML pages", () => {
  it("lists events on the home page", async () => {
    const res = await get(pagePaths.home());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`href="${pagePaths.event(event.id)}"`);
    expect(html).toContain("4 sessions");
  });

  it("groups an event's sessions by notes status and labels each link's kind", async () => {
    const html = await (await get(pagePaths.event(event.id))).text();
    const [published, pending] = html.split('id="pending"');
    expect(published).toContain('Notes published <span class="count">(3)</span>');
    expect(published).toContain(`href="${pagePaths.session(event.id, "xen-toolstacks")}"`);
    expect(published).toContain("Notes published, link missing");
    expect(pending).toContain('No notes yet <span class="count">(1)</span>');
    expect(pending).toContain("Xen on RISC-V");
    expect(html).toMatch(/<span class="kind">mailing list<\/span><a href="https:\/\/lists\.xenproject\.org/);
    expect(html).toMatch(/<span class="kind">HackMD<\/span>/);
  });

  it("renders a session's description paragraphs and lists", async () => {
    const html = await (await get(pagePaths.session(event.id, "xen-toolstacks"))).text();
    expect(html).toContain("<p>At the moment, we have a binary xl.</p>");
    expect(html).toContain("<ul><li>Make a daemon</li><li>Keep the ABI</li></ul>");
    expect(html).toContain(`<a href="${pagePaths.event(event.id)}">Test Summit 2026</a>`);
  });

  it("escapes untrusted titles and descriptions and links only http(s) URLs", async () => {
    const html = await (await get(pagePaths.session(event.id, "script-alert-1-script"))).text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain('<a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a>.');
  });

  it.each([pagePaths.event("no-such-event"), pagePaths.session(event.id, "nope"), "/nowhere", "/events/%3Cscript%3E"])(
    "answers a readable 404 page for %s",
    async (path) => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain("Not found");
      expect(html).not.toContain("<script");
    },
  );
});

describe("methods and health", () => {
  it.each([
    ["POST", apiPaths.events()],
    ["DELETE", apiPaths.event(event.id)],
    ["PUT", apiPaths.session(event.id, "xen-toolstacks")],
    ["POST", "/healthz"],
  ])("answers %s %s with 405, an Allow header and the envelope", async (method, path) => {
    const res = await get(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("method_not_allowed");
  });

  it("answers 405 with a page on HTML routes", async () => {
    const res = await get(pagePaths.event(event.id), { method: "POST" });
    expect(res.status).toBe(405);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  });

  it("answers HEAD like GET without a body", async () => {
    const res = await get(pagePaths.event(event.id), { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });

  it("answers a failure it did not expect with 500 in the route's shape, logged, without its details", async () => {
    vi.spyOn(env.SITE, "get").mockRejectedValue(new Error("KV is down: secret detail"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const api = await get(`/api/events/${event.id}`);
    expect(api.status).toBe(500);
    expect(await api.json()).toEqual({ error: { code: "internal", message: "Something went wrong on our side." } });
    const page = await get(`/events/${event.id}`);
    expect(page.status).toBe(500);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("Something went wrong on our side.");
    expect(html).not.toContain("secret detail");
    expect(logged).toHaveBeenCalledWith("unhandled", "GET", `/events/${event.id}`, expect.any(Error));
  });

  it("answers a body Hono cannot parse with its 400 in the envelope", async () => {
    const res = await get(`/api/admin/events/${event.id}/sessions/x`, {
      method: "PUT",
      headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" },
      body: "{",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "bad_request", message: "Malformed JSON in request body" } });
  });

  it("reports health", async () => {
    const res = await get("/healthz");
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
