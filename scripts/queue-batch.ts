// For the bench's and the soak's Worker entries: a queue batch whose retries pass through `onRetry` first (to
// count them, or to cap their delay), everything else handed to the real batch.

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
