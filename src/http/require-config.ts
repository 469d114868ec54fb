// Middleware: every request gets the configuration as src/config.ts reads it (`c.var.config`); a route whose
// capability is not configured answers 503 `not_configured` (through the one onError), before authentication
// or parsing, so a missing secret never looks like a bad request or a success.
import { createMiddleware } from "hono/factory";
import { type Capability, listMissingConfig, readConfig } from "../config.ts";
import type { AppEnv } from "./env.ts";
import { AppError } from "../errors.ts";

export const provideConfig = createMiddleware<AppEnv>(async (c, next) => {
  c.set("config", readConfig(c.env));
  await next();
});

export const requireConfig = (capability: Capability) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const missing = listMissingConfig(c.var.config, capability);
    if (missing.length) {
      console.error(`${capability} are not configured: missing ${missing.join(", ")}`);
      throw new AppError(503, "not_configured", `Not configured on this server yet: ${capability}.`);
    }
    await next();
  });
