// The soak's Worker entry: the real Worker (src/index.ts) with faults injected around it, bundled by
// `npm run soak` like the real one. Every invocation (fetch, queue, scheduled) gets an env whose queue
// producers and D1 database fail at the configured rates, half the time before the operation (nothing
// happened) and half after it (it happened, the caller sees an error: a lost answer). Queue consumers crash
// at a rate after handling part of their batch, leaving the rest un-acked, and every retry delay is capped so
// that backoff measured in minutes fits a soak measured in minutes. Configuration comes in the SOAK_FAULTS
// binding. Under /__soak/ it answers the harness what was injected so far and what D1 holds, read without
// faults: the harness must not read D1 through Miniflare's binding proxy while the Worker runs, because that
// proxy blocks Node's event loop on each call, and a Worker that logs a lot then waits for Node to drain its
// output: a deadlock.
import worker from "../../src/index.ts";
import { buildRandom } from "./random.ts";
import { mapRetries, wrapOncePerEnv } from "../wrap-worker.ts";

// The Worker's clock, which the harness can move forward (/__soak/advance) once all traffic is in: some
// recovery waits on wall time the soak cannot spend, above all the 15-minute lease on a mail claim whose holder
// crashed mid-send. Moving the clock is what waiting that long would do; the harness reports how often it did.
const RealDate = Date;
let clockOffsetMs = 0;
class WorkerDate extends RealDate {
  constructor(...args: ConstructorParameters<DateConstructor> | []) {
    if (args.length === 0) super(RealDate.now() + clockOffsetMs);
    else super(...(args as [string]));
  }
  static override now() {
    return RealDate.now() + clockOffsetMs;
  }
}
globalThis.Date = WorkerDate as DateConstructor;

export type FaultConfig = {
  seed: number;
  /** Per send / sendBatch call. */
  queueRate: number;
  /** Per statement (run, first, all, raw) and per db.batch call. */
  d1Rate: number;
  /** Per consumer invocation. */
  crashRate: number;
  /** Upper bound on a message's retry({ delaySeconds }) and on retryAll. */
  retryDelayCapSeconds: number;
};

export type FaultReport = {
  counts: FaultCounts;
  work: Record<string, { batches: number; messages: number; ms: number }>;
  /** Why cron runs failed: each distinct message (digits folded to N) with how often. */
  cronErrors: Record<string, number>;
};

export type FaultCounts = Record<
  "queue.refused" | "queue.lostAnswer" | "d1.refused" | "d1.lostAnswer" | "consumer.crash" | "retry.delayCapped",
  number
>;

const counts: FaultCounts = {
  "queue.refused": 0,
  "queue.lostAnswer": 0,
  "d1.refused": 0,
  "d1.lostAnswer": 0,
  "consumer.crash": 0,
  "retry.delayCapped": 0,
};

class InjectedFault extends Error {}

type Injector = {
  config: FaultConfig;
  /**
   * Runs `op` unless a fault is drawn, one draw for each of its `parts`: refused (op never runs) or lost answer
   * (op runs, then this throws).
   */
  around<T>(kind: "queue" | "d1", what: string, op: () => Promise<T>, parts?: number): Promise<T>;
  crashes(): boolean;
  draw(stream: string): number;
};

let injector: Injector | undefined;

function getInjector(raw: unknown): Injector {
  if (injector) return injector;
  const config: FaultConfig = {
    seed: 1,
    queueRate: 0,
    d1Rate: 0,
    crashRate: 0,
    retryDelayCapSeconds: 1,
    ...(typeof raw === "string" ? (JSON.parse(raw) as Partial<FaultConfig>) : {}),
  };
  const streams = new Map<string, () => number>();
  const draw = (stream: string) => {
    let next = streams.get(stream);
    if (!next) streams.set(stream, (next = buildRandom(config.seed, `worker:${stream}`)));
    return next();
  };
  injector = {
    config,
    draw,
    async around(kind, what, op, parts = 1) {
      const rate = kind === "queue" ? config.queueRate : config.d1Rate;
      let drawn = false;
      for (let part = 0; part < parts && rate > 0 && !drawn; part++) drawn = draw(kind) < rate;
      if (!drawn) return op();
      if (draw(`${kind}:when`) < 0.5) {
        counts[`${kind}.refused`]++;
        throw new InjectedFault(`soak: injected ${kind} fault, refused: ${what}`);
      }
      await op();
      counts[`${kind}.lostAnswer`]++;
      throw new InjectedFault(`soak: injected ${kind} fault, answer lost after: ${what}`);
    },
    crashes: () => config.crashRate > 0 && draw("crash") < config.crashRate,
  };
  return injector;
}

