// The admin API of outbound webhooks: a secret shown once and never again (nor in logs, errors or the delivery
// log), the scope validated against the catalogue, every URL refusal at registration and update, refusals again
// at send time (including DNS answers that point inside), OUTBOUND_ALLOW_LOOPBACK for development only, and the
// delivery log's pages.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { decodeBase64 } from "../../src/lib/crypto.ts";
import { deliverHook, handOverHooks } from "../../src/pipeline/hooks.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { getHookDelivery } from "../../src/store/hooks.ts";
import type { HooksMessage } from "../../src/domain/messages.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildConfig, buildSite } from "../helpers/config.ts";
import { putTestChange } from "../helpers/factories.ts";
import { type FakeInternet, HOOKS_PATH, fakeInternet, registerEndpoint, verifyReceived } from "../helpers/hooks.ts";
import { ADMIN_TOKEN, fetchWorker, sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues } from "../helpers/queue.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const HOOK = "https://hooks.example.org/sessionwire";
const T0 = new Date("2026-11-27T10:00:00Z");

let net: FakeInternet;
let hooks: TestQueue<HooksMessage>;

/** The admin API with some vars replaced (OUTBOUND_ALLOW_LOOPBACK, ENVIRONMENT). */
function sendAdminWith(overrides: Record<string, string>, method: string, path: string, body?: unknown) {
  return fetchWorker(
    path,
    {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    },
    overrides,
  );
}

async function publishChange(overrides: Parameters<typeof putTestChange>[0] = {}) {
  const id = await putTestChange({ at: new Date().toISOString(), ...overrides });
  await handOverHooks(env, new Date());
  return id;
}

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  ({ hooks } = captureQueues());
  net = fakeInternet();
  net.answer(HOOK, new Response("ok"));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("an endpoint", () => {
  it("is created with a whsec_ secret of 32 random bytes, shown once: never by show, list or update", async () => {
    const res = await sendAdmin("POST", HOOKS_PATH, { url: HOOK, event: EVENT, description: "the room" });
    expect(res.status).toBe(201);
    const created = await res.json<Record<string, unknown> & { id: string; secret: string }>();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(decodeBase64(created.secret.slice("whsec_".length))).toHaveLength(32);
    expect(created).toMatchObject({
      url: HOOK,
      event: EVENT,
      session: null,
      format: "standard",
      description: "the room",
      state: { status: "active", reason: null, since: T0.toISOString() },
      failingSince: null,
    });
    vi.setSystemTime(new Date(T0.getTime() + 1000));
    const other = await registerEndpoint({ url: HOOK });
    expect(other.secret).not.toBe(created.secret);

    const shown = await (await sendAdmin("GET", `${HOOKS_PATH}/${created.id}`)).text();
    const listed = await (await sendAdmin("GET", HOOKS_PATH)).text();
    const updated = await sendAdmin("PUT", `${HOOKS_PATH}/${created.id}`, { url: `${HOOK}/v2`, format: "slack" });
    expect(updated.status).toBe(200);
    const updatedText = await updated.text();
    for (const text of [shown, listed, updatedText]) {
      expect(text).not.toContain(created.secret.slice(6));
      expect(text).not.toContain("whsec_");
    }
    expect(JSON.parse(listed).endpoints.map((e: { id: string }) => e.id)).toEqual([created.id, other.id]);
    // Replaced as a whole: the omitted scope is every event again.
    expect(JSON.parse(updatedText)).toMatchObject({ url: `${HOOK}/v2`, event: null, format: "slack", description: "" });
  });

  it("is scoped to everything, an event, or a session of it; the scope must exist", async () => {
    const scoped = await sendAdmin("POST", HOOKS_PATH, { url: HOOK, event: EVENT, session: SESSION });
    expect(scoped.status).toBe(201);
    const noEvent = await sendAdmin("POST", HOOKS_PATH, { url: HOOK, session: SESSION });
    expect(noEvent.status).toBe(422);
    expect(await noEvent.json()).toMatchObject({
      error: { code: "invalid_endpoint", issues: [{ path: ["session"] }] },
    });
    expect((await sendAdmin("POST", HOOKS_PATH, { url: HOOK, event: "nope" })).status).toBe(404);
    expect((await sendAdmin("POST", HOOKS_PATH, { url: HOOK, event: EVENT, session: "nope" })).status).toBe(404);
    expect((await sendAdmin("POST", HOOKS_PATH, { url: HOOK, format: "telegram" })).status).toBe(400);
    const { id } = await scoped.json<{ id: string }>();
    expect((await sendAdmin("PUT", `${HOOKS_PATH}/${id}`, { url: HOOK, event: "nope" })).status).toBe(404);
    expect((await sendAdmin("PUT", `${HOOKS_PATH}/ep_nope`, { url: HOOK })).status).toBe(404);
  });

  it("is paused and resumed, deleted, and needs the admin token", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    vi.setSystemTime(new Date(T0.getTime() + 60_000));
    const paused = await sendAdmin("POST", `${HOOKS_PATH}/${id}/pause`);
    expect(await paused.json()).toMatchObject({
      state: { status: "paused", reason: null, since: new Date(T0.getTime() + 60_000).toISOString() },
    });
    await publishChange();
    expect(hooks.sent).toEqual([]);
    expect(
      (await (await sendAdmin("POST", `${HOOKS_PATH}/${id}/resume`)).json<{ state: unknown }>()).state,
    ).toMatchObject({
      status: "active",
    });
    expect((await sendAdmin("DELETE", `${HOOKS_PATH}/${id}`)).status).toBe(204);
    for (const [method, path] of [
      ["GET", `${HOOKS_PATH}/${id}`],
      ["DELETE", `${HOOKS_PATH}/${id}`],
      ["POST", `${HOOKS_PATH}/${id}/rotate`],
      ["POST", `${HOOKS_PATH}/${id}/pause`],
      ["GET", `${HOOKS_PATH}/${id}/deliveries`],
    ] as const) {
      expect((await sendAdmin(method, path)).status, `${method} ${path}`).toBe(404);
    }
    expect((await fetchWorker(HOOKS_PATH)).status).toBe(401);
    expect((await sendAdmin("POST", HOOKS_PATH, { url: HOOK }, "wrong")).status).toBe(401);
  });

  it.each([
    "http://hooks.example.org/x",
    "https://user:pw@hooks.example.org/x",
    "https://127.0.0.1/x",
    "https://2130706433/x",
    "https://0x7f.1/x",
    "https://[::1]/x",
    "https://[::ffff:127.0.0.1]/x",
    "https://10.0.0.1/x",
    "https://172.20.1.1/x",
    "https://192.168.0.1/x",
    "https://100.64.0.1/x",
    "https://169.254.169.254/latest/meta-data",
    "https://[fd00:ec2::254]/x",
    "https://[fc00::1]/x",
    "https://[fe80::1]/x",
    "https://localhost/x",
    "https://hooks.localhost/x",
    "https://nas.local/x",
    "https://metadata.google.internal/x",
    "https://svc.internal/x",
  ])("refuses %s at registration and at update (422, naming the url)", async (url) => {
    const created = await sendAdmin("POST", HOOKS_PATH, { url });
    expect(created.status).toBe(422);
    expect(await created.json()).toMatchObject({ error: { code: "invalid_endpoint", issues: [{ path: ["url"] }] } });
    const { id } = await registerEndpoint({ url: HOOK });
    expect((await sendAdmin("PUT", `${HOOKS_PATH}/${id}`, { url })).status).toBe(422);
  });
});

