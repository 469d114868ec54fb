// Inbound webhooks: Standard Webhooks notes events, GitHub pushes and wiki edits, Etherpad pad updates. Each
// delivery is authenticated on its raw bytes before any parsing, then stored as receipts through `ingestTogether`
// (committed in groups under load).
// A 2xx means stored (202) or already stored (200); a failure to store or queue answers 503 so the sender
// retries, and the receipt's (source, external id) uniqueness makes the retry harmless.
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { NotesEvent, type Observation } from "../domain/changes.ts";
import { MAX_WEBHOOK_BODY_BYTES } from "../domain/limits.ts";
import { AppError, buildInvalidRequestError } from "../errors.ts";
import type { AppEnv } from "../http/env.ts";
import { requireSessionForReceipt } from "../http/require-session.ts";
import { type Bytes, digestSha256, encodeHex } from "../lib/crypto.ts";
import { type IngestResult, ingestTogether } from "../pipeline/ingest.ts";
import { listEtherpadLinks, listLinksByUrl } from "../store/links.ts";
import {
  EtherpadPadsUpdate,
  buildPadUpdateExternalId,
  buildPadUpdates,
  verifyEtherpadKey,
} from "../webhooks/etherpad.ts";
import { buildGithubExternalId, buildGithubTouches, verifyGithubSignature } from "../webhooks/github.ts";
import { readStandardWebhookHeaders, verifyStandardWebhook } from "../webhooks/standard.ts";

type Ctx = Context<AppEnv>;
type Item = { source: string; externalId: string; payload: Observation };

export const webhookRoutes = new Hono<AppEnv>();

// Every delivery is JSON (415 otherwise, before anything is read) of at most MAX_WEBHOOK_BODY_BYTES: a larger
// declared Content-Length is refused unread, a larger stream as soon as it passes the cap.
const WEBHOOK_PATHS = ["/webhooks/notes", "/webhooks/github", "/webhooks/etherpad"];
webhookRoutes.on(
  "POST",
  WEBHOOK_PATHS,
  async (c, next) => {
    const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      throw new AppError(415, "unsupported_media_type", "Send the body as application/json.");
    }
    await next();
  },
  bodyLimit({
    maxSize: MAX_WEBHOOK_BODY_BYTES,
    onError: () => {
      throw new AppError(413, "payload_too_large", `The body is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes.`);
    },
  }),
);

webhookRoutes.post("/webhooks/notes", async (c) => {
  const body = await readBody(c);
  const headers = readStandardWebhookHeaders(c.req.raw.headers);
  const verified = await verifyStandardWebhook(c.var.config.secrets.webhook, headers, body, new Date());
  if (!verified.ok) {
    throw new AppError(401, "unauthorized", `The webhook signature is not valid (${verified.reason}).`);
  }

  const parsed = parseJson(body, NotesEvent);
  await requireSessionForReceipt(c.env.DB, parsed.event, parsed.session);

  const [result] = await ingestAll(c, [
    { source: "notes", externalId: headers.id!, payload: { kind: "notes", ...parsed } },
  ]);
  if (!result) throw new AppError(503, "unavailable", "The change could not be stored; please retry.");
  return result.status === "queued"
    ? c.json({ status: "queued", receipt: result.receiptId }, 202)
    : c.json({ status: "duplicate" }, 200);
});

webhookRoutes.post("/webhooks/github", async (c) => {
  const body = await readBody(c);
  if (!(await verifyGithubSignature(c.var.config.secrets.github, c.req.header("x-hub-signature-256") ?? null, body))) {
    throw new AppError(401, "unauthorized", "The X-Hub-Signature-256 signature is not valid.");
  }
  const delivery = c.req.header("x-github-delivery");
  const eventName = c.req.header("x-github-event");
  if (!delivery || delivery.length > 200 || !eventName) {
    throw new AppError(400, "bad_request", "X-GitHub-Delivery and X-GitHub-Event are required.");
  }
  const mapping = buildGithubTouches(eventName, parseJson(body));
  if (mapping.status === "ignored") return c.json({ status: "ignored" }, 200);
  if (mapping.status === "invalid") throw buildInvalidRequestError(mapping.error);

  const touchByUrl = new Map(mapping.touches.map((t) => [t.url, t]));
  const links = await listLinksByUrl(c.env.DB, [...touchByUrl.keys()]);
  return answerMany(
    c,
    links.map((l) => ({
      source: "github",
      externalId: buildGithubExternalId(touchByUrl.get(l.url)!, delivery, l),
      payload: { kind: "notes", type: touchByUrl.get(l.url)!.type, event: l.event, session: l.session, url: l.url },
    })),
  );
});

webhookRoutes.post("/webhooks/etherpad", async (c) => {
  const body = await readBody(c);
  if (!(await verifyEtherpadKey(c.var.config.secrets.etherpad, c.req.header("x-api-key") ?? null))) {
    throw new AppError(401, "unauthorized", "The X-API-KEY is not valid.");
  }
  const parsed = parseJson(body, EtherpadPadsUpdate);
  const updates = new Map(buildPadUpdates(parsed).map((u) => [u.padId, u]));
  const links = await listEtherpadLinks(c.env.DB, [...updates.keys()]);
  const bodyHash = encodeHex(await digestSha256(body));
  return answerMany(
    c,
    links.map((l) => {
      const update = updates.get(l.padId)!;
      const revision = update.revision;
      return {
        source: "etherpad",
        externalId: buildPadUpdateExternalId(update, bodyHash, l),
        payload: {
          kind: "notes",
          type: "notes.updated",
          event: l.event,
          session: l.session,
          url: l.url,
          ...(revision === undefined ? {} : { revision }),
        },
      };
    }),
  );
});

/** The raw bytes, as signed: verified before any parsing (the size and type were checked above). */
async function readBody(c: Ctx): Promise<Bytes> {
  return new Uint8Array(await c.req.arrayBuffer());
}

/** UTF-8 JSON, checked against `schema` when given; throws the 400 (with the issues) otherwise. */
function parseJson(bytes: Bytes): unknown;
function parseJson<T extends z.ZodType>(bytes: Bytes, schema: T): z.infer<T>;
function parseJson(bytes: Bytes, schema?: z.ZodType): unknown {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new AppError(400, "bad_request", "The body is not valid UTF-8 JSON.");
  }
  if (!schema) return value;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw buildInvalidRequestError(parsed.error);
  return parsed.data;
}

/** Ingests every item; the results, or null for each that failed (logged), so the caller can answer 503. */
async function ingestAll(c: Ctx, items: Item[]): Promise<(IngestResult | null)[]> {
  const now = new Date();
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  const settled = await Promise.allSettled(items.map((item) => ingestTogether(c.env, item, now, waitUntil)));
  return settled.map((s, i) => {
    if (s.status === "fulfilled") return s.value;
    console.error("webhook ingest failed", items[i]!.source, items[i]!.externalId, s.reason);
    return null;
  });
}

/** GitHub and Etherpad: 202 if anything new was stored, 200 if all was already stored or nothing matched. */
async function answerMany(c: Ctx, items: Item[]) {
  if (items.length === 0) return c.json({ status: "ignored" }, 200);
  const results = await ingestAll(c, items);
  if (results.includes(null)) throw new AppError(503, "unavailable", "Some changes could not be stored; please retry.");
  const receipts = results.flatMap((r) => (r?.status === "queued" ? [r.receiptId] : []));
  return receipts.length ? c.json({ status: "queued", receipts }, 202) : c.json({ status: "duplicate" }, 200);
}
