// The delivery guarantee of outbound webhooks, as a property: whatever the endpoints answer (2xx, 4xx, 5xx, 410,
// time-outs), however the queue mishandles the messages (duplicated, dropped, reordered, dead-lettered) and
// wherever the Worker dies (after the hand-over's commit, before its messages; after a claim, before the send),
// each endpoint gets each change it is owed exactly once per success and never again after it: the ledger says
// "delivered" exactly when the endpoint answered one 2xx for that change, nothing arrives after that 2xx, every
// request for a change carries the same webhook-id and verifies with the endpoint's secret, and once the queue
// behaves again every delivery of an endpoint still active reaches a final state. A time-out here is a request
// the endpoint received whose answer was lost, like a Worker that died between the send and the record: it is
// not a success, so the same webhook-id may arrive again (what receivers deduplicate on).
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { HooksMessage } from "../../src/domain/messages.ts";
import { POLL_CRON } from "../../src/cron/index.ts";
import { handOverHooks } from "../../src/pipeline/hooks.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { claimHookDelivery } from "../../src/store/hooks.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildSite } from "../helpers/config.ts";
import { putTestChange } from "../helpers/factories.ts";
import { type FakeInternet, type Received, fakeInternet, registerEndpoint, verifyReceived } from "../helpers/hooks.ts";
import { type Fate, type TestQueue, captureQueues, runCron } from "../helpers/queue.ts";
import { buildRandom } from "../../scripts/soak/random.ts";

const T0 = new Date("2026-11-27T10:00:00Z");
const OUTCOMES = ["2xx", "4xx", "5xx", "410", "timeout"] as const;
type Outcome = (typeof OUTCOMES)[number];

let hooks: TestQueue<HooksMessage>;
let net: FakeInternet;
let clock = T0.getTime();
const advance = (ms: number) => {
  clock += ms;
  vi.setSystemTime(clock);
};

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
  await loadEvents(env, buildSite(), [buildTestEvent()], T0);
  ({ hooks } = captureQueues());
  net = fakeInternet();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Forgets the previous run: its endpoints, changes, ledger, queued messages and requests. */
async function resetRun() {
  await env.DB.batch(
    ["hook_deliveries", "hook_secrets", "hook_endpoints", "changes"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
  hooks.clear();
  hooks.refuse(() => false);
  net.received.splice(0);
  clock = T0.getTime();
  vi.setSystemTime(clock);
}

const scenario = fc.record({
  /** Per endpoint, what it answers to its 1st, 2nd, … request; 2xx once the script runs out. */
  scripts: fc.array(fc.array(fc.constantFrom(...OUTCOMES), { maxLength: 10 }), { minLength: 1, maxLength: 3 }),
  changes: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer(),
  /** How likely the queue mishandles a message, and the Worker dies at a step. */
  chaos: fc.double({ min: 0, max: 0.6, noNaN: true }),
});

it("each endpoint gets each change exactly once per success, and never after it", { timeout: 240_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ scripts, changes, seed, chaos }) => {
      await resetRun();
      // A deterministic generator for the chaos (fates, orders, waits, crashes), seeded by fast-check.
      const random = buildRandom(seed, "hooks");
      const endpoints: { id: string; secret: string; url: string; script: Outcome[] }[] = [];
      for (const [i, script] of scripts.entries()) {
        const url = `https://hooks${i}.example.org/in`;
        const registered = await registerEndpoint({ url });
        endpoints.push({ ...registered, url, script: [...script] });
        net.answer(url, (req: Received) => {
          const outcome: Outcome = endpoints[i]!.script.shift() ?? "2xx";
          answered.push({ req, outcome });
          if (outcome === "timeout") return new DOMException("timed out", "TimeoutError");
          if (outcome === "2xx") {
            const status = [200, 201, 202, 204][Math.floor(random() * 4)]!;
            return new Response(status === 204 ? null : "ok", { status });
          }
          return new Response(outcome, { status: { "4xx": 400, "5xx": 503, "410": 410 }[outcome] });
        });
      }
      const answered: { req: Received; outcome: Outcome }[] = [];

      // Changes are committed and handed over; the hand-over's messages may be lost (a crash after its batch).
      for (let c = 0; c < changes; c++) {
        await putTestChange({ at: new Date(clock).toISOString() });
        if (random() < chaos) hooks.refuse(() => true);
        await handOverHooks(env, new Date(clock), undefined, new Date(clock));
        hooks.refuse(() => false);
        advance(1000);
      }

      // The chaotic phase: two days of a queue that misbehaves and a Worker that dies.
      const fate = (): Fate => {
        if (random() >= chaos) return "deliver";
        return (["drop", "duplicate", "dead-letter", "deliver"] as const)[Math.floor(random() * 4)]!;
      };
      const end = clock + 2 * 86_400_000;
      while (clock < end) {
        // Reordered: the platform gives no order guarantee.
        hooks.sent.sort(() => random() - 0.5);
        // A Worker that dies after claiming a delivery and before sending it: the message is lost with it.
        if (hooks.sent.length && random() < chaos / 2) {
          const [dead] = hooks.sent.splice(0, 1);
          await claimHookDelivery(env.DB, dead!.body.deliveryId, new Date(clock));
        }
        await hooks.drain({ fate });
        advance(Math.floor(random() * 3 * 3600_000));
        hooks.requeueRetried();
        if (random() < 0.5) await runCron(POLL_CRON, new Date(clock));
      }

      // The queue behaves again: everything still owed reaches a final state within the schedule (~18 h).
      for (let round = 0; round < 12; round++) {
        await hooks.drain();
        advance(3 * 3600_000);
        hooks.requeueRetried();
        await runCron(POLL_CRON, new Date(clock));
      }
      await hooks.drain();

      const { results: rows } = await env.DB.prepare(
        `SELECT d.id, d.change_id, d.endpoint_id, d.status, e.status AS endpoint_status
         FROM hook_deliveries d JOIN hook_endpoints e ON e.id = d.endpoint_id`,
      ).all<{ id: string; change_id: string; endpoint_id: string; status: string; endpoint_status: string }>();
      expect(rows).toHaveLength(changes * endpoints.length);
      for (const row of rows) {
        const endpoint = endpoints.find((e) => e.id === row.endpoint_id)!;
        const mine = answered.filter((a) => a.req.headers["webhook-id"] === row.id);
        const successes = mine.filter((a) => a.outcome === "2xx");
        // Exactly once per success: the ledger's "delivered" is one 2xx, and nothing came after it.
        expect(successes.length, JSON.stringify({ row, mine: mine.map((m) => m.outcome) })).toBe(
          row.status === "delivered" ? 1 : 0,
        );
        if (successes.length) expect(mine.at(-1)!.outcome).toBe("2xx");
        for (const a of mine) {
          expect(a.req.url).toBe(endpoint.url);
          // Timestamps are checked by the library against the fake clock: verify with that attempt's time.
          vi.setSystemTime(Number(a.req.headers["webhook-timestamp"]) * 1000);
          expect(() => verifyReceived(endpoint.secret, a.req)).not.toThrow();
        }
        vi.setSystemTime(clock);
        // Liveness: an endpoint still active has no delivery left pending or in flight.
        if (row.endpoint_status === "active") expect(["delivered", "failed"]).toContain(row.status);
      }
    }),
    { numRuns: 25 },
  );
});
