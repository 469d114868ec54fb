// The test Worker's configuration, read the way the Worker reads it (src/config.ts), with overrides per test.
import { env } from "cloudflare:workers";
import { type Bindings, type Config, type ConfigEnv, readConfig } from "../../src/config.ts";

/** The bindings with some vars or secrets replaced; the queues, D1 and KV stay the test Worker's own. */
export function buildBindings(overrides: ConfigEnv = {}): Bindings {
  return { ...env, ...overrides };
}

export function buildConfig(overrides: ConfigEnv = {}): Config {
  return readConfig({ ...env, ...overrides });
}

/** Where the public site lives, for publishing from a test. */
export function buildSite(overrides: ConfigEnv = {}): Config["site"] {
  return buildConfig(overrides).site;
}
