// The Hono environment every route shares: the Worker's bindings as declared in src/config.ts.
import type { Context } from "hono";
import type { Bindings } from "../config.ts";

export type AppEnv = { Bindings: Bindings };
// biome-ignore lint: any path and input
export type AppContext = Context<AppEnv, any, any>;
