// Paths that exist answer other methods with 405 and an Allow header, not a misleading 404. Hono's
// methodNotAllowed finds a path's methods in the app's routes; the answer goes through the one onError.
import type { Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import { AppError } from "../errors.ts";
import type { AppEnv } from "./env.ts";

/** RFC 9110's order, so Allow reads the same whatever order a path's routes and middleware were added in. */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
function rank(method: string): number {
  const i = METHOD_ORDER.indexOf(method);
  return i === -1 ? METHOD_ORDER.length : i;
}

export const rejectOtherMethods = (app: Hono<AppEnv>) =>
  methodNotAllowed<AppEnv>({
    app,
    onMethodNotAllowed: (c, methods) => {
      const allow = methods.sort((a, b) => rank(a) - rank(b)).join(", ");
      throw new AppError(405, "method_not_allowed", `${c.req.method} is not allowed here; use ${allow}.`, {
        headers: { Allow: allow },
      });
    },
  });
