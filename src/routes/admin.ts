// The admin API: edits to the catalogue, each stored as a receipt and applied by the CHANGES consumer, so an
// admin edit lands in the change log exactly like a notes webhook. Bearer tokens from ADMIN_TOKEN (several,
// comma-separated, during a rotation), compared in constant time.
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { AdminAction, ImportFormat, utf8Text } from "../domain/changes.ts";
import { EventSource, NotesUrl, Session, Slug, buildNoteLink, lineText } from "../domain/event.ts";
import {
  MAX_ADMIN_EDIT_BODY_BYTES,
  MAX_ADMIN_IMPORT_BODY_BYTES,
  MAX_EVENT_TITLE_CHARS,
  MAX_IMPORT_TEXT_BYTES,
  MAX_LABEL_CHARS,
  MAX_NOTE_LINKS,
} from "../domain/limits.ts";
import { AppError } from "../errors.ts";
import { ImportError } from "../import/errors.ts";
import { detectFormat, importSchedule } from "../import/index.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { ErrorEnvelope } from "../http/errors.ts";
import { requireSession } from "../http/require-session.ts";
import { PayloadTooLargeError, ingest } from "../pipeline/ingest.ts";
import { listAllMissingConfig } from "../config.ts";
import { listFailures } from "../store/failures.ts";
import { putEventSource } from "../store/sources.ts";
import { type PipelineHealth, getPipelineHealth } from "../store/health.ts";
import { verifyEqual } from "../lib/crypto.ts";
import { validationHook } from "../http/validation.ts";

export const adminRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

const checkBearer = bearerAuth({
  verifyToken: async (token, c: AppContext) => {
    let ok = false;
    for (const expected of c.var.config.secrets.admin) ok = (await verifyEqual(token, expected)) || ok;
    return ok;
  },
  noAuthenticationHeader: { message: "A bearer token is required." },
  invalidAuthenticationHeader: { message: "Malformed Authorization header." },
  invalidToken: { message: "The token is not valid." },
});

// Hono's bearerAuth decides and writes the WWW-Authenticate challenge; its refusal (an HTTPException holding a
// plain-text answer, 400 for a malformed header) is rethrown as an AppError so that onError renders the envelope.
adminRoutes.use("/api/admin/*", async (c, next) => {
  await checkBearer(c, async () => {}).catch(async (err: unknown) => {
    if (!(err instanceof HTTPException) || !err.res) throw err;
    throw new AppError(err.status, "unauthorized", await err.res.text(), {
      headers: { "WWW-Authenticate": err.res.headers.get("WWW-Authenticate") ?? "Bearer" },
    });
  });
  await next();
});

const Queued = z
  .object({ status: z.enum(["queued", "duplicate"]), receipt: z.string().optional() })
  .meta({ id: "Queued" });
export const errors = (description: string) => ({
  content: { "application/json": { schema: ErrorEnvelope } },
  description,
});
/** What any admin route may answer before its handler runs: the bearer check and the configuration check. */
export const refused = {
  400: errors("Malformed Authorization header, or invalid input"),
  401: errors("Missing or wrong bearer token"),
  503: errors("The admin API is not configured on this server (not_configured), or the work could not be queued"),
};
const accepted = {
  ...refused,
  202: { content: { "application/json": { schema: Queued } }, description: "Stored and queued; see /changes" },
  200: { content: { "application/json": { schema: Queued } }, description: "Already received (same Idempotency-Key)" },
  404: errors("No such event or session"),
  413: errors("The body is larger than the route allows, or the edit too large to store"),
};
/** A route's body cap (limits.ts); it runs after the bearer check. */
export const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError(413, "payload_too_large", `The body is larger than ${maxSize} bytes.`);
    },
  });
export const security = [{ bearer: [] }];
const EventParam = z.object({ event: Slug });
const SessionParams = EventParam.extend({ session: Slug });
const IdempotencyHeader = z.object({ "idempotency-key": z.string().min(1).max(200).optional() });
const LinkInput = z.object({ url: NotesUrl, label: lineText(MAX_LABEL_CHARS).optional() });

