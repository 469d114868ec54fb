// Mail subscriptions: subscribe (double opt-in, one session, the whole event, or several sessions under one
// confirmation), confirm, RFC 8058 one-click unsubscribe, and the manage page. The subscribe answer is the same
// whatever the address's state, so it reveals nothing; GETs from mail links only show a page with buttons (link
// scanners follow GETs), the POSTs act. JSON requests get JSON answers, form posts get pages.
//
// The manage page stands for the whole address: its token (email/tokens.ts, 60 days) is the only credential.
// Its forms carry the token in the body, never in a cookie, so a page on another site cannot make a browser act
// for the address (it would have to know the token: there is no ambient authority, and SameSite does not come
// into it); the POST does not take the token from the query. Answers are `no-store`, and the site-wide headers
// keep the token out of Referer (no-referrer) and the page out of frames (frame-ancestors 'none').
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { Slug } from "../domain/event.ts";
import { MAX_SESSIONS_PER_SUBSCRIBE, MAX_SUBSCRIPTION_BODY_BYTES } from "../domain/limits.ts";
import { buildRequestedScopes } from "../domain/subscriptions.ts";
import { MANAGE_TOKEN_TTL_SECONDS, signToken, verifyToken } from "../email/tokens.ts";
import { AppError, buildInvalidRequestError } from "../errors.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { requireSessions } from "../http/require-session.ts";
import {
  type Subscription,
  SubscriptionMode,
  getSubscription,
  listAddressSubscriptions,
  listConfirmationSubscriptions,
  listOtherPendingSubscriptions,
  markAddressSubscriptionUnsubscribed,
  markAddressUnsubscribed,
  markSubscriptionConfirmed,
  markSubscriptionUnsubscribed,
  putSubscriptionMode,
  putSubscriptionRequest,
  releaseConfirmation,
} from "../store/subscriptions.ts";
import {
  ConfirmPage,
  ConfirmedPage,
  type ManageResult,
  ManagePage,
  PENDING_MESSAGE,
  type PendingOffer,
  SubscribeAcceptedPage,
  UnsubscribePage,
  UnsubscribedPage,
} from "../views/subscriptions.tsx";

export const SubscribeRequest = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  event: Slug,
  /** Empty or absent: the whole event, unless `sessions` names some. */
  session: z.union([z.literal(""), Slug]).default(""),
  /** Several sessions of the event, chosen together (the event page's checkboxes): one confirmation covers them. */
  sessions: z
    .array(Slug)
    .max(
      MAX_SESSIONS_PER_SUBSCRIBE,
      `Choose at most ${MAX_SESSIONS_PER_SUBSCRIBE} sessions, or follow the whole event.`,
    )
    .default([]),
  mode: SubscriptionMode.default("immediate"),
});

/** A manage form: the token, and what to do to one of the address's subscriptions or to all of them. */
export const ManageRequest = z.discriminatedUnion("action", [
  z.strictObject({
    token: z.string(),
    action: z.enum(["immediate", "daily", "unsubscribe"]),
    subscription: z.string().min(1).max(100),
  }),
  z.strictObject({ token: z.string(), action: z.literal("unsubscribe-all") }),
]);

export const subscriptionRoutes = new Hono<AppEnv>();

// Every form here is a few short fields (and at most MAX_SESSIONS_PER_SUBSCRIBE sessions): a larger body is
// refused (413) before it is read or parsed. Errors are thrown: onError answers a JSON request with the envelope
// and a form with a page.
subscriptionRoutes.on(
  "POST",
  ["/subscriptions", "/subscriptions/confirm", "/subscriptions/unsubscribe", "/subscriptions/manage"],
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
  const { email, event, mode } = parsed.data;
  const sessions = buildRequestedScopes(parsed.data);
  await requireSessions(c.env.DB, event, sessions);

  const now = new Date();
  const request = await putSubscriptionRequest(c.env.DB, { email, event, sessions, mode }, now);
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
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, "confirm", new Date());
  const subscriptions = id ? await listConfirmationSubscriptions(c.env.DB, id) : [];
  if (subscriptions.length === 0) throw buildInvalidLinkError();
  // One left since (from the manage page) is not revived by the button: shown only when nothing else is.
  const active = subscriptions.filter((s) => s.status !== "unsubscribed");
  return c.html(
    <ConfirmPage
      subscriptions={active.length > 0 ? active : subscriptions}
      token={token}
      others={await buildPendingOffers(c, subscriptions)}
    />,
  );
});