describe("at send time", () => {
  it.each([
    ["10.1.1.1"],
    ["127.0.0.1"],
    ["169.254.169.254"],
    ["fd00:ec2::254"],
    ["::ffff:10.0.0.1"],
    ["93.184.215.14", "fe80::1"],
  ])(
    "refuses a host whose DNS answers point inside (%s), sends nothing, and says why in the log",
    async (...addresses) => {
      const { id } = await registerEndpoint({ url: HOOK });
      net.resolve("hooks.example.org", addresses);
      await publishChange();
      await hooks.drain();
      expect(net.received).toEqual([]);
      expect(net.lookups.sort()).toEqual(["hooks.example.org A", "hooks.example.org AAAA"]);
      const log = await (await sendAdmin("GET", `${HOOKS_PATH}/${id}/deliveries`)).json<{ deliveries: unknown[] }>();
      expect(log.deliveries).toEqual([
        expect.objectContaining({
          status: "pending",
          attempts: 1,
          lastStatus: null,
          lastAnswer: expect.stringMatching(/^refused: hooks\.example\.org resolves to .*, which is not public: /),
        }),
      ]);
    },
  );

  it("checks the URL rules again: a loopback endpoint registered in development is refused without the flag", async () => {
    const res = await sendAdminWith({ OUTBOUND_ALLOW_LOOPBACK: "true" }, "POST", HOOKS_PATH, {
      url: "http://127.0.0.1:9/hook",
    });
    expect(res.status).toBe(201);
    await publishChange();
    const [message] = hooks.sent.splice(0);
    await hooks.deliver([message!]);
    expect(net.received).toEqual([]);
    expect(await getHookDelivery(env.DB, message!.body.deliveryId)).toMatchObject({
      lastAnswer: "refused: http: is not https",
    });

    // With the flag (development), the same delivery goes to the loopback receiver, no DNS asked.
    net.answer("http://127.0.0.1:9/", new Response("ok"));
    vi.setSystemTime(new Date(T0.getTime() + 5000));
    const config = buildConfig({ OUTBOUND_ALLOW_LOOPBACK: "true" });
    await expect(deliverHook({ env, config }, message!.body.deliveryId, new Date())).resolves.toBeUndefined();
    expect(net.received.map((r) => r.url)).toEqual(["http://127.0.0.1:9/hook"]);
    expect(net.lookups).toEqual([]);
  });
});

