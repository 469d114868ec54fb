// The Hono environment every route shares: the generated bindings, with the queue's message type.
import type { Context } from "hono";
import type { ChangesMessage, NotifyMessage } from "../queue/messages.ts";

export type AppBindings = Env & { CHANGES: Queue<ChangesMessage>; NOTIFY: Queue<NotifyMessage> };
export type AppEnv = { Bindings: AppBindings };
// biome-ignore lint: any path and input
export type AppContext = Context<AppEnv, any, any>;
