// The JSON API, served from the KV read model; its OpenAPI document is generated from the same zod schemas.
import { OpenAPIHono, createRoute, type Hook } from "@hono/zod-openapi";
import { z } from "zod";
import { Event } from "../domain/event.ts";
import type { AppEnv } from "../http/env.ts";
import { ErrorEnvelope, buildIssues, jsonError } from "../http/errors.ts";
import { rejectOtherMethods } from "../http/methods.ts";
import { EventList, SessionPage, getEventList, getEventPage, getSessionPage } from "../store/site.ts";

/** The one validation hook: zod failures become the 400 envelope, never zod's default body. */
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (!result.success) return jsonError(c, 400, "The request is not valid.", buildIssues(result.error));
};

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

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events",
    summary: "List events",
    responses: { 200: json(EventList, "Every event with its session counts") },
  }),
  async (c) => c.json((await getEventList(c.env.SITE)) ?? { events: [] }, 200),
);

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events/{event}",
    summary: "One event with its sessions, in page order",
    request: { params: EventParams },
    responses: { 200: json(Event, "The event"), 404: notFound },
  }),
  async (c) => {
    const event = await getEventPage(c.env.SITE, c.req.valid("param").event);
    return event ? c.json(event, 200) : jsonError(c, 404, "There is no such event.");
  },
);

apiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/api/events/{event}/sessions/{session}",
    summary: "One session with its notes links",
    request: { params: SessionParams },
    responses: { 200: json(SessionPage, "The session and its event"), 404: notFound },
  }),
  async (c) => {
    const { event, session } = c.req.valid("param");
    const page = await getSessionPage(c.env.SITE, event, session);
    return page ? c.json(page, 200) : jsonError(c, 404, "There is no such session in this event.");
  },
);

apiRoutes.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "sessionwire",
    version: "1",
    description: "Conference design sessions, their notes, and when the notes change.",
  },
});

rejectOtherMethods(apiRoutes, [
  "/api/events",
  "/api/events/:event",
  "/api/events/:event/sessions/:session",
  "/api/openapi.json",
]);
