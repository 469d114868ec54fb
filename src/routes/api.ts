// The JSON API, served from the KV read model; its OpenAPI document is generated from the same zod schemas.
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { z } from "zod";
import { Change } from "../domain/changes.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { serveOnce } from "../http/render-once.ts";
import { AppError } from "../errors.ts";
import { ErrorEnvelope } from "../http/errors.ts";
import { validationHook } from "../http/validation.ts";
import { apiPaths } from "../paths.ts";
import { buildOpenApiConfig, registerPlainRoutes } from "./openapi.ts";
import { adminRoutes } from "./admin.ts";
import { hookRoutes } from "./hooks.ts";
import {
  CHANGES_PAGE_SIZE,
  EventList,
  EventPage,
  SessionPage,
  getChanges,
  getEventList,
  getEventPage,
  getSessionPage,
} from "../store/site.ts";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const notFound = json(ErrorEnvelope, "No such event or session");
const EventParams = z.object({ event: z.string().meta({ description: "Event id, e.g. xen-design-sessions-2019" }) });
const SessionParams = EventParams.extend({
  session: z.string().meta({ description: "Session id, the slug of its title" }),
});

export const apiRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const NO_EVENTS: EventList = { events: [] };

/** A published value as JSON, serialised once per value an isolate holds (http/render-once.ts). */
async function serveJsonOnce<T extends object>(c: AppContext, value: T) {
  const res = await serveOnce(c, value, "application/json", () => JSON.stringify(value));
  // What c.json(value, 200) would answer, typed as such for the OpenAPI route.
  return res as Response & TypedResponse<T, 200, "json">;
}

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events",
    operationId: "listEvents",
    tags: ["events"],
    summary: "List events",
    responses: { 200: json(EventList, "Every event with its session counts") },
  }),
  async (c) => serveJsonOnce(c, (await getEventList(c.env.SITE)) ?? NO_EVENTS),
);

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events/{event}",
    operationId: "getEvent",
    tags: ["events"],
    summary: "One event with its sessions, in page order",
    request: { params: EventParams },
    responses: { 200: json(EventPage, "The event"), 404: notFound },
  }),
  async (c) => {
    const event = await getEventPage(c.env.SITE, c.req.valid("param").event);
    if (!event) throw new AppError(404, "not_found", "There is no such event.");
    return serveJsonOnce(c, event);
  },
);

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events/{event}/sessions/{session}",
    operationId: "getSession",
    tags: ["events"],
    summary: "One session with its notes links",
    request: { params: SessionParams },
    responses: { 200: json(SessionPage, "The session and its event"), 404: notFound },
  }),
  async (c) => {
    const { event, session } = c.req.valid("param");
    const page = await getSessionPage(c.env.SITE, event, session);
    if (!page) throw new AppError(404, "not_found", "There is no such session in this event.");
    return serveJsonOnce(c, page);
  },
);

const ChangesList = z
  .object({
    changes: z.array(Change),
    nextCursor: z.string().nullable().meta({ description: "Pass as ?cursor= for older changes; null at the end" }),
  })
  .meta({ id: "ChangeList" });

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events/{event}/changes",
    operationId: "listChanges",
    tags: ["events"],
    summary: "The event's change log, newest first",
    request: {
      params: EventParams,
      query: z.object({
        cursor: z
          .string()
          .regex(/^[1-9][0-9]{0,9}$/, "must be a cursor from nextCursor")
          .optional(),
        limit: z.coerce.number().int().min(1).max(CHANGES_PAGE_SIZE).default(20),
      }),
    },
    responses: {
      200: json(ChangesList, "A page of changes"),
      400: json(ErrorEnvelope, "Bad cursor or limit"),
      404: notFound,
    },
  }),
  async (c) => {
    const event = await getEventPage(c.env.SITE, c.req.valid("param").event);
    if (!event) throw new AppError(404, "not_found", "There is no such event.");
    const { cursor, limit } = c.req.valid("query");
    const found = await getChanges(c.env.SITE, event, { ...(cursor ? { before: Number(cursor) } : {}), limit });
    const last = found.changes.at(-1);
    const body = { changes: found.changes, nextCursor: last && last.seq > 1 ? String(last.seq) : null };
    if (!found.page) return c.json(body, 200);
    // Kept beside the stored page its newest change comes from: a new change there is a new page object.
    const res = await serveOnce(c, found.page, "application/json", () => JSON.stringify(body), found.window);
    return res as Response & TypedResponse<typeof body, 200, "json">;
  },
);

// Mounted here so that the admin routes are in the same OpenAPI document.
apiRoutes.route("/", adminRoutes);
// After adminRoutes: its bearer check (on /api/admin/*) runs before these.
apiRoutes.route("/", hookRoutes);

// The routes that are not OpenAPI routes are described in routes/openapi.ts, from their schemas, so that the one
// document names every public route.
registerPlainRoutes(apiRoutes.openAPIRegistry);
apiRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: apiPaths.openApi(),
  operationId: "getOpenApiDocument",
  tags: ["events"],
  summary: "This document",
  responses: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1") },
});

// Generating the document costs several milliseconds of CPU, and it only changes with the server it names: built
// once per server an isolate serves it for, then served like the other JSON (serialised and gzipped once).
const documents = new Map<string, object>();
apiRoutes.get(apiPaths.openApi(), (c) => {
  const config = buildOpenApiConfig(c);
  const server = config.servers[0]!.url;
  const document = documents.get(server) ?? apiRoutes.getOpenAPI31Document(config);
  documents.set(server, document);
  return serveJsonOnce(c, document);
});
