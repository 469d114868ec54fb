// The admin API of outbound webhooks (/api/admin/webhooks/endpoints): register an endpoint (its secret is shown
// once), list, show, update, rotate the secret, pause, resume and delete it; its delivery log, and replays. Behind
// the admin bearer check (routes/admin.ts, mounted before this) and refused while OUTBOUND_ALLOW_LOOPBACK is set
// outside development (src/config.ts).
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { Slug, lineText } from "../domain/event.ts";
import { MAX_ADMIN_EDIT_BODY_BYTES } from "../domain/limits.ts";
import { AppError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { requireSession } from "../http/require-session.ts";
import { validationHook } from "../http/validation.ts";
import { encodeHex } from "../lib/crypto.ts";
import { MAX_ENDPOINT_URL_CHARS, checkEndpointUrl } from "../outbound/destination.ts";
import { HOOK_FORMATS, createSecret } from "../outbound/message.ts";
import { queueHookDeliveries } from "../pipeline/hooks.ts";
import {
  type Endpoint,
  type EndpointFields,
  type HookDelivery,
  MAX_ENDPOINTS,
  SECRET_OVERLAP_MS,
  countEndpoints,
  deleteEndpoint,
  getEndpoint,
  getHookDelivery,
  listEndpoints,
  listHookDeliveries,
  putEndpoint,
  putReplayDeliveries,
  replayHookDeliveries,
  rotateSecret,
  setEndpointStatus,
  updateEndpoint,
} from "../store/hooks.ts";
import { errors, limitBody, refused, security } from "./admin.ts";

export const hookRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const BASE = "/api/admin/webhooks/endpoints";
const MAX_DESCRIPTION_CHARS = 200;
const LOG_PAGE_SIZE = 50;
/** The most changes one replay since a time covers; the answer says where to continue. */
export const MAX_REPLAY = 500;
/** How far back a replay since a time may reach (the change log is kept, but endpoints are not a backfill). */
const MAX_REPLAY_AGE_MS = 30 * 86_400_000;

const EndpointInput = z
  .object({
    url: z.string().min(1).max(MAX_ENDPOINT_URL_CHARS).meta({
      description: "https; never loopback, private, link-local or metadata addresses, nor credentials",
    }),
    event: Slug.optional().meta({ description: "Only this event's changes (all events when omitted)" }),
    session: Slug.optional().meta({ description: "Only this session's changes (requires event)" }),
    format: z.enum(HOOK_FORMATS).default("standard"),
    description: lineText(MAX_DESCRIPTION_CHARS).default(""),
  })
  .meta({ id: "WebhookEndpointInput" });

const EndpointAnswer = z
  .object({
    id: z.string(),
    url: z.string(),
    event: z.string().nullable(),
    session: z.string().nullable(),
    format: z.enum(HOOK_FORMATS),
    description: z.string(),
    state: z.object({
      status: z.enum(["active", "paused", "disabled"]),
      reason: z.string().nullable().meta({ description: "Why the sender disabled it (410 Gone, days of failures)" }),
      since: z.string(),
    }),
    failingSince: z.string().nullable().meta({ description: "When its current run of failed attempts began" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "WebhookEndpoint" });

const SecretAnswer = z
  .object({
    id: z.string(),
    secret: z.string().meta({ description: "whsec_…: shown only in this answer" }),
  })
  .meta({ id: "WebhookSecret" });

const DeliveryAnswer = z
  .object({
    id: z.string().meta({ description: "The webhook-id of every attempt and replay" }),
    changeId: z.string(),
    status: z.enum(["pending", "sending", "delivered", "failed"]),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable().meta({ description: "The endpoint's last HTTP status" }),
    lastAnswer: z.string().nullable().meta({ description: "The first KiB of its last answer, or why it failed" }),
    latencyMs: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: "WebhookDelivery" });

const IdParam = z.object({ id: z.string().min(1).max(100) });
const DeliveryParams = IdParam.extend({ deliveryId: z.string().min(1).max(100) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
const notFound = errors("No such endpoint (or delivery)");
const invalid = errors("The URL or the scope is refused (invalid_endpoint), or the event or session does not exist");

const toAnswer = (e: Endpoint): z.infer<typeof EndpointAnswer> => ({
  id: e.id,
  url: e.url,
  event: e.event,
  session: e.session,
  format: e.format,
  description: e.description,
  state: { status: e.status, reason: e.disabledReason, since: e.statusChangedAt },
  failingSince: e.failingSince,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

const toDeliveryAnswer = (d: HookDelivery): z.infer<typeof DeliveryAnswer> => ({
  id: d.id,
  changeId: d.changeId,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  lastStatus: d.lastStatus,
  lastAnswer: d.lastAnswer,
  latencyMs: d.latencyMs,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
  deliveredAt: d.deliveredAt,
});

/** The endpoint, or the 404. */
async function requireEndpoint(db: D1Database, id: string): Promise<Endpoint> {
  const endpoint = await getEndpoint(db, id);
  if (!endpoint) throw new AppError(404, "not_found", "There is no such webhook endpoint.");
  return endpoint;
}

/** The input as stored fields: the URL passes the destination rules, and the scope names what exists. */
async function checkInput(c: AppContext, input: z.infer<typeof EndpointInput>): Promise<EndpointFields> {
  const refusal = checkEndpointUrl(input.url, c.var.config.outbound);
  if (refusal) {
    throw new AppError(422, "invalid_endpoint", `The URL is refused: ${refusal}.`, {
      issues: [{ path: ["url"], message: refusal }],
    });
  }
  if (input.session && !input.event) {
    throw new AppError(422, "invalid_endpoint", "A session scope needs its event.", {
      issues: [{ path: ["session"], message: "requires event" }],
    });
  }
  if (input.event) await requireSession(c.env.DB, input.event, input.session);
  return {
    url: input.url,
    event: input.event ?? null,
    session: input.session ?? null,
    format: input.format,
    description: input.description,
  };
}

const body = { content: { "application/json": { schema: EndpointInput } }, required: true };

hookRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "createWebhookEndpoint",
    tags: ["outbound"],
    path: BASE,
    summary: "Register an endpoint for signed change.published deliveries; the answer shows its secret, once",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: { body },
    responses: {
      ...refused,
      201: json(EndpointAnswer.extend(SecretAnswer.shape), "Registered; keep the secret, it is not shown again"),
      404: errors("No such event or session"),
      409: errors(`There are ${MAX_ENDPOINTS} endpoints already`),
      413: errors("The body is larger than the route allows"),
      422: invalid,
    },
  }),
  async (c) => {
    const fields = await checkInput(c, c.req.valid("json"));
    if ((await countEndpoints(c.env.DB)) >= MAX_ENDPOINTS) {
      throw new AppError(409, "conflict", `At most ${MAX_ENDPOINTS} webhook endpoints; delete one first.`);
    }
    const id = `ep_${encodeHex(crypto.getRandomValues(new Uint8Array(12)))}`;
    const secret = createSecret();
    const endpoint = await putEndpoint(c.env.DB, id, fields, secret, new Date());
    return c.json({ ...toAnswer(endpoint), secret }, 201);
  },
);

hookRoutes.openapi(
  createRoute({
    method: "get",
    operationId: "listWebhookEndpoints",
    tags: ["outbound"],
    path: BASE,
    summary: "Every endpoint with its scope and state (never a secret)",
    security,
    responses: {
      ...refused,
      200: json(z.object({ endpoints: z.array(EndpointAnswer) }), "Endpoints, oldest first"),
    },
  }),
  async (c) => c.json({ endpoints: (await listEndpoints(c.env.DB)).map(toAnswer) }, 200),
);

hookRoutes.openapi(
  createRoute({
    method: "get",
    operationId: "getWebhookEndpoint",
    tags: ["outbound"],
    path: `${BASE}/{id}`,
    summary: "An endpoint: its scope, format and state (active, paused, or disabled with why and when)",
    security,
    request: { params: IdParam },
    responses: { ...refused, 200: json(EndpointAnswer, "The endpoint"), 404: notFound },
  }),
  async (c) => c.json(toAnswer(await requireEndpoint(c.env.DB, c.req.valid("param").id)), 200),
);

hookRoutes.openapi(
  createRoute({
    method: "put",
    operationId: "updateWebhookEndpoint",
    tags: ["outbound"],
    path: `${BASE}/{id}`,
    summary: "Replace an endpoint's URL, scope, format and description (omitted: all events, standard, none)",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: { params: IdParam, body },
    responses: {
      ...refused,
      200: json(EndpointAnswer, "The endpoint as updated"),
      404: notFound,
      413: errors("The body is larger than the route allows"),
      422: invalid,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await requireEndpoint(c.env.DB, id);
    const fields = await checkInput(c, c.req.valid("json"));
    const endpoint = await updateEndpoint(c.env.DB, id, fields, new Date());
    if (!endpoint) throw new AppError(404, "not_found", "There is no such webhook endpoint.");
    return c.json(toAnswer(endpoint), 200);
  },
);

hookRoutes.openapi(
  createRoute({
    method: "delete",
    operationId: "deleteWebhookEndpoint",
    tags: ["outbound"],
    path: `${BASE}/{id}`,
    summary: "Delete an endpoint, its secrets and its delivery log",
    security,
    request: { params: IdParam },
    responses: { ...refused, 204: { description: "Deleted" }, 404: notFound },
  }),
  async (c) => {
    if (!(await deleteEndpoint(c.env.DB, c.req.valid("param").id))) {
      throw new AppError(404, "not_found", "There is no such webhook endpoint.");
    }
    return c.body(null, 204);
  },
);

hookRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "rotateWebhookSecret",
    tags: ["outbound"],
    path: `${BASE}/{id}/rotate`,
    summary:
      "A new secret, shown once. The previous one keeps signing beside it for 24 hours (webhook-signature then " +
      "carries two v1 signatures), so receivers can switch without losing a delivery",
    security,
    request: { params: IdParam },
    responses: {
      ...refused,
      200: json(
        SecretAnswer.extend({ previousExpiresAt: z.string().meta({ description: "When the old secret stops" }) }),
        "The new secret",
      ),
      404: notFound,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const secret = createSecret();
    const now = new Date();
    if (!(await rotateSecret(c.env.DB, id, secret, now))) {
      throw new AppError(404, "not_found", "There is no such webhook endpoint.");
    }
    return c.json({ id, secret, previousExpiresAt: new Date(now.getTime() + SECRET_OVERLAP_MS).toISOString() }, 200);
  },
);

for (const [action, status] of [
  ["pause", "paused"],
  ["resume", "active"],
] as const) {
  hookRoutes.openapi(
    createRoute({
      method: "post",
      operationId: `${action}WebhookEndpoint`,
      tags: ["outbound"],
      path: `${BASE}/{id}/${action}`,
      summary:
        action === "pause"
          ? "Stop deliveries to an endpoint (changes published meanwhile are not queued for it; replay them)"
          : "Deliver to an endpoint again (also after it was disabled), starting with what was pending",
      security,
      request: { params: IdParam },
      responses: { ...refused, 200: json(EndpointAnswer, "The endpoint"), 404: notFound },
    }),
    async (c) => {
      const now = new Date();
      const endpoint = await setEndpointStatus(c.env.DB, c.req.valid("param").id, status, now);
      if (!endpoint) throw new AppError(404, "not_found", "There is no such webhook endpoint.");
      if (status === "active") await queuePending(c, endpoint.id);
      return c.json(toAnswer(endpoint), 200);
    },
  );
}

/** After a resume: the endpoint's pending deliveries are queued now (the sweep would, within 10 minutes). */
async function queuePending(c: AppContext, endpointId: string) {
  const pending: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const rows = await listHookDeliveries(c.env.DB, endpointId, after, 100);
    pending.push(...rows.filter((d) => d.status === "pending").map((d) => d.id));
    if (rows.length < 100) break;
    after = rows.at(-1)!.id;
  }
  await queueHookDeliveries(c.env, pending);
}

hookRoutes.openapi(
  createRoute({
    method: "get",
    operationId: "listWebhookDeliveries",
    tags: ["outbound"],
    path: `${BASE}/{id}/deliveries`,
    summary: "The endpoint's delivery log, newest first: status, attempts, last answer, latency",
    security,
    request: {
      params: IdParam,
      query: z.object({
        cursor: z.string().min(1).max(100).optional().meta({ description: "nextCursor of the previous page" }),
        limit: z.coerce.number().int().min(1).max(LOG_PAGE_SIZE).default(20),
      }),
    },
    responses: {
      ...refused,
      200: json(
        z.object({ deliveries: z.array(DeliveryAnswer), nextCursor: z.string().nullable() }),
        "A page of deliveries",
      ),
      404: notFound,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await requireEndpoint(c.env.DB, id);
    const rows = await listHookDeliveries(c.env.DB, id, cursor ?? null, limit + 1);
    const page = rows.slice(0, limit);
    return c.json(
      { deliveries: page.map(toDeliveryAnswer), nextCursor: rows.length > limit ? page.at(-1)!.id : null },
      200,
    );
  },
);

const Replayed = z
  .object({
    replayed: z.array(z.string()).meta({ description: "The deliveries queued again (their ids, the webhook-ids)" }),
  })
  .meta({ id: "WebhookReplay" });

hookRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "replayWebhookDelivery",
    tags: ["outbound"],
    path: `${BASE}/{id}/deliveries/{deliveryId}/replay`,
    summary: "Send one delivery again, with the same webhook-id and a fresh retry schedule",
    security,
    request: { params: DeliveryParams },
    responses: {
      ...refused,
      202: json(Replayed, "Queued"),
      404: notFound,
      409: errors("The delivery is being sent right now"),
    },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    await requireEndpoint(c.env.DB, id);
    const delivery = await getHookDelivery(c.env.DB, deliveryId);
    if (!delivery || delivery.endpointId !== id) throw new AppError(404, "not_found", "There is no such delivery.");
    const replayed = await replayHookDeliveries(c.env.DB, id, [deliveryId], new Date());
    if (replayed.length === 0) throw new AppError(409, "conflict", "The delivery is being sent right now.");
    await queueHookDeliveries(c.env, replayed);
    return c.json({ replayed }, 202);
  },
);

hookRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "replayWebhookDeliveriesSince",
    tags: ["outbound"],
    path: `${BASE}/{id}/replay`,
    summary:
      `Send again every change in the endpoint's scope since a time (at most ${MAX_REPLAY}, at most 30 days back), ` +
      "including those it missed while paused or disabled; each keeps its webhook-id",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: {
      params: IdParam,
      body: { content: { "application/json": { schema: z.object({ since: z.iso.datetime() }) } }, required: true },
    },
    responses: {
      ...refused,
      202: json(
        Replayed.extend({
          next: z
            .string()
            .nullable()
            .meta({ description: `Call again with this since for the rest (over ${MAX_REPLAY})` }),
        }),
        "Queued",
      ),
      404: notFound,
      413: errors("The body is larger than the route allows"),
      422: errors("since is in the future or more than 30 days ago"),
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const since = new Date(c.req.valid("json").since);
    const now = new Date();
    if (since > now || now.getTime() - since.getTime() > MAX_REPLAY_AGE_MS) {
      throw new AppError(422, "invalid_endpoint", "since must be in the last 30 days.", {
        issues: [{ path: ["since"], message: "out of range" }],
      });
    }
    await requireEndpoint(c.env.DB, id);
    const { ids, next } = await putReplayDeliveries(c.env.DB, id, since.toISOString(), MAX_REPLAY, now);
    const replayed = await replayHookDeliveries(c.env.DB, id, ids, now);
    await queueHookDeliveries(c.env, replayed);
    return c.json({ replayed, next }, 202);
  },
);
