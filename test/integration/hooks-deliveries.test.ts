// Outbound webhooks, delivered: a published change reaches each active endpoint in its scope as a Standard
// Webhooks request the reference library verifies (during a rotation too); failures retry on the written
// schedule with the same webhook-id, 410 and five days of failures disable the endpoint, redirects are not
// followed, answers are capped, replays keep the webhook-id, and what the queue loses the cron sweep finds.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { POLL_CRON } from "../../src/cron/index.ts";
import { handOverHooks } from "../../src/pipeline/hooks.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { RETRY_SCHEDULE_SECONDS } from "../../src/outbound/policy.ts";
import { buildChatBody } from "../../src/outbound/formats.ts";
import { buildChangeNotice } from "../../src/outbound/message.ts";
import { getChange } from "../../src/store/changes.ts";
import { getEvent } from "../../src/store/catalogue.ts";
import { getHookDelivery } from "../../src/store/hooks.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChange, putTestChanges } from "../helpers/factories.ts";
import { type FakeInternet, HOOKS_PATH, fakeInternet, registerEndpoint, verifyReceived } from "../helpers/hooks.ts";
import { sendAdmin } from "../helpers/http.ts";
import { type TestQueue, captureQueues, runCron } from "../helpers/queue.ts";
import type { ChangesMessage, HooksMessage } from "../../src/domain/messages.ts";

const EVENT = "test-summit-2026";
const SESSION = "xen-toolstacks";
const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
const T0 = new Date("2026-11-27T10:00:00Z");
const HOOK = "https://hooks.example.org/sessionwire";

let net: FakeInternet;
let hooks: TestQueue<HooksMessage>;
let changes: TestQueue<ChangesMessage>;
let clock = T0.getTime();

const tick = (seconds: number) => {
  clock += seconds * 1000;
  vi.setSystemTime(clock);
};
const now = () => new Date(clock);

/** A change committed now and handed over, as the pipeline does after each commit. */
async function publishChange(overrides: Parameters<typeof putTestChange>[0] = {}): Promise<string> {
  const id = await putTestChange({ at: now().toISOString(), ...overrides });
  await handOverHooks(env, now(), undefined, now());
  return id;
}

/** Lets the queue's retry delays pass: the retried messages are back, and delivered. */
async function waitAndDrain(seconds: number) {
  tick(seconds);
  hooks.requeueRetried();
  await hooks.drain();
}

async function getLog(endpointId: string) {
  const res = await sendAdmin("GET", `${HOOKS_PATH}/${endpointId}/deliveries`);
  expect(res.status).toBe(200);
  return res.json<{
    deliveries: {
      id: string;
      changeId: string;
      status: string;
      attempts: number;
      lastStatus: number | null;
      lastAnswer: string | null;
    }[];
  }>();
}

async function getState(endpointId: string) {
  return (
    await (
      await sendAdmin("GET", `${HOOKS_PATH}/${endpointId}`)
    ).json<{ state: { status: string; reason: string | null } }>()
  ).state;
}

