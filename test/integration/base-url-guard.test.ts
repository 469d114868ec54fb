// A production deployment never mails links to, or announces feeds at, an address nobody else can open: with
// PUBLIC_BASE_URL not https (or on loopback), mail and WebSub pings are refused, and health says why. Only
// ENVIRONMENT="development" (npm start, these tests) allows http on loopback.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildBindings, buildConfig, buildSite } from "../helpers/config.ts";
import { putTestChange, putTestSubscribers, putTestSubscription } from "../helpers/factories.ts";
import { fetchWorker, sendAdmin } from "../helpers/http.ts";
import { type Sent, captureQueues, deliver } from "../helpers/queue.ts";
import { type ConfigEnv, QUEUES, checkPublicBaseUrl, listAllMissingConfig } from "../../src/config.ts";
import type { NotifyMessage } from "../../src/domain/messages.ts";
import { feedPaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const HUB = "https://hub.websub.test/";
/** wrangler.toml as deployed without setting PUBLIC_BASE_URL: production, the local default address. */
const LOOPBACK_PRODUCTION: ConfigEnv = { ENVIRONMENT: "production", PUBLIC_BASE_URL: "http://127.0.0.1:8787" };
const PUBLIC_PRODUCTION: ConfigEnv = { ENVIRONMENT: "production", PUBLIC_BASE_URL: "https://notes.example.org" };

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date());
});
afterEach(() => vi.restoreAllMocks());

