// Builds the Hono app: shared middleware, the route modules, and the one error path.
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { AppError } from "./errors.ts";
import { allowPublicReads } from "./http/cors.ts";
import type { AppEnv } from "./http/env.ts";
import { renderError, toAppError } from "./http/errors.ts";
import { rejectOtherMethods } from "./http/methods.ts";
import { provideConfig, requireConfig } from "./http/require-config.ts";
import { feedPaths } from "./paths.ts";
import { apiRoutes } from "./routes/api.ts";
import { calendarRoutes } from "./routes/calendars.ts";
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
        // Browsers load a feed's XSLT stylesheet under script-src (CSP 3: destination "xslt"), and the page it
        // makes runs under the feed's policy: this allows that one file, at this origin, and no script.
        scriptSrc: [(c) => `${new URL(c.req.url).origin}${feedPaths.stylesheet()}`],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    }),
  );
  app.use(provideConfig);
  // Before the 405 check: a preflight (OPTIONS) of a public read is answered here.
  app.use(allowPublicReads);
  app.use(rejectOtherMethods(app));
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.use("/webhooks/notes", requireConfig("notes webhooks"));
  app.use("/webhooks/github", requireConfig("GitHub webhooks"));
  app.use("/webhooks/etherpad", requireConfig("Etherpad webhooks"));
  app.use("/api/admin/*", requireConfig("admin API"));
  app.use("/api/admin/webhooks/*", requireConfig("outbound webhooks"));
  app.use("/subscriptions", requireConfig("mail"));
  app.use("/subscriptions/*", requireConfig("mail"));
  app.route("/", apiRoutes);
  app.route("/", webhookRoutes);
  app.route("/", feedRoutes);
  app.route("/", calendarRoutes);
  app.route("/", subscriptionRoutes);
  app.route("/", pageRoutes);

  app.notFound((c) => renderError(c, new AppError(404, "not_found", "Nothing is at this address.")));
  app.onError((err, c) => renderError(c, toAppError(err, c)));
  return app;
}
