// Missing configuration fails loudly: a capability whose secrets are not set answers 503 `not_configured`
// (the envelope, or a page for forms), stores nothing, and never claims success.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ConfigEnv } from "../../src/config.ts";
import { buildConfig, buildSite } from "../helpers/config.ts";
import { putTestReceipt } from "../helpers/factories.ts";
import { fetchWorker } from "../helpers/http.ts";
import { listAllMissingConfig } from "../../src/config.ts";
import { apiPaths, feedPaths, pagePaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date());
});

const send = (overrides: ConfigEnv, path: string, init: RequestInit = {}) => fetchWorker(path, init, overrides);

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("a capability without its configuration", () => {
  it.each([
    ["WEBHOOK_SECRET", "/webhooks/notes", json({})],
    ["GITHUB_WEBHOOK_SECRET", "/webhooks/github", json({})],
    ["ETHERPAD_API_KEY", "/webhooks/etherpad", json({})],
    ["ADMIN_TOKEN", "/api/admin/failures", { headers: { authorization: "Bearer test-admin-token" } }],
    ["SUBSCRIPTION_SECRET", "/subscriptions", json({ email: "a@example.org", event: EVENT })],
    ["MAIL_FROM", "/subscriptions", json({ email: "a@example.org", event: EVENT })],
  ] as const)("without %s: %s answers 503 not_configured", async (name, path, init) => {
    const res = await send({ [name]: "" }, path, init);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).not.toContain("secret"); // names the capability, never a value
  });

  it("answers a subscribe form with a readable 503 page and stores nothing", async () => {
    const res = await send({ SUBSCRIPTION_SECRET: "" }, "/subscriptions", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "a@example.org", event: EVENT }).toString(),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("Not configured on this server yet");
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers").first<{ n: number }>())!.n).toBe(0);
  });

  it("answers confirmation links with a 503 page rather than 'invalid link'", async () => {
    const res = await send({ SUBSCRIPTION_SECRET: "" }, "/subscriptions/confirm?token=x");
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("Not configured");
  });

  it("refuses the http mail transport without its key", async () => {
    const res = await send(
      { MAIL_TRANSPORT: "http", MAIL_API_KEY: "" },
      "/subscriptions",
      json({ email: "a@example.org", event: EVENT }),
    );
    expect(res.status).toBe(503);
  });

  it("serves everything else as usual", async () => {
    const overrides = { WEBHOOK_SECRET: "", ADMIN_TOKEN: "", SUBSCRIPTION_SECRET: "" };
    expect((await send(overrides, pagePaths.event(EVENT))).status).toBe(200);
    expect((await send(overrides, apiPaths.event(EVENT))).status).toBe(200);
    expect((await send(overrides, feedPaths.event(EVENT, "atom"))).status).toBe(200);
  });
});

describe("listAllMissingConfig", () => {
  it("is empty for the test configuration and names each gap otherwise", () => {
    expect(listAllMissingConfig(buildConfig())).toEqual([]);
    expect(listAllMissingConfig(buildConfig({ ADMIN_TOKEN: " ", MAIL_TRANSPORT: "carrier-pigeon" }))).toEqual([
      { capability: "admin API", missing: ["ADMIN_TOKEN"] },
      { capability: "mail", missing: ['MAIL_TRANSPORT (must be "binding" or "http")'] },
    ]);
  });
});

describe("GET /api/admin/health", () => {
  const health = async (overrides: Partial<Env> = {}) => {
    const res = await send(overrides, "/api/admin/health", { headers: { authorization: "Bearer test-admin-token" } });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      status: string;
      problems: string[];
      missingConfig: { capability: string; missing: string[] }[];
      pipeline: { receipts: { unprocessed: number; oldestUnprocessedAt: string | null } };
    };
  };

  it("is ok with everything configured and nothing waiting", async () => {
    const body = await health();
    expect(body).toMatchObject({ status: "ok", problems: [], missingConfig: [] });
    expect(body.pipeline.receipts).toMatchObject({ unprocessed: 0, oldestUnprocessedAt: null });
  });

  it("lists what is missing and the oldest unprocessed receipt", async () => {
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    await putTestReceipt({ receivedAt: new Date(hourAgo) });
    const body = await health({ SUBSCRIPTION_SECRET: "", GITHUB_WEBHOOK_SECRET: "" });
    expect(body.status).toBe("degraded");
    expect(body.missingConfig).toEqual([
      { capability: "GitHub webhooks", missing: ["GITHUB_WEBHOOK_SECRET"] },
      { capability: "mail", missing: ["SUBSCRIPTION_SECRET"] },
    ]);
    expect(body.pipeline.receipts).toEqual({ unprocessed: 1, oldestUnprocessedAt: hourAgo, failed: 0 });
    expect(body.problems).toContain(`receipts: the oldest unprocessed one arrived at ${hourAgo}`);
  });

  it("is itself behind the admin token", async () => {
    expect((await send({}, "/api/admin/health")).status).toBe(401);
  });
});