subscriptionRoutes.post("/subscriptions/confirm", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form.token === "string" ? form.token : (c.req.query("token") ?? "");
  const now = new Date();
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, "confirm", now);
  const subscriptions = id ? await markSubscriptionConfirmed(c.env.DB, id, now) : [];
  if (subscriptions.length === 0) throw buildInvalidLinkError();
  const confirmed = subscriptions.filter((s) => s.status === "confirmed");
  if (confirmed.length === 0) {
    throw new AppError(409, "conflict", "This subscription was cancelled since; subscribe again from the page.");
  }
  return c.html(
    <ConfirmedPage
      subscriptions={confirmed}
      others={await buildPendingOffers(c, subscriptions)}
      manageToken={await signToken(c.var.config.mail.subscriptionSecret, "manage", confirmed[0]!.id, now)}
    />,
  );
});

subscriptionRoutes.get("/subscriptions/unsubscribe", async (c) => {
  const token = c.req.query("token") ?? "";
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, "unsubscribe", new Date());
  const subscription = id ? await getSubscription(c.env.DB, id) : null;
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

subscriptionRoutes.get("/subscriptions/manage", async (c) => {
  const token = c.req.query("token") ?? "";
  return renderManagePage(c, await getManagedAddress(c, token), token);
});

/** The token comes from the form's body only: see the module's header. */
subscriptionRoutes.post("/subscriptions/manage", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form.token === "string" ? form.token : "";
  const email = await getManagedAddress(c, token);
  const parsed = ManageRequest.safeParse(form);
  if (!parsed.success) throw buildInvalidRequestError(parsed.error);
  const now = new Date();
  const request = parsed.data;
  let result: ManageResult;
  if (request.action === "unsubscribe-all") {
    result = { action: "unsubscribe-all", count: await markAddressUnsubscribed(c.env.DB, email, now) };
  } else {
    const subscription =
      request.action === "unsubscribe"
        ? await markAddressSubscriptionUnsubscribed(c.env.DB, { email, id: request.subscription }, now)
        : await putSubscriptionMode(c.env.DB, { email, id: request.subscription, mode: request.action });
    if (!subscription) throw new AppError(404, "not_found", "This address has no such subscription.");
    if (request.action !== "unsubscribe" && subscription.status === "unsubscribed") {
      throw new AppError(409, "conflict", "You unsubscribed from this; subscribe again from its page.");
    }
    result = { action: request.action, subscription };
  }
  return renderManagePage(c, email, token, result);
});

async function renderManagePage(c: AppContext, email: string, token: string, result?: ManageResult) {
  const subscriptions = await listAddressSubscriptions(c.env.DB, email);
  c.header("Cache-Control", "no-store");
  return c.html(<ManagePage email={email} token={token} subscriptions={subscriptions} result={result} />);
}

/** The address a manage token stands for (the address of the subscription it names). */
async function getManagedAddress(c: AppContext, token: string): Promise<string> {
  const id = await verifyToken(c.var.config.mail.subscriptionSecret, token, "manage", new Date());
  const subscription = id ? await getSubscription(c.env.DB, id) : null;
  if (!subscription) {
    const days = MANAGE_TOKEN_TTL_SECONDS / 86_400;
    throw new AppError(
      400,
      "bad_request",
      `This link to your subscriptions is not valid: it is incomplete, or older than ${days} days. Every mail we ` +
        "send carries a fresh one, and the unsubscribe link in any of them always works.",
    );
  }
  return subscription.email;
}

/** The body as a plain object; undefined for a type we do not read, null for JSON that does not parse. */
async function readSubscribeBody(c: AppContext, json: boolean): Promise<unknown> {
  if (json) return c.req.json().catch(() => null);
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return undefined;
  // Repeated fields are arrays (the ticked sessions); one ticked box is one string.
  const body = await c.req.parseBody({ all: true }).catch(() => null);
  if (typeof body?.sessions === "string") body.sessions = [body.sessions];
  return body;
}

/** The address's pending subscriptions besides those a link covers, each with a link of its own. */
async function buildPendingOffers(c: AppContext, covered: Subscription[]): Promise<PendingOffer[]> {
  const now = new Date();
  const others = await listOtherPendingSubscriptions(
    c.env.DB,
    covered[0]!.email,
    covered.map((s) => s.id),
  );
  return Promise.all(
    others.map(async (s) => ({
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
