// The bench's metered Worker entry: the real Worker (src/index.ts) with its D1 database and queue producers
// counted, not changed, bundled by `npm run bench` like the real one (the read benchmarks and the acks' rates run
// the plain bundle). Each invocation gets its own meter (found through AsyncLocalStorage), so what one webhook
// acknowledgement or one consumer batch cost is known exactly however many run at once: its tally is added to a
// bucket named after it ("fetch POST /webhooks/notes 202", "queue sessionwire-notify") when it returns, and every
// operation also goes into a running total. D1 rows come from each result's meta (rows_read, rows_written), as the
// platform bills them. Under /__bench/ (never counted) the harness reads and resets the tallies and seeds or
// inspects D1 from inside the Worker: reading D1 through Miniflare's binding proxy while consumers run can
// deadlock (see scripts/soak/worker.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import worker from "../../src/index.ts";
import { type MeterReport, type Tally, addTally, buildTally } from "./tally.ts";
import { mapRetries, wrapOncePerEnv } from "../wrap-worker.ts";

let total = buildTally();
let buckets: Record<string, Tally> = {};

/** One invocation's counter: every addition goes to its own tally and to the running total. */
function buildMeter() {
  const tally = buildTally();
  return {
    tally,
    add(delta: Partial<Tally>) {
      addTally(tally, delta);
      addTally(total, delta);
    },
    /** Adds the invocation's tally to its bucket (operations it starts after this count in the total only). */
    close(bucket: string) {
      addTally((buckets[bucket] ??= buildTally()), tally);
    },
  };
}
type Meter = ReturnType<typeof buildMeter>;

/** The invocation whose meter counts what runs now: the wrapped env is one for all (see `wrapOncePerEnv`). */
const invocation = new AsyncLocalStorage<Meter>();
const ambient = { add: (delta: Partial<Tally>) => (invocation.getStore()?.add ?? ((d) => addTally(total, d)))(delta) };
type Counter = typeof ambient;

const rowsOf = (meta: { rows_read?: number; rows_written?: number } | undefined) => ({
  rowsRead: meta?.rows_read ?? 0,
  rowsWritten: meta?.rows_written ?? 0,
});

const realStatements = new WeakMap<object, D1PreparedStatement>();
/** Each wrapped statement's SQL and bound values, for the in-memory receipts below. */
const boundValues = new WeakMap<object, { sql: string; values: unknown[] }>();

/**
 * The ack bench's last run measures the Worker alone: receipt inserts and queue sends are answered here, in
 * memory, instead of by Miniflare's D1 and queue, which run on the same workerd thread as the Worker and so are
 * charged to every ack. Keyed like the receipts' unique (source, external_id); null: everything goes to D1.
 */
let inMemoryReceipts: Set<string> | null = null;
const RECEIPT_INSERT = "INSERT INTO receipts ";

/** A batch of receipt inserts (five values a row) answered as D1 would: the ids of the rows new to `received`. */
function answerReceiptsInMemory(statements: D1PreparedStatement[], received: Set<string>): D1Result[] | null {
  const bound = statements.map((s) => boundValues.get(s));
  if (!bound.every((b) => b?.sql.trimStart().startsWith(RECEIPT_INSERT))) return null;
  return bound.map((b) => {
    const values = b!.values as string[];
    const results = [];
    for (let at = 0; at < values.length; at += 5) {
      const [id, source, externalId] = values.slice(at, at + 3);
      const key = `${source}\u0000${externalId}`;
      if (!received.has(key)) results.push({ id });
      received.add(key);
    }
    return { success: true, results, meta: {} } as unknown as D1Result;
  });
}

