// The OpenAPI description of the routes that are plain Hono routes (webhooks, subscriptions, feeds, calendars,
// pages, health): described here, from the schemas the routes parse with, so that /api/openapi.json lists every
// public route and not only the JSON API. test/integration/openapi.test.ts walks the app's routes and fails on
// any route this document does not name, and holds every JSON answer against the schema of its operation.
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { NotesEvent } from "../domain/changes.ts";
import { FEED_FORMATS, FEED_MEDIA_TYPES, type FeedFormat } from "../feeds/model.ts";
import type { AppEnv } from "../http/env.ts";
import { ErrorEnvelope } from "../http/errors.ts";
import { feedPaths, pagePaths, subscriptionPaths } from "../paths.ts";
import { EtherpadPadsUpdate } from "../webhooks/etherpad.ts";
import { GithubGollum, GithubPush } from "../webhooks/github.ts";
import { ManageRequest, SubscribeRequest } from "./subscriptions.tsx";

type Registry = OpenAPIHono<AppEnv>["openAPIRegistry"];
type Responses = RouteConfig["responses"];

const EventParams = z.object({ event: z.string().meta({ description: "Event id, e.g. xen-design-sessions-2019" }) });
const SessionParams = EventParams.extend({
  session: z.string().meta({ description: "Session id, the slug of its title" }),
});

const errors = (description: string) => ({ description, content: { "application/json": { schema: ErrorEnvelope } } });
const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
/** The subscription routes answer a JSON request with the envelope and a form with a page. */
const errorsOrPage = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorEnvelope }, "text/html": { schema: z.string() } },
});

// ---- Security schemes: how each caller proves who it is (the webhooks' as apiKey-in-header schemes).

const SECURITY_SCHEMES = {
  standardWebhooks: {
    type: "apiKey",
    in: "header",
    name: "webhook-signature",
    description:
      "Standard Webhooks (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256>` of " +
      "`{webhook-id}.{webhook-timestamp}.{raw body}` keyed with WEBHOOK_SECRET (whsec_…); the timestamp must be " +
      "within 5 minutes of the server's clock.",
  },
  githubSignature: {
    type: "apiKey",
    in: "header",
    name: "X-Hub-Signature-256",
    description: "`sha256=<hex HMAC-SHA256 of the raw body>` keyed with GITHUB_WEBHOOK_SECRET, as GitHub sends it.",
  },
  etherpadApiKey: {
    type: "apiKey",
    in: "header",
    name: "X-API-KEY",
    description: "The ETHERPAD_API_KEY secret, as the ep_webhooks plugin sends it.",
  },
} as const;

// ---- Webhooks

const WebhookReceipts = z
  .object({
    status: z.enum(["queued", "duplicate", "ignored"]),
    receipts: z.array(z.string()).optional().meta({ description: "One per notes link the delivery touched" }),
  })
  .meta({ id: "WebhookReceipts" });
const NotesWebhookAnswer = z
  .object({ status: z.enum(["queued", "duplicate"]), receipt: z.string().optional() })
  .meta({ id: "NotesWebhookAnswer" });

/** What every webhook may answer whatever its payload. */
const webhookRefusals = {
  400: errors("The body is not UTF-8 JSON, or not a valid payload (issues say where)"),
  401: errors("The signature or key is not valid"),
  413: errors("The body is larger than the webhooks allow"),
  415: errors("The body is not application/json"),
  503: errors("Not configured on this server (not_configured), or could not be stored: retry"),
};
const jsonBody = (schema: z.ZodType, description: string) => ({
  required: true,
  description,
  content: { "application/json": { schema } },
});

