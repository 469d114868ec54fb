// Mail fan-out through the NOTIFY consumer: exactly once per change × subscriber, whatever the queue does.
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { buildConfig, buildSite } from "../helpers/config.ts";
import { type TestSubscriber, putTestChange, putTestSubscribers } from "../helpers/factories.ts";
import { type TestQueue, buildBatch, captureQueues, runBatch, runCron } from "../helpers/queue.ts";
import { QUEUES } from "../../src/config.ts";
import { DAILY_CRON, POLL_CRON } from "../../src/cron/index.ts";
import { MailError, type MailMessage, type MailTransport } from "../../src/email/model.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import type { NotifyMessage } from "../../src/domain/messages.ts";
import { processNotifyMessage } from "../../src/queue/notify.ts";
import { markSubscriptionUnsubscribed } from "../../src/store/subscriptions.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";

const NOW = new Date("2026-11-27T10:00:00Z");

type Sub = TestSubscriber;

/** Subscribers confirmed before confirmed_at existed, so every change reaches them whenever it was handed over. */
const addSubscribers = (subs: Sub[]) => putTestSubscribers(subs, NOW);

/** A change already handed to mail at `at` (the test delivers its "change" message itself). */
async function addChange(id: string, session: string | null = "xen-toolstacks", at = NOW) {
  await putTestChange({
    id,
    session,
    sessionTitle: session ? "Xen Toolstacks" : null,
    url: "https://hackmd.io/x",
    excerpt: "- decided: yes",
    at: at.toISOString(),
    notifiedAt: at,
  });
}

/** A provider that honours idempotency keys, as the HTTP adapter's API does: it counts each mail once. */
function buildCountingTransport() {
  const sends: { key: string; message: MailMessage }[] = [];
  const transport: MailTransport & { sends: typeof sends; delivered: () => Map<string, MailMessage> } = {
    sends,
    async send(message, key) {
      sends.push({ key, message });
      return { messageId: `m-${sends.length}` };
    },
    delivered: () => new Map(sends.map((s) => [s.key, s.message])),
  };
  return transport;
}

