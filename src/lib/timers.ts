// A promise for a timer: the ingest line's looks and the poller's spacing between requests to one host.

/** Resolves after `ms` (workerd: a timer of the request that awaits it). */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