const webhookRoutes: RouteConfig[] = [
  {
    method: "post",
    path: "/webhooks/notes",
    operationId: "receiveNotesWebhook",
    tags: ["webhooks"],
    summary: "Notes were published, updated or removed (Standard Webhooks)",
    security: [{ standardWebhooks: [] }],
    request: {
      headers: z.object({
        "webhook-id": z.string().meta({ description: "The message id: a redelivery with the same id is a duplicate" }),
        "webhook-timestamp": z.string().meta({ description: "Unix seconds when the message was signed" }),
        "webhook-signature": z.string().meta({ description: "Space-separated `v1,<base64>` signatures" }),
      }),
      body: jsonBody(NotesEvent.meta({ id: "NotesEvent" }), "What happened to which session's notes"),
    },
    responses: {
      202: { description: "Stored and queued", content: { "application/json": { schema: NotesWebhookAnswer } } },
      200: {
        description: "Already received (same webhook-id)",
        content: { "application/json": { schema: NotesWebhookAnswer } },
      },
      ...webhookRefusals,
      404: errors("No such event or session"),
    },
  },
  {
    method: "post",
    path: "/webhooks/github",
    operationId: "receiveGithubWebhook",
    tags: ["webhooks"],
    summary: "A GitHub push or wiki (gollum) delivery: the catalogued notes links it touched are re-read",
    security: [{ githubSignature: [] }],
    request: {
      headers: z.object({
        "X-Hub-Signature-256": z.string().meta({ description: "`sha256=<hex>`" }),
        "X-GitHub-Delivery": z.string().max(200).meta({ description: "The delivery's id" }),
        "X-GitHub-Event": z.string().meta({ description: "`push` and `gollum` are read; others are ignored" }),
      }),
      body: jsonBody(
        z.union([
          GithubPush.meta({ id: "GithubPush" }),
          GithubGollum.meta({ id: "GithubGollum" }),
          z.record(z.string(), z.unknown()),
        ]),
        "The delivery as GitHub sends it (only what is listed is read)",
      ),
    },
    responses: {
      202: { description: "Something new was stored", content: { "application/json": { schema: WebhookReceipts } } },
      200: {
        description: "Already stored, or nothing catalogued was touched (`ignored`)",
        content: { "application/json": { schema: WebhookReceipts } },
      },
      ...webhookRefusals,
    },
  },
  {
    method: "post",
    path: "/webhooks/etherpad",
    operationId: "receiveEtherpadWebhook",
    tags: ["webhooks"],
    summary: "Etherpad pads were edited (ep_webhooks): the catalogued pads among them are re-read",
    security: [{ etherpadApiKey: [] }],
    request: {
      headers: z.object({ "X-API-KEY": z.string() }),
      body: jsonBody(EtherpadPadsUpdate.meta({ id: "EtherpadPadsUpdate" }), "The edited pads and their revisions"),
    },
    responses: {
      202: { description: "Something new was stored", content: { "application/json": { schema: WebhookReceipts } } },
      200: {
        description: "Already stored, or no catalogued pad was edited (`ignored`)",
        content: { "application/json": { schema: WebhookReceipts } },
      },
      ...webhookRefusals,
    },
  },
];

// ---- Subscriptions: double opt-in, then RFC 8058 one-click unsubscribe. Mail links carry a signed token.

const SubscribeBody = SubscribeRequest.meta({ id: "SubscribeRequest" });
const TokenQuery = z.object({ token: z.string().meta({ description: "The signed token of the mail's link" }) });
const form = (schema: z.ZodType) => ({ "application/x-www-form-urlencoded": { schema } });
const subscriptionRefusals = {
  413: errorsOrPage("The request is larger than the subscription forms allow"),
  503: errorsOrPage("Mail is not configured on this server (not_configured), or could not be queued: retry"),
};
const INVALID_LINK = "The link is incomplete, has expired, or is meant for something else";
const invalidLink = errorsOrPage(INVALID_LINK);
// The links in mails are GETs without a body: they are answered with pages.
const invalidLinkPage = html(INVALID_LINK);
const notConfiguredPage = html("Mail is not configured on this server");

/** The GET a mail's link opens: a page with the button that does what the link is for (link scanners only GET). */
const buildLinkPage = (path: string, operationId: string, summary: string, page: string): RouteConfig => ({
  method: "get",
  path,
  operationId,
  tags: ["subscriptions"],
  summary,
  request: { query: TokenQuery },
  responses: { 200: html(page), 400: invalidLinkPage, 503: notConfiguredPage },
});

