// The one way in for anything that may change the catalogue: store a receipt (deduplicated), then queue it.
// A 2xx is answered only after this returns, so nothing acknowledged is ever lost: if the queue send fails
// the caller answers 5xx, and the stored receipt is re-queued by the cron sweep (a retried delivery then
// finds it already received).
//
// Webhook acknowledgements commit as a group (`ingestTogether`): under load, what arrives while one D1 batch
// is in flight is stored by the next, in one batch (20 rows an insert), and queued with one sendBatch. Nothing is
// answered before its own receipt is stored and queued, and a receipt's uniqueness decides "duplicate" inside a
// batch exactly as it does alone.
import type { Bindings } from "../config.ts";
import { buildReceiptMessage } from "../domain/messages.ts";
import { measureUtf8 } from "../domain/text.ts";
import { sleep } from "../lib/timers.ts";
import { type ReceiptItem, putReceipt, putReceipts } from "../store/receipts.ts";

export type IngestResult = { status: "queued"; receiptId: string } | { status: "duplicate" };
type IngestEnv = Pick<Bindings, "DB" | "CHANGES">;

/**
 * The largest payload a receipt stores, as UTF-8 JSON. D1 refuses a row over 2,000,000 bytes; the rest of the
 * receipt row (ids, the external id with its notes URL, times) stays well under the 100,000 bytes left. Notes
 * text is at most 1 MiB, but JSON escapes it: a text of quotes doubles, one of control characters grows sixfold.
 */
export const MAX_PAYLOAD_BYTES = 1_900_000;

/** The payload cannot be stored as one receipt; the routes answer 413. */
export class PayloadTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`the payload is ${bytes} bytes as JSON, over ${MAX_PAYLOAD_BYTES}`);
  }
}

function measurePayload(item: ReceiptItem): number {
  const bytes = measureUtf8(JSON.stringify(item.payload));
  if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(bytes);
  return bytes;
}

export async function ingest(env: IngestEnv, item: ReceiptItem, now: Date): Promise<IngestResult> {
  measurePayload(item);
  const receiptId = await putReceipt(env.DB, item, now);
  if (!receiptId) return { status: "duplicate" };
  await env.CHANGES.send(buildReceiptMessage(receiptId));
  return { status: "queued", receiptId };
}

/** Receipts per group: one D1 batch and one sendBatch (at most 100 messages and 256 KB; a message is ~80 B). */
const MAX_GROUP = 50;
/** Payload bytes per group: a few large receipts go in smaller groups, the largest alone. */
const MAX_GROUP_BYTES = 4_000_000;
/** How long a request waits for the group in flight before it stores its receipt alone. */
const WAIT_MS = 10_000;
/**
 * How long the line is held open for as many receipts as there were senders around the last group (its own and
 * those that arrived while it was in flight), when fewer are waiting: from the hold's start, and again from each
 * arrival while the receipts keep coming. Under steady load the senders a group answered send again at once; one
 * group of all of them instead of two halves the D1 batches and queue sends per ack (0.17 to 0.10 at 10 senders
 * in `npm run bench`), each of which costs more than the rows it carries. The arrival that completes the line
 * stores it at once, so the wait is this long only when fewer senders come back (and then only for the receipts
 * that came). A lone sender (no one else around) never waits.
 */
const GATHER_MS = 5;
/**
 * The longest a line is held, however often arrivals extend it. On a machine at half its usual speed, ten
 * senders' requests took longer than GATHER_MS to read: a hold that ended GATHER_MS after its start left the
 * late ones a group of their own (0.12–0.18 D1 batches per ack in four runs of the bench's ack section, against
 * 0.11–0.12 when each arrival extends the hold).
 */
const MAX_HOLD_MS = 20;
/**
 * How often a receipt in a held line looks again whether the line was taken or held too long. Those that had
 * waited on the hold's whole time instead (one timer, the holder's) were answered 5 ms late whenever the line
 * filled early: under load, every group.
 */
const LOOK_AGAIN_MS = 1;

type Outcome = { result: IngestResult } | { error: unknown };
type Waiter = { item: ReceiptItem; bytes: number; now: Date; outcome: Outcome | null };
/**
 * One line per isolate (every request of a Worker has the same bindings): who waits, and the group in flight.
 * A request only ever awaits its own timers and the group in flight, whose batch settles it, never a promise
 * another request resolves for it: workerd runs a continuation in the context of the request whose promise it
 * follows, so a waiter woken by the group resumes as itself and may lead the next group. A waiter's outcome is
 * plain data the group writes.
 */
const line: {
  waiting: Waiter[];
  inFlight: Promise<void> | null;
  /** Receipts that joined the line while the group in flight was (to be counted in `senders` when it is done). */
  arrivedInFlight: number;
  /** The last group's senders and those that arrived while it was in flight: who is likely to send again. */
  senders: number;
  /** While the line is held open: how many receipts complete it, since and until when (Date.now()) it is held. */
  held: { size: number; since: number; until: number } | null;
} = { waiting: [], inFlight: null, arrivedInFlight: 0, senders: 0, held: null };