beforeEach(async () => {
  clock = T0.getTime();
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  ({ hooks, changes } = captureQueues());
  net = fakeInternet();
  net.answer(HOOK, new Response("ok"));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("a published change", () => {
  it("reaches the endpoint through the real pipeline, signed, with the change, its event and its session", async () => {
    const { id, secret } = await registerEndpoint({ url: HOOK });
    const edit = await sendAdmin("POST", `/api/admin/events/${EVENT}/sessions/rust-and-xen/notes`, { url: PAD });
    expect(edit.status).toBe(202);
    await changes.drain();
    expect(hooks.sent).toHaveLength(1);
    await hooks.drain();

    expect(net.received).toHaveLength(1);
    const [req] = net.received;
    expect(req!.url).toBe(HOOK);
    const payload = verifyReceived(secret, req!) as Record<string, never>;
    const [change] = (await (await sendAdmin("GET", `/api/events/${EVENT}/changes`)).json<{ changes: unknown[] }>())
      .changes;
    expect(payload).toEqual({
      type: "change.published",
      timestamp: (change as { at: string }).at,
      data: {
        change,
        event: { id: EVENT, title: "Test Summit 2026", url: `http://127.0.0.1:8787/events/${EVENT}` },
        session: {
          id: "rust-and-xen",
          title: "Rust and Xen",
          url: `http://127.0.0.1:8787/events/${EVENT}/sessions/rust-and-xen`,
        },
      },
    });
    expect(req!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{24}$/);
    expect(req!.headers["webhook-timestamp"]).toBe(String(Math.floor(T0.getTime() / 1000)));
    expect(req!.headers["content-type"]).toBe("application/json");
    const log = await getLog(id);
    expect(log.deliveries).toEqual([
      expect.objectContaining({
        id: req!.headers["webhook-id"],
        status: "delivered",
        attempts: 1,
        lastStatus: 200,
        lastAnswer: "ok",
      }),
    ]);
  });

  it("goes to every active endpoint whose scope covers it: all, its event, its session; not paused ones", async () => {
    const all = await registerEndpoint({ url: `${HOOK}/all` });
    const event = await registerEndpoint({ url: `${HOOK}/event`, event: EVENT });
    const session = await registerEndpoint({ url: `${HOOK}/session`, event: EVENT, session: SESSION });
    const other = await registerEndpoint({ url: `${HOOK}/other`, event: EVENT, session: "rust-and-xen" });
    const paused = await registerEndpoint({ url: `${HOOK}/paused` });
    expect((await sendAdmin("POST", `${HOOKS_PATH}/${paused.id}/pause`)).status).toBe(200);

    await publishChange({ session: SESSION });
    await publishChange({ session: null, sessionTitle: null, url: null, type: "event.imported", summary: "Imported" });
    await hooks.drain();

    const got = (path: string) => net.received.filter((r) => r.url === `${HOOK}/${path}`).length;
    expect({
      all: got("all"),
      event: got("event"),
      session: got("session"),
      other: got("other"),
      paused: got("paused"),
    }).toEqual({ all: 2, event: 2, session: 1, other: 0, paused: 0 });
    for (const [e, path] of [
      [all, "all"],
      [event, "event"],
      [session, "session"],
    ] as const) {
      for (const r of net.received.filter((r) => r.url === `${HOOK}/${path}`))
        expect(verifyReceived(e.secret, r)).toBeTruthy();
    }
    expect((await getLog(other.id)).deliveries).toEqual([]);
  });
});

describe("chat formats", () => {
  it("carry the chat body their format builds, signed like the standard one", async () => {
    const formats = ["slack", "discord", "matrix"] as const;
    const secrets: Record<string, string> = {};
    for (const format of formats)
      secrets[format] = (await registerEndpoint({ url: `${HOOK}/${format}`, format })).secret;
    const changeId = await publishChange({ summary: "Notes: <!channel> @room **bold**" });
    await hooks.drain();
    const change = (await getChange(env.DB, changeId))!;
    const event = await getEvent(env.DB, EVENT);
    const notice = buildChangeNotice(change, event!.title, buildSite().baseUrl);
    for (const format of formats) {
      const req = net.received.find((r) => r.url === `${HOOK}/${format}`)!;
      expect(verifyReceived(secrets[format]!, req)).toEqual(buildChatBody(format, notice));
      expect(req.body).toBe(JSON.stringify(buildChatBody(format, notice)));
    }
  });
});

describe("failures", () => {
  it("retry on the written schedule with the same webhook-id, and stop at the first success", async () => {
    const { id, secret } = await registerEndpoint({ url: HOOK });
    let calls = 0;
    // Verified as each arrives: the library refuses a timestamp more than 5 minutes old.
    net.answer(HOOK, (req) => {
      verifyReceived(secret, req);
      return ++calls <= 2 ? new Response("busy", { status: 500 }) : new Response("ok");
    });
    await publishChange();
    await hooks.drain();
    expect(hooks.retried).toEqual([{ body: expect.objectContaining({ type: "deliver" }), attempts: 2 }]);
    // The consumer asked the queue for the schedule's delay, not the generic backoff.
    await waitAndDrain(RETRY_SCHEDULE_SECONDS[0]);
    await waitAndDrain(RETRY_SCHEDULE_SECONDS[1]);
    expect(net.received).toHaveLength(3);
    expect(new Set(net.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(net.received.map((r) => Number(r.headers["webhook-timestamp"]) - T0.getTime() / 1000)).toEqual([0, 5, 305]);
    // Duplicate messages after the success send nothing.
    const [delivery] = (await getLog(id)).deliveries;
    expect(delivery).toMatchObject({ status: "delivered", attempts: 3, lastStatus: 200 });
    await hooks.deliver([
      { body: { v: 1, type: "deliver", deliveryId: delivery!.id } },
      { body: { v: 1, type: "deliver", deliveryId: delivery!.id } },
    ]);
    tick(86_400);
    await runCron(POLL_CRON, now());
    await hooks.drain();
    expect(net.received).toHaveLength(3);
  });

  it("an attempt is not made early: a duplicate message before the next attempt's time sends nothing", async () => {
    await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response("no", { status: 502 }));
    await publishChange();
    await hooks.drain();
    const [retry] = hooks.retried.splice(0);
    tick(1);
    await hooks.deliver([{ body: retry!.body }]);
    expect(net.received).toHaveLength(1);
  });

  it("give up after the last step of the schedule (7 attempts over ~18 hours)", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response("down", { status: 503 }));
    await publishChange();
    await hooks.drain();
    for (const seconds of RETRY_SCHEDULE_SECONDS) await waitAndDrain(seconds);
    expect(net.received).toHaveLength(7);
    expect(hooks.retried).toEqual([]);
    expect((await getLog(id)).deliveries[0]).toMatchObject({
      status: "failed",
      attempts: 7,
      lastStatus: 503,
      lastAnswer: "down",
    });
    await waitAndDrain(86_400);
    await runCron(POLL_CRON, now());
    await hooks.drain();
    expect(net.received).toHaveLength(7);
    expect((await getState(id)).status).toBe("active");
  });

  it("honour Retry-After on a 429 within the schedule", async () => {
    await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response("slow down", { status: 429, headers: { "retry-after": "120" } }));
    await publishChange();
    await hooks.drain();
    // The queue is asked to bring the message back in 120 s, not 5 s; a message at 5 s sends nothing.
    const retried = hooks.retried.splice(0);
    tick(5);
    await hooks.deliver(retried.map((m) => ({ body: m.body })));
    expect(net.received).toHaveLength(1);
    tick(115);
    await hooks.deliver(retried.map((m) => ({ body: m.body })));
    expect(net.received).toHaveLength(2);
  });

  it("410 Gone disables the endpoint at once, with the reason and time; resume delivers again", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response("gone", { status: 410 }));
    await publishChange();
    await hooks.drain();
    expect(hooks.retried).toEqual([]);
    const shown = await (await sendAdmin("GET", `${HOOKS_PATH}/${id}`)).json<{ state: unknown }>();
    expect(shown.state).toEqual({
      status: "disabled",
      reason: `the endpoint answered 410 Gone at ${T0.toISOString()}`,
      since: T0.toISOString(),
    });
    await publishChange();
    await hooks.drain();
    expect(net.received).toHaveLength(1);

    net.answer(HOOK, new Response("ok"));
    const resumed = await sendAdmin("POST", `${HOOKS_PATH}/${id}/resume`);
    expect((await resumed.json<{ state: { status: string } }>()).state.status).toBe("active");
    await publishChange();
    await hooks.drain();
    expect(net.received).toHaveLength(2);
  });

  it("an endpoint whose deliveries failed continuously for 5 days is disabled; a success resets the count", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    let up = false;
    net.answer(HOOK, () => (up ? new Response("ok") : new Response("no", { status: 500 })));
    // A change every 12 hours for 4 days, each failing until its schedule runs out: still active.
    for (let day = 0; day < 8; day++) {
      await publishChange();
      await hooks.drain();
      hooks.clear();
      tick(12 * 3600);
    }
    expect((await getState(id)).status).toBe("active");
    // One success: the streak starts again.
    up = true;
    await publishChange();
    await hooks.drain();
    up = false;
    for (let half = 0; half <= 10; half++) {
      await publishChange();
      await hooks.drain();
      hooks.clear();
      tick(12 * 3600);
    }
    const state = await getState(id);
    expect(state.status).toBe("disabled");
    expect(state.reason).toMatch(/^every delivery attempt since .* failed \(5 days or more\)$/);
  });

  it("never follows a redirect: a 3xx is a failed attempt, and its target is not requested", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest" } }));
    await publishChange();
    await hooks.drain();
    expect(net.received.map((r) => [r.url, r.redirect])).toEqual([[HOOK, "manual"]]);
    expect((await getLog(id)).deliveries[0]).toMatchObject({ status: "pending", lastStatus: 302 });
  });

  it("reads at most 64 KiB of an answer and keeps its first KiB; a time-out is a failed attempt", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    net.answer(HOOK, new Response("x".repeat(10_000), { status: 500 }));
    await publishChange();
    await hooks.drain();
    expect((await getLog(id)).deliveries[0]!.lastAnswer).toBe("x".repeat(1024));
    net.answer(HOOK, new Response("y".repeat(100_000)));
    await waitAndDrain(5);
    expect((await getLog(id)).deliveries[0]).toMatchObject({
      status: "delivered",
      lastAnswer: "(an answer over 65536 bytes)",
    });

    net.answer(HOOK, new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    await publishChange();
    await hooks.drain();
    expect((await getLog(id)).deliveries[0]).toMatchObject({ status: "pending", lastStatus: null });
  });
});

