// The manage page through the Worker's real fetch handler: a manage token stands for one address and lists what it
// follows (event-wide and per session, with titles and links; pending ones apart), and its forms (POST, the token
// in the body) switch one subscription between immediate and daily, unsubscribe from one or from all. A bad,
// expired, other-purpose or missing token gets a readable 400 page; a token cannot touch another address's
// subscriptions; the link in a real confirmation mail opens the page.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { putTestSubscription } from "../helpers/factories.ts";
import { MANAGE_TOKEN_TTL_SECONDS, signToken } from "../../src/email/tokens.ts";
import { pagePaths, subscriptionPaths } from "../../src/paths.ts";
import {
  EMAIL,
  EVENT,
  SESSION,
  T0,
  deliverMails,
  findLink,
  request,
  setUpSubscriptionTests,
  subscribeForm,
  tamper,
  tamperEnd,
} from "../helpers/subscriptions.ts";

setUpSubscriptionTests();

const OTHER = "bob@example.org";
const manageToken = (id: string, now = new Date()) => signToken(env.SUBSCRIPTION_SECRET, "manage", id, now);
const post = (fields: Record<string, string>, path = subscriptionPaths.manage()) =>
  request(path, { method: "POST", body: new URLSearchParams(fields) });

/** EMAIL follows the whole event (immediate) and one session (daily), waits on a third, left a fourth; OTHER follows the event. */
async function putAddresses() {
  const ids = {
    event: await putTestSubscription({ status: "confirmed", at: T0 }),
    session: await putTestSubscription({ session: SESSION, mode: "daily", status: "confirmed", at: T0 }),
    pending: await putTestSubscription({ session: "rust-and-xen", status: "pending", at: T0 }),
    left: await putTestSubscription({ session: "xen-on-risc-v", status: "unsubscribed", at: T0 }),
    other: await putTestSubscription({ email: OTHER, status: "confirmed", at: T0 }),
  };
  return { ...ids, token: await manageToken(ids.session) };
}

const readRows = async () =>
  (await env.DB.prepare("SELECT id, email, session_id, mode, status FROM subscribers ORDER BY email, session_id").all())
    .results;

