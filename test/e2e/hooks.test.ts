// Outbound webhooks end to end, as the README shows them: `npm start` (whose .dev.vars.example allows loopback
// endpoints in development), an endpoint registered through the admin API on a local receiver (a Node http
// server on 127.0.0.1), a change sent to the public notes webhook with `npm run webhook`, and the delivery
// verified by the receiver with the reference `standardwebhooks` library.
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Server, sendNotesWebhook, startServer } from "./server.ts";

const EVENT = "xen-design-sessions-2019";
const SESSION = "xen-distros";
/** .dev.vars.example's admin token. */
const ADMIN_TOKEN = "dev-admin-token";

type Delivery = { headers: IncomingHttpHeaders; body: string };
const deliveries: Delivery[] = [];
const receiver = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => (body += chunk));
  req.on("end", () => {
    deliveries.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});
let server: Server;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

describe("outbound webhooks under npm start", () => {
  it("deliver a change sent to the notes webhook to a local receiver, verified with standardwebhooks", async () => {
    const { port } = receiver.address() as AddressInfo;
    const registered = await fetch(`${server.url}/api/admin/webhooks/endpoints`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook`, event: EVENT, session: SESSION }),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const { id, secret } = (await registered.json()) as { id: string; secret: string };

    const sent = sendNotesWebhook(server, {
      event: EVENT,
      session: SESSION,
      url: "https://hackmd.io/vmacVBYbQiORJ9H4_a9Ivw",
      text: "# Xen Distros\n- Debian: packaging moved to salsa\n",
    });
    expect(sent.status, sent.stdout + sent.stderr).toBe(0);

    // .dev.vars.example's quiet period is 20 s; then the change is published and handed to the HOOKS queue.
    await expect.poll(() => deliveries.length, { timeout: 75_000, interval: 1000 }).toBeGreaterThan(0);
    const [delivery] = deliveries;
    const headers = Object.fromEntries(
      Object.entries(delivery!.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]),
    );
    const payload = new Webhook(secret).verify(delivery!.body, headers) as {
      type: string;
      data: { change: { session: string; type: string; excerpt: string }; session: { url: string } };
    };
    expect(payload.type).toBe("change.published");
    expect(payload.data.change).toMatchObject({ session: SESSION, type: "notes.published" });
    expect(payload.data.change.excerpt).toContain("salsa");
    expect(payload.data.session.url).toBe(`${server.url}/events/${EVENT}/sessions/${SESSION}`);

    await expect
      .poll(
        async () => {
          const res = await fetch(`${server.url}/api/admin/webhooks/endpoints/${id}/deliveries`, {
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          });
          return ((await res.json()) as { deliveries: { status: string; lastStatus: number }[] }).deliveries;
        },
        { timeout: 10_000, interval: 500 },
      )
      .toEqual([expect.objectContaining({ id: headers["webhook-id"], status: "delivered", lastStatus: 204 })]);
    expect(deliveries).toHaveLength(1);
  }, 120_000);
});
