// One error envelope for every API route, one readable page for every HTML route (STYLE principle 6).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export type Issue = { path: (string | number)[]; message: string };

export const STATUS_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  500: "internal",
  503: "unavailable",
};

/** JSON for API and webhook paths, and for a JSON body sent to a route that also takes forms. */
export function wantsJsonAnswer(c: Context): boolean {
  return wantsJson(c.req.path) || (c.req.header("content-type") ?? "").includes("json");
}

/** An answer thrown from anywhere and rendered by the one onError: the envelope, or a page on HTML routes. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Is this request answered with JSON (API, webhooks) rather than a page? */
export function wantsJson(path: string): boolean {
  return path === "/api" || path.startsWith("/api/") || path.startsWith("/webhooks/") || path === "/healthz";
}

export function jsonError<S extends ContentfulStatusCode>(
  c: Context,
  status: S,
  message: string,
  issues?: Issue[],
  code = STATUS_CODES[status] ?? "error",
) {
  const body: ErrorEnvelope = { error: { code, message, ...(issues ? { issues } : {}) } };
  return c.json(body, status);
}

/** zod issues without zod's internals: a path and a message each. */
export function buildIssues(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
  }));
}