adminRoutes.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "One of the comma-separated tokens of the ADMIN_TOKEN secret",
});

/** Stores the edit and queues it; answers 202, 200 for a repeated Idempotency-Key, 503 when queuing fails. */
async function submit(c: AppContext, edit: AdminAction, key?: string) {
  const result = await ingest(
    c.env,
    { source: "admin", externalId: key ?? crypto.randomUUID(), payload: { kind: "admin", edit } },
    new Date(),
  ).catch((err: unknown) => {
    if (err instanceof PayloadTooLargeError) {
      throw new AppError(413, "payload_too_large", "The edit is too large to store.");
    }
    console.error("admin: could not queue", err);
    throw new AppError(503, "unavailable", "The edit could not be queued; try again.");
  });
  return result.status === "duplicate"
    ? c.json({ status: "duplicate" as const }, 200)
    : c.json({ status: "queued" as const, receipt: result.receiptId }, 202);
}

adminRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "addNotesLink",
    tags: ["admin"],
    path: "/api/admin/events/{event}/sessions/{session}/notes",
    summary: "Add a notes link to a session",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: {
      params: SessionParams,
      headers: IdempotencyHeader,
      body: {
        content: { "application/json": { schema: LinkInput } },
        required: true,
      },
    },
    responses: accepted,
  }),
  async (c) => {
    const { event, session } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSession(c.env.DB, event, session);
    return submit(
      c,
      { action: "link.add", event, session, url: body.url, ...(body.label ? { label: body.label } : {}) },
      c.req.valid("header")["idempotency-key"],
    );
  },
);

adminRoutes.openapi(
  createRoute({
    method: "delete",
    operationId: "removeNotesLink",
    tags: ["admin"],
    path: "/api/admin/events/{event}/sessions/{session}/notes",
    summary: "Remove a notes link from a session",
    security,
    request: {
      params: SessionParams,
      headers: IdempotencyHeader,
      query: z.object({ url: NotesUrl }),
    },
    responses: accepted,
  }),
  async (c) => {
    const { event, session } = c.req.valid("param");
    await requireSession(c.env.DB, event, session);
    return submit(
      c,
      { action: "link.remove", event, session, url: c.req.valid("query").url },
      c.req.valid("header")["idempotency-key"],
    );
  },
);

const SessionInput = Session.omit({ id: true, notes: true })
  .partial({ description: true, hosts: true, notesPublished: true })
  .extend({ notes: z.array(LinkInput).max(MAX_NOTE_LINKS).optional() });

adminRoutes.openapi(
  createRoute({
    method: "put",
    operationId: "putSession",
    tags: ["admin"],
    path: "/api/admin/events/{event}/sessions/{session}",
    summary: "Add or edit a session; omitted fields keep their current value",
    description:
      "The title is required. Omitted fields (description, hosts, notesPublished, notes) keep their current value, " +
      "read when the edit is applied, so an edit queued behind another does not undo it; a new session starts " +
      "with no description, hosts or notes. Given notes replace the session's links (each added or removed link " +
      "is a change); notesPublished, when omitted, also becomes true if the edit adds a link.",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: {
      params: SessionParams,
      headers: IdempotencyHeader,
      body: { content: { "application/json": { schema: SessionInput } }, required: true },
    },
    responses: accepted,
  }),
  async (c) => {
    const { event, session } = c.req.valid("param");
    const { notes, ...fields } = c.req.valid("json");
    // Only what the body gives: the consumer merges it with the session as it is then (domain/edits.ts).
    const put = {
      ...fields,
      id: session,
      ...(notes ? { notes: notes.map((n) => buildNoteLink(n.url, n.label)) } : {}),
    };
    await requireSession(c.env.DB, event);
    return submit(c, { action: "session.put", event, session: put }, c.req.valid("header")["idempotency-key"]);
  },
);