describe("rotation", () => {
  it("signs with both secrets for 24 hours, then with the new one only; the library verifies each", async () => {
    const { id, secret: old } = await registerEndpoint({ url: HOOK });
    const rotated = await sendAdmin("POST", `${HOOKS_PATH}/${id}/rotate`);
    expect(rotated.status).toBe(200);
    const { secret: next, previousExpiresAt } = await rotated.json<{ secret: string; previousExpiresAt: string }>();
    expect(next).not.toBe(old);
    expect(previousExpiresAt).toBe(new Date(T0.getTime() + 86_400_000).toISOString());

    await publishChange();
    await hooks.drain();
    const during = net.received.at(-1)!;
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verifyReceived(old, during)).toBeTruthy();
    expect(verifyReceived(next, during)).toBeTruthy();

    tick(86_400 + 1);
    await publishChange();
    await hooks.drain();
    const after = net.received.at(-1)!;
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(verifyReceived(next, after)).toBeTruthy();
    expect(() => verifyReceived(old, after)).toThrow();
  });
});

describe("replay", () => {
  it("of one delivery sends it again with the same webhook-id; of everything since a time, those in scope", async () => {
    const { id, secret } = await registerEndpoint({ url: HOOK, event: EVENT });
    await publishChange();
    tick(60);
    await publishChange();
    await hooks.drain();
    expect(net.received).toHaveLength(2);
    const [newest, oldest] = (await getLog(id)).deliveries;

    const one = await sendAdmin("POST", `${HOOKS_PATH}/${id}/deliveries/${oldest!.id}/replay`);
    expect(one.status).toBe(202);
    expect(await one.json()).toEqual({ replayed: [oldest!.id] });
    await hooks.drain();
    expect(net.received).toHaveLength(3);
    expect(net.received[2]!.headers["webhook-id"]).toBe(oldest!.id);
    verifyReceived(secret, net.received[2]!);

    // Paused meanwhile: a change it never got a row for is included in a replay since a time.
    await sendAdmin("POST", `${HOOKS_PATH}/${id}/pause`);
    tick(60);
    await publishChange();
    await sendAdmin("POST", `${HOOKS_PATH}/${id}/resume`);
    const since = await sendAdmin("POST", `${HOOKS_PATH}/${id}/replay`, {
      since: new Date(T0.getTime() + 30_000).toISOString(),
    });
    expect(since.status).toBe(202);
    const body = await since.json<{ replayed: string[]; next: string | null }>();
    expect(body.replayed).toHaveLength(2);
    expect(body.replayed).toContain(newest!.id);
    expect(body.next).toBeNull();
    await hooks.drain();
    expect(net.received).toHaveLength(5);

    expect((await sendAdmin("POST", `${HOOKS_PATH}/${id}/deliveries/msg_nope/replay`)).status).toBe(404);
    const future = await sendAdmin("POST", `${HOOKS_PATH}/${id}/replay`, {
      since: new Date(clock + 60_000).toISOString(),
    });
    expect(future.status).toBe(422);
  });
});

