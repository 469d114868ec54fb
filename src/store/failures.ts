// Failed work in D1: recorded with its body and reason, never dropped silently, and one row per subject (a
// receipt, a change's fan-out, a digest, …), so a failure that recurs (the same receipt's message dying after
// each sweep) updates its row with the newest message, error and a count instead of adding rows.

/** The thing a failure is about: the key of its row. */
export const buildSubject = {
  receipt: (receiptId: string) => `receipt:${receiptId}`,
  fanout: (changeId: string) => `fanout:${changeId}`,
  pad: (key: { event: string; session: string; url: string }) => `pad:${key.event}:${key.session}:${key.url}`,
  websub: (feedUrl: string) => `websub:${feedUrl}`,
  /** A read-model key that could not be rendered, or a publish run of these events that never finished. */
  publish: (keyOrEvents: string) => `publish:${keyOrEvents}`,
  digest: (until: string) => `digest:${until}`,
  confirm: (subscriberId: string) => `confirm:${subscriberId}`,
  /** An event's followed schedule that could not be fetched. */
  source: (eventId: string) => `source:${eventId}`,
  /** An outbound webhook delivery (a change × an endpoint) whose message exhausted its retries. */
  hook: (deliveryId: string) => `hook:${deliveryId}`,
  /** A message that names nothing we know (it does not parse): its own subject. */
  message: (queue: string, messageId: string) => `message:${queue}:${messageId}`,
};

export type Failure = {
  subject: string;
  queue: string;
  messageId: string;
  attempts: number;
  body: unknown;
  error: string;
};

/** Upserts failures by subject in one statement (any number of them: they travel as one JSON parameter). */
export function buildFailureUpserts(db: D1Database, failures: Failure[], now: Date): D1PreparedStatement {
  const rows = failures.map((f) => ({
    subject: f.subject,
    queue: f.queue,
    messageId: f.messageId,
    attempts: f.attempts,
    body: JSON.stringify(f.body ?? null).slice(0, 100_000),
    error: f.error.slice(0, 2000),
  }));
  return db
    .prepare(
      `INSERT INTO failures (subject, queue, message_id, attempts, body, error, count, first_recorded_at, recorded_at)
       SELECT json_extract(value, '$.subject'), json_extract(value, '$.queue'), json_extract(value, '$.messageId'),
              json_extract(value, '$.attempts'), json_extract(value, '$.body'), json_extract(value, '$.error'),
              1, ?2, ?2
       FROM json_each(?1) WHERE true
       ON CONFLICT (subject) DO UPDATE SET queue = excluded.queue, message_id = excluded.message_id,
         attempts = excluded.attempts, body = excluded.body, error = excluded.error, count = count + 1,
         recorded_at = excluded.recorded_at`,
    )
    .bind(JSON.stringify(rows), now.toISOString());
}

export async function recordFailure(db: D1Database, failure: Failure, now: Date): Promise<void> {
  await buildFailureUpserts(db, [failure], now).run();
}

export type FailureRow = {
  subject: string;
  queue: string;
  message_id: string;
  attempts: number;
  body: string;
  error: string;
  count: number;
  first_recorded_at: string;
  recorded_at: string;
};

/** The most recently recorded failures first. */
export async function listFailures(db: D1Database, limit = 100): Promise<FailureRow[]> {
  const { results } = await db
    .prepare(
      `SELECT subject, queue, message_id, attempts, body, error, count, first_recorded_at, recorded_at FROM failures
       ORDER BY recorded_at DESC, id DESC LIMIT ?`,
    )
    .bind(limit)
    .all<FailureRow>();
  return results;
}
