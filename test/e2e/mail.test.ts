// Email through the real `npm start`: subscribe with the page's form fields, confirm from the mail the local
// send_email simulation keeps, get a notification with RFC 8058 headers, open its manage link (the page lists the
// session and switches it to daily), unsubscribe in one click.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Server, startServer } from "./server.ts";

const EVENT = "xen-design-sessions-2019";
const ADDRESS = "ada@example.org";
let server: Server;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

type Sent = {
  messageId: string;
  subject: string;
  to: string[];
  headers: Record<string, string>;
  text?: string;
  html?: string;
};

/** The mails `wrangler dev` "sent", newest first, from its local explorer API (README: reading mail locally). */
async function listMails(): Promise<Sent[]> {
  const res = await fetch(`${server.url}/cdn-cgi/local/explorer/api/local/email/sending`);
  return ((await res.json()) as { result: Sent[] }).result;
}
async function readMail(messageId: string): Promise<Sent> {
  const url = new URL(`${server.url}/cdn-cgi/local/explorer/api/local/email/sending`);
  url.searchParams.set("email_id", messageId);
  return ((await (await fetch(url)).json()) as { result: Sent }).result;
}
async function waitForMail(subject: RegExp): Promise<Sent> {
  let found: Sent | undefined;
  await expect
    .poll(
      async () => {
        found = (await listMails()).find((m) => subject.test(m.subject) && m.to.includes(ADDRESS));
        return found !== undefined;
      },
      { timeout: 30_000, interval: 500 },
    )
    .toBe(true);
  return readMail(found!.messageId);
}
const admin = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { authorization: "Bearer dev-admin-token", "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("email, end to end", () => {
  it("double opt-in, a notification with one-click unsubscribe, then nothing more", async () => {
    const form = new URLSearchParams({ email: ADDRESS, event: EVENT, session: "xen-toolstacks", mode: "immediate" });
    const subscribed = await fetch(`${server.url}/subscriptions`, { method: "POST", body: form });
    expect(subscribed.status).toBe(202);

    const confirmMail = await waitForMail(/^Confirm your subscription/);
    expect(confirmMail.headers["List-Unsubscribe"]).toBeUndefined();
    const confirmUrl = /http:\/\/127\.0\.0\.1:\d+\/subscriptions\/confirm\?token=[\w.-]+/.exec(confirmMail.text!)![0];
    const confirmPage = await (await fetch(confirmUrl)).text();
    expect(confirmPage).toContain('action="/subscriptions/confirm"');
    const token = new URL(confirmUrl).searchParams.get("token")!;
    const confirmed = await fetch(`${server.url}/subscriptions/confirm`, {
      method: "POST",
      body: new URLSearchParams({ token }),
    });
    expect(confirmed.status).toBe(200);

    expect(
      (await admin(`/api/admin/events/${EVENT}/sessions/xen-toolstacks/notes`, { url: "https://hackmd.io/e2e-notes" }))
        .status,
    ).toBe(202);
    const notification = await waitForMail(/^Notes link added: Xen Toolstacks$/);
    expect(notification.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    const unsubscribeUrl = /^<(.+)>$/.exec(notification.headers["List-Unsubscribe"]!)![1]!;
    expect(notification.text).toContain(`/events/${EVENT}/sessions/xen-toolstacks`);
    expect(notification.html).toContain("https://hackmd.io/e2e-notes");

    // The notification's manage link opens the address's page, whose forms switch the session's mode.
    const manageUrl = /http:\/\/127\.0\.0\.1:\d+\/subscriptions\/manage\?token=[\w.-]+/.exec(notification.text!)![0];
    expect(notification.html).toContain(manageUrl);
    const managePage = await fetch(manageUrl);
    expect(managePage.status).toBe(200);
    const manageHtml = await managePage.text();
    expect(manageHtml).toContain(ADDRESS);
    expect(manageHtml).toContain(`<a href="/events/${EVENT}/sessions/xen-toolstacks">Xen Toolstacks</a>`);
    const subscription = /name="subscription" value="([^"]+)"/.exec(manageHtml)![1]!;
    const manageToken = new URL(manageUrl).searchParams.get("token")!;
    // To daily and back, so that what follows still proves the one-click unsubscribe stops immediate mail.
    for (const [action, says] of [
      ["daily", "You will get a daily digest"],
      ["immediate", "You will get an email each time"],
    ]) {
      const switched = await fetch(`${server.url}/subscriptions/manage`, {
        method: "POST",
        body: new URLSearchParams({ token: manageToken, subscription, action: action! }),
      });
      expect(switched.status).toBe(200);
      expect(await switched.text()).toContain(says);
    }

    // A link scanner's GET changes nothing; the mail client's one-click POST unsubscribes.
    expect((await fetch(unsubscribeUrl)).status).toBe(200);
    const oneClick = await fetch(unsubscribeUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);

    const before = (await listMails()).length;
    expect(
      (await admin(`/api/admin/events/${EVENT}/sessions/xen-toolstacks/notes`, { url: "https://hackmd.io/after" }))
        .status,
    ).toBe(202);
    await expect
      .poll(async () => (await fetch(`${server.url}/api/events/${EVENT}/changes`)).json(), { timeout: 15_000 })
      .toMatchObject({
        changes: [{ url: "https://hackmd.io/after" }, expect.anything()],
      });
    await new Promise((r) => setTimeout(r, 3000));
    expect((await listMails()).length).toBe(before);
  });
});