adminRoutes.openapi(
  createRoute({
    method: "post",
    operationId: "importSchedule",
    tags: ["admin"],
    path: "/api/admin/events/{event}/import",
    summary:
      "Import a schedule into an event: a design-sessions wiki page, frab/pretalx schedule.json or iCalendar " +
      "(detected from the text unless `format` is given). The first import is the event's baseline; later " +
      "ones publish what changed (sessions added, withdrawn, retitled, rescheduled; notes links added, removed)",
    security,
    middleware: limitBody(MAX_ADMIN_IMPORT_BODY_BYTES),
    request: {
      params: EventParam,
      headers: IdempotencyHeader,
      body: {
        content: {
          "application/json": {
            schema: z.object({
              title: lineText(MAX_EVENT_TITLE_CHARS).min(1),
              format: ImportFormat.optional(),
              text: utf8Text(MAX_IMPORT_TEXT_BYTES).min(1),
            }),
          },
        },
        required: true,
      },
    },
    responses: accepted,
  }),
  async (c) => {
    const { event } = c.req.valid("param");
    const body = c.req.valid("json");
    // Read now, so a document that cannot be read is refused here (400, naming where) and nothing is stored;
    // the consumer reads the same text again with the same reader (pure), with the format fixed.
    let format: ImportFormat;
    try {
      format = body.format ?? detectFormat(body.text);
      importSchedule(body.text, { eventId: event, title: body.title, format });
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      throw new AppError(400, "invalid_schedule", `The schedule cannot be read: ${err.message}`, {
        issues: [{ path: ["text", err.where], message: err.reason }],
      });
    }
    return submit(
      c,
      { action: "event.import", event, title: body.title, format, text: body.text },
      c.req.valid("header")["idempotency-key"],
    );
  },
);

/** A row of store/failures.ts as listFailures reads it. */
const Failure = z
  .object({
    subject: z.string().meta({ description: "What failed, e.g. receipt:<id>, fanout:<change id>, source:<event>" }),
    queue: z.string(),
    message_id: z.string(),
    attempts: z.number().int(),
    body: z.string().meta({ description: "The failed message's body, as JSON text" }),
    error: z.string(),
    count: z.number().int().meta({ description: "How many times this subject failed" }),
    first_recorded_at: z.string(),
    recorded_at: z.string(),
  })
  .meta({ id: "Failure" });

adminRoutes.openapi(
  createRoute({
    method: "get",
    operationId: "listFailures",
    tags: ["admin"],
    path: "/api/admin/failures",
    summary: "Queue work that failed permanently or exhausted its retries, newest first",
    security,
    responses: {
      ...refused,
      200: {
        content: { "application/json": { schema: z.object({ failures: z.array(Failure) }) } },
        description: "Failures",
      },
    },
  }),
  async (c) => c.json({ failures: await listFailures(c.env.DB) }, 200),
);

// A union with null, not EventSource.nullable(): see latestChange in store/site.ts.
const SourceAnswer = z.object({ event: Slug, source: z.union([EventSource, z.null()]) });

adminRoutes.openapi(
  createRoute({
    method: "put",
    operationId: "putEventSource",
    tags: ["admin"],
    path: "/api/admin/events/{event}/source",
    summary:
      "Follow a schedule: the cron fetches it (https, an allowed host) every 10 minutes and re-imports it when it " +
      "changed; `format` as for an import",
    security,
    middleware: limitBody(MAX_ADMIN_EDIT_BODY_BYTES),
    request: { params: EventParam, body: { content: { "application/json": { schema: EventSource } }, required: true } },
    responses: {
      ...refused,
      200: { content: { "application/json": { schema: SourceAnswer } }, description: "The source now followed" },
      404: errors("No such event"),
      413: errors("The body is larger than the route allows"),
    },
  }),
  async (c) => {
    const { event } = c.req.valid("param");
    const source = c.req.valid("json");
    const host = new URL(source.url).hostname;
    if (!source.url.startsWith("https://") || !c.var.config.watchHosts.includes(host)) {
      throw new AppError(400, "bad_request", `A source must be an https URL on a host in WATCH_HOSTS (not ${host}).`);
    }
    if (!(await putEventSource(c.env.DB, event, source))) throw new AppError(404, "not_found", `No event ${event}.`);
    return c.json({ event, source }, 200);
  },
);

