// /api/openapi.json is complete and true: every route the app serves is in it, each operation has an
// operationId, the document has servers and security schemes, and the live answers of every JSON route (the
// public API with and without a latest change, the change log through its cursor, admin, webhooks,
// subscriptions, health, the error envelopes) validate against their operation's response schema, compiled by a
// JSON Schema validator (ajv, 2020-12: OpenAPI 3.1's dialect). Every other answer's status and media type must be
// documented too.
import { env } from "cloudflare:workers";
import Ajv2020 from "ajv/dist/2020.js";
import { beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../../src/app.ts";
import { MAX_ADMIN_EDIT_BODY_BYTES, MAX_WEBHOOK_BODY_BYTES } from "../../src/domain/limits.ts";
import { encodeHex, signHmacSha256 } from "../../src/lib/crypto.ts";
import { apiPaths, feedPaths, pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { loadEvents, publish } from "../../src/pipeline/publish.ts";
import { recordFailure } from "../../src/store/failures.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChanges } from "../helpers/factories.ts";
import { fetchWorker, get, postSignedWebhook, sendAdmin } from "../helpers/http.ts";
import { captureQueues } from "../helpers/queue.ts";

const EVENT = "test-summit-2026";
const WITH_CHANGES = "xen-toolstacks";
const WITHOUT_CHANGES = "rust-and-xen";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
const T0 = new Date("2026-11-27T10:00:00Z");
const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"] as const;

type Media = Record<string, { schema?: unknown }>;
type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Media }>;
};
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>;
  };
};

async function getDocument(): Promise<Document> {
  const res = await get(apiPaths.openApi());
  expect(res.status).toBe(200);
  return res.json<Document>();
}

const listOperations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ path, method, op: item[method] }] : [])),
  );

/** A JSON Pointer as a URI fragment (RFC 6901 section 6). */
const toFragment = (tokens: string[]) =>
  "#" + tokens.map((t) => "/" + encodeURIComponent(t.replaceAll("~", "~0").replaceAll("/", "~1"))).join("");

// The formats the document uses. ajv-formats is not among the project's packages; these are checked as their
// RFCs define them, closely enough for answers this Worker writes.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The document compiled by ajv in strict mode: an unknown keyword, format or a broken $ref fails here. */
function compileDocument(doc: Document) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat("uri", (s: string) => URL.canParse(s) && /^[a-z][a-z0-9+.-]*:/i.test(s));
  ajv.addFormat("date-time", (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)));
  // The document is not itself a schema: its keys are declared so strict mode accepts them around the schemas.
  ajv.addVocabulary(["openapi", "info", "servers", "tags", "paths", "components", "webhooks"]);
  ajv.addSchema(doc, "openapi.json");
  return ajv;
}

/** `expectDocumented`, after checking the answer's status is the one the test expects. */
const buildStatusCheck =
  (doc: Document, ajv: Ajv2020) =>
  async (method: (typeof METHODS)[number], template: string, res: Response, status: number) => {
    expect(res.status, `${method} ${template}`).toBe(status);
    await expectDocumented(doc, ajv, method, template, res);
  };