function wrapStatement(
  statement: D1PreparedStatement,
  meter: Counter,
  sql: string,
  values: unknown[] = [],
): D1PreparedStatement {
  const all = async () => {
    const started = Date.now();
    const result = await statement.all();
    meter.add({ d1Statements: 1, d1Calls: 1, d1Ms: Date.now() - started, ...rowsOf(result.meta) });
    return result;
  };
  const wrapped = {
    bind: (...bound: unknown[]) => wrapStatement(statement.bind(...bound), meter, sql, bound),
    // D1's first() runs the whole statement and keeps the first row, but hides the meta: all() gives both.
    first: async (column?: string) => {
      const row = (await all()).results[0] as Record<string, unknown> | undefined;
      if (!row || column === undefined) return row ?? null;
      if (!(column in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
      return row[column];
    },
    run: async () => {
      const started = Date.now();
      const result = await statement.run();
      meter.add({ d1Statements: 1, d1Calls: 1, d1Ms: Date.now() - started, ...rowsOf(result.meta) });
      return result;
    },
    all,
    raw: async (options?: { columnNames?: boolean }) => {
      const started = Date.now();
      const rows = await statement.raw(options as { columnNames: true });
      meter.add({ d1Statements: 1, d1Calls: 1, d1Ms: Date.now() - started, d1Unmetered: 1 });
      return rows;
    },
  } as unknown as D1PreparedStatement;
  realStatements.set(wrapped, statement);
  boundValues.set(wrapped, { sql, values });
  return wrapped;
}

function wrapDb(db: D1Database, meter: Counter): D1Database {
  return {
    prepare: (sql: string) => wrapStatement(db.prepare(sql), meter, sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const inMemory = inMemoryReceipts && answerReceiptsInMemory(statements, inMemoryReceipts);
      if (inMemory) {
        meter.add({ d1Statements: statements.length, d1Calls: 1 });
        return inMemory;
      }
      const started = Date.now();
      const results = await db.batch(statements.map((s) => realStatements.get(s) ?? s));
      const rows = results.map((r) => rowsOf(r.meta));
      meter.add({
        d1Statements: statements.length,
        d1Calls: 1,
        d1Ms: Date.now() - started,
        rowsRead: rows.reduce((n, r) => n + r.rowsRead, 0),
        rowsWritten: rows.reduce((n, r) => n + r.rowsWritten, 0),
      });
      return results;
    },
    exec: async (query: string) => {
      const started = Date.now();
      const result = await db.exec(query);
      meter.add({ d1Statements: result.count, d1Calls: 1, d1Ms: Date.now() - started, d1Unmetered: result.count });
      return result;
    },
    withSession: () => {
      throw new Error("bench: withSession is not metered");
    },
    dump: () => db.dump(),
  } as unknown as D1Database;
}

const typeOf = (body: unknown) =>
  typeof body === "object" && body !== null && "type" in body ? String(body.type) : "unknown";

const QUEUE_SENT = { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } } as QueueSendResponse;

function wrapQueue<T>(queue: Queue<T>, name: string, meter: Counter): Queue<T> {
  return {
    send: async (body, options) => {
      const started = Date.now();
      const sent = inMemoryReceipts ? QUEUE_SENT : await queue.send(body, options);
      const queueMs = Date.now() - started;
      meter.add({ queueCalls: 1, queueMessages: 1, queueMs, messagesByType: { [`${name}.${typeOf(body)}`]: 1 } });
      return sent;
    },
    sendBatch: async (messages, options) => {
      const list = [...messages];
      const started = Date.now();
      const sent = inMemoryReceipts ? QUEUE_SENT : await queue.sendBatch(list, options);
      const queueMs = Date.now() - started;
      const byType: Record<string, number> = {};
      for (const m of list) byType[`${name}.${typeOf(m.body)}`] = (byType[`${name}.${typeOf(m.body)}`] ?? 0) + 1;
      meter.add({ queueCalls: 1, queueMessages: list.length, queueMs, messagesByType: byType });
      return sent;
    },
    metrics: () => queue.metrics(),
  } as Queue<T>;
}

type WorkerEnv = Parameters<typeof worker.queue>[1];

const wrapEnv = wrapOncePerEnv<WorkerEnv>((env) => ({
  ...env,
  DB: wrapDb(env.DB, ambient),
  CHANGES: wrapQueue(env.CHANGES, "CHANGES", ambient),
  NOTIFY: wrapQueue(env.NOTIFY, "NOTIFY", ambient),
}));

/** The batch as the consumer sees it, with its retries counted. */
const countRetries = (batch: MessageBatch<unknown>, meter: Meter) =>
  mapRetries(batch, (options, count) => {
    meter.add({ retried: count });
    return options;
  });

async function metered<T>(bucket: (result: T | null) => string, run: (meter: Meter) => Promise<T>): Promise<T> {
  const meter = buildMeter();
  meter.add({ invocations: 1 });
  const started = Date.now();
  let result: T | null = null;
  try {
    result = await invocation.run(meter, () => run(meter));
    return result;
  } finally {
    meter.add({ wallMs: Date.now() - started });
    meter.close(bucket(result));
  }
}

/** The harness's side door, under /__bench/: tallies, and D1 seeded or read from inside the Worker. */
async function inspect(request: Request, db: D1Database): Promise<Response> {
  const url = new URL(request.url);
  switch (`${request.method} ${url.pathname}`) {
    case "POST /__bench/in-memory": {
      const { on } = (await request.json()) as { on: boolean };
      inMemoryReceipts = on ? new Set() : null;
      return Response.json({ ok: true });
    }
    case "GET /__bench/meter":
      return Response.json({ total, buckets } satisfies MeterReport);
    case "POST /__bench/meter/reset":
      total = buildTally();
      buckets = {};
      return Response.json({ ok: true });
    case "POST /__bench/subscribers": {
      // Confirmed immediate subscribers `<prefix><n>` (n = 0 … count-1, zero-padded so ids sort as numbers)
      // of one session, in one statement: the fan-out reads them in id order.
      const { event, session, count, prefix, confirmedAt } = (await request.json()) as {
        event: string;
        session: string;
        count: number;
        prefix: string;
        confirmedAt: string;
      };
      const result = await db
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?1)
           INSERT INTO subscribers (id, email, event_id, session_id, mode, status, created_at, confirmed_at)
           SELECT ?2 || printf('%07d', i), ?2 || printf('%07d', i) || '@bench.example', ?3, ?4, 'immediate',
                  'confirmed', ?5, ?5 FROM n`,
        )
        .bind(count, prefix, event, session, confirmedAt)
        .run();
      return Response.json({ inserted: result.meta.changes });
    }
    case "DELETE /__bench/subscribers": {
      const prefix = url.searchParams.get("prefix") ?? "";
      if (!prefix) return new Response("prefix required", { status: 400 });
      const result = await db
        .prepare("DELETE FROM subscribers WHERE substr(id, 1, length(?1)) = ?1")
        .bind(prefix)
        .run();
      return Response.json({ deleted: result.meta.changes });
    }
    case "GET /__bench/ledger": {
      // The send ledger's rows for subscribers whose id starts with `prefix`, by status.
      const { results } = await db
        .prepare(
          "SELECT status, COUNT(*) AS n FROM deliveries WHERE substr(subscriber_id, 1, length(?1)) = ?1 GROUP BY status",
        )
        .bind(url.searchParams.get("prefix") ?? "")
        .all<{ status: string; n: number }>();
      return Response.json(Object.fromEntries(results.map((r) => [r.status, r.n])));
    }
    default:
      return new Response("not found", { status: 404 });
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/")) return inspect(request, env.DB);
    return metered(
      (res) => `fetch ${request.method} ${url.pathname} ${res?.status ?? "threw"}`,
      () => Promise.resolve(worker.fetch(request, wrapEnv(env), ctx)),
    );
  },
  async queue(batch, env) {
    await metered(
      () => `queue ${batch.queue}`,
      (meter) => {
        meter.add({ consumed: batch.messages.length });
        return worker.queue(countRetries(batch, meter), wrapEnv(env));
      },
    );
  },
  async scheduled(controller, env) {
    await metered(
      () => `scheduled ${controller.cron}`,
      () => worker.scheduled(controller, wrapEnv(env)),
    );
  },
} satisfies ExportedHandler<WorkerEnv, unknown>;