/** NOTIFY, played by the queue driver: what the consumer sends is collected, then delivered in batches. */
let notify: TestQueue<NotifyMessage>;
beforeEach(async () => {
  await loadEvents(env, buildSite(), [buildTestEvent()], NOW);
  notify = captureQueues().notify;
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Runs the Worker's real queue handler over everything queued, ten messages a batch, until nothing is left. */
const drainThroughWorker = () => notify.drain();

describe("fan-out", () => {
  it("sends one change to 10,000 subscribers, one mail each, through the real consumer", async () => {
    const subs: Sub[] = Array.from({ length: 10_000 }, (_, i) => ({
      id: `s${String(i).padStart(5, "0")}`,
      session: i % 2 ? "xen-toolstacks" : undefined,
    }));
    await addSubscribers([
      ...subs,
      { id: "x-other-session", session: "rust-and-xen" },
      { id: "x-pending", status: "pending" },
      { id: "x-unsubscribed", status: "unsubscribed" },
      { id: "x-daily", mode: "daily" },
      { id: "x-suppressed", suppressed: true },
    ]);
    await addChange("chg_big");
    const send = vi.spyOn(env.EMAIL, "send").mockImplementation(async () => ({ messageId: "ok" }));
    notify.sent.push({ body: { v: 1, type: "change", changeId: "chg_big" } });
    const results = await drainThroughWorker();
    expect(results).toEqual({ acked: 101, retried: 0 });
    const recipients = send.mock.calls.map(([m]) => (m as { to: string }).to);
    expect(recipients).toHaveLength(10_000);
    expect(new Set(recipients).size).toBe(10_000);
    expect(recipients.every((to) => /^s\d{5}@example\.org$/.test(to))).toBe(true);
    const { results: ledger } = await env.DB.prepare(
      "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status",
    ).all();
    expect(ledger).toEqual([{ status: "sent", n: 10_000 }]);
  }, 120_000);

  it("holds delivered = confirmed − unsubscribed − suppressed, each exactly once, through crashes and redeliveries", async () => {
    const subscriber = fc.record({
      status: fc.constantFrom("confirmed", "confirmed", "confirmed", "pending", "unsubscribed"),
      scope: fc.constantFrom("event", "session", "other-session"),
      suppressed: fc.boolean(),
      unsubscribesMidway: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(subscriber, { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(60), { maxLength: 4 }),
        fc.array(fc.nat(60), { maxLength: 4 }),
        fc.nat(3),
        async (people, crashBeforeSend, crashAfterSend, duplicates) => {
          await env.DB.batch([
            env.DB.prepare("DELETE FROM subscribers"),
            env.DB.prepare("DELETE FROM deliveries"),
            env.DB.prepare("DELETE FROM addresses"),
            // Each run reuses the change id, so its fan-out row (opened by the first "change" message) goes too.
            env.DB.prepare("DELETE FROM fanouts"),
          ]);
          const subs = people.map((p, i) => ({
            id: `p${String(i).padStart(3, "0")}`,
            status: p.status,
            session: p.scope === "event" ? undefined : p.scope === "session" ? "xen-toolstacks" : "rust-and-xen",
            suppressed: p.suppressed,
          }));
          await addSubscribers(subs);
          await env.DB.prepare("DELETE FROM changes").run();
          await addChange("chg_prop");

          // The provider: counts each idempotency key once; some sends fail before reaching it, some after.
          const provider = new Map<string, number>();
          let calls = 0;
          const transport: MailTransport = {
            async send(_message, key) {
              calls++;
              if (crashBeforeSend.includes(calls)) throw new MailError("connection reset", "transient");
              provider.set(key, (provider.get(key) ?? 0) + 1);
              if (crashAfterSend.includes(calls)) throw new MailError("timeout after send", "transient");
              return { messageId: key };
            },
          };
          const run = async (message: NotifyMessage) => {
            for (let attempt = 0; attempt < 20; attempt++) {
              try {
                return await processNotifyMessage(message, { env, config: buildConfig(), transport }, NOW);
              } catch (err) {
                if (!(err instanceof MailError)) throw err;
              }
            }
            throw new Error("never succeeded");
          };
          notify.clear();
          await run({ v: 1, type: "change", changeId: "chg_prop" });
          const deliveries = notify.sent.splice(0).map((m) => m.body);
          // Halfway, some people unsubscribe; then every message is delivered, some more than once.
          const midway = subs.filter((_, i) => people[i]!.unsubscribesMidway).map((s) => s.id);
          for (const [i, message] of deliveries.entries()) {
            if (i === Math.floor(deliveries.length / 2)) {
              for (const id of midway) await markSubscriptionUnsubscribed(env.DB, id, NOW);
            }
            for (let d = 0; d <= duplicates; d++) await run(message);
          }
          const unsubscribedBefore = new Set(
            deliveries
              .slice(0, Math.floor(deliveries.length / 2))
              .flatMap((m) => (m.type === "deliver" ? m.subscriberIds : [])),
          );
          const expected = subs
            .filter((s, i) => s.status === "confirmed" && !s.suppressed && s.session !== "rust-and-xen")
            .filter((s, i) => !people[subs.indexOf(s)]!.unsubscribesMidway || unsubscribedBefore.has(s.id))
            .map((s) => `chg_prop:${s.id}`)
            .sort();
          expect([...provider.keys()].sort()).toEqual(expected);
          const { results } = await env.DB.prepare("SELECT id FROM deliveries WHERE status = 'sent' ORDER BY id").all<{
            id: string;
          }>();
          expect(results.map((r) => r.id)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("retry policy", () => {
  it("retries a rate-limited batch later without resending what went out", async () => {
    await addSubscribers([{ id: "a" }, { id: "b" }, { id: "c" }]);
    await addChange("chg_rl");
    const send = vi
      .spyOn(env.EMAIL, "send")
      .mockResolvedValueOnce({ messageId: "1" })
      .mockRejectedValueOnce(Object.assign(new Error("slow down"), { code: "E_RATE_LIMIT_EXCEEDED" }))
      .mockResolvedValue({ messageId: "n" });
    const batch = buildBatch(QUEUES.notify, [
      {
        id: "d1",
        attempts: 2,
        body: { v: 1, type: "deliver", changeId: "chg_rl", subscriberIds: ["a", "b", "c"] },
      },
    ]);
    const retry = vi.spyOn(batch.messages[0]!, "retry");
    await runBatch(batch);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 120 });
    notify.sent.push({ body: { v: 1, type: "deliver", changeId: "chg_rl", subscriberIds: ["a", "b", "c"] } });
    await drainThroughWorker();
    expect(send.mock.calls.map(([m]) => (m as { to: string }).to)).toEqual([
      "a@example.org",
      "b@example.org",
      "b@example.org",
      "c@example.org",
    ]);
  });

  it("records permanent failures and suppresses an address after three", async () => {
    await addSubscribers([{ id: "bad" }, { id: "good" }]);
    vi.spyOn(env.EMAIL, "send").mockImplementation(async (m) => {
      if ((m as { to: string }).to === "bad@example.org")
        throw Object.assign(new Error("no such mailbox"), { code: "E_RECIPIENT_INVALID" });
      return { messageId: "ok" };
    });
    for (const id of ["c1", "c2", "c3", "c4"]) {
      await addChange(id);
      notify.sent.push({ body: { v: 1, type: "change", changeId: id } });
      expect(await drainThroughWorker()).toMatchObject({ retried: 0 });
    }
    const { results } = await env.DB.prepare(
      "SELECT id, status FROM deliveries WHERE subscriber_id = 'bad' ORDER BY id",
    ).all();
    expect(results).toEqual([
      { id: "c1:bad", status: "failed" },
      { id: "c2:bad", status: "failed" },
      { id: "c3:bad", status: "failed" },
    ]);
    expect(
      await env.DB.prepare("SELECT hard_failures, suppressed_at IS NOT NULL AS suppressed FROM addresses").first(),
    ).toEqual({
      hard_failures: 3,
      suppressed: 1,
    });
  });
});

describe("digest", () => {
  it("sends each daily subscriber one mail with the day's changes in scope, nothing when there were none, once", async () => {
    await addSubscribers([
      { id: "d-event", mode: "daily" },
      { id: "d-session", mode: "daily", session: "xen-toolstacks" },
      { id: "d-quiet", mode: "daily", session: "rust-and-xen" },
      { id: "immediate" },
    ]);
    const cron = new Date("2026-11-28T03:17:00Z");
    await addChange("old", "xen-toolstacks", new Date("2026-11-26T12:00:00Z"));
    await addChange("t1", "xen-toolstacks", new Date("2026-11-27T12:00:00Z"));
    await addChange("t2", null, new Date("2026-11-28T01:00:00Z"));
    const send = vi.spyOn(env.EMAIL, "send").mockResolvedValue({ messageId: "ok" });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 304 }));
    for (let run = 0; run < 2; run++) {
      await runCron(DAILY_CRON, cron);
      await drainThroughWorker();
    }
    const mails = send.mock.calls.map(([m]) => m as unknown as MailMessage);
    expect(mails.map((m) => m.to).sort()).toEqual(["d-event@example.org", "d-session@example.org"]);
    const eventDigest = mails.find((m) => m.to === "d-event@example.org")!;
    expect(eventDigest.subject).toMatch(/2 changes/);
    expect(mails.find((m) => m.to === "d-session@example.org")!.subject).toMatch(/1 change\b/);
    expect(eventDigest.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });
});

describe("outbox and confirmation", () => {
  it("hands a committed change to NOTIFY once, and the cron re-hands one a crash left behind", async () => {
    await putTestChange({
      id: "lost",
      sessionTitle: null,
      url: null,
      summary: "s",
      at: new Date(NOW.getTime() - 3600_000).toISOString(),
    });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response(null, { status: 304 }));
    await runCron(POLL_CRON, NOW);
    await runCron(POLL_CRON, NOW);
    expect(notify.sent).toEqual([{ body: { v: 1, type: "change", changeId: "lost" } }]);
  });

  it("sends a pending subscriber one confirmation mail with a working link, and none once confirmed", async () => {
    await addSubscribers([{ id: "new", status: "pending" }, { id: "done" }]);
    const send = vi.spyOn(env.EMAIL, "send").mockResolvedValue({ messageId: "ok" });
    notify.sent.push(
      { body: { v: 1, type: "confirm", subscriberId: "new" } },
      { body: { v: 1, type: "confirm", subscriberId: "new" } },
    );
    notify.sent.push({ body: { v: 1, type: "confirm", subscriberId: "done" } });
    await drainThroughWorker();
    expect(send).toHaveBeenCalledTimes(1);
    const mail = send.mock.calls[0]![0] as unknown as MailMessage;
    expect(mail.to).toBe("new@example.org");
    expect(mail.headers?.["List-Unsubscribe"]).toBeUndefined();
    const link = /http:\/\/127\.0\.0\.1:8787\/subscriptions\/confirm\?token=[A-Za-z0-9_.-]+/.exec(mail.text)?.[0];
    expect(link).toBeTruthy();
  });
});
