// Mail subscriptions: subscribe (double opt-in), confirm, and RFC 8058 one-click unsubscribe. The subscribe
// answer is the same whatever the address's state, so it reveals nothing; GETs from mail links only show a
// button (link scanners follow GETs), the POSTs act. JSON requests get JSON answers, form posts get pages.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { Slug } from "../domain/event.ts";
import { MAX_SUBSCRIPTION_BODY_BYTES } from "../domain/limits.ts";
import { type TokenPurpose, signToken, verifyToken } from "../email/tokens.ts";
import { AppError, buildInvalidRequestError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { requireSession } from "../http/require-session.ts";
import {
  type Subscription,
  SubscriptionMode,
  getSubscription,
  listOtherPendingSubscriptions,
  markSubscriptionConfirmed,
  markSubscriptionUnsubscribed,
  putSubscriptionRequest,
  releaseConfirmation,
} from "../store/subscriptions.ts";
import {
  ConfirmPage,
  ConfirmedPage,
  PENDING_MESSAGE,
  type PendingOffer,
  SubscribeAcceptedPage,
  UnsubscribePage,
  UnsubscribedPage,
} from "../views/subscriptions.tsx";

export const SubscribeRequest = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  event: Slug,
  /** Empty or absent: the whole event. */
  session: z.union([z.literal(""), Slug]).default(""),
  mode: SubscriptionMode.default("immediate"),
});

export const subscriptionRoutes = new Hono<AppEnv>();

// Every form here is a few short fields: a larger body is refused (413) before it is read or parsed. Errors
// are thrown: onError answers a JSON request with the envelope and a form with a page.
subscriptionRoutes.on(
  "POST",
  ["/subscriptions", "/subscriptions/confirm", "/subscriptions/unsubscribe"],
  bodyLimit({
    maxSize: MAX_SUBSCRIPTION_BODY_BYTES,
    onError: () => {
      throw new AppError(413, "payload_too_large", `The request is larger than ${MAX_SUBSCRIPTION_BODY_BYTES} bytes.`);
    },
  }),
);

subscriptionRoutes.post("/subscriptions", async (c) => {
  const json = (c.req.header("content-type") ?? "").includes("json");
  const body = await readSubscribeBody(c, json);
  if (body === undefined) throw new AppError(415, "unsupported_media_type", "Send a form or a JSON object.");
  const parsed = SubscribeRequest.safeParse(body);
  if (!parsed.success) throw buildInvalidRequestError(parsed.error);
  const limit = await c.env.SUBSCRIBE_LIMITER.limit({ key: c.req.header("cf-connecting-ip") ?? "unknown" });
  if (!limit.success) {
    throw new AppError(429, "too_many_requests", "Too many subscription requests; please try again in a minute.", {
      headers: { "Retry-After": "60" },
    });
  }
  await requireSession(c.env.DB, parsed.data.event, parsed.data.session);

  const now = new Date();
  const request = await putSubscriptionRequest(c.env.DB, parsed.data, now);
  if (request.sendConfirmation) {
    try {
      await c.env.NOTIFY.send({ v: 1, type: "confirm", subscriberId: request.id });
    } catch (err) {
      console.error("confirm send failed", err);
      await releaseConfirmation(c.env.DB, request.email, now);
      throw new AppError(503, "unavailable", "The subscription could not be processed; please retry.");
    }
  }
  return json ? c.json({ status: "pending", message: PENDING_MESSAGE }, 202) : c.html(<SubscribeAcceptedPage />, 202);
});

subscriptionRoutes.get("/subscriptions/confirm", async (c) => {
  const token = c.req.query("token") ?? "";
  const subscription = await getTokenSubscription(c, token, "confirm");
  if (!subscription) throw buildInvalidLinkError();
  return c.html(
    <ConfirmPage subscription={subscription} token={token} others={await buildPendingOffers(c, subscription)} />,
  );
});

subscriptionRoutes.post("/subscriptions/confirm", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form.token === "string" ? form.token : (c.req.query("token") ?? "");
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, "confirm", new Date());
  const subscription = id ? await markSubscriptionConfirmed(c.env.DB, id, new Date()) : null;
  if (!subscription) throw buildInvalidLinkError();
  if (subscription.status !== "confirmed") {
    throw new AppError(409, "conflict", "This subscription was cancelled since; subscribe again from the page.");
  }
  return c.html(<ConfirmedPage subscription={subscription} others={await buildPendingOffers(c, subscription)} />);
});

subscriptionRoutes.get("/subscriptions/unsubscribe", async (c) => {
  const token = c.req.query("token") ?? "";
  const subscription = await getTokenSubscription(c, token, "unsubscribe");
  if (!subscription) throw buildInvalidLinkError();
  return c.html(<UnsubscribePage subscription={subscription} token={token} />);
});

/** RFC 8058: the token is in the URL, the body is `List-Unsubscribe=One-Click`; no cookies, no session. */
subscriptionRoutes.post("/subscriptions/unsubscribe", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  if (form["List-Unsubscribe"] !== "One-Click") {
    throw new AppError(400, "bad_request", "An unsubscribe request carries List-Unsubscribe=One-Click.");
  }
  const id = await verifyToken(
    c.var.config.mail.subscriptionSecret,
    c.req.query("token") ?? "",
    "unsubscribe",
    new Date(),
  );
  const subscription = id ? await markSubscriptionUnsubscribed(c.env.DB, id, new Date()) : null;
  if (!subscription) throw buildInvalidLinkError();
  return c.html(<UnsubscribedPage subscription={subscription} />);
});

/** The body as a plain object; undefined for a type we do not read, null for JSON that does not parse. */
async function readSubscribeBody(c: AppContext, json: boolean): Promise<unknown> {
  if (json) return c.req.json().catch(() => null);
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return undefined;
  return c.req.parseBody().catch(() => null);
}

async function getTokenSubscription(c: AppContext, token: string, purpose: TokenPurpose) {
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, purpose, new Date());
  return id ? getSubscription(c.env.DB, id) : null;
}

async function buildPendingOffers(c: AppContext, subscription: Subscription): Promise<PendingOffer[]> {
  const now = new Date();
  return Promise.all(
    (await listOtherPendingSubscriptions(c.env.DB, subscription)).map(async (s) => ({
      subscription: s,
      token: await signToken(c.var.config.mail.subscriptionSecret, "confirm", s.id, now),
    })),
  );
}

const buildInvalidLinkError = () =>
  new AppError(
    400,
    "bad_request",
    "This link is not valid: it is incomplete, has expired, or is meant for something else.",
  );