function wrapQueue<T>(queue: Queue<T>, name: string, faults: Injector): Queue<T> {
  return {
    send: (body, options) => faults.around("queue", `${name}.send`, () => queue.send(body, options)),
    sendBatch: (messages, options) => {
      const list = [...messages];
      // A fault per message, as if each were sent alone: acks that share one sendBatch (src/pipeline/ingest.ts)
      // meet as many faults as they would apart, so grouping them does not spare the senders' retries.
      return faults.around(
        "queue",
        `${name}.sendBatch(${list.length})`,
        () => queue.sendBatch(list, options),
        list.length,
      );
    },
    metrics: () => queue.metrics(),
  } as Queue<T>;
}

const realStatements = new WeakMap<object, D1PreparedStatement>();

function wrapStatement(statement: D1PreparedStatement, sql: string, faults: Injector): D1PreparedStatement {
  const what = sql.replace(/\s+/g, " ").trim().slice(0, 60);
  const wrapped = {
    bind: (...values: unknown[]) => wrapStatement(statement.bind(...values), sql, faults),
    first: (column?: string) =>
      faults.around("d1", what, () => (column === undefined ? statement.first() : statement.first(column))),
    run: () => faults.around("d1", what, () => statement.run()),
    all: () => faults.around("d1", what, () => statement.all()),
    raw: (options?: { columnNames?: boolean }) =>
      faults.around("d1", what, () => statement.raw(options as { columnNames: true })),
  } as unknown as D1PreparedStatement;
  realStatements.set(wrapped, statement);
  return wrapped;
}

function wrapDb(db: D1Database, faults: Injector): D1Database {
  return {
    prepare: (sql: string) => wrapStatement(db.prepare(sql), sql, faults),
    batch: (statements: D1PreparedStatement[]) =>
      faults.around("d1", `batch(${statements.length})`, () =>
        db.batch(statements.map((s) => realStatements.get(s) ?? s)),
      ),
    exec: (query: string) => faults.around("d1", "exec", () => db.exec(query)),
    withSession: () => {
      throw new Error("soak: withSession is not wrapped");
    },
    dump: () => db.dump(),
  } as unknown as D1Database;
}

type WorkerEnv = Parameters<typeof worker.queue>[1] & { SOAK_FAULTS?: string };
const wrapEnv = wrapOncePerEnv<WorkerEnv>((env) => {
  const faults = getInjector(env.SOAK_FAULTS);
  return {
    ...env,
    DB: wrapDb(env.DB, faults),
    CHANGES: wrapQueue(env.CHANGES, "CHANGES", faults),
    NOTIFY: wrapQueue(env.NOTIFY, "NOTIFY", faults),
  };
});

/** The batch as the consumer sees it, with every retry delay capped. */
function capRetries(batch: MessageBatch<unknown>, capSeconds: number): MessageBatch<unknown> {
  return mapRetries(batch, (options) => {
    const delaySeconds = options?.delaySeconds;
    if (delaySeconds === undefined || delaySeconds <= capSeconds) return options ?? {};
    counts["retry.delayCapped"]++;
    return { ...options, delaySeconds: capSeconds };
  });
}