/**
 * `ingest`, committed together with whatever arrives while a group is in flight. `waitUntil` is the request's:
 * a group a request leads outlives that request if its sender goes away, and a waiter that hears nothing for
 * WAIT_MS stores its receipt alone (an insert that conflicts with what a stalled group stored answers
 * "duplicate"; that receipt's queue message, if the group never sends it, comes from the cron sweep).
 *
 * With no group in flight and fewer receipts waiting than there were senders around the last group, the line is
 * held open for up to GATHER_MS, from its start and from each arrival, and at most MAX_HOLD_MS in all: the arrival
 * that completes it leads the group at once, and those already waiting look again every LOOK_AGAIN_MS on a timer
 * of their own (no request wakes another: a promise one request resolves for another fails the other's I/O
 * wherever workerd runs its continuation in the resolving request, as @cloudflare/vitest-plugin's runner does).
 * Whoever finds the hold over leads what has come, so a holder that goes away holds no one up.
 */
export async function ingestTogether(
  env: IngestEnv,
  item: ReceiptItem,
  now: Date,
  waitUntil: (promise: Promise<unknown>) => void,
): Promise<IngestResult> {
  const waiter: Waiter = { item, bytes: measurePayload(item), now, outcome: null };
  line.waiting.push(waiter);
  if (line.inFlight) line.arrivedInFlight++;
  else if (line.held) line.held.until = Math.min(line.held.since + MAX_HOLD_MS, Date.now() + GATHER_MS);
  const deadline = Date.now() + WAIT_MS;
  while (!waiter.outcome) {
    if (line.inFlight) {
      if (await waitFor(line.inFlight, deadline - Date.now())) continue;
      const at = line.waiting.indexOf(waiter);
      if (at >= 0) line.waiting.splice(at, 1);
      return ingest(env, item, now);
    }
    if (!line.held && line.senders > line.waiting.length) {
      const since = Date.now();
      line.held = { size: line.senders, since, until: since + GATHER_MS };
      // The holder's request outlives its sender for the longest hold, so the line is led even if every sender
      // waiting in it goes away (a request whose sender left may stop at its next await).
      waitUntil(sleep(MAX_HOLD_MS + LOOK_AGAIN_MS));
    }
    if (line.held && line.waiting.length < line.held.size && Date.now() < line.held.until) await sleep(LOOK_AGAIN_MS);
    else await lead(env, waitUntil);
  }
  if ("error" in waiter.outcome) throw waiter.outcome.error;
  return waiter.outcome.result;
}

/** Takes the head of the line as a group and stores it; resolves (never rejects) when it is done. */
function lead(env: IngestEnv, waitUntil: (promise: Promise<unknown>) => void): Promise<void> {
  const taken = takeGroup(line.waiting);
  line.held = null;
  line.arrivedInFlight = 0;
  const group = storeGroup(env, taken).finally(() => {
    line.senders = Math.min(taken.length + line.arrivedInFlight, MAX_GROUP);
    if (line.inFlight === group) line.inFlight = null;
  });
  line.inFlight = group;
  waitUntil(group);
  return group;
}

/** Whether `promise` settled within `ms`. */
async function waitFor(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(ms, 0))));
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer!));
}

/** The head of the line, up to MAX_GROUP receipts and MAX_GROUP_BYTES (always at least one). */
function takeGroup(waiting: Waiter[]): Waiter[] {
  let [count, bytes] = [0, 0];
  while (
    count < Math.min(waiting.length, MAX_GROUP) &&
    (count === 0 || bytes + waiting[count]!.bytes <= MAX_GROUP_BYTES)
  )
    bytes += waiting[count++]!.bytes;
  return waiting.splice(0, count);
}

/** Stores and queues a group, writing every waiter's outcome; never rejects. */
async function storeGroup(env: IngestEnv, group: Waiter[]): Promise<void> {
  let ids: (string | null)[];
  try {
    ids = await putReceipts(env.DB, group);
  } catch {
    // A batch is one transaction: nothing of it was stored. Alone, a receipt D1 refuses fails only itself.
    await Promise.all(
      group.map(async (w) => {
        w.outcome = await ingest(env, w.item, w.now).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
      }),
    );
    return;
  }
  const queued = ids.flatMap((id) => (id ? [id] : []));
  let failed: { error: unknown } | null = null;
  if (queued.length) {
    try {
      await env.CHANGES.sendBatch(queued.map((id) => ({ body: buildReceiptMessage(id) })));
    } catch (error) {
      // Stored but not queued: those senders are answered 5xx and retry; the sweep queues the receipts meanwhile.
      failed = { error };
    }
  }
  group.forEach((w, i) => {
    const id = ids[i];
    w.outcome = !id ? { result: { status: "duplicate" } } : (failed ?? { result: { status: "queued", receiptId: id } });
  });
}
