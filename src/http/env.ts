// The Hono environment every route shares: the generated bindings.
export type AppEnv = { Bindings: Env };
