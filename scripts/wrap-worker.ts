// For the bench's and the soak's Worker entries, which hand the real Worker its bindings wrapped (counted, or
// failing on purpose): the env wrapped once per env, and a queue batch whose retries pass through `onRetry` first
// (to count them, or to cap their delay), everything else handed to the real batch.

/**
 * `wrap`, once per env: the platform hands a Worker the same env every time, and the Worker keeps what it reads
 * from it per env (its configuration, read once). A new env per invocation would make every request pay for that.
 */
export function wrapOncePerEnv<E extends object>(wrap: (env: E) => E): (env: E) => E {
  const wrapped = new WeakMap<E, E>();
  return (env) => {
    let once = wrapped.get(env);
    if (!once) wrapped.set(env, (once = wrap(env)));
    return once;
  };
}

/** `count` is how many messages the retry covers: 1, or the batch's size for retryAll. */
export function mapRetries(
  batch: MessageBatch<unknown>,
  onRetry: (options: QueueRetryOptions | undefined, count: number) => QueueRetryOptions | undefined,
): MessageBatch<unknown> {
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages: batch.messages.map(
      (m) =>
        ({
          id: m.id,
          timestamp: m.timestamp,
          body: m.body,
          attempts: m.attempts,
          ack: () => m.ack(),
          retry: (options?: QueueRetryOptions) => m.retry(onRetry(options, 1)),
        }) as Message<unknown>,
    ),
    ackAll: () => batch.ackAll(),
    retryAll: (options?: QueueRetryOptions) => batch.retryAll(onRetry(options, batch.messages.length)),
  } as MessageBatch<unknown>;
}
