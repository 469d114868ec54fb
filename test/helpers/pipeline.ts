// What the change-pipeline tests share (pipeline-*.test.ts): the test catalogue loaded at T0 on a fake clock,
// CHANGES captured and delivered by hand to the Worker's real queue handler (NOTIFY captured and never delivered:
// mail is notify.test.ts's subject, and a real NOTIFY consumer would outlive the test and race the next one's
// reset), and the steps a test takes: observe an edit, let its quiet period pass, read the change log.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, vi } from "vitest";
import type { Observation } from "../../src/domain/changes.ts";
import type { ChangesMessage } from "../../src/domain/messages.ts";
import { ingest } from "../../src/pipeline/ingest.ts";
import { loadEvents } from "../../src/pipeline/publish.ts";
import { buildTestEvent } from "../fixtures/catalogue.ts";
import { buildSite } from "./config.ts";
import { type Sent, type TestQueue, captureQueues } from "./queue.ts";

export const EVENT = "test-summit-2026";
export const SESSION = "xen-toolstacks";
export const PAD = "https://hackmd.io/0vZaSrKBT2iKWzpVMxDVvQ";
export const T0 = new Date("2026-11-27T10:00:00Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

let queue: TestQueue<ChangesMessage>;
/** What was sent to CHANGES and not delivered yet (a live binding, new for each test: read it inside tests). */
export let sent: Sent[];

/** Starts each test of the calling file at T0 with the catalogue loaded and the queues captured. */
export function setUpPipelineTests() {
  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
    await loadEvents(env, buildSite(), [buildTestEvent()], T0);
    queue = captureQueues().changes;
    sent = queue.sent;
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
}

/** Hands messages to the Worker's queue handler as the platform would, and returns its ack/retry verdict. */
export const deliver = (messages: Sent[]) => queue.deliver(messages);

/** Removes the queued messages of one type (the driver keeps appending to the same list). */
export const take = (type: ChangesMessage["type"]): Sent[] => queue.take((body) => body.type === type);

/** Delivers everything queued so far (and what that queues in turn, except delayed settles). */
export const drain = () => queue.drain({ only: (body) => body.type === "receipt" });

/** An edit of the test pad (or `payload.url`) received at `now`, processed at once. */
export async function observe(
  payload: Partial<Extract<Observation, { kind: "notes" }>>,
  externalId: string,
  now: Date,
) {
  vi.setSystemTime(now);
  await ingest(
    env,
    {
      source: "notes",
      externalId,
      payload: { kind: "notes", type: "notes.updated", event: EVENT, session: SESSION, url: PAD, ...payload },
    },
    now,
  );
  await drain();
}

/** The clock at T0 + `seconds`: the settle messages queued so far are delivered. */
export async function settleAt(seconds: number) {
  vi.setSystemTime(at(seconds));
  const settles = take("settle");
  return deliver(settles);
}

/** The change log, oldest first. */
export const changes = async () =>
  (
    await env.DB.prepare(
      "SELECT seq, type, url, summary, excerpt, lines_added, lines_removed FROM changes ORDER BY seq",
    ).all()
  ).results;
