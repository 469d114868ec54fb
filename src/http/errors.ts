// Renders an AppError in the shape its route family expects (STYLE principle 6): the envelope under /api and
// /webhooks, plain text for feeds and calendars (a reader or calendar app shows it as is), a readable page
// everywhere else.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { AppError, type ErrorCode } from "../errors.ts";
import { FEED_FORMATS } from "../feeds/model.ts";
import { renderErrorPage } from "./pages.tsx";

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

const isJsonPath = (path: string) =>
  path === "/api" || path.startsWith("/api/") || path.startsWith("/webhooks/") || path === "/healthz";
const FEED_PATH = new RegExp(`/(?:feed\\.(?:${FEED_FORMATS.join("|")})|calendar\\.ics)$`);
/** The subscription routes take forms and JSON alike, and answer in kind. */
const isJsonForm = (c: Context) =>
  c.req.path.startsWith("/subscriptions") && (c.req.header("content-type") ?? "").includes("json");

type Family = "json" | "feed" | "page";

function getFamily(c: Context): Family {
  if (FEED_PATH.test(c.req.path)) return "feed";
  return isJsonPath(c.req.path) || isJsonForm(c) ? "json" : "page";
}

export function renderError(c: Context, err: AppError) {
  switch (getFamily(c)) {
    case "json": {
      const { code, message, issues } = err;
      const body: ErrorEnvelope = { error: { code, message, ...(issues ? { issues } : {}) } };
      return c.json(body, err.status, err.headers);
    }
    case "feed":
      return c.text(`${err.message}\n`, err.status, err.headers);
    case "page":
      return renderErrorPage(c, err);
  }
}

/** The code of an error that did not name one (Hono's own exceptions): the status's usual meaning. */
const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "too_many_requests",
  500: "internal",
  503: "unavailable",
};

/**
 * Anything thrown that is not an AppError: Hono's own exceptions keep their status and message; anything
 * else is a bug, logged, and answered 500 without its details.
 */
export function toAppError(err: Error, c: Context): AppError {
  if (err instanceof AppError) return err;
  const status = err instanceof HTTPException ? err.status : 500;
  if (status >= 500) {
    console.error("unhandled", c.req.method, c.req.path, err);
    return new AppError(status, STATUS_CODES[status] ?? "error", "Something went wrong on our side.");
  }
  return new AppError(status, STATUS_CODES[status] ?? "error", err.message);
}