const subscriptionRoutes: RouteConfig[] = [
  {
    method: "post",
    path: subscriptionPaths.subscribe(),
    operationId: "subscribe",
    tags: ["subscriptions"],
    summary: "Ask for mail about an event or one session: a confirmation mail is sent (double opt-in)",
    description:
      "The answer is the same whatever the address's state, so it reveals nothing. A JSON request gets JSON " +
      "answers; a form post gets pages.",
    request: {
      body: {
        required: true,
        content: {
          "application/json": { schema: SubscribeBody },
          ...form(SubscribeBody),
          "multipart/form-data": { schema: SubscribeBody },
        },
      },
    },
    responses: {
      202: {
        description: "Accepted: a confirmation mail is on its way if the address can be subscribed",
        content: {
          "application/json": {
            schema: z.object({ status: z.literal("pending"), message: z.string() }).meta({ id: "SubscribePending" }),
          },
          "text/html": { schema: z.string() },
        },
      },
      400: errorsOrPage("Invalid input (issues say where)"),
      404: errorsOrPage("No such event or session"),
      415: errorsOrPage("Neither a form nor a JSON object"),
      429: {
        ...errorsOrPage("Too many subscription requests from this address; retry after a minute"),
        headers: z.object({ "Retry-After": z.string() }),
      },
      ...subscriptionRefusals,
    },
  },
  buildLinkPage(
    subscriptionPaths.confirm(),
    "showConfirmation",
    "The page of a confirmation mail's link: a button that confirms (link scanners only GET)",
    "The confirmation page",
  ),
  {
    method: "post",
    path: subscriptionPaths.confirm(),
    operationId: "confirmSubscription",
    tags: ["subscriptions"],
    summary: "Confirm a subscription",
    request: {
      query: TokenQuery.partial(),
      body: {
        required: true,
        description: "The token, in the form or else in the query",
        content: form(z.object({ token: z.string() })),
      },
    },
    responses: {
      200: html("Confirmed; other pending subscriptions of the address are offered"),
      400: invalidLink,
      409: errorsOrPage("The subscription was cancelled since"),
      ...subscriptionRefusals,
    },
  },
  buildLinkPage(
    subscriptionPaths.unsubscribe(),
    "showUnsubscribe",
    "The page of an unsubscribe link: a button that unsubscribes",
    "The unsubscribe page",
  ),
  {
    method: "post",
    path: subscriptionPaths.unsubscribe(),
    operationId: "unsubscribe",
    tags: ["subscriptions"],
    summary: "Unsubscribe (RFC 8058 one-click: what mail clients post for List-Unsubscribe-Post)",
    request: {
      query: TokenQuery,
      body: {
        required: true,
        content: form(z.object({ "List-Unsubscribe": z.literal("One-Click") })),
      },
    },
    responses: {
      200: html("Unsubscribed"),
      400: errorsOrPage("No List-Unsubscribe=One-Click, or the link is not valid"),
      ...subscriptionRefusals,
    },
  },
  buildLinkPage(
    subscriptionPaths.manage(),
    "showManagePage",
    "The page of a mail's manage link: what the address follows, with forms to change it",
    "The manage page",
  ),
  {
    method: "post",
    path: subscriptionPaths.manage(),
    operationId: "manageSubscriptions",
    tags: ["subscriptions"],
    summary: "Switch one subscription to immediate or daily mail, unsubscribe from one, or from everything",
    request: {
      body: {
        required: true,
        description: "The token from the page's form (never the query)",
        content: form(ManageRequest.meta({ id: "ManageRequest" })),
      },
    },
    responses: {
      200: html("Done; the page lists what the address follows now"),
      400: errorsOrPage("The link is not valid, or the form is not one of the page's"),
      404: errorsOrPage("The address has no such subscription"),
      409: errorsOrPage("Unsubscribed from this since: subscribe again from its page"),
      ...subscriptionRefusals,
    },
  },
];

