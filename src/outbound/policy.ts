// The written retry policy of outbound webhooks, as Svix, Stripe and GitHub run theirs: a 2xx is delivered; 410
// Gone disables the endpoint at once; anything else (another status, a redirect, a time-out, a refused
// destination) is retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h, then given up; a 429 or 503 may ask for a
// longer wait with Retry-After (honoured up to the schedule's longest step). An endpoint whose every attempt has
// failed for 5 days is disabled. Pure: the attempt's result and `now` in, what to record out.

/** Seconds to wait after the 1st, 2nd, … failed attempt; after the last one the delivery is given up. */
export const RETRY_SCHEDULE_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;
const LONGEST_WAIT_SECONDS = RETRY_SCHEDULE_SECONDS.at(-1)!;

/** What one attempt came to: the endpoint's status code (null when it never answered) and its Retry-After. */
export type AttemptResult = { status: number | null; retryAfterSeconds: number | null };

export type AttemptDecision = {
  delivery: { status: "delivered" } | { status: "failed" } | { status: "pending"; nextAttemptAt: Date };
  /** The endpoint's new run of failures (null after a success) and, when it must be disabled, why. */
  endpoint: { failingSince: string | null; disable: string | null };
};

export const isSuccess = (status: number | null) => status !== null && status >= 200 && status < 300;

/**
 * What to record after attempt number `attempts` (1 for the first): the delivery's status or next attempt, and
 * the endpoint's failing streak (`failingSince` as stored before this attempt).
 */
export function decideAttempt(
  result: AttemptResult,
  attempts: number,
  failingSince: string | null,
  now: Date,
): AttemptDecision {
  if (isSuccess(result.status)) {
    return { delivery: { status: "delivered" }, endpoint: { failingSince: null, disable: null } };
  }
  const since = failingSince ?? now.toISOString();
  if (result.status === 410) {
    return {
      delivery: { status: "failed" },
      endpoint: { failingSince: since, disable: `the endpoint answered 410 Gone at ${now.toISOString()}` },
    };
  }
  const failingFor = now.getTime() - Date.parse(since);
  const disable =
    failingFor >= DISABLE_AFTER_FAILING_MS ? `every delivery attempt since ${since} failed (5 days or more)` : null;
  if (attempts >= MAX_ATTEMPTS) return { delivery: { status: "failed" }, endpoint: { failingSince: since, disable } };
  const scheduled = RETRY_SCHEDULE_SECONDS[Math.max(0, attempts - 1)]!;
  const asked = result.status === 429 || result.status === 503 ? (result.retryAfterSeconds ?? 0) : 0;
  const wait = Math.max(scheduled, Math.min(asked, LONGEST_WAIT_SECONDS));
  return {
    delivery: { status: "pending", nextAttemptAt: new Date(now.getTime() + wait * 1000) },
    endpoint: { failingSince: since, disable },
  };
}

/** Retry-After as seconds from `now` (delta-seconds or an HTTP date, RFC 9110 §10.2.3); null when absent or bad. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