/** Checks one live answer against the document: its status and media type are documented, and JSON validates. */
async function expectDocumented(
  doc: Document,
  ajv: Ajv2020,
  method: (typeof METHODS)[number],
  template: string,
  res: Response,
): Promise<void> {
  const where = `${method.toUpperCase()} ${template} → ${res.status}`;
  const op = doc.paths[template]?.[method];
  expect(op, where).toBeDefined();
  const response = op!.responses[String(res.status)];
  expect(response, `${where} is not documented`).toBeDefined();
  const type = res.headers.get("content-type")?.split(";")[0]!.trim() ?? null;
  if (type === null) {
    expect(response!.content, where).toBeUndefined();
    return;
  }
  expect(Object.keys(response!.content ?? {}), where).toContain(type);
  if (type !== "application/json") return;
  const pointer = ["paths", template, method, "responses", String(res.status), "content", type, "schema"];
  const validate = ajv.getSchema(`openapi.json${toFragment(pointer)}`)!;
  const body = await res.json();
  expect(validate(body) ? null : { body, errors: validate.errors }, where).toBeNull();
}

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  // Admin edits and webhooks queue work: captured, so no consumer runs behind the test.
  captureQueues();
  await putTestChanges([
    { summary: "Notes published", type: "notes.published", at: T0.toISOString() },
    { summary: "2 lines added", at: new Date(T0.getTime() + 60_000).toISOString() },
    // Event-wide: its session, title and url are null.
    {
      session: null,
      sessionTitle: null,
      url: null,
      type: "event.imported",
      summary: "Imported",
      at: new Date(T0.getTime() + 120_000).toISOString(),
    },
    { summary: "1 line removed", at: new Date(T0.getTime() + 180_000).toISOString() },
  ]);
  await publish(env, buildSite());
});