// ---- Feeds and calendars: rendered at publish time, served with validators and 304.

const ConditionalHeaders = z.object({
  "If-None-Match": z.string().optional().meta({ description: "An ETag this client holds" }),
  "If-Modified-Since": z.string().optional().meta({ description: "A Last-Modified this client holds" }),
});
const Validators = z.object({
  ETag: z.string().meta({ description: "Strong, from the content" }),
  "Last-Modified": z.string(),
  "Cache-Control": z.string(),
});

function servedWithValidators(mediaType: string, what: string, notFound: Responses[string]): Responses {
  return {
    200: { description: what, headers: Validators, content: { [mediaType]: { schema: z.string() } } },
    304: { description: "Not modified since the validators the client sent", headers: Validators },
    404: notFound,
  };
}

const FEED_NAMES: Record<FeedFormat, string> = { rss: "Rss", atom: "Atom", json: "Json" };
const feedNotFound = { description: "No such feed", content: { "text/plain": { schema: z.string() } } };

/**
 * RSS and Atom go to a request that accepts text/html (a browser's navigation) as application/xml, the same
 * bytes, so that the browser applies the feed's XSLT stylesheet; hence Vary: Accept on both answers.
 */
function servedToReadersAndBrowsers(mediaType: string): Responses {
  const served = servedWithValidators(mediaType, "The feed", feedNotFound);
  const headers = Validators.extend({ Vary: z.literal("Accept") });
  return {
    ...served,
    200: {
      description: "The feed; as application/xml when the request accepts text/html",
      headers,
      content: { [mediaType]: { schema: z.string() }, "application/xml": { schema: z.string() } },
    },
    304: { description: "Not modified since the validators the client sent", headers },
  };
}

const feedRoutes: RouteConfig[] = FEED_FORMATS.flatMap((format): RouteConfig[] => {
  const mediaType = FEED_MEDIA_TYPES[format].split(";")[0]!;
  const feed = (scope: string) => `${scope} as ${format === "json" ? "JSON Feed" : format.toUpperCase()}`;
  const responses =
    format === "json"
      ? servedWithValidators(mediaType, "The feed", feedNotFound)
      : servedToReadersAndBrowsers(mediaType);
  return [
    {
      method: "get",
      path: feedPaths.all(format),
      operationId: `getFeed${FEED_NAMES[format]}`,
      tags: ["feeds"],
      summary: feed("Every event's changes"),
      request: { headers: ConditionalHeaders },
      responses,
    },
    {
      method: "get",
      path: feedPaths.event("{event}", format),
      operationId: `getEventFeed${FEED_NAMES[format]}`,
      tags: ["feeds"],
      summary: feed("An event's changes"),
      request: { params: EventParams, headers: ConditionalHeaders },
      responses,
    },
    {
      method: "get",
      path: feedPaths.session("{event}", "{session}", format),
      operationId: `getSessionFeed${FEED_NAMES[format]}`,
      tags: ["feeds"],
      summary: feed("One session's changes"),
      request: { params: SessionParams, headers: ConditionalHeaders },
      responses,
    },
  ];
});

const feedStylesheetRoute: RouteConfig = {
  method: "get",
  path: feedPaths.stylesheet(),
  operationId: "getFeedStylesheet",
  tags: ["feeds"],
  summary: "The XSLT stylesheet RSS and Atom feeds name: a browser shows a feed as a page",
  request: { headers: ConditionalHeaders.pick({ "If-None-Match": true }) },
  responses: {
    200: {
      description: "The stylesheet (XSLT 1.0), cached for a week",
      headers: z.object({ ETag: z.string(), "Cache-Control": z.string() }),
      content: { "application/xml": { schema: z.string() } },
    },
    304: { description: "Not modified since the ETag the client sent", headers: z.object({ ETag: z.string() }) },
  },
};

