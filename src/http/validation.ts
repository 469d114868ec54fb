// The one validation hook: zod failures are thrown as the 400 AppError with issues, never zod's default body.
import type { Hook } from "@hono/zod-openapi";
import { buildInvalidRequestError } from "../errors.ts";
import type { AppEnv } from "./env.ts";

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw buildInvalidRequestError(result.error);
};
