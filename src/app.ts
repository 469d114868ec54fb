// Builds the Hono app: shared middleware, the route modules, and the one error path.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./http/env.ts";
import { AppError, jsonError, wantsJson, wantsJsonAnswer } from "./http/errors.ts";
import { rejectOtherMethods } from "./http/methods.ts";
import { renderErrorPage } from "./http/pages.tsx";
import { requireConfig } from "./http/require-config.ts";
import { apiRoutes } from "./routes/api.ts";
import { feedRoutes } from "./routes/feeds.ts";
import { pageRoutes } from "./routes/pages.tsx";
import { subscriptionRoutes } from "./routes/subscriptions.tsx";
import { webhookRoutes } from "./routes/webhooks.ts";

export function buildApp() {
  const app = new Hono<AppEnv>();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  rejectOtherMethods(app, ["/healthz"]);
  app.use("/webhooks/notes", requireConfig("notes webhooks"));
  app.use("/webhooks/github", requireConfig("GitHub webhooks"));
  app.use("/webhooks/etherpad", requireConfig("Etherpad webhooks"));
  app.use("/api/admin/*", requireConfig("admin API"));
  app.use("/subscriptions", requireConfig("mail"));
  app.use("/subscriptions/*", requireConfig("mail"));
  app.route("/", apiRoutes);
  app.route("/", webhookRoutes);
  app.route("/", feedRoutes);
  app.route("/", subscriptionRoutes);
  app.route("/", pageRoutes);

  app.notFound((c) =>
    wantsJson(c.req.path)
      ? jsonError(c, 404, "Nothing is at this address.")
      : renderErrorPage(c, 404, "Nothing is at this address."),
  );
  app.onError((err, c) => {
    if (err instanceof AppError) {
      return wantsJsonAnswer(c)
        ? jsonError(c, err.status, err.message, undefined, err.code)
        : renderErrorPage(c, err.status, err.message);
    }
    // Middleware that built its own answer (bearer auth: the envelope plus WWW-Authenticate) keeps it.
    if (err instanceof HTTPException && err.res) return err.getResponse();
    const status = err instanceof HTTPException ? err.status : 500;
    if (status >= 500) console.error("unhandled", c.req.method, c.req.path, err);
    const message = status >= 500 ? "Something went wrong on our side." : err.message;
    return wantsJson(c.req.path) ? jsonError(c, status as 500, message) : renderErrorPage(c, status as 500, message);
  });
  return app;
}