describe("recovery", () => {
  it("a hand-over whose messages were lost is re-queued by the cron sweep", async () => {
    await registerEndpoint({ url: HOOK });
    hooks.refuse(() => true);
    await publishChange();
    expect(hooks.sent).toEqual([]);
    hooks.refuse(() => false);
    tick(10 * 60);
    await runCron(POLL_CRON, now());
    await hooks.drain();
    expect(net.received).toHaveLength(1);
  });

  it("a commit of more changes than a page (an import) is handed over whole, one message per delivery", async () => {
    await registerEndpoint({ url: HOOK, event: EVENT });
    await putTestChanges(Array.from({ length: 250 }, () => ({ at: now().toISOString() })));
    expect(await handOverHooks(env, now(), EVENT, now())).toBe(250);
    expect(new Set(hooks.sent.map((m) => m.body.deliveryId)).size).toBe(250);
    expect(await handOverHooks(env, now(), EVENT, now())).toBe(0);
  });

  it("a change committed but never handed over (a crash) is handed over by the cron", async () => {
    await registerEndpoint({ url: HOOK });
    await putTestChange({ at: now().toISOString() });
    tick(10 * 60);
    await runCron(POLL_CRON, now());
    await hooks.drain();
    expect(net.received).toHaveLength(1);
  });

  it("an attempt that died after its claim is taken over once its lease ran out, and sent once", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    await publishChange();
    const [message] = hooks.sent.splice(0);
    // The attempt claims, then its isolate dies before it sends.
    const { claimHookDelivery } = await import("../../src/store/hooks.ts");
    expect(await claimHookDelivery(env.DB, message!.body.deliveryId, now())).not.toBeNull();
    await hooks.deliver([{ body: message!.body }]);
    expect(net.received).toHaveLength(0);
    tick(10 * 60);
    await runCron(POLL_CRON, now());
    await hooks.drain();
    expect(net.received).toHaveLength(1);
    expect(await getHookDelivery(env.DB, message!.body.deliveryId)).toMatchObject({ status: "delivered", attempts: 2 });
    expect((await getLog(id)).deliveries).toHaveLength(1);
  });

  it("a deleted endpoint's queued deliveries send nothing", async () => {
    const { id } = await registerEndpoint({ url: HOOK });
    await publishChange();
    expect((await sendAdmin("DELETE", `${HOOKS_PATH}/${id}`)).status).toBe(204);
    await hooks.drain();
    expect(net.received).toEqual([]);
  });
});