// The calendar routes (issue 12, item 3) are added beside this document; their paths are the contract's
// (DESIGN.md), so they are described here as they will be served.
// Their errors are plain text, as feeds' are.
const calendarNotFound = { description: "No such calendar", content: { "text/plain": { schema: z.string() } } };
const calendarRoutes: RouteConfig[] = [
  {
    method: "get",
    path: "/events/{event}/calendar.ics",
    operationId: "getEventCalendar",
    tags: ["calendars"],
    summary: "An event's sessions that have a time, as iCalendar (RFC 5545)",
    request: { params: EventParams, headers: ConditionalHeaders },
    responses: servedWithValidators("text/calendar", "The calendar", calendarNotFound),
  },
  {
    method: "get",
    path: "/events/{event}/sessions/{session}/calendar.ics",
    operationId: "getSessionCalendar",
    tags: ["calendars"],
    summary: "One session as iCalendar (RFC 5545); empty when it has no time",
    request: { params: SessionParams, headers: ConditionalHeaders },
    responses: servedWithValidators("text/calendar", "The calendar", calendarNotFound),
  },
];

// ---- Pages and health

const pageRoutes: RouteConfig[] = [
  {
    method: "get",
    path: pagePaths.home(),
    operationId: "getHomePage",
    tags: ["pages"],
    summary: "The events, and how to follow them",
    responses: { 200: html("The page") },
  },
  {
    method: "get",
    path: pagePaths.event("{event}"),
    operationId: "getEventPage",
    tags: ["pages"],
    summary: "An event's sessions and latest changes",
    request: { params: EventParams },
    responses: { 200: html("The page"), 404: html("No such event") },
  },
  {
    method: "get",
    path: pagePaths.session("{event}", "{session}"),
    operationId: "getSessionPage",
    tags: ["pages"],
    summary: "A session, its notes links and its changes",
    request: { params: SessionParams },
    responses: { 200: html("The page"), 404: html("No such session") },
  },
];

const healthRoutes: RouteConfig[] = [
  {
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tags: ["health"],
    summary: "The Worker answers (the pipeline's health is /api/admin/health)",
    responses: {
      200: {
        description: "Up",
        content: { "application/json": { schema: z.object({ status: z.literal("ok") }).meta({ id: "Up" }) } },
      },
    },
  },
];

/** Adds the plain routes and the webhooks' security schemes to the document of `registry`. */
export function registerPlainRoutes(registry: Registry): void {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
    registry.registerComponent("securitySchemes", name, scheme);
  }
  const routes = [
    ...webhookRoutes,
    ...subscriptionRoutes,
    ...feedRoutes,
    feedStylesheetRoute,
    ...calendarRoutes,
    ...pageRoutes,
    ...healthRoutes,
  ];
  for (const route of routes) registry.registerPath(route);
}

const TAGS = [
  { name: "events", description: "The catalogue and its change log, as JSON (CORS: any origin may GET)" },
  { name: "feeds", description: "RSS 2.0, Atom and JSON Feed, with WebSub (CORS: any origin may GET)" },
  { name: "calendars", description: "iCalendar (CORS: any origin may GET)" },
  { name: "subscriptions", description: "Mail: double opt-in, one-click unsubscribe" },
  { name: "webhooks", description: "Signed notifications that notes changed" },
  { name: "admin", description: "Edits and imports (bearer token)" },
  { name: "outbound", description: "Outbound webhook endpoints, their delivery log and replays (bearer token)" },
  { name: "pages", description: "HTML" },
  { name: "health", description: "Liveness" },
];

/**
 * The document's own fields. The server is the site's origin (PUBLIC_BASE_URL) when it is configured, and the
 * relative `/` (wherever the document was fetched from) when it is not.
 */
export function buildOpenApiConfig(c: Context<AppEnv>) {
  const base = c.var.config.site.baseUrl;
  return {
    openapi: "3.1.0",
    info: {
      title: "sessionwire",
      version: "1",
      description: "Conference design sessions, their notes, and when the notes change.",
    },
    servers: [{ url: URL.canParse(base) ? new URL(base).origin : "/" }],
    tags: TAGS,
  };
}
