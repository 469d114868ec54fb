// The whole path through the real bindings: a signed webhook is answered 202, the real CHANGES queue delivers
// it to the Worker's consumer, and once the quiet period has passed the change is in the API and on the page.
import { env, exports } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { deliver } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { signStandardWebhook } from "../../src/webhooks/standard.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

it("turns a signed webhook into a published change", async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date());
  const body = JSON.stringify({
    type: "notes.updated",
    event: "test-summit-2026",
    session: "rust-and-xen",
    url: "https://hackmd.io/rust-and-xen-notes",
    text: "# Rust and Xen\n- hypercall bindings in Rust\n- next: a unikernel demo\n",
  });
  const id = "msg_flow_1";
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await exports.default.fetch(
    new Request("http://sessionwire.test/webhooks/notes", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signStandardWebhook(env.WEBHOOK_SECRET, id, timestamp, body),
      },
      body,
    }),
  );
  expect(res.status).toBe(202);

  // The real queue hands the receipt to the consumer, which records the link and the pending text.
  await vi.waitFor(
    async () => {
      const pad = await env.DB.prepare("SELECT pending_hash FROM pads WHERE session_id = 'rust-and-xen'").first();
      expect(pad?.pending_hash).toMatch(/^[0-9a-f]{64}$/);
    },
    { timeout: 15_000, interval: 200 },
  );
  const session = (await (
    await exports.default.fetch("http://sessionwire.test/api/events/test-summit-2026/sessions/rust-and-xen")
  ).json()) as {
    notes: { url: string }[];
  };
  expect(session.notes.map((n) => n.url)).toEqual(["https://hackmd.io/rust-and-xen-notes"]);

  // Its settle message is due after the quiet period; deliver it as the queue would then.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + 601_000);
  try {
    await deliver(QUEUES.changes, [
      {
        id: "settle-1",
        body: {
          v: 1,
          type: "settle",
          event: "test-summit-2026",
          session: "rust-and-xen",
          url: "https://hackmd.io/rust-and-xen-notes",
        },
      },
    ]);
  } finally {
    vi.useRealTimers();
  }
  const log = (await (
    await exports.default.fetch("http://sessionwire.test/api/events/test-summit-2026/changes")
  ).json()) as {
    changes: { type: string; session: string; excerpt: string }[];
  };
  expect(log.changes).toMatchObject([
    {
      type: "notes.published",
      session: "rust-and-xen",
      excerpt: "# Rust and Xen\n- hypercall bindings in Rust\n- next: a unikernel demo",
    },
  ]);
  const page = await (
    await exports.default.fetch("http://sessionwire.test/events/test-summit-2026/sessions/rust-and-xen")
  ).text();
  expect(page).toContain("- next: a unikernel demo");
});
