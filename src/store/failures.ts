// Failed queue work in D1: recorded with its body and reason, never dropped silently.

export async function recordFailure(
  db: D1Database,
  queue: string,
  msg: { id: string; attempts: number; body: unknown },
  error: string,
  now: Date,
): Promise<void> {
  await db
    .prepare("INSERT INTO failures (queue, message_id, attempts, body, error, recorded_at) VALUES (?, ?, ?, ?, ?, ?)")
    .bind(
      queue,
      msg.id,
      msg.attempts,
      JSON.stringify(msg.body ?? null).slice(0, 100_000),
      error.slice(0, 2000),
      now.toISOString(),
    )
    .run();
}

export async function listFailures(db: D1Database, limit = 100) {
  const { results } = await db
    .prepare("SELECT queue, message_id, attempts, body, error, recorded_at FROM failures ORDER BY id DESC LIMIT ?")
    .bind(limit)
    .all<{ queue: string; message_id: string; attempts: number; body: string; error: string; recorded_at: string }>();
  return results;
}
