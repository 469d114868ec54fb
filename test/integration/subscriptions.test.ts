// Subscribe (double opt-in), confirm and RFC 8058 unsubscribe, through the Worker's real fetch handler.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { putTestSubscription, suppressTestAddress } from "../helpers/factories.ts";
import { fetchWorker } from "../helpers/http.ts";
import { type Sent, captureQueues } from "../helpers/queue.ts";
import { MAX_SUBSCRIPTION_BODY_BYTES } from "../../src/domain/limits.ts";
import { signToken } from "../../src/email/tokens.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { NotifyMessage } from "../../src/domain/messages.ts";
import { type SubscriptionMode, claimConfirmation } from "../../src/store/subscriptions.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const EMAIL = "ada@example.org";
const T0 = new Date("2026-11-27T10:00:00Z");

let sent: Sent<NotifyMessage>[];

beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  sent = captureQueues().notify.sent;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Each request comes from its own address unless told, so the per-IP limiter only bites where tested. */
function request(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", `test-${crypto.randomUUID()}`);
  return fetchWorker(path, { ...init, headers });
}

const subscribeForm = (fields: Record<string, string>, headers: HeadersInit = {}) =>
  request(subscriptionPaths.subscribe(), { method: "POST", body: new URLSearchParams(fields), headers });

const subscribeJson = (body: unknown, headers: Record<string, string> = {}) =>
  request(subscriptionPaths.subscribe(), {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });

type Row = { id: string; email: string; session_id: string; mode: string; status: string; confirmed_at: string | null };

const getRow = (email = EMAIL, session = "") =>
  env.DB.prepare("SELECT * FROM subscribers WHERE email = ? AND event_id = ? AND session_id = ?")
    .bind(email, EVENT, session)
    .first<Row>();

/** A subscription of EMAIL (or `email`) to the whole event, in `status`, made through the store. */
const insertSubscriber = (
  status: "pending" | "confirmed" | "unsubscribed",
  email = EMAIL,
  mode: SubscriptionMode = "immediate",
) => putTestSubscription({ email, mode, status, at: T0 });

const confirmMessages = () => sent.filter((s) => s.body.type === "confirm");

const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const flipBit = (c: string) => B64URL[B64URL.indexOf(c) ^ 1]!;
/** A token with one character of its payload changed, and one whose signature differs only in unused bits. */
const tamper = (token: string) => token.slice(0, 5) + flipBit(token[5]!) + token.slice(6);
const tamperEnd = (token: string) => token.slice(0, -1) + flipBit(token.at(-1)!);

