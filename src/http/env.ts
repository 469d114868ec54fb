// The Hono environment every route shares: the Worker's bindings and configuration, as src/config.ts declares them.
import type { Context } from "hono";
import type { Bindings, Config } from "../config.ts";

/** `config`: the vars and secrets as src/config.ts reads them, set for every request by the app. */
export type AppEnv = { Bindings: Bindings; Variables: { config: Config } };
// biome-ignore lint: any path and input
export type AppContext = Context<AppEnv, any, any>;
