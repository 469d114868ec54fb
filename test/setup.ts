import { applyD1Migrations, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach } from "vitest";
import { forgetSessions } from "../src/http/require-session.ts";
import { forgetAll } from "../src/store/read-cache.ts";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}

// Tests never reach the network. The Worker under test shares this isolate, including its queue consumers
// that run in the background (a pad fetch, a WebSub ping), so any real request leaving the machine fails here,
// loudly; tests that need an answer mock fetch themselves (vi.spyOn(globalThis, "fetch") wraps this guard).
const realFetch = globalThis.fetch;
globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : input.toString());
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw new Error(`test tried to reach the network: ${url.href}`);
  }
  return realFetch(input, init);
};

// Every test starts from empty storage with the schema applied, so no test depends on another.
beforeEach(async () => {
  await reset();
  forgetAll();
  forgetSessions();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
