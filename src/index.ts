// The Worker's entry points, wired and nothing else.
import { buildApp } from "./app.ts";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