describe("POST /subscriptions", () => {
  it.each([
    ["urlencoded", (f: Record<string, string>) => new URLSearchParams(f)],
    [
      "multipart",
      (f: Record<string, string>) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(f)) form.append(k, v);
        return form;
      },
    ],
  ])("takes a %s form: 202 page, a pending row, exactly one confirm message", async (_, encode) => {
    const res = await request(subscriptionPaths.subscribe(), {
      method: "POST",
      body: encode({ email: "  Ada@Example.ORG ", event: EVENT, session: "", mode: "daily" }),
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("check your inbox");
    const row = await getRow();
    expect(row).toMatchObject({ email: EMAIL, session_id: "", mode: "daily", status: "pending" });
    expect(sent).toEqual([{ body: { v: 1, type: "confirm", subscriberId: row!.id } }]);
  });

  it("takes JSON for one session, immediate by default", async () => {
    const res = await subscribeJson({ email: EMAIL, event: EVENT, session: SESSION });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "pending", message: expect.stringContaining("check your inbox") });
    const row = await getRow(EMAIL, SESSION);
    expect(row).toMatchObject({ mode: "immediate", status: "pending" });
    expect(sent).toEqual([{ body: { v: 1, type: "confirm", subscriberId: row!.id } }]);
  });

  it("answers a second request the same way and sends no second confirmation within the hour", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    const first = await subscribeJson({ email: EMAIL, event: EVENT });
    const again = await subscribeJson({ email: EMAIL, event: EVENT });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect(await again.json()).toEqual(await first.json());
    // Another scope of the same address is throttled too: the limit is per address.
    expect((await subscribeJson({ email: EMAIL, event: EVENT, session: SESSION })).status).toBe(202);
    vi.setSystemTime(T0.getTime() + 59 * 60_000);
    await subscribeJson({ email: EMAIL, event: EVENT });
    expect(confirmMessages()).toHaveLength(1);

    vi.setSystemTime(T0.getTime() + 61 * 60_000);
    expect((await subscribeJson({ email: EMAIL, event: EVENT })).status).toBe(202);
    const row = await getRow();
    expect(confirmMessages().map((s) => s.body)).toEqual([
      { v: 1, type: "confirm", subscriberId: row!.id },
      { v: 1, type: "confirm", subscriberId: row!.id },
    ]);
  });

  it("lets only one of many concurrent requests for an address send a confirmation", async () => {
    const answers = await Promise.all(
      ["", SESSION, "rust-and-xen", "xen-on-risc-v", ""].map((session) =>
        subscribeJson({ email: EMAIL, event: EVENT, session }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(confirmMessages()).toHaveLength(1);
    const claims = await Promise.all(Array.from({ length: 5 }, () => claimConfirmation(env.DB, "bob@example.org", T0)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it("answers the same for a confirmed subscription, sends nothing, and changes nothing", async () => {
    const fresh = await (await subscribeJson({ email: "new@example.org", event: EVENT })).json();
    const id = await insertSubscriber("confirmed", EMAIL, "immediate");
    sent.length = 0;
    const res = await subscribeJson({ email: EMAIL, event: EVENT, mode: "daily" });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual(fresh);
    expect(sent).toEqual([]);
    expect(await getRow()).toMatchObject({ id, status: "confirmed", mode: "immediate" });
  });

  it("answers the same for a suppressed address and sends nothing", async () => {
    await suppressTestAddress(EMAIL, T0);
    const res = await subscribeForm({ email: EMAIL, event: EVENT, mode: "immediate" });
    expect(res.status).toBe(202);
    expect(await res.text()).toContain("check your inbox");
    expect(sent).toEqual([]);
    expect(await getRow()).toMatchObject({ status: "pending" });
  });

  it("puts an unsubscribed subscription back to pending and asks for confirmation again", async () => {
    const id = await insertSubscriber("unsubscribed", EMAIL, "immediate");
    const res = await subscribeJson({ email: EMAIL, event: EVENT, mode: "daily" });
    expect(res.status).toBe(202);
    expect(await getRow()).toMatchObject({ id, status: "pending", mode: "daily" });
    expect(sent).toEqual([{ body: { v: 1, type: "confirm", subscriberId: id } }]);
  });

  it.each([
    ["an invalid email", { email: "not-an-email", event: EVENT }, "email"],
    ["an email over 254 characters", { email: `${"a".repeat(64)}@${"b".repeat(190)}.org`, event: EVENT }, "email"],
    ["a missing email", { event: EVENT }, "email"],
    ["an unknown mode", { email: EMAIL, event: EVENT, mode: "weekly" }, "mode"],
    ["an event that is not a slug", { email: EMAIL, event: "Not An Event" }, "event"],
    ["a session that is not a slug", { email: EMAIL, event: EVENT, session: "../x" }, "session"],
    ["an unknown field", { email: EMAIL, event: EVENT, admin: true }, ""],
  ])("rejects %s with 400 and the issues", async (_, body, field) => {
    const res = await subscribeJson(body);
    expect(res.status).toBe(400);
    const envelope = ErrorEnvelope.parse(await res.json());
    expect(envelope.error.code).toBe("bad_request");
    expect(envelope.error.issues?.some((i) => (i.path[0] ?? "") === field)).toBe(true);
    expect(sent).toEqual([]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers").first("n")).toBe(0);
  });

  it("lists a form's problems on a readable 400 page, escaped", async () => {
    const res = await subscribeForm({ email: "<script>alert(1)</script>", event: EVENT, mode: "weekly", "<b>": "x" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Email address");
    expect(html).toContain("How often");
    expect(html).not.toContain("<b>");
    expect(html).not.toContain("<script>alert");
  });

  it("rejects JSON that does not parse (400) and bodies it does not read (415)", async () => {
    const bad = await request(subscriptionPaths.subscribe(), {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    const text = await request(subscriptionPaths.subscribe(), {
      method: "POST",
      body: EMAIL,
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
  });

  it("answers 413 to a body over MAX_SUBSCRIPTION_BODY_BYTES: the envelope for JSON, a page for a form", async () => {
    const padding = "x".repeat(MAX_SUBSCRIPTION_BODY_BYTES);
    const json = await subscribeJson({ email: EMAIL, event: EVENT, padding });
    expect(json.status).toBe(413);
    expect(ErrorEnvelope.parse(await json.json()).error.code).toBe("payload_too_large");
    const form = await subscribeForm({ email: EMAIL, event: EVENT, padding });
    expect(form.status).toBe(413);
    expect(form.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await form.text()).toContain(`larger than ${MAX_SUBSCRIPTION_BODY_BYTES} bytes`);
    const unsubscribe = await request(subscriptionPaths.unsubscribe("x"), {
      method: "POST",
      body: new URLSearchParams({ "List-Unsubscribe": "One-Click", padding }),
    });
    expect(unsubscribe.status).toBe(413);
    expect(await getRow()).toBeNull();
    expect(sent).toEqual([]);
  });

  it.each([
    [{ event: "no-such-event" }, "There is no such event."],
    [{ event: EVENT, session: "no-such-session" }, "There is no such session in this event."],
  ])("answers 404 for an unknown scope %j", async (scope, message) => {
    const res = await subscribeJson({ email: EMAIL, ...scope });
    expect(res.status).toBe(404);
    expect(ErrorEnvelope.parse(await res.json()).error).toEqual({ code: "not_found", message });
    const page = await subscribeForm({ email: EMAIL, ...scope });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain(message);
    expect(sent).toEqual([]);
  });

  it("limits requests per IP: 429 with Retry-After, as JSON or as a page", async () => {
    const ip = { "cf-connecting-ip": `limit-${crypto.randomUUID()}` };
    let refused: Response | undefined;
    for (let i = 0; i < 30 && !refused; i++) {
      const res = await subscribeJson({ email: `p${i}@example.org`, event: EVENT }, ip);
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(202);
    }
    expect(refused?.headers.get("retry-after")).toBe("60");
    expect(ErrorEnvelope.parse(await refused!.json()).error.code).toBe("too_many_requests");
    const page = await subscribeForm({ email: EMAIL, event: EVENT }, ip);
    expect(page.status).toBe(429);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    // Another address is not limited.
    expect((await subscribeJson({ email: EMAIL, event: EVENT })).status).toBe(202);
  });

  it("answers 503 when the confirmation cannot be queued, and the retry is not throttled", async () => {
    vi.mocked(env.NOTIFY.send).mockRejectedValueOnce(new Error("queue unavailable"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await subscribeJson({ email: EMAIL, event: EVENT });
    expect(res.status).toBe(503);
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("unavailable");
    expect(logged).toHaveBeenCalledOnce();
    expect((await subscribeJson({ email: EMAIL, event: EVENT })).status).toBe(202);
    expect(confirmMessages()).toHaveLength(1);
  });

  it("answers other methods with 405 and Allow", async () => {
    const res = await request(subscriptionPaths.subscribe());
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
    for (const path of [subscriptionPaths.confirm(), subscriptionPaths.unsubscribe()]) {
      const put = await request(path, { method: "PUT" });
      expect(put.status).toBe(405);
      expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
    }
  });
});

describe("confirm", () => {
  const confirmToken = (id: string) => signToken(env.SUBSCRIPTION_SECRET, "confirm", id, new Date());
  const postConfirm = (token: string) =>
    request(subscriptionPaths.confirm(), { method: "POST", body: new URLSearchParams({ token }) });

  it("GET shows what is confirmed and a button, and changes nothing", async () => {
    const id = await insertSubscriber("pending");
    const token = await confirmToken(id);
    const res = await request(subscriptionPaths.confirm(token));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/subscriptions\/confirm"/);
    expect(html).toContain(`name="token" value="${token}"`);
    expect(html).toContain("Test Summit 2026");
    expect(html).toContain(EMAIL);
    expect(await getRow()).toMatchObject({ status: "pending", confirmed_at: null });
  });

  it("POST confirms, idempotently, with the token in the form or the query", async () => {
    const id = await insertSubscriber("pending", EMAIL, "daily");
    const token = await confirmToken(id);
    const res = await postConfirm(token);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("daily digest");
    expect(html).toContain("unsubscribe");
    const row = await getRow();
    expect(row).toMatchObject({ status: "confirmed" });
    expect(row!.confirmed_at).not.toBeNull();
    const again = await request(subscriptionPaths.confirm(token), { method: "POST" });
    expect(again.status).toBe(200);
    expect(await getRow()).toEqual(row);
  });

  it("does not revive an unsubscribed subscription from an old link", async () => {
    const id = await insertSubscriber("unsubscribed");
    expect((await postConfirm(await confirmToken(id))).status).toBe(409);
    expect(await getRow()).toMatchObject({ status: "unsubscribed" });
  });

  it("rejects a tampered, expired, missing or unsubscribe-purpose token with 400", async () => {
    const id = await insertSubscriber("pending");
    const token = await confirmToken(id);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 8 * 86_400_000);
    const expired = await confirmToken(id);
    vi.useRealTimers();
    const wrong = await signToken(env.SUBSCRIPTION_SECRET, "unsubscribe", id, new Date());
    for (const bad of [tamper(token), tamperEnd(token), expired, wrong, ""]) {
      expect((await request(subscriptionPaths.confirm(bad))).status).toBe(400);
      expect((await postConfirm(bad)).status).toBe(400);
    }
    expect(await getRow()).toMatchObject({ status: "pending" });
  });
});

describe("a second scope within the throttle hour", () => {
  it("gets no mail of its own but is offered, with its own button, on the first one's confirmation page", async () => {
    expect((await subscribeForm({ email: EMAIL, event: EVENT })).status).toBe(202);
    expect((await subscribeForm({ email: EMAIL, event: EVENT, session: SESSION, mode: "daily" })).status).toBe(202);
    expect(confirmMessages()).toHaveLength(1);
    const first = await getRow();
    const second = await getRow(EMAIL, SESSION);
    const token = await signToken(env.SUBSCRIPTION_SECRET, "confirm", first!.id, new Date());

    const page = await (await request(subscriptionPaths.confirm(token))).text();
    expect(page).toContain("Also waiting for confirmation");
    expect(page).toContain("Xen Toolstacks");
    const offered = [...page.matchAll(/name="token" value="([^"]+)"/g)].map((m) => m[1]!);
    expect(offered).toHaveLength(2);
    expect(offered[0]).toBe(token);
    // Nothing is confirmed by looking, and the offer confirms only its own subscription.
    expect((await getRow(EMAIL, SESSION))!.status).toBe("pending");
    const confirmed = await request(subscriptionPaths.confirm(), {
      method: "POST",
      body: new URLSearchParams({ token: offered[1]! }),
    });
    expect(confirmed.status).toBe(200);
    expect((await getRow(EMAIL, SESSION))!).toMatchObject({ id: second!.id, status: "confirmed", mode: "daily" });
    expect((await getRow())!.status).toBe("pending");
  });
});

describe("unsubscribe (RFC 8058)", () => {
  const unsubscribeToken = (id: string) => signToken(env.SUBSCRIPTION_SECRET, "unsubscribe", id, new Date());
  const oneClick = (token: string, body: BodyInit | null = new URLSearchParams({ "List-Unsubscribe": "One-Click" })) =>
    request(subscriptionPaths.unsubscribe(token), { method: "POST", body });

  it("GET shows a one-click button and changes nothing", async () => {
    const id = await insertSubscriber("confirmed");
    const token = await unsubscribeToken(id);
    const res = await request(subscriptionPaths.unsubscribe(token));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`action="${subscriptionPaths.unsubscribe(token)}"`);
    expect(html).toContain(`name="List-Unsubscribe" value="One-Click"`);
    expect(await getRow()).toMatchObject({ status: "confirmed" });
  });

  it.each([
    ["urlencoded", () => new URLSearchParams({ "List-Unsubscribe": "One-Click" })],
    [
      "multipart",
      () => {
        const form = new FormData();
        form.append("List-Unsubscribe", "One-Click");
        return form;
      },
    ],
  ])("POST with a %s One-Click body unsubscribes at once, idempotently", async (_, body) => {
    const id = await insertSubscriber("confirmed");
    const token = await unsubscribeToken(id);
    const res = await oneClick(token, body());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("unsubscribed");
    const row = await getRow();
    expect(row).toMatchObject({ status: "unsubscribed" });
    expect((await oneClick(token, body())).status).toBe(200);
    expect(await getRow()).toEqual(row);
  });

  it("unsubscribes a pending subscription too", async () => {
    const id = await insertSubscriber("pending");
    expect((await oneClick(await unsubscribeToken(id))).status).toBe(200);
    expect(await getRow()).toMatchObject({ status: "unsubscribed" });
  });

  it("rejects a tampered or confirm-purpose token, and a missing or other body, with 400", async () => {
    const id = await insertSubscriber("confirmed");
    const token = await unsubscribeToken(id);
    const confirm = await signToken(env.SUBSCRIPTION_SECRET, "confirm", id, new Date());
    for (const bad of [tamper(token), tamperEnd(token), confirm, ""]) {
      expect((await oneClick(bad)).status).toBe(400);
      expect((await request(subscriptionPaths.unsubscribe(bad))).status).toBe(400);
    }
    expect((await oneClick(token, null)).status).toBe(400);
    expect((await oneClick(token, new URLSearchParams({ "List-Unsubscribe": "Yes" }))).status).toBe(400);
    expect((await oneClick(token, "List-Unsubscribe=One-Click")).status).toBe(400); // text/plain
    expect(await getRow()).toMatchObject({ status: "confirmed" });
  });
});

describe("the subscribe form", () => {
  it("is on the event page, for the whole event", async () => {
    const html = await (await request(pagePaths.event(EVENT))).text();
    const form = /<form class="mail-subscribe"[\s\S]*?<\/form>/.exec(html)?.[0];
    expect(form).toMatch(/method="post" action="\/subscriptions"/);
    expect(form).toContain(`name="event" value="${EVENT}"`);
    expect(form).not.toContain(`name="session"`);
    expect(form).toMatch(/<input[^>]*type="email"[^>]*name="email"[^>]*required[^>]*autocomplete="email"/);
    expect(form).toContain(`value="immediate"`);
    expect(form).toContain(`value="daily"`);
    expect(form).toContain(`type="submit"`);
  });

  it("is on a session page, for that session, and subscribes to it", async () => {
    const html = await (await request(pagePaths.session(EVENT, SESSION))).text();
    const form = /<form class="mail-subscribe"[\s\S]*?<\/form>/.exec(html)?.[0];
    expect(form).toContain(`name="event" value="${EVENT}"`);
    expect(form).toContain(`name="session" value="${SESSION}"`);
    const res = await subscribeForm({ email: EMAIL, event: EVENT, session: SESSION, mode: "immediate" });
    expect(res.status).toBe(202);
    expect(await getRow(EMAIL, SESSION)).toMatchObject({ status: "pending" });
  });
});