describe("the document", () => {
  it("names every route the app serves, and nothing it does not serve", async () => {
    const doc = await getDocument();
    const documented = new Set(listOperations(doc).map(({ path, method }) => `${method.toUpperCase()} ${path}`));
    const served = new Set(
      buildApp()
        .routes.filter((r) => r.method !== "ALL")
        // Hono's `:name` (with an optional `{regex}`) is OpenAPI's `{name}`.
        .map((r) => `${r.method} ${r.path.replaceAll(/:(\w+)(?:\{[^}]*\})?/g, "{$1}")}`),
    );
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    expect(served.size).toBeGreaterThan(30);
  });

  it("gives every operation a unique operationId", async () => {
    const ops = listOperations(await getDocument());
    const ids = ops.map(({ op }) => op.operationId);
    for (const [i, id] of ids.entries()) expect(id, `${ops[i]!.method} ${ops[i]!.path}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("names its server: the origin of PUBLIC_BASE_URL, or / when it is not configured", async () => {
    expect((await getDocument()).servers).toEqual([{ url: new URL(env.PUBLIC_BASE_URL).origin }]);
    const doc = async (base: string) =>
      (await (await fetchWorker(apiPaths.openApi(), {}, { PUBLIC_BASE_URL: base })).json<Document>()).servers;
    expect(await doc("https://sessions.example.org/sessionwire/")).toEqual([{ url: "https://sessions.example.org" }]);
    expect(await doc("")).toEqual([{ url: "/" }]);
  });

  it("declares how admin and each webhook authenticate, on their operations, and nothing on public ones", async () => {
    const doc = await getDocument();
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: "http", scheme: "bearer" }),
      standardWebhooks: expect.objectContaining({ type: "apiKey", in: "header", name: "webhook-signature" }),
      githubSignature: expect.objectContaining({ type: "apiKey", in: "header", name: "X-Hub-Signature-256" }),
      etherpadApiKey: expect.objectContaining({ type: "apiKey", in: "header", name: "X-API-KEY" }),
    });
    const expected: Record<string, string> = {
      "/webhooks/notes": "standardWebhooks",
      "/webhooks/github": "githubSignature",
      "/webhooks/etherpad": "etherpadApiKey",
    };
    for (const { path, method, op } of listOperations(doc)) {
      const scheme = path.startsWith("/api/admin/") ? "bearer" : expected[path];
      expect(op.security, `${method} ${path}`).toEqual(scheme ? [{ [scheme]: [] }] : undefined);
    }
    const headersOf = (path: string) =>
      doc.paths[path]!.post!.parameters!.filter((p) => p.in === "header").map((p) => p.name);
    expect(headersOf("/webhooks/notes")).toEqual(["webhook-id", "webhook-timestamp", "webhook-signature"]);
    expect(headersOf("/webhooks/github")).toEqual(["X-Hub-Signature-256", "X-GitHub-Delivery", "X-GitHub-Event"]);
    expect(headersOf("/webhooks/etherpad")).toEqual(["X-API-KEY"]);
  });

  it("gives feeds and calendars their media types and a 304", async () => {
    const doc = await getDocument();
    const mediaTypes = (path: string) => Object.keys(doc.paths[path]!.get!.responses["200"]!.content!);
    for (const [format, type] of [
      ["rss", "application/rss+xml"],
      ["atom", "application/atom+xml"],
      ["json", "application/feed+json"],
    ] as const) {
      for (const path of [
        feedPaths.all(format),
        feedPaths.event("{event}", format),
        feedPaths.session("{event}", "{session}", format),
      ]) {
        // RSS and Atom also as application/xml, for a browser (it then applies their XSLT stylesheet).
        expect(mediaTypes(path), path).toEqual(format === "json" ? [type] : [type, "application/xml"]);
        expect(doc.paths[path]!.get!.responses).toHaveProperty("304");
      }
    }
    for (const path of ["/events/{event}/calendar.ics", "/events/{event}/sessions/{session}/calendar.ics"]) {
      expect(mediaTypes(path), path).toEqual(["text/calendar"]);
      expect(doc.paths[path]!.get!.responses).toHaveProperty("304");
    }
  });

  it("expresses nullable references so that null validates (never allOf with a nullable type)", async () => {
    const doc = await getDocument();
    const broken: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (typeof node !== "object" || node === null) return;
      const allOf = (node as { allOf?: { type?: unknown }[] }).allOf;
      if (allOf?.some((s) => [s.type].flat().includes("null"))) broken.push(at);
      for (const [k, v] of Object.entries(node)) walk(v, `${at}/${k}`);
    };
    walk(doc, "");
    expect(broken).toEqual([]);
    const ajv = compileDocument(doc);
    const latestChange = ajv.getSchema("openapi.json#/components/schemas/SessionWithEvent/properties/latestChange")!;
    expect(latestChange(null)).toBe(true);
    expect(latestChange({})).toBe(false);
  });

  it("compiles: every schema of every operation", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    let compiled = 0;
    for (const { path, method, op } of listOperations(doc)) {
      const at = ["paths", path, method];
      const schemas = [
        ...(op.parameters ?? []).map((_, i) => [...at, "parameters", String(i), "schema"]),
        ...Object.keys((op as { requestBody?: { content: Media } }).requestBody?.content ?? {}).map((type) => [
          ...at,
          "requestBody",
          "content",
          type,
          "schema",
        ]),
        ...Object.entries(op.responses).flatMap(([status, r]) =>
          Object.keys(r.content ?? {}).map((type) => [...at, "responses", status, "content", type, "schema"]),
        ),
      ];
      for (const pointer of schemas) {
        expect(ajv.getSchema(`openapi.json${toFragment(pointer)}`), pointer.join(" ")).toBeTypeOf("function");
        compiled++;
      }
    }
    for (const name of Object.keys(doc.components.schemas)) {
      expect(ajv.getSchema(`openapi.json#/components/schemas/${name}`), name).toBeTypeOf("function");
    }
    expect(compiled).toBeGreaterThan(100);
  });
});

