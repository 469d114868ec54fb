// Several sessions of an event under one confirmation, through the Worker's real fetch and queue handlers: the event
// page offers the sessions as Follow boxes on their cards, in its subscribe form; one request makes pending rows, one
// confirmation message and one mail listing them, whose link confirms exactly those; duplicates count once, confirmed
// ones are left as they are, the cap and unknown sessions are refused with nothing stored; a later request does not
// change what an earlier mail's link confirms; the daily cron forgets requests whose links expired.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { putTestSubscription } from "../helpers/factories.ts";
import { runCron } from "../helpers/queue.ts";
import { DAILY_CRON } from "../../src/cron/index.ts";
import { MAX_SESSIONS_PER_SUBSCRIBE, MAX_SLUG_CHARS } from "../../src/domain/limits.ts";
import { CONFIRM_TOKEN_TTL_SECONDS } from "../../src/email/tokens.ts";
import { ErrorEnvelope } from "../../src/http/errors.ts";
import { pagePaths, subscriptionPaths } from "../../src/paths.ts";
import {
  EMAIL,
  EVENT,
  SESSION,
  T0,
  confirmMessages,
  deliverMails,
  findLink,
  getRow,
  request,
  sent,
  setUpSubscriptionTests,
  subscribeJson,
} from "../helpers/subscriptions.ts";

setUpSubscriptionTests();

const RUST = "rust-and-xen";
const RISCV = "xen-on-risc-v";

/** The event page's form as a browser sends it: one `sessions` field per ticked box. */
const subscribeSessions = (sessions: string[], mode = "immediate", body?: URLSearchParams | FormData) =>
  request(subscriptionPaths.subscribe(), {
    method: "POST",
    body:
      body ??
      new URLSearchParams([
        ["email", EMAIL],
        ["event", EVENT],
        ["mode", mode],
        ...sessions.map((s) => ["sessions", s]),
      ]),
  });

const confirmWith = async (link: string) => {
  const token = new URL(link, "http://x").searchParams.get("token")!;
  return request(subscriptionPaths.confirm(), { method: "POST", body: new URLSearchParams({ token }) });
};

const countRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM subscribers").first<number>("n"))!;

