// Paths that exist answer other methods with 405 and an Allow header, not a misleading 404.
import type { Hono } from "hono";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./env.ts";

export function rejectOtherMethods(app: Hono<AppEnv>, paths: string[], allow = "GET, HEAD") {
  for (const path of paths) {
    app.all(path, (c) => {
      throw new AppError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allow}.`, {
        headers: { Allow: allow },
      });
    });
  }
}
