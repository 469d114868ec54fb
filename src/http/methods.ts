// Paths that exist answer other methods with 405 and an Allow header, not a misleading 404.
import type { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { jsonError, wantsJson } from "./errors.ts";
import { renderErrorPage } from "./pages.tsx";

export function rejectOtherMethods(app: Hono<AppEnv>, paths: string[], allow = "GET, HEAD") {
  for (const path of paths) {
    app.all(path, (c) => {
      c.header("Allow", allow);
      const message = `${c.req.method} is not allowed here; use ${allow}.`;
      return wantsJson(c.req.path) ? jsonError(c, 405, message) : renderErrorPage(c, 405, message);
    });
  }
}
