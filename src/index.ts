// The Worker's entry points, wired and nothing else.
import { buildApp } from "./app.ts";
import type { Bindings } from "./config.ts";
import { handleScheduled } from "./cron/index.ts";
import { handleQueue } from "./queue/index.ts";

const app = buildApp();

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleQueue(batch, env),
  scheduled: (controller, env) => handleScheduled(controller, env),
} satisfies ExportedHandler<Bindings, unknown>;