describe("live answers hold against the document", () => {
  it("the public JSON API: events, an event, sessions with and without a latest change, the log by cursor", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const check = async (template: string, path: string) => {
      const res = await get(path);
      await expectDocumented(doc, ajv, "get", template, res.clone());
      return res;
    };
    await check("/api/events", apiPaths.events());
    await check("/api/events/{event}", apiPaths.event(EVENT));
    const withChange = await check("/api/events/{event}/sessions/{session}", apiPaths.session(EVENT, WITH_CHANGES));
    expect((await withChange.json<{ latestChange: unknown }>()).latestChange).toMatchObject({ session: WITH_CHANGES });
    const without = await check("/api/events/{event}/sessions/{session}", apiPaths.session(EVENT, WITHOUT_CHANGES));
    expect((await without.json<{ latestChange: unknown }>()).latestChange).toBeNull();

    const seen: number[] = [];
    let next: string | null = "";
    while (next !== null) {
      const res = await check(
        "/api/events/{event}/changes",
        `${apiPaths.changes(EVENT)}?limit=3${next ? `&cursor=${next}` : ""}`,
      );
      const page = await res.json<{ changes: { seq: number; session: string | null }[]; nextCursor: string | null }>();
      seen.push(...page.changes.map((c) => c.seq));
      next = page.nextCursor;
    }
    expect(seen).toEqual([4, 3, 2, 1]);

    await check("/api/openapi.json", apiPaths.openApi());
    await check("/healthz", "/healthz");
  });

  it("the public API's errors: 400, 404, and the 405 of a method a path does not take", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const check = async (template: string, path: string, status: number) => {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      await expectDocumented(doc, ajv, "get", template, res);
    };
    await check("/api/events/{event}/changes", `${apiPaths.changes(EVENT)}?cursor=abc`, 400);
    await check("/api/events/{event}/changes", `${apiPaths.changes(EVENT)}?limit=500`, 400);
    await check("/api/events/{event}/changes", apiPaths.changes("nope"), 404);
    await check("/api/events/{event}", apiPaths.event("nope"), 404);
    await check("/api/events/{event}/sessions/{session}", apiPaths.session(EVENT, "nope"), 404);

    // A 405 belongs to no operation: it is the document's one error envelope.
    const refused = await fetchWorker(apiPaths.events(), { method: "DELETE" });
    expect(refused.status).toBe(405);
    expect(ajv.getSchema("openapi.json#/components/schemas/Error")!(await refused.json())).toBe(true);
  });

  it("admin: every route's answers, its refusals, and a body over the limit (413)", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const notes = "/api/admin/events/{event}/sessions/{session}/notes";
    const notesPath = `/api/admin/events/${EVENT}/sessions/${WITHOUT_CHANGES}/notes`;
    const check = buildStatusCheck(doc, ajv);
    const link = { url: PAD, label: "the pad" };
    await check("post", notes, await sendAdmin("POST", notesPath, link, undefined, { "idempotency-key": "k1" }), 202);
    await check("post", notes, await sendAdmin("POST", notesPath, link, undefined, { "idempotency-key": "k1" }), 200);
    await check("post", notes, await sendAdmin("POST", notesPath, { url: "not a url" }), 400);
    await check("post", notes, await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/nope/notes`, link), 404);
    const big = { url: PAD, label: "x".repeat(MAX_ADMIN_EDIT_BODY_BYTES) };
    await check("post", notes, await sendAdmin("POST", notesPath, big), 413);
    await check("post", notes, await sendAdmin("POST", notesPath, link, "wrong-token"), 401);
    await check("delete", notes, await sendAdmin("DELETE", `${notesPath}?url=${encodeURIComponent(PAD)}`), 202);

    const session = "/api/admin/events/{event}/sessions/{session}";
    await check(
      "put",
      session,
      await sendAdmin("PUT", `/api/admin/events/${EVENT}/sessions/new-one`, { title: "New" }),
      202,
    );
    const importPath = "/api/admin/events/{event}/import";
    const unreadable = { title: "Conf", format: "ics", text: "not a calendar" };
    await check("post", importPath, await sendAdmin("POST", "/api/admin/events/conf-2026/import", unreadable), 400);

    const source = "/api/admin/events/{event}/source";
    const followed = { url: "https://wiki.xenproject.org/wiki/Design_Sessions_2019", format: "wiki" };
    await check("put", source, await sendAdmin("PUT", `/api/admin/events/${EVENT}/source`, followed), 200);
    const stopped = await sendAdmin("DELETE", `/api/admin/events/${EVENT}/source`);
    expect(await stopped.clone().json()).toEqual({ event: EVENT, source: null });
    await check("delete", source, stopped, 200);
    await check("delete", source, await sendAdmin("DELETE", "/api/admin/events/nope/source"), 404);

    await recordFailure(
      env.DB,
      {
        subject: "receipt:r1",
        queue: "sessionwire-changes",
        messageId: "m1",
        attempts: 5,
        body: { v: 1 },
        error: "boom",
      },
      T0,
    );
    const failures = await sendAdmin("GET", "/api/admin/failures");
    expect((await failures.clone().json<{ failures: unknown[] }>()).failures).toHaveLength(1);
    await check("get", "/api/admin/failures", failures, 200);
    await check("get", "/api/admin/health", await sendAdmin("GET", "/api/admin/health"), 200);
    const malformed = await fetchWorker("/api/admin/health", { headers: { authorization: "Bearer" } });
    await check("get", "/api/admin/health", malformed, 400);
    await check("get", "/api/admin/health", await fetchWorker("/api/admin/health"), 401);
    const unconfigured = await fetchWorker(
      "/api/admin/health",
      { headers: { authorization: "Bearer x" } },
      { ADMIN_TOKEN: "" },
    );
    await check("get", "/api/admin/health", unconfigured, 503);
  });

  it("outbound webhook endpoints: every route's answers and refusals", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const check = buildStatusCheck(doc, ajv);
    const base = "/api/admin/webhooks/endpoints";
    const one = `${base}/{id}`;
    const hook = { url: "https://hooks.example.org/in", event: EVENT };
    const created = await sendAdmin("POST", base, hook);
    const { id } = await created.clone().json<{ id: string }>();
    await check("post", base, created, 201);
    await check("post", base, await sendAdmin("POST", base, { url: "https://10.0.0.1/" }), 422);
    await check("post", base, await sendAdmin("POST", base, { ...hook, event: "nope" }), 404);
    await check("post", base, await sendAdmin("POST", base, { url: 1 }), 400);
    await check("get", base, await sendAdmin("GET", base), 200);
    await check("get", one, await sendAdmin("GET", `${base}/${id}`), 200);
    await check("get", one, await sendAdmin("GET", `${base}/nope`), 404);
    await check("put", one, await sendAdmin("PUT", `${base}/${id}`, { ...hook, format: "matrix" }), 200);
    await check("post", `${one}/rotate`, await sendAdmin("POST", `${base}/${id}/rotate`), 200);
    await check("post", `${one}/pause`, await sendAdmin("POST", `${base}/${id}/pause`), 200);
    await check("post", `${one}/resume`, await sendAdmin("POST", `${base}/${id}/resume`), 200);
    await check("get", `${one}/deliveries`, await sendAdmin("GET", `${base}/${id}/deliveries?limit=5`), 200);
    const since = { since: T0.toISOString() };
    await check("post", `${one}/replay`, await sendAdmin("POST", `${base}/${id}/replay`, since), 202);
    const [delivery] = (
      await (await sendAdmin("GET", `${base}/${id}/deliveries`)).json<{ deliveries: { id: string }[] }>()
    ).deliveries;
    const replayOne = `${one}/deliveries/{deliveryId}/replay`;
    await check("post", replayOne, await sendAdmin("POST", `${base}/${id}/deliveries/${delivery!.id}/replay`), 202);
    await check("post", replayOne, await sendAdmin("POST", `${base}/${id}/deliveries/nope/replay`), 404);
    await check("delete", one, await sendAdmin("DELETE", `${base}/${id}`), 204);
    await check("get", base, await fetchWorker(base), 401);
  });

  it("webhooks: stored, duplicate, ignored, and refused", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const check = async (template: string, res: Response, status: number) => {
      expect(res.status, template).toBe(status);
      await expectDocumented(doc, ajv, "post", template, res);
    };
    const edit = { type: "notes.updated", event: EVENT, session: WITH_CHANGES, url: PAD };
    await check("/webhooks/notes", await postSignedWebhook(edit, "msg_1"), 202);
    await check("/webhooks/notes", await postSignedWebhook(edit, "msg_1"), 200);
    await check("/webhooks/notes", await postSignedWebhook({ ...edit, session: "nope" }), 404);
    await check("/webhooks/notes", await postSignedWebhook({ ...edit, type: "nope" }), 400);
    const unsigned = { method: "POST", body: JSON.stringify(edit), headers: { "content-type": "application/json" } };
    await check("/webhooks/notes", await fetchWorker("/webhooks/notes", unsigned), 401);
    await check("/webhooks/notes", await fetchWorker("/webhooks/notes", { ...unsigned, headers: {} }), 415);
    const huge = { ...unsigned, body: " ".repeat(MAX_WEBHOOK_BODY_BYTES + 1) };
    await check("/webhooks/notes", await fetchWorker("/webhooks/notes", huge), 413);

    const ping = JSON.stringify({ zen: "Keep it logically awesome." });
    const github = await fetchWorker("/webhooks/github", {
      method: "POST",
      body: ping,
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": `sha256=${encodeHex(await signHmacSha256(env.GITHUB_WEBHOOK_SECRET, ping))}`,
      },
    });
    expect(await github.clone().json()).toEqual({ status: "ignored" });
    await check("/webhooks/github", github, 200);

    const etherpad = (key: string) =>
      fetchWorker("/webhooks/etherpad", {
        method: "POST",
        body: JSON.stringify({ pads: { "not-catalogued": [{ userId: "a.1", rev: 3 }] } }),
        headers: { "content-type": "application/json", "x-api-key": key },
      });
    await check("/webhooks/etherpad", await etherpad(env.ETHERPAD_API_KEY), 200);
    await check("/webhooks/etherpad", await etherpad("wrong"), 401);
  });

  it("subscriptions, feeds and pages: JSON answers validate, the others have their documented media types", async () => {
    const doc = await getDocument();
    const ajv = compileDocument(doc);
    const subscribe = (body: unknown) =>
      fetchWorker(subscriptionPaths.subscribe(), {
        method: "POST",
        body: JSON.stringify(body),
        headers: { "content-type": "application/json", "cf-connecting-ip": `test-${crypto.randomUUID()}` },
      });
    const pending = await subscribe({ email: "ada@example.org", event: EVENT, session: WITH_CHANGES });
    expect(pending.status).toBe(202);
    await expectDocumented(doc, ajv, "post", "/subscriptions", pending);
    const invalid = await subscribe({ email: "not an address", event: EVENT });
    expect(invalid.status).toBe(400);
    await expectDocumented(doc, ajv, "post", "/subscriptions", invalid);
    const badLink = await get(`${subscriptionPaths.confirm("nope")}`);
    expect(badLink.status).toBe(400);
    await expectDocumented(doc, ajv, "get", "/subscriptions/confirm", badLink);
    const oneClick = await fetchWorker(subscriptionPaths.unsubscribe("nope"), {
      method: "POST",
      body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
    });
    expect(oneClick.status).toBe(400);
    await expectDocumented(doc, ajv, "post", "/subscriptions/unsubscribe", oneClick);

    const feed = await get(feedPaths.event(EVENT, "atom"));
    expect(feed.status).toBe(200);
    await expectDocumented(doc, ajv, "get", feedPaths.event("{event}", "atom"), feed);
    const notModified = await get(feedPaths.event(EVENT, "atom"), { "if-none-match": feed.headers.get("etag")! });
    expect(notModified.status).toBe(304);
    await expectDocumented(doc, ajv, "get", feedPaths.event("{event}", "atom"), notModified);
    const noFeed = await get(feedPaths.session(EVENT, "nope", "json"));
    expect(noFeed.status).toBe(404);
    await expectDocumented(doc, ajv, "get", feedPaths.session("{event}", "{session}", "json"), noFeed);

    await expectDocumented(doc, ajv, "get", pagePaths.home(), await get(pagePaths.home()));
    await expectDocumented(doc, ajv, "get", pagePaths.event("{event}"), await get(pagePaths.event("nope")));
  });
});