/** Each form of a page: its opening tag and the fields it posts. */
const formsOf = (html: string) =>
  [...html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)].map(([, attributes, body]) => ({
    attributes: attributes!,
    fields: [...body!.matchAll(/<(?:input|button)[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map(([, n, v]) => [n, v]),
  }));

describe("the manage page", () => {
  it("lists what the address follows, by event with titles and links, pending ones apart, and changes nothing", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    const res = await request(subscriptionPaths.manage(token));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const html = await res.text();
    expect(html).toContain(EMAIL);
    expect(html).toContain(`<a href="${pagePaths.event(EVENT)}">Test Summit 2026</a>`);
    expect(html).toContain("Every session");
    expect(html).toContain(`<a href="${pagePaths.session(EVENT, SESSION)}">Xen Toolstacks</a>`);
    const [waiting, leave] = [html.indexOf("Waiting for confirmation"), html.indexOf("Leave everything")];
    expect(html.indexOf("Rust and Xen")).toBeGreaterThan(waiting);
    expect(html.indexOf("Xen Toolstacks")).toBeLessThan(waiting);
    expect(leave).toBeGreaterThan(waiting);
    expect(html).not.toContain("Xen on RISC-V");
    expect(html).not.toContain(OTHER);
    expect(html).not.toContain(ids.other);
    expect(html).not.toContain("<script");

    // One form per subscription and one for everything, each posting the token in its body: the event (immediate)
    // offers daily, the session (daily) immediate, the pending one only a cancel.
    const forms = formsOf(html);
    expect(forms).toHaveLength(4);
    for (const form of forms) {
      expect(form.attributes).toContain(`method="post" action="${subscriptionPaths.manage()}"`);
      expect(form.fields).toContainEqual(["token", token]);
    }
    expect(forms.map((f) => f.fields.filter(([n]) => n !== "token"))).toEqual([
      [
        ["subscription", ids.event],
        ["action", "daily"],
        ["action", "unsubscribe"],
      ],
      [
        ["subscription", ids.session],
        ["action", "immediate"],
        ["action", "unsubscribe"],
      ],
      [
        ["subscription", ids.pending],
        ["action", "unsubscribe"],
      ],
      [["action", "unsubscribe-all"]],
    ]);
    expect(await readRows()).toEqual(before);
  });

  it("switches one subscription to daily and back, and leaves the others as they are", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    const daily = await post({ token, subscription: ids.event, action: "daily" });
    expect(daily.status).toBe(200);
    expect(daily.headers.get("cache-control")).toBe("no-store");
    expect(await daily.text()).toMatch(
      /role="status">You will get a daily digest of its notes changes for every session/,
    );
    const rows = await readRows();
    expect(rows.find((r) => r.id === ids.event)).toMatchObject({ mode: "daily", status: "confirmed" });
    expect(rows.filter((r) => r.id !== ids.event)).toEqual(before.filter((r) => r.id !== ids.event));

    const immediate = await post({ token, subscription: ids.event, action: "immediate" });
    expect(immediate.status).toBe(200);
    expect(await immediate.text()).toContain("an email each time its notes change");
    expect(await readRows()).toEqual(before);
  });

  it("unsubscribes from one, idempotently, and cancels a pending one", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    for (let i = 0; i < 2; i++) {
      const res = await post({ token, subscription: ids.session, action: "unsubscribe" });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/role="status">No more mail about the session <a[^>]*>Xen Toolstacks<\/a>/);
      expect(formsOf(html).flatMap((f) => f.fields)).not.toContainEqual(["subscription", ids.session]);
    }
    expect((await post({ token, subscription: ids.pending, action: "unsubscribe" })).status).toBe(200);
    const rows = await readRows();
    expect(rows.filter((r) => r.status === "unsubscribed").map((r) => r.id)).toEqual(
      expect.arrayContaining([ids.session, ids.pending, ids.left]),
    );
    const untouched = (r: Record<string, unknown>) => ![ids.session, ids.pending].includes(r.id as string);
    expect(rows.filter(untouched)).toEqual(before.filter(untouched));
    // A subscription left cannot be switched: subscribing again goes through confirmation.
    expect((await post({ token, subscription: ids.session, action: "daily" })).status).toBe(409);
  });

  it("unsubscribes the address from everything, and nothing of another address", async () => {
    const { token, ...ids } = await putAddresses();
    const res = await post({ token, action: "unsubscribe-all" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Unsubscribed from everything (3 subscriptions).");
    expect(html).toContain("This address follows nothing.");
    expect(formsOf(html)).toEqual([]);
    const rows = await readRows();
    expect(rows.filter((r) => r.email === EMAIL).every((r) => r.status === "unsubscribed")).toBe(true);
    expect(rows.find((r) => r.id === ids.other)).toMatchObject({ status: "confirmed" });
    // The link keeps working: the page says there is nothing left.
    expect((await request(subscriptionPaths.manage(token))).status).toBe(200);
  });

  it("answers a bad, expired, other-purpose or missing token with a readable 400 page, and changes nothing", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - (MANAGE_TOKEN_TTL_SECONDS + 60) * 1000);
    const expired = await manageToken(ids.session);
    vi.useRealTimers();
    const bad = [
      tamper(token),
      tamperEnd(token),
      expired,
      await signToken(env.SUBSCRIPTION_SECRET, "unsubscribe", ids.session, new Date()),
      await signToken(env.SUBSCRIPTION_SECRET, "confirm", ids.session, new Date()),
      await manageToken("no-such-subscriber"),
      "",
    ];
    for (const t of bad) {
      const page = await request(subscriptionPaths.manage(t));
      expect(page.status).toBe(400);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain("This link to your subscriptions is not valid");
      expect(html).toContain("unsubscribe link in any of them always works");
      expect(html).not.toContain(EMAIL);
      for (const action of ["daily", "unsubscribe"]) {
        expect((await post({ token: t, subscription: ids.event, action })).status).toBe(400);
      }
      expect((await post({ token: t, action: "unsubscribe-all" })).status).toBe(400);
    }
    expect(await readRows()).toEqual(before);
  });

  it("does not let one address's token touch another address's subscriptions", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    const otherToken = await manageToken(ids.other);
    for (const action of ["daily", "unsubscribe"]) {
      const res = await post({ token: otherToken, subscription: ids.event, action });
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("This address has no such subscription.");
      expect((await post({ token, subscription: ids.other, action })).status).toBe(404);
    }
    const page = await (await request(subscriptionPaths.manage(otherToken))).text();
    expect(page).toContain(OTHER);
    expect(page).not.toContain(EMAIL);
    expect(page).not.toContain("Xen Toolstacks");
    expect(await readRows()).toEqual(before);
  });

  it("takes the token from the form's body only, and refuses an unknown action", async () => {
    const { token, ...ids } = await putAddresses();
    const before = await readRows();
    expect((await post({ action: "unsubscribe-all" }, subscriptionPaths.manage(token))).status).toBe(400);
    const weekly = await post({ token, subscription: ids.event, action: "weekly" });
    expect(weekly.status).toBe(400);
    expect(await weekly.text()).toContain("Please check the form");
    expect((await post({ token, action: "daily" })).status).toBe(400);
    expect(await readRows()).toEqual(before);
    const put = await request(subscriptionPaths.manage(token), { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, HEAD, POST");
  });

  it("is linked from the confirmation mail, whose link opens the page of that address", async () => {
    expect((await subscribeForm({ email: EMAIL, event: EVENT, session: SESSION })).status).toBe(202);
    const [mail] = await deliverMails();
    const html = await (await request(findLink(mail!, subscriptionPaths.manage()))).text();
    expect(html).toContain(EMAIL);
    expect(html).toMatch(/Waiting for confirmation[\s\S]*Xen Toolstacks/);
  });
});