/** The harness's view of D1 and of the faults, under /__soak/. */
async function inspect(url: URL, db: D1Database): Promise<Response> {
  switch (url.pathname) {
    case "/__soak/advance":
      clockOffsetMs += Number(url.searchParams.get("ms") ?? 0);
      return Response.json({ offsetMs: clockOffsetMs });
    case "/__soak/faults":
      return Response.json({ counts, work, cronErrors });
    case "/__soak/changes": {
      const { results } = await db
        .prepare(
          "SELECT id, seq, session_id, url, type, excerpt FROM changes WHERE event_id = ? AND seq > ? ORDER BY seq",
        )
        .bind(url.searchParams.get("event"), Number(url.searchParams.get("after") ?? 0))
        .all();
      return Response.json(results);
    }
    case "/__soak/state":
      return Response.json(
        await db
          .prepare(
            `SELECT (SELECT COUNT(*) FROM receipts WHERE processed_at IS NULL AND failed_at IS NULL
                                                   AND source = 'notes') AS unprocessedReceipts,
                    (SELECT COUNT(*) FROM receipts WHERE processed_at IS NULL AND failed_at IS NULL
                                                   AND source != 'notes') AS unprocessedOtherReceipts,
                    (SELECT COUNT(*) FROM receipts WHERE failed_at IS NOT NULL) AS failedReceipts,
                    (SELECT COUNT(*) FROM pads WHERE pending_hash IS NOT NULL) AS pendingPads,
                    (SELECT COUNT(*) FROM changes WHERE notified_at IS NULL) AS unnotifiedChanges,
                    (SELECT COUNT(*) FROM deliveries WHERE status = 'sending') AS sendingDeliveries,
                    (SELECT COUNT(*) FROM deliveries WHERE status = 'failed') AS failedDeliveries,
                    (SELECT COUNT(*) FROM deliveries) AS deliveries,
                    (SELECT COUNT(*) FROM failures) AS failures,
                    (SELECT COUNT(*) FROM changes) AS changes`,
          )
          .first(),
      );
    case "/__soak/failures": {
      const { results } = await db
        .prepare("SELECT queue, error, COUNT(*) AS n FROM failures GROUP BY queue, error ORDER BY n DESC LIMIT 5")
        .all();
      return Response.json(results);
    }
    default:
      return new Response("not found", { status: 404 });
  }
}

/** What the consumers did, per queue: invocations, messages and time spent, for the soak's report. */
const work: Record<string, { batches: number; messages: number; ms: number }> = {};
const cronErrors: Record<string, number> = {};

async function timed(queue: string, messages: number, run: () => Promise<void>): Promise<void> {
  const entry = (work[queue] ??= { batches: 0, messages: 0, ms: 0 });
  const started = Date.now();
  try {
    await run();
  } finally {
    entry.batches++;
    entry.messages += messages;
    entry.ms += Date.now() - started;
  }
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__soak/")) return inspect(url, env.DB);
    return worker.fetch(request, wrapEnv(env), ctx);
  },
  async queue(batch, env) {
    const wrapped = wrapEnv(env);
    const faults = getInjector(env.SOAK_FAULTS);
    const capped = capRetries(batch, faults.config.retryDelayCapSeconds);
    await timed(batch.queue, batch.messages.length, async () => {
      if (!faults.crashes()) return worker.queue(capped, wrapped);
      // A crash part-way: the first `handled` messages are processed (and acked or retried by the consumer),
      // then the invocation throws, so the platform redelivers the rest.
      const handled = Math.floor(faults.draw("crash:at") * capped.messages.length);
      await worker.queue({ ...capped, messages: capped.messages.slice(0, handled) }, wrapped);
      counts["consumer.crash"]++;
      throw new InjectedFault(`soak: injected consumer crash after ${handled} of ${capped.messages.length} messages`);
    });
  },
  async scheduled(controller, env) {
    try {
      await timed("cron", 0, () => worker.scheduled(controller, wrapEnv(env)));
    } catch (err) {
      // The platform only records that a cron failed; the soak wants to say why.
      console.error("soak: cron failed", err);
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\d+/g, "N").slice(0, 120);
      cronErrors[reason] = (cronErrors[reason] ?? 0) + 1;
      throw err;
    }
  },
} satisfies ExportedHandler<WorkerEnv, unknown>;