describe("checkPublicBaseUrl", () => {
  const check = (PUBLIC_BASE_URL: string, ENVIRONMENT?: string) =>
    checkPublicBaseUrl(buildConfig({ PUBLIC_BASE_URL, ...(ENVIRONMENT === undefined ? {} : { ENVIRONMENT }) }));

  it("takes only an https address off loopback in production", () => {
    expect(check("https://notes.example.org", "production")).toBeNull();
    expect(check("https://notes.example.org/sessionwire/", "production")).toBeNull();
    for (const url of [
      "http://notes.example.org",
      "http://127.0.0.1:8787",
      "https://127.0.0.1",
      "https://127.1.2.3:8443",
      "https://localhost",
      "https://app.localhost",
      "https://[::1]/",
    ]) {
      expect(check(url, "production"), url).toMatch(/^PUBLIC_BASE_URL \(an https address others can reach/);
    }
    expect(check("", "production")).toBe("PUBLIC_BASE_URL");
    expect(check("not a url", "production")).toBe("PUBLIC_BASE_URL");
  });

  it("also takes http on loopback in development, and nothing else over http", () => {
    for (const url of ["http://127.0.0.1:8787", "http://localhost:8788", "http://[::1]:8787", "https://x.example"]) {
      expect(check(url, "development"), url).toBeNull();
    }
    expect(check("http://notes.example.org", "development")).toBe(
      "PUBLIC_BASE_URL (https, or http on a loopback host)",
    );
    expect(check("http://10.0.0.5:8787", "development")).not.toBeNull();
  });

  it("is production unless ENVIRONMENT is exactly development", () => {
    for (const environment of ["", "dev", "Development", "staging", "production"]) {
      expect(buildConfig({ ENVIRONMENT: environment }).environment, environment).toBe("production");
    }
    expect(buildConfig({ ENVIRONMENT: " development " }).environment).toBe("development");
    expect(check("http://127.0.0.1:8787", "")).not.toBeNull();
  });
});

describe("a production deployment on a loopback or http address", () => {
  it("refuses subscriptions (503 not_configured) and lists mail and WebSub pings as degraded in health", async () => {
    const subscribe = (overrides: ConfigEnv) =>
      fetchWorker(
        "/subscriptions",
        {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "ada@example.org", event: EVENT }),
        },
        overrides,
      );
    vi.spyOn(console, "error").mockImplementation(() => {});
    const refused = await subscribe(LOOPBACK_PRODUCTION);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("not_configured");
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers").first<{ n: number }>())!.n).toBe(0);
    expect((await subscribe(PUBLIC_PRODUCTION)).status).toBe(202);

    const reason = 'PUBLIC_BASE_URL (an https address others can reach, since ENVIRONMENT is not "development")';
    expect(listAllMissingConfig(buildConfig({ ...LOOPBACK_PRODUCTION, WEBSUB_HUB: HUB }))).toEqual([
      { capability: "mail", missing: [reason] },
      { capability: "WebSub pings", missing: [reason] },
    ]);
    // No hub, nothing to ping: only mail is missing.
    expect(listAllMissingConfig(buildConfig(LOOPBACK_PRODUCTION))).toEqual([{ capability: "mail", missing: [reason] }]);
    expect(listAllMissingConfig(buildConfig({ ...PUBLIC_PRODUCTION, WEBSUB_HUB: HUB }))).toEqual([]);
    const health = await fetchWorker(
      "/api/admin/health",
      { headers: { authorization: "Bearer test-admin-token" } },
      { ...LOOPBACK_PRODUCTION, WEBSUB_HUB: HUB },
    );
    const body = (await health.json()) as { status: string; problems: string[] };
    expect(body.status).toBe("degraded");
    expect(body.problems).toContain(`mail: missing ${reason}`);
    expect(body.problems).toContain(`WebSub pings: missing ${reason}`);
  });

  it("sends no mail: NOTIFY messages are retried untouched, and go out once the address is fixed", async () => {
    const pending = await putTestSubscription({ email: "ada@example.org" });
    await putTestSubscribers([{ id: "bob" }], new Date());
    await putTestChange({ id: "chg_guard", notifiedAt: new Date() });
    const send = vi.spyOn(env.EMAIL, "send").mockImplementation(async () => ({ messageId: "ok" }));
    vi.spyOn(console, "error").mockImplementation(() => {});
    const messages: (Sent<NotifyMessage> & { id: string })[] = [
      { id: "confirm", body: { v: 1, type: "confirm", subscriberId: pending } },
      { id: "deliver", body: { v: 1, type: "deliver", changeId: "chg_guard", subscriberIds: ["bob"] } },
    ];

    const refused = await deliver(QUEUES.notify, messages, { bindings: buildBindings(LOOPBACK_PRODUCTION) });
    expect(refused.retryMessages.map((m) => m.msgId)).toEqual(["confirm", "deliver"]);
    expect(send).not.toHaveBeenCalled();
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM deliveries").first<{ n: number }>())!.n).toBe(0);

    const sent = await deliver(QUEUES.notify, messages, { bindings: buildBindings(PUBLIC_PRODUCTION) });
    expect(sent.explicitAcks).toEqual(["confirm", "deliver"]);
    expect(send).toHaveBeenCalledTimes(2);
    expect(JSON.stringify(send.mock.calls)).toContain("https://notes.example.org/subscriptions/");
  });

  it("pings no hub: nothing is queued after a publish, and a ping queued before is refused and recorded", async () => {
    const { changes } = captureQueues();
    const fetch = vi.spyOn(globalThis, "fetch");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const bindings = buildBindings({ ...LOOPBACK_PRODUCTION, WEBSUB_HUB: HUB });
    const res = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, {
      url: "https://hackmd.io/rusty",
    });
    const receiptId = ((await res.json()) as { receipt: string }).receipt;
    changes.sent.splice(0);
    await deliver(QUEUES.changes, [{ body: { v: 1, type: "receipt", receiptId } }], { bindings });
    // Published all the same; only the announcement is held back.
    expect((await fetchWorker(feedPaths.session(EVENT, "rust-and-xen", "json"))).status).toBe(200);
    expect(changes.sent.filter((m) => m.body.type === "websub")).toEqual([]);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^WebSub: not pinging https:\/\/hub\.websub\.test\//));

    const feedUrl = `http://127.0.0.1:8787${feedPaths.all("atom")}`;
    const ping = await deliver(QUEUES.changes, [{ id: "ping", body: { v: 1, type: "websub", feedUrl } }], { bindings });
    expect(ping.explicitAcks).toEqual(["ping"]);
    expect(fetch).not.toHaveBeenCalled();
    const failure = await env.DB.prepare("SELECT subject, error FROM failures").first<{
      subject: string;
      error: string;
    }>();
    expect(failure?.subject).toContain(feedUrl);
    expect(failure?.error).toMatch(/^WebSub: not pinging .*PUBLIC_BASE_URL/);
  });
});