adminRoutes.openapi(
  createRoute({
    method: "delete",
    operationId: "deleteEventSource",
    tags: ["admin"],
    path: "/api/admin/events/{event}/source",
    summary: "Stop following the event's schedule (the catalogue stays as it is)",
    security,
    request: { params: EventParam },
    responses: {
      ...refused,
      200: { content: { "application/json": { schema: SourceAnswer } }, description: "No source followed" },
      404: errors("No such event"),
    },
  }),
  async (c) => {
    const { event } = c.req.valid("param");
    if (!(await putEventSource(c.env.DB, event, null))) throw new AppError(404, "not_found", `No event ${event}.`);
    return c.json({ event, source: null }, 200);
  },
);

const PipelineHealthSchema = z.object({
  receipts: z.object({
    unprocessed: z.number().int(),
    oldestUnprocessedAt: z.string().nullable(),
    failed: z.number().int(),
  }),
  fanouts: z.object({
    incomplete: z.number().int(),
    oldestIncompleteAt: z.string().nullable(),
    givenUp: z.number().int(),
  }),
  failures: z.object({ subjects: z.number().int(), lastRecordedAt: z.string().nullable() }),
});
const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    problems: z.array(z.string()).meta({ description: "Why the status is degraded, in words" }),
    missingConfig: z.array(z.object({ capability: z.string(), missing: z.array(z.string()) })),
    pipeline: PipelineHealthSchema,
  })
  .meta({ id: "Health" });

adminRoutes.openapi(
  createRoute({
    method: "get",
    operationId: "getPipelineHealth",
    tags: ["admin"],
    path: "/api/admin/health",
    summary: "What is not configured, and the pipeline's backlog: unprocessed receipts, pending fan-outs, failures",
    security,
    responses: {
      ...refused,
      200: { content: { "application/json": { schema: Health } }, description: "Health" },
    },
  }),
  async (c) => {
    const now = new Date();
    const missingConfig = listAllMissingConfig(c.var.config);
    const pipeline = await getPipelineHealth(c.env.DB);
    const problems = [
      ...missingConfig.map((m) => `${m.capability}: missing ${m.missing.join(", ")}`),
      ...describeBacklog(pipeline, now),
    ];
    const status = problems.length ? ("degraded" as const) : ("ok" as const);
    return c.json({ status, problems, missingConfig, pipeline }, 200);
  },
);

/** Work older than this is not just in flight: the sweep should have re-driven it by then. */
const BACKLOG_ALARM_MS = 30 * 60_000;

function describeBacklog(p: PipelineHealth, now: Date): string[] {
  const stale = (at: string | null) => at !== null && now.getTime() - Date.parse(at) > BACKLOG_ALARM_MS;
  const problems: string[] = [];
  if (stale(p.receipts.oldestUnprocessedAt))
    problems.push(`receipts: the oldest unprocessed one arrived at ${p.receipts.oldestUnprocessedAt}`);
  if (stale(p.fanouts.oldestIncompleteAt))
    problems.push(`mail: the oldest unfinished fan-out was handed over at ${p.fanouts.oldestIncompleteAt}`);
  if (p.fanouts.givenUp > 0) problems.push(`mail: ${p.fanouts.givenUp} fan-out(s) gave up on some recipients`);
  if (p.receipts.failed > 0) problems.push(`receipts: ${p.receipts.failed} failed for good (see /api/admin/failures)`);
  return problems;
}
