// The one validation hook: zod failures become the 400 envelope, never zod's default body.
import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "./env.ts";
import { buildIssues, jsonError } from "./errors.ts";

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) return jsonError(c, 400, "The request is not valid.", buildIssues(result.error));
};
