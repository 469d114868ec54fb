// POST /subscriptions (double opt-in) through the Worker's real fetch handler: a form or JSON request stores a
// pending subscription and queues one confirmation mail, at most one per address per hour and none for a
// confirmed or suppressed address, always with the same answer; bad input, unknown scopes, oversized bodies, too
// many requests per IP and other methods are refused (a page for forms); a queue failure answers 503. Also: the
// form on the event and session pages.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { suppressTestAddress } from "../helpers/factories.ts";
import { MAX_SUBSCRIPTION_BODY_BYTES } from "../../src/domain/limits.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { pagePaths, subscriptionPaths } from "../../src/paths.ts";
import { claimConfirmation } from "../../src/store/subscriptions.ts";
import {
  EMAIL,
  EVENT,
  SESSION,
  T0,
  confirmMessages,
  getRow,
  insertSubscriber,
  request,
  sent,
  setUpSubscriptionTests,
  subscribeForm,
  subscribeJson,
} from "../helpers/subscriptions.ts";

setUpSubscriptionTests();

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

describe("the subscribe form", () => {
  it("is on the event page, for the whole event", async () => {
    const html = await (await request(pagePaths.event(EVENT))).text();
    const form = /<form[^>]*class="mail-subscribe"[\s\S]*?<\/form>/.exec(html)?.[0];
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
    const form = /<form[^>]*class="mail-subscribe"[\s\S]*?<\/form>/.exec(html)?.[0];
    expect(form).toContain(`name="event" value="${EVENT}"`);
    expect(form).toContain(`name="session" value="${SESSION}"`);
    const res = await subscribeForm({ email: EMAIL, event: EVENT, session: SESSION, mode: "immediate" });
    expect(res.status).toBe(202);
    expect(await getRow(EMAIL, SESSION)).toMatchObject({ status: "pending" });
  });
});
