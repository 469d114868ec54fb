// The whole path through the real bindings: a signed webhook is answered 202, the real CHANGES queue delivers
// it to the Worker's consumer, and once the quiet period has passed the change is in the API and on the page.
import { env } from "cloudflare:workers";
import { expect, it, vi } from "vitest";
import { buildSite } from "../helpers/config.ts";
import { getJson, getText, postSignedWebhook } from "../helpers/http.ts";
import { deliver } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

it("turns a signed webhook into a published change", async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], new Date());
  const res = await postSignedWebhook(
    {
      type: "notes.updated",
      event: "test-summit-2026",
      session: "rust-and-xen",
      url: "https://hackmd.io/rust-and-xen-notes",
      text: "# Rust and Xen\n- hypercall bindings in Rust\n- next: a unikernel demo\n",
    },
    "msg_flow_1",
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
  const session = await getJson<{ notes: { url: string }[] }>("/api/events/test-summit-2026/sessions/rust-and-xen");
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
  const log = await getJson<{ changes: { type: string; session: string; excerpt: string }[] }>(
    "/api/events/test-summit-2026/changes",
  );
  expect(log.changes).toMatchObject([
    {
      type: "notes.published",
      session: "rust-and-xen",
      excerpt: "# Rust and Xen\n- hypercall bindings in Rust\n- next: a unikernel demo",
    },
  ]);
  const page = await getText("/events/test-summit-2026/sessions/rust-and-xen");
  expect(page).toContain("- next: a unikernel demo");
});
