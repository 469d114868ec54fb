// The one queue driver of the tests. `captureQueues` records what the code sends to CHANGES, NOTIFY or HOOKS (send and
// sendBatch, with their delaySeconds) instead of sending it, so nothing runs in the background; `deliver` and
// `drain` hand those messages to the Worker's real queue handler as MessageBatches, observing acks and retries
// with getQueueResult. A retried message waits until the test lets time pass (`requeueRetried`), and once it
// has been retried max_retries times it goes to the dead-letter queue's consumer, as wrangler.toml says.
// `runCron` runs a cron through the Worker's real scheduled handler.
import {
  type QueueResult,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { type Bindings, QUEUES } from "../../src/config.ts";
import type { ChangesMessage, HooksMessage, NotifyMessage } from "../../src/domain/messages.ts";
import worker from "../../src/index.ts";

const QUEUE_SEND_RESPONSE: QueueSendResponse = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };

/** wrangler.toml [[queues.consumers]]: how many times a message is retried before it is a dead letter. */
export const MAX_RETRIES = { [QUEUES.changes]: 5, [QUEUES.notify]: 8, [QUEUES.hooks]: 10 } as const;
/** wrangler.toml: the most messages the platform puts in one batch. */
const MAX_BATCH_SIZE = 10;

const BINDINGS = {
  CHANGES: { queue: QUEUES.changes, deadLetters: QUEUES.changesDeadLetters },
  NOTIFY: { queue: QUEUES.notify, deadLetters: QUEUES.notifyDeadLetters },
  HOOKS: { queue: QUEUES.hooks, deadLetters: QUEUES.hooksDeadLetters },
} as const;
type MessageOf<B extends keyof typeof BINDINGS> = B extends "CHANGES"
  ? ChangesMessage
  : B extends "NOTIFY"
    ? NotifyMessage
    : HooksMessage;

/**
 * A message on a queue: its body and the delaySeconds it was sent with (recorded, not waited for: a test that
 * cares delivers delayed messages when its clock says so); `attempts` once it was retried (1 when absent).
 */
export type Sent<T = ChangesMessage> = { body: T; delaySeconds?: number; attempts?: number };

/** What becomes of a message a drain picks: delivered, lost, delivered twice, or handed to the dead letters. */
export type Fate = "deliver" | "drop" | "duplicate" | "dead-letter";

/** The consumer's verdict on what was delivered; `retried`: the messages it retried, with their attempts so far. */
export type Delivery<T> = Pick<QueueResult, "explicitAcks" | "retryMessages"> & {
  retried: { body: T; attempts: number }[];
};

let seq = 0;