describe("OUTBOUND_ALLOW_LOOPBACK", () => {
  it("is refused outside development: the webhook routes answer 503 and the health report says why", async () => {
    const production = { OUTBOUND_ALLOW_LOOPBACK: "true", ENVIRONMENT: "production" };
    const refused = await sendAdminWith(production, "POST", HOOKS_PATH, { url: "http://127.0.0.1:9/hook" });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: "not_configured" } });
    const health = await (
      await sendAdminWith(production, "GET", "/api/admin/health")
    ).json<{ missingConfig: unknown[] }>();
    expect(health.missingConfig).toContainEqual({
      capability: "outbound webhooks",
      missing: ['OUTBOUND_ALLOW_LOOPBACK (only allowed when ENVIRONMENT is "development")'],
    });
    expect(buildConfig(production).outbound.allowLoopback).toBe(false);
    expect(buildConfig({ OUTBOUND_ALLOW_LOOPBACK: "true" }).outbound.allowLoopback).toBe(true);
    expect(buildConfig({}).outbound.allowLoopback).toBe(false);
    // Without the flag, development refuses loopback like production.
    expect((await sendAdmin("POST", HOOKS_PATH, { url: "http://127.0.0.1:9/hook" })).status).toBe(422);
  });
});

describe("the secret", () => {
  it("never appears in logs, errors or the delivery log, through failures, refusals and a disable", async () => {
    const logged: string[] = [];
    for (const level of ["log", "error", "warn", "info", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : JSON.stringify(a))).join(" "));
      });
    }
    const { id, secret } = await registerEndpoint({ url: HOOK });
    const rotated = await (await sendAdmin("POST", `${HOOKS_PATH}/${id}/rotate`)).json<{ secret: string }>();
    net.answer(HOOK, (req) => new Response(`echo ${req.headers["webhook-id"]}`, { status: 500 }));
    await publishChange();
    await hooks.drain();
    net.resolve("hooks.example.org", ["10.0.0.1"]);
    await publishChange();
    await hooks.drain();
    net.resolve("hooks.example.org", ["93.184.215.14"]);
    net.answer(HOOK, new Response("gone", { status: 410 }));
    await publishChange();
    await hooks.drain();
    const log = await (await sendAdmin("GET", `${HOOKS_PATH}/${id}/deliveries`)).text();
    const shown = await (await sendAdmin("GET", `${HOOKS_PATH}/${id}`)).text();
    expect(logged.length).toBeGreaterThan(0);
    for (const s of [secret, rotated.secret]) {
      const key = s.slice("whsec_".length);
      for (const text of [...logged, log, shown]) expect(text).not.toContain(key);
    }
    expect(JSON.parse(shown).state.status).toBe("disabled");
  });
});

describe("the delivery log", () => {
  it("pages newest first with the change id, status, attempts, last status and answer, and latency", async () => {
    const { id, secret } = await registerEndpoint({ url: HOOK });
    const changes: string[] = [];
    for (let i = 0; i < 3; i++) {
      vi.setSystemTime(new Date(T0.getTime() + i * 60_000));
      changes.push(await publishChange());
    }
    net.answer(HOOK, (req) => {
      verifyReceived(secret, req);
      return new Response("thanks", { status: 202 });
    });
    await hooks.drain();
    const first = await (
      await sendAdmin("GET", `${HOOKS_PATH}/${id}/deliveries?limit=2`)
    ).json<{
      deliveries: Record<string, unknown>[];
      nextCursor: string | null;
    }>();
    expect(first.deliveries.map((d) => d.changeId)).toEqual([changes[2], changes[1]]);
    expect(first.deliveries[0]).toEqual({
      id: expect.stringMatching(/^msg_/),
      changeId: changes[2],
      status: "delivered",
      attempts: 1,
      nextAttemptAt: null,
      lastStatus: 202,
      lastAnswer: "thanks",
      latencyMs: expect.any(Number),
      createdAt: new Date(T0.getTime() + 120_000).toISOString(),
      updatedAt: expect.any(String),
      deliveredAt: expect.any(String),
    });
    const second = await (
      await sendAdmin("GET", `${HOOKS_PATH}/${id}/deliveries?limit=2&cursor=${first.nextCursor}`)
    ).json<{ deliveries: { changeId: string }[]; nextCursor: string | null }>();
    expect(second.deliveries.map((d) => d.changeId)).toEqual([changes[0]]);
    expect(second.nextCursor).toBeNull();
  });
});
