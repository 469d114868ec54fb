// Mail subscriptions: subscribe (double opt-in), confirm, and RFC 8058 one-click unsubscribe. The subscribe
// answer is the same whatever the address's state, so it reveals nothing; GETs from mail links only show a
// button (link scanners follow GETs), the POSTs act. JSON requests get JSON answers, form posts get pages.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import { Slug } from "../domain/event.ts";
import { MAX_SUBSCRIPTION_BODY_BYTES } from "../domain/limits.ts";
import { type TokenPurpose, signToken, verifyToken } from "../email/tokens.ts";
import type { AppContext, AppEnv } from "../http/env.ts";
import { type Issue, buildIssues, jsonError } from "../http/errors.ts";
import { rejectOtherMethods } from "../http/methods.ts";
import { renderErrorPage } from "../http/pages.tsx";
import { getSessionPresence } from "../store/links.ts";
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
  ProblemsPage,
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

// Every form here is a few short fields: a larger body is refused (413) before it is read or parsed, with the
// envelope for JSON and a page for a form.
subscriptionRoutes.on(
  "POST",
  ["/subscriptions", "/subscriptions/confirm", "/subscriptions/unsubscribe"],
  bodyLimit({
    maxSize: MAX_SUBSCRIPTION_BODY_BYTES,
    onError: (c) =>
      answerError(
        c,
        (c.req.header("content-type") ?? "").includes("json"),
        413,
        `The request is larger than ${MAX_SUBSCRIPTION_BODY_BYTES} bytes.`,
      ),
  }),
);

subscriptionRoutes.post("/subscriptions", async (c) => {
  const json = (c.req.header("content-type") ?? "").includes("json");
  const body = await readSubscribeBody(c, json);
  if (body === undefined) return answerError(c, json, 415, "Send a form or a JSON object.");
  const parsed = SubscribeRequest.safeParse(body);
  if (!parsed.success) return answerError(c, json, 400, "The request is not valid.", buildIssues(parsed.error));
  const limit = await c.env.SUBSCRIBE_LIMITER.limit({ key: c.req.header("cf-connecting-ip") ?? "unknown" });
  if (!limit.success) {
    c.header("Retry-After", "60");
    return answerError(c, json, 429, "Too many subscription requests; please try again in a minute.");
  }
  const { event, session } = parsed.data;
  const found = await getSessionPresence(c.env.DB, event, session);
  if (!found.event) return answerError(c, json, 404, "There is no such event.");
  if (session && !found.session) return answerError(c, json, 404, "There is no such session in this event.");

  const now = new Date();
  const request = await putSubscriptionRequest(c.env.DB, parsed.data, now);
  if (request.sendConfirmation) {
    try {
      await c.env.NOTIFY.send({ v: 1, type: "confirm", subscriberId: request.id });
    } catch (err) {
      console.error("confirm send failed", err);
      await releaseConfirmation(c.env.DB, request.email, now);
      return answerError(c, json, 503, "The subscription could not be processed; please retry.");
    }
  }
  return json ? c.json({ status: "pending", message: PENDING_MESSAGE }, 202) : c.html(<SubscribeAcceptedPage />, 202);
});

subscriptionRoutes.get("/subscriptions/confirm", async (c) => {
  const token = c.req.query("token") ?? "";
  const subscription = await getTokenSubscription(c, token, "confirm");
  if (!subscription) return renderInvalidLink(c);
  return c.html(
    <ConfirmPage subscription={subscription} token={token} others={await buildPendingOffers(c, subscription)} />,
  );
});

subscriptionRoutes.post("/subscriptions/confirm", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const token = typeof form.token === "string" ? form.token : (c.req.query("token") ?? "");
  const id = await verifyToken(c.env.SUBSCRIPTION_SECRET, token, "confirm", new Date());
  const subscription = id ? await markSubscriptionConfirmed(c.env.DB, id, new Date()) : null;
  if (!subscription) return renderInvalidLink(c);
  if (subscription.status !== "confirmed") {
    return renderErrorPage(c, 409, "This subscription was cancelled since; subscribe again from the page.");
  }
  return c.html(<ConfirmedPage subscription={subscription} others={await buildPendingOffers(c, subscription)} />);
});

subscriptionRoutes.get("/subscriptions/unsubscribe", async (c) => {
  const token = c.req.query("token") ?? "";
  const subscription = await getTokenSubscription(c, token, "unsubscribe");
  if (!subscription) return renderInvalidLink(c);
  return c.html(<UnsubscribePage subscription={subscription} token={token} />);
});

/** RFC 8058: the token is in the URL, the body is `List-Unsubscribe=One-Click`; no cookies, no session. */
subscriptionRoutes.post("/subscriptions/unsubscribe", async (c) => {
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  if (form["List-Unsubscribe"] !== "One-Click") {
    return renderErrorPage(c, 400, "An unsubscribe request carries List-Unsubscribe=One-Click.");
  }
  const id = await verifyToken(c.env.SUBSCRIPTION_SECRET, c.req.query("token") ?? "", "unsubscribe", new Date());
  const subscription = id ? await markSubscriptionUnsubscribed(c.env.DB, id, new Date()) : null;
  if (!subscription) return renderInvalidLink(c);
  return c.html(<UnsubscribedPage subscription={subscription} />);
});

rejectOtherMethods(subscriptionRoutes, ["/subscriptions"], "POST");
rejectOtherMethods(subscriptionRoutes, ["/subscriptions/confirm", "/subscriptions/unsubscribe"], "GET, HEAD, POST");

/** The body as a plain object; undefined for a type we do not read, null for JSON that does not parse. */
async function readSubscribeBody(c: AppContext, json: boolean): Promise<unknown> {
  if (json) return c.req.json().catch(() => null);
  const type = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) return undefined;
  return c.req.parseBody().catch(() => null);
}

function answerError(c: AppContext, json: boolean, status: ContentfulStatusCode, message: string, issues?: Issue[]) {
  if (json) return jsonError(c, status, message, issues);
  return issues
    ? c.html(<ProblemsPage message={message} issues={issues} />, status)
    : renderErrorPage(c, status, message);
}

async function getTokenSubscription(c: AppContext, token: string, purpose: TokenPurpose) {
  const id = await verifyToken(c.env.SUBSCRIPTION_SECRET, token, purpose, new Date());
  return id ? getSubscription(c.env.DB, id) : null;
}

async function buildPendingOffers(c: AppContext, subscription: Subscription): Promise<PendingOffer[]> {
  const now = new Date();
  return Promise.all(
    (await listOtherPendingSubscriptions(c.env.DB, subscription)).map(async (s) => ({
      subscription: s,
      token: await signToken(c.env.SUBSCRIPTION_SECRET, "confirm", s.id, now),
    })),
  );
}

const renderInvalidLink = (c: AppContext) =>
  renderErrorPage(c, 400, "This link is not valid: it is incomplete, has expired, or is meant for something else.");
