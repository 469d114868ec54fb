// The application's one error: thrown from anywhere (routes, middleware, use cases) and rendered by the one
// onError in the shape its route family expects (src/http/errors.ts). It lives outside http/ so that views
// and lower layers can name it and its issues without depending on the HTTP layer.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** One field's problem: where (a path into the input) and what, without zod's internals. */
export type Issue = { path: (string | number)[]; message: string };

/** The envelope's `code`: what a client branches on, stable across rewordings of the message. */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "internal"
  | "unavailable"
  | "not_configured"
  | "invalid_schedule"
  | "invalid_endpoint"
  | "error";

export class AppError extends Error {
  readonly issues: Issue[] | undefined;
  /** Sent with the answer: Allow for a 405, WWW-Authenticate for a 401, Retry-After for a 429. */
  readonly headers: Record<string, string>;

  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    options: { issues?: Issue[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "AppError";
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}

/** zod issues without zod's internals: a path and a message each. */
export function buildIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
  }));
}

/** The 400 for input that fails its schema, with each field's issue. */
export const buildInvalidRequestError = (error: z.ZodError) =>
  new AppError(400, "bad_request", "The request is not valid.", { issues: buildIssues(error) });