describe("several sessions under one confirmation", () => {
  it("are offered on the event page as a Follow box on each session's card, belonging to the subscribe form", async () => {
    const html = await (await request(pagePaths.event(EVENT))).text();
    expect(/<form[^>]*class="mail-subscribe"[^>]*>/.exec(html)![0]).toContain('id="subscribe"');
    // Each card: the session's link, then its box, named after it for screen readers.
    const cards = [...html.matchAll(/<li>(?:(?!<\/li>)[\s\S])*?<input type="checkbox"[^>]*\/>/g)].map(([card]) => ({
      link: /<a href="[^"]*\/sessions\/([^"]+)">([^<]+)<\/a>/.exec(card)!.slice(1),
      box: /<input type="checkbox" name="sessions" value="([^"]+)" form="subscribe" aria-label="Follow ([^"]+)"\/>/
        .exec(card)!
        .slice(1),
    }));
    expect(cards.map((c) => c.box).sort()).toEqual(
      [
        [SESSION, "Xen Toolstacks"],
        [RUST, "Rust and Xen"],
        [RISCV, "Xen on RISC-V"],
      ].sort(),
    );
    for (const { link, box } of cards) expect(box).toEqual(link);
    // The form says how; it no longer lists the sessions itself.
    const form = /<form[^>]*class="mail-subscribe"[\s\S]*?<\/form>/.exec(html)![0];
    expect(form).toContain("Tick Follow on their cards above");
    expect(form).not.toContain('name="sessions"');
    // A session page's form stays as it was: one hidden session, no boxes.
    const sessionPage = await (await request(pagePaths.session(EVENT, SESSION))).text();
    expect(sessionPage).not.toContain('name="sessions"');
  });

  it("makes one pending row each, one confirmation message and one mail listing them; its link confirms them all", async () => {
    const res = await subscribeSessions([SESSION, RUST], "daily");
    expect(res.status).toBe(202);
    expect(await res.text()).toContain("check your inbox");
    const [toolstacks, rust] = [await getRow(EMAIL, SESSION), await getRow(EMAIL, RUST)];
    expect(toolstacks).toMatchObject({ status: "pending", mode: "daily" });
    expect(rust).toMatchObject({ status: "pending", mode: "daily" });
    expect(await getRow()).toBeNull();
    expect(await getRow(EMAIL, RISCV)).toBeNull();
    expect(sent).toEqual([{ body: { v: 1, type: "confirm", subscriberId: toolstacks!.id } }]);

    const mails = await deliverMails();
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe("Confirm your subscription to 2 sessions of Test Summit 2026");
    expect(mail!.text).toContain("change:\n- Rust and Xen\n- Xen Toolstacks\n\n");
    const link = findLink(mail!, subscriptionPaths.confirm());

    const page = await (await request(link)).text();
    expect(page).toContain("Once you confirm, ada@example.org will get:");
    expect(page).toMatch(/Rust and Xen[\s\S]*Xen Toolstacks/);
    expect([...page.matchAll(/name="token"/g)]).toHaveLength(1);
    expect((await getRow(EMAIL, SESSION))!.status).toBe("pending");

    const confirmed = await confirmWith(link);
    expect(confirmed.status).toBe(200);
    const html = await confirmed.text();
    expect(html).toMatch(/Rust and Xen[\s\S]*Xen Toolstacks/);
    // The confirmed page links the address's manage page.
    const manage = /href="(\/subscriptions\/manage\?token=[^"]+)"/.exec(html)![1]!;
    expect(await (await request(manage.replace(/&amp;/g, "&"))).text()).toContain("Your subscriptions");
    for (const session of [SESSION, RUST]) {
      expect(await getRow(EMAIL, session)).toMatchObject({ status: "confirmed", mode: "daily" });
    }
  });

  it("counts a session named twice, or as `session` and in `sessions`, once; JSON as well as forms", async () => {
    const res = await subscribeJson({ email: EMAIL, event: EVENT, session: SESSION, sessions: [SESSION, RUST, RUST] });
    expect(res.status).toBe(202);
    expect(await countRows()).toBe(2);
    expect(confirmMessages()).toHaveLength(1);
    const [mail] = await deliverMails();
    expect(mail!.text.match(/^- /gm)).toHaveLength(2);
    // One ticked box is a string in the form, not a list: it is the single session's request.
    expect((await subscribeSessions([RISCV], "immediate")).status).toBe(202);
    expect(await getRow(EMAIL, RISCV)).toMatchObject({ status: "pending" });
  });

  it("leaves a confirmed one as it is and asks only for the others", async () => {
    const id = await putTestSubscription({ session: SESSION, mode: "immediate", status: "confirmed", at: T0 });
    expect((await subscribeSessions([SESSION, RUST], "daily")).status).toBe(202);
    expect(await getRow(EMAIL, SESSION)).toMatchObject({ id, status: "confirmed", mode: "immediate" });
    expect(sent).toEqual([{ body: { v: 1, type: "confirm", subscriberId: (await getRow(EMAIL, RUST))!.id } }]);
    const [mail] = await deliverMails();
    expect(mail!.subject).toBe("Confirm your subscription to Rust and Xen (Test Summit 2026)");
    expect(mail!.text).not.toContain("Xen Toolstacks");
    expect((await confirmWith(findLink(mail!, subscriptionPaths.confirm()))).status).toBe(200);
    expect(await getRow(EMAIL, RUST)).toMatchObject({ status: "confirmed", mode: "daily" });
    expect(await getRow(EMAIL, SESSION)).toMatchObject({ id, status: "confirmed", mode: "immediate" });
  });

  it("sends nothing when every session asked for is confirmed already", async () => {
    for (const session of [SESSION, RUST]) await putTestSubscription({ session, status: "confirmed", at: T0 });
    expect((await subscribeSessions([SESSION, RUST])).status).toBe(202);
    expect(sent).toEqual([]);
  });

  it(`refuses more than ${MAX_SESSIONS_PER_SUBSCRIBE} sessions and unknown ones, storing nothing`, async () => {
    const many = Array.from({ length: MAX_SESSIONS_PER_SUBSCRIBE + 1 }, (_, i) => `session-${i}`);
    const json = await subscribeJson({ email: EMAIL, event: EVENT, sessions: many });
    expect(json.status).toBe(400);
    expect(ErrorEnvelope.parse(await json.json()).error.issues).toEqual([
      {
        path: ["sessions"],
        message: `Choose at most ${MAX_SESSIONS_PER_SUBSCRIBE} sessions, or follow the whole event.`,
      },
    ]);
    const form = await subscribeSessions(many);
    expect(form.status).toBe(400);
    expect(await form.text()).toContain("<strong>Sessions: </strong>Choose at most");

    const unknown = await subscribeSessions([SESSION, "no-such-session"]);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("There is no such session in this event.");
    expect((await subscribeJson({ email: EMAIL, event: "no-such-event", sessions: [SESSION, RUST] })).status).toBe(404);
    expect(await countRows()).toBe(0);
    expect(sent).toEqual([]);
  });

  it(`takes ${MAX_SESSIONS_PER_SUBSCRIBE} sessions of the longest ids in a form, multipart too, within the body limit`, async () => {
    const longest = Array.from({ length: MAX_SESSIONS_PER_SUBSCRIBE }, (_, i) => `${i}-`.padEnd(MAX_SLUG_CHARS, "x"));
    const multipart = new FormData();
    for (const [k, v] of [
      ["email", EMAIL],
      ["event", EVENT],
      ["mode", "daily"],
    ])
      multipart.append(k!, v!);
    for (const s of longest) multipart.append("sessions", s);
    // Past the body limit and the schema, the ids are not sessions of the event: 404, not 413 or 400.
    expect((await subscribeSessions(longest)).status).toBe(404);
    expect((await subscribeSessions([], "daily", multipart)).status).toBe(404);
  });

  it("keeps an earlier mail's link to what it listed when a later request names some of the same sessions", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    await subscribeSessions([SESSION, RUST]);
    const [first] = await deliverMails();
    vi.setSystemTime(T0.getTime() + 2 * 3600_000);
    await subscribeSessions([RUST, RISCV]);
    const [second] = await deliverMails();
    expect(second!.text).toContain("change:\n- Rust and Xen\n- Xen on RISC-V\n\n");

    expect((await confirmWith(findLink(first!, subscriptionPaths.confirm()))).status).toBe(200);
    expect((await getRow(EMAIL, SESSION))!.status).toBe("confirmed");
    expect((await getRow(EMAIL, RUST))!.status).toBe("confirmed");
    expect((await getRow(EMAIL, RISCV))!.status).toBe("pending");
    expect((await confirmWith(findLink(second!, subscriptionPaths.confirm()))).status).toBe(200);
    expect((await getRow(EMAIL, RISCV))!.status).toBe("confirmed");
  });

  it("offers a request made within the hour (no mail of its own) on the first mail's page, not under its link", async () => {
    await subscribeSessions([SESSION, RUST]);
    await subscribeSessions([RISCV]);
    expect(confirmMessages()).toHaveLength(1);
    const [mail] = await deliverMails();
    const link = findLink(mail!, subscriptionPaths.confirm());
    const page = await (await request(link)).text();
    expect(page).toMatch(/Also waiting for confirmation[\s\S]*Xen on RISC-V/);
    expect((await confirmWith(link)).status).toBe(200);
    expect((await getRow(EMAIL, RUST))!.status).toBe("confirmed");
    expect((await getRow(EMAIL, RISCV))!.status).toBe("pending");
  });

  it("lets the daily cron forget requests once their confirmation links have expired", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    await subscribeSessions([SESSION, RUST]);
    const count = () => env.DB.prepare("SELECT COUNT(*) AS n FROM subscription_requests").first<number>("n");
    expect(await count()).toBe(2);
    await runCron(DAILY_CRON, new Date(T0.getTime() + CONFIRM_TOKEN_TTL_SECONDS * 1000));
    expect(await count()).toBe(2);
    await runCron(DAILY_CRON, new Date(T0.getTime() + (CONFIRM_TOKEN_TTL_SECONDS + 1) * 1000));
    expect(await count()).toBe(0);
    expect((await getRow(EMAIL, SESSION))!.status).toBe("pending");
  });
});
