// Requests to the Worker under test through its real fetch handler, at the test site's address: plain and JSON
// requests, the admin API with its bearer token, and notes webhooks signed the way a Standard Webhooks sender
// signs them (src/webhooks/standard.ts).
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { ConfigEnv } from "../../src/config.ts";
import worker from "../../src/index.ts";
import { signStandardWebhook } from "../../src/webhooks/standard.ts";
import { buildBindings } from "./config.ts";

export const BASE_URL = "http://sessionwire.test";
/** The first admin token of vitest.config.ts (the second is the one a rotation brings in). */
export const ADMIN_TOKEN = "test-admin-token";

/** Any request to a path of the site; with `overrides`, the Worker runs with those vars or secrets instead. */
export async function fetchWorker(path: string, init: RequestInit = {}, overrides?: ConfigEnv): Promise<Response> {
  const request = new Request(`${BASE_URL}${path}`, init);
  return overrides
    ? worker.fetch(request, buildBindings(overrides), createExecutionContext())
    : exports.default.fetch(request);
}

export const get = (path: string, headers: HeadersInit = {}) => fetchWorker(path, { headers });

export async function getJson<T>(path: string): Promise<T> {
  return (await get(path)).json<T>();
}

export async function getText(path: string): Promise<string> {
  return (await get(path)).text();
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetchWorker(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** A call to the admin API with a bearer token (the test's own unless told) and, when given, a JSON body. */
export function sendAdmin(
  method: string,
  path: string,
  body?: unknown,
  token = ADMIN_TOKEN,
  headers: Record<string, string> = {},
) {
  return fetchWorker(path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** POSTs `body` to the notes webhook, signed with the test secret, timestamped by the (possibly fake) clock. */
export async function postSignedWebhook(body: unknown, id = `msg_${crypto.randomUUID()}`) {
  const text = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  return fetchWorker("/webhooks/notes", {
    method: "POST",
    body: text,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": await signStandardWebhook(env.WEBHOOK_SECRET, id, timestamp, text),
    },
  });
}