/** A MessageBatch of `queue` as the platform builds one (ids are made up unless given). */
export function buildBatch<T>(queue: string, messages: (Sent<T> & { id?: string })[]): MessageBatch<T> {
  return createMessageBatch(
    queue,
    messages.map((m) => ({ id: m.id ?? `m${++seq}`, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
}

/** Runs the Worker's real queue handler over a batch; returns what it acked and retried. */
export async function runBatch<T>(batch: MessageBatch<T>, bindings: Bindings = env): Promise<QueueResult> {
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings);
  return getQueueResult(batch, ctx);
}

/** Delivers messages to `queue`'s consumer, `batchSize` to a batch (all in one unless told). */
export async function deliver<T>(
  queue: string,
  messages: (Sent<T> & { id?: string })[],
  { batchSize = Infinity, bindings = env }: { batchSize?: number; bindings?: Bindings } = {},
): Promise<Delivery<T>> {
  const delivery: Delivery<T> = { explicitAcks: [], retryMessages: [], retried: [] };
  for (let i = 0; i < messages.length; i += batchSize) {
    const batch = buildBatch(queue, messages.slice(i, i + batchSize));
    const result = await runBatch(batch, bindings);
    delivery.explicitAcks.push(...result.explicitAcks);
    delivery.retryMessages.push(...result.retryMessages);
    const retried = new Set(result.retryMessages.map((r) => r.msgId));
    for (const m of batch.messages) {
      if (retried.has(m.id)) delivery.retried.push({ body: m.body, attempts: m.attempts });
    }
  }
  return delivery;
}

type DrainOptions<T> = {
  /** Only messages this accepts are delivered (e.g. not the settles still in their quiet period); the rest wait. */
  only?: (body: T) => boolean;
  /** Decides, per message picked, what the queue does with it (fault injection); "deliver" unless told. */
  fate?: (message: Sent<T>) => Fate;
  /** Checked after each batch: true ends the drain at once, leaving what is queued (e.g. the isolate died). */
  stop?: () => boolean;
};

export type TestQueue<T> = {
  /** Sent and not delivered yet, in order; a test may look, remove or add (the capture keeps appending). */
  sent: Sent<T>[];
  /** Retried by the consumer and waiting for the platform's backoff: back on the queue at `requeueRetried`. */
  retried: Sent<T>[];
  /** Delivers these messages (by default everything sent so far, taken off the queue) as one batch. */
  deliver(messages?: (Sent<T> & { id?: string })[]): Promise<Delivery<T>>;
  /**
   * Delivers what is queued, MAX_BATCH_SIZE a batch, and what that queues in turn, until nothing (that `only`
   * accepts) is left; throws after 1,000 batches. Returns how many messages were acked and retried.
   */
  drain(options?: DrainOptions<T>): Promise<{ acked: number; retried: number }>;
  /** Removes and returns the queued messages `select` accepts. */
  take(select: (body: T) => boolean): Sent<T>[];
  /** The backoff has passed: retried messages are back on the queue, after what is there. */
  requeueRetried(): void;
  /** Fault injection: a send or sendBatch throws while `when(call)` is true (call: 1 for the next one, …). */
  refuse(when: (call: number) => boolean, error?: Error): void;
  /** Everything queued or retried is lost (a dead isolate, or a fresh run of a property). */
  clear(): void;
};

/** Captures a queue binding for the rest of the test (vi.restoreAllMocks ends it). */
function captureQueue<B extends keyof typeof BINDINGS>(binding: B): TestQueue<MessageOf<B>> {
  type T = MessageOf<B>;
  const { queue, deadLetters } = BINDINGS[binding];
  const target = env[binding] as Queue<T>;
  let refusal: { when: (call: number) => boolean; error: Error; calls: number } | null = null;
  const refuseNow = () => {
    if (refusal && refusal.when(++refusal.calls)) throw refusal.error;
  };
  const q: TestQueue<T> = {
    sent: [],
    retried: [],
    deliver: (messages = q.sent.splice(0)) => deliver(queue, messages),
    async drain({ only = () => true, fate = () => "deliver", stop = () => false } = {}) {
      const counts = { acked: 0, retried: 0 };
      for (let round = 0; ; round++) {
        const ready = q.sent.filter((m) => only(m.body)).slice(0, MAX_BATCH_SIZE);
        if (!ready.length) return counts;
        if (round >= 1000) throw new Error(`${queue} did not drain in 1,000 batches`);
        q.sent.splice(0, q.sent.length, ...q.sent.filter((m) => !ready.includes(m)));
        const picked: Sent<T>[] = [];
        const dead: Sent<T>[] = [];
        for (const m of ready) {
          const f = fate(m);
          if (f === "dead-letter") dead.push(m);
          else if (f !== "drop") picked.push(...(f === "duplicate" ? [m, m] : [m]));
        }
        if (dead.length) await deliver(deadLetters, dead);
        if (!picked.length) continue;
        const delivery = await deliver(queue, picked);
        counts.acked += delivery.explicitAcks.length;
        counts.retried += delivery.retryMessages.length;
        if (stop()) return counts;
        for (const m of delivery.retried) {
          if (m.attempts > MAX_RETRIES[queue]) await deliver(deadLetters, [m]);
          else q.retried.push({ body: m.body, attempts: m.attempts + 1 });
        }
      }
    },
    take(select) {
      const taken = q.sent.filter((m) => select(m.body));
      q.sent.splice(0, q.sent.length, ...q.sent.filter((m) => !select(m.body)));
      return taken;
    },
    requeueRetried: () => void q.sent.push(...q.retried.splice(0)),
    refuse(when, error = new Error("queue unavailable")) {
      refusal = { when, error, calls: 0 };
    },
    clear() {
      q.sent.splice(0);
      q.retried.splice(0);
    },
  };
  const record = (body: T, delaySeconds?: number) =>
    q.sent.push({ body, ...(delaySeconds !== undefined ? { delaySeconds } : {}) });
  vi.spyOn(target, "send").mockImplementation(async (body, options) => {
    refuseNow();
    record(body, options?.delaySeconds);
    return QUEUE_SEND_RESPONSE;
  });
  vi.spyOn(target, "sendBatch").mockImplementation(async (messages, options) => {
    refuseNow();
    for (const m of messages) record(m.body, m.delaySeconds ?? options?.delaySeconds);
    return QUEUE_SEND_RESPONSE;
  });
  return q;
}

/** Every queue captured: nothing a test starts runs in the background after it (and races the next reset). */
export function captureQueues() {
  return { changes: captureQueue("CHANGES"), notify: captureQueue("NOTIFY"), hooks: captureQueue("HOOKS") };
}

/** Runs a cron (wrangler.toml [triggers]) at `at` through the Worker's real scheduled handler. */
export async function runCron(cron: string, at: Date): Promise<void> {
  await worker.scheduled(createScheduledController({ cron, scheduledTime: at }), env);
}
