// The Worker's entry points, wired and nothing else.
import { buildApp } from "./app.ts";
import { handleScheduled } from "./cron/index.ts";
import type { ChangesMessage, NotifyMessage } from "./queue/messages.ts";
import { handleQueue } from "./queue/index.ts";

const app = buildApp();
type WorkerEnv = Env & { CHANGES: Queue<ChangesMessage>; NOTIFY: Queue<NotifyMessage> };

export default {
  fetch: app.fetch,
  queue: (batch, env) => handleQueue(batch, env),
  scheduled: (controller, env) => handleScheduled(controller, env),
} satisfies ExportedHandler<WorkerEnv, unknown>;
