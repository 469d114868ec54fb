// What the metered Worker (scripts/bench/worker.ts) counts, shared with the harness that reads it.

export type Tally = {
  invocations: number;
  /** Statements run, batched or not. */
  d1Statements: number;
  /** Round trips to D1: run, first, all, raw, batch, exec. */
  d1Calls: number;
  rowsRead: number;
  rowsWritten: number;
  /** Wall time of the invocations themselves. */
  wallMs: number;
  /** Wall time spent awaiting D1 and queue sends (workerd's clock moves on I/O, so this is what they took). */
  d1Ms: number;
  queueMs: number;
  /** Statements whose result carries no meta (raw, exec), so their rows are not in rowsRead/rowsWritten. */
  d1Unmetered: number;
  /** send and sendBatch calls. */
  queueCalls: number;
  queueMessages: number;
  /** Messages sent, by binding and body type ("NOTIFY.deliver"). */
  messagesByType: Record<string, number>;
  /** Messages handed to this Worker's consumers, and how many of them it asked to retry. */
  consumed: number;
  retried: number;
};

/** The running total, and one tally per kind of invocation ("fetch POST /webhooks/notes 202", "queue <name>"). */
export type MeterReport = { total: Tally; buckets: Record<string, Tally> };

export const buildTally = (): Tally => ({
  invocations: 0,
  d1Statements: 0,
  d1Calls: 0,
  rowsRead: 0,
  rowsWritten: 0,
  d1Unmetered: 0,
  wallMs: 0,
  d1Ms: 0,
  queueMs: 0,
  queueCalls: 0,
  queueMessages: 0,
  messagesByType: {},
  consumed: 0,
  retried: 0,
});

export function addTally(into: Tally, from: Partial<Tally>): void {
  for (const [key, value] of Object.entries(from) as [keyof Tally, unknown][]) {
    if (key === "messagesByType") {
      for (const [type, n] of Object.entries(value as Record<string, number>))
        into.messagesByType[type] = (into.messagesByType[type] ?? 0) + n;
    } else into[key] += value as number;
  }
}

/** The sum of the buckets whose name starts with `prefix` ("queue sessionwire-notify", "fetch POST /webhooks"). */
export function sumBuckets(report: MeterReport, prefix: string): Tally {
  const sum = buildTally();
  for (const [name, tally] of Object.entries(report.buckets)) if (name.startsWith(prefix)) addTally(sum, tally);
  return sum;
}

/** Messages sent to one binding ("NOTIFY"), by type and in all. */
export function countMessages(tally: Tally, binding: string): { all: number; byType: Record<string, number> } {
  const byType: Record<string, number> = {};
  for (const [key, n] of Object.entries(tally.messagesByType)) {
    if (key.startsWith(`${binding}.`)) byType[key.slice(binding.length + 1)] = n;
  }
  return { all: Object.values(byType).reduce((a, b) => a + b, 0), byType };
}
