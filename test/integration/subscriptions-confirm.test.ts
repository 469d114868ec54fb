// The links a subscription mail carries, through the Worker's real fetch handler: confirm (GET shows, POST
// confirms, idempotently, never reviving an unsubscribed one; a second scope asked for within the hour is offered
// on the first one's page) and RFC 8058 one-click unsubscribe; tampered, expired or wrong-purpose tokens get 400.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { signToken } from "../../src/email/tokens.ts";
import { subscriptionPaths } from "../../src/paths.ts";
import {
  EMAIL,
  EVENT,
  SESSION,
  confirmMessages,
  getRow,
  insertSubscriber,
  request,
  setUpSubscriptionTests,
  subscribeForm,
  tamper,
  tamperEnd,
} from "../helpers/subscriptions.ts";

setUpSubscriptionTests();

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
