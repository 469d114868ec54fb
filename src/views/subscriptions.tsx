// Mail subscription pages: the form on event and session pages, and the pages of subscribe, confirm, unsubscribe
// and manage. Links from mails land on a page with buttons, because scanners follow GETs; only the POSTs act, and
// every form works without JavaScript. Nothing reached without a token says whether an address was subscribed.
import { MAX_SESSIONS_PER_SUBSCRIBE } from "../domain/limits.ts";
import { MANAGE_TOKEN_TTL_SECONDS } from "../email/tokens.ts";
import type { Issue } from "../errors.ts";
import { pagePaths, subscriptionPaths } from "../paths.ts";
import type { Subscription, SubscriptionMode } from "../store/subscriptions.ts";
import { Layout } from "./layout.tsx";

export const PENDING_MESSAGE =
  "Thanks. If this address can be subscribed, a confirmation mail is on its way: check your inbox and follow its link.";

const MODE_TEXT: Record<SubscriptionMode, string> = {
  immediate: "an email each time its notes change",
  daily: "a daily digest of its notes changes",
};

const FIELD_LABELS: Record<string, string> = {
  email: "Email address",
  event: "Event",
  session: "Session",
  sessions: "Sessions",
  mode: "How often",
};

/** The id of the subscribe form, which each session card's Follow box names as its form. */
const SUBSCRIBE_FORM = "subscribe";

/**
 * A session's box in the event page's subscribe form, shown on the session's card (`form=`): the box sits with
 * the title it follows, so a conference of 1,000 sessions does not list every title a second time in the form,
 * and a search or filter of the page narrows what is offered.
 */
export function FollowBox({ session }: { session: { id: string; title: string } }) {
  return (
    <label class="follow">
      <input
        type="checkbox"
        name="sessions"
        value={session.id}
        form={SUBSCRIBE_FORM}
        aria-label={`Follow ${session.title}`}
      />{" "}
      Follow
    </label>
  );
}

/**
 * Works without JavaScript: a plain POST to /subscriptions. `session` absent: the whole event; on an event page
 * (`choose`), the Follow boxes ticked on its session cards are asked for under one confirmation.
 */
export function SubscribeForm({
  event,
  session,
  choose = false,
}: {
  event: string;
  session?: string;
  choose?: boolean;
}) {
  return (
    <form id={SUBSCRIBE_FORM} class="mail-subscribe" method="post" action={subscriptionPaths.subscribe()}>
      <h2>Get an email when notes change</h2>
      <input type="hidden" name="event" value={event} />
      {session ? <input type="hidden" name="session" value={session} /> : null}
      <label for="subscribe-email">Email address</label>
      <input
        id="subscribe-email"
        type="email"
        name="email"
        required
        maxlength={254}
        autocomplete="email"
        placeholder="you@example.org"
      />
      <fieldset>
        <legend>How often</legend>
        <label>
          <input type="radio" name="mode" value="immediate" checked /> As it happens
        </label>
        <label>
          <input type="radio" name="mode" value="daily" /> Daily digest
        </label>
      </fieldset>
      {choose ? (
        <p class="count">
          Only some sessions? Tick Follow on their cards above: up to {MAX_SESSIONS_PER_SUBSCRIBE}, one confirmation for
          all. With none ticked you follow the whole event, sessions added later included.
        </p>
      ) : null}
      <button type="submit">Subscribe</button>
      <p class="count">We send one confirmation mail first; nothing else until you confirm.</p>
    </form>
  );
}

const scopePath = (s: Subscription) => pagePaths.scope(s.event, s.session);

function Scope({ s }: { s: Subscription }) {
  const event = s.eventTitle ?? s.event;
  return s.session ? (
    <>
      the session <a href={scopePath(s)}>{s.sessionTitle ?? s.session}</a> of {event}
    </>
  ) : (
    <>
      every session of <a href={scopePath(s)}>{event}</a>
    </>
  );
}

export function SubscribeAcceptedPage() {
  return (
    <Layout title="Check your inbox">
      <h1>Check your inbox</h1>
      <p class="lead">{PENDING_MESSAGE}</p>
      <p class="count">Nothing reaches you until you confirm. The link in the mail is valid for a week.</p>
    </Layout>
  );
}

export function ProblemsPage({ message, issues }: { message: string; issues: Issue[] }) {
  return (
    <Layout title="Please check the form">
      <h1>Please check the form</h1>
      <p class="lead">{message}</p>
      <ul class="problems">
        {issues.map((i) => (
          <li>
            {i.path.length > 0 ? <strong>{FIELD_LABELS[String(i.path[0])] ?? i.path.join(".")}: </strong> : null}
            {i.message}
          </li>
        ))}
      </ul>
      <p>Go back, correct the form and send it again.</p>
    </Layout>
  );
}

/** A pending subscription of the same address and the confirm token for it. */
export type PendingOffer = { subscription: Subscription; token: string };

function ConfirmButton({ token, label }: { token: string; label: string }) {
  return (
    <form class="mail-subscribe" method="post" action={subscriptionPaths.confirm()}>
      <input type="hidden" name="token" value={token} />
      <button type="submit">{label}</button>
    </form>
  );
}

function OtherPending({ offers }: { offers: PendingOffer[] }) {
  if (offers.length === 0) return null;
  return (
    <>
      <h2>Also waiting for confirmation</h2>
      <ul class="cards">
        {offers.map((o) => (
          <li>
            {MODE_TEXT[o.subscription.mode]} for <Scope s={o.subscription} />
            <ConfirmButton token={o.token} label="Confirm this one too" />
          </li>
        ))}
      </ul>
    </>
  );
}

/** What a list of subscriptions brings: one sentence for one, a list for several. */
function WhatYouGet({ subscriptions, lead }: { subscriptions: Subscription[]; lead: string }) {
  const [only] = subscriptions;
  if (subscriptions.length === 1 && only) {
    return (
      <p class="lead">
        {lead} {MODE_TEXT[only.mode]} for <Scope s={only} />.
      </p>
    );
  }
  return (
    <>
      <p class="lead">{lead}</p>
      <ul>
        {subscriptions.map((s) => (
          <li>
            {MODE_TEXT[s.mode]} for <Scope s={s} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** What a confirmation link covers: a request's subscriptions (those asked for together) or one. */
export function ConfirmPage({
  subscriptions,
  token,
  others,
}: {
  subscriptions: Subscription[];
  token: string;
  others: PendingOffer[];
}) {
  const email = subscriptions[0]?.email ?? "";
  return (
    <Layout title="Confirm your subscription">
      <h1>Confirm your subscription</h1>
      <WhatYouGet
        subscriptions={subscriptions}
        lead={subscriptions.length === 1 ? `${email} will get` : `Once you confirm, ${email} will get:`}
      />
      <ConfirmButton token={token} label="Confirm" />
      <p class="count">If you did not ask for this, ignore it: nothing is sent unless you confirm.</p>
      <OtherPending offers={others} />
    </Layout>
  );
}

export function ConfirmedPage({
  subscriptions,
  others,
  manageToken,
}: {
  subscriptions: Subscription[];
  others: PendingOffer[];
  manageToken: string;
}) {
  return (
    <Layout title="Subscribed">
      <h1>You are subscribed</h1>
      <WhatYouGet subscriptions={subscriptions} lead={subscriptions.length === 1 ? "You will get" : "You will get:"} />
      <p class="count">
        Every mail ends with a link to unsubscribe in one click, and one to the page where you{" "}
        <a href={subscriptionPaths.manage(manageToken)}>see and change everything this address follows</a>.
      </p>
      <OtherPending offers={others} />
    </Layout>
  );
}

export function UnsubscribePage({ subscription, token }: { subscription: Subscription; token: string }) {
  return (
    <Layout title="Unsubscribe">
      <h1>Unsubscribe</h1>
      <p class="lead">
        Stop mail to {subscription.email} about <Scope s={subscription} />?
      </p>
      <form class="mail-subscribe" method="post" action={subscriptionPaths.unsubscribe(token)}>
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
    </Layout>
  );
}

export function UnsubscribedPage({ subscription }: { subscription: Subscription }) {
  return (
    <Layout title="Unsubscribed">
      <h1>You are unsubscribed</h1>
      <p class="lead">
        No more mail about <Scope s={subscription} />.
      </p>
      <p class="count">Changed your mind? Subscribe again from the page.</p>
    </Layout>
  );
}

/** What the last form on the manage page did. */
export type ManageResult =
  | { action: SubscriptionMode | "unsubscribe"; subscription: Subscription }
  | { action: "unsubscribe-all"; count: number };

const SWITCH_LABELS: Record<SubscriptionMode, string> = {
  immediate: "Switch to a mail per change",
  daily: "Switch to a daily digest",
};

function ResultNotice({ result }: { result: ManageResult }) {
  let text;
  if (result.action === "unsubscribe-all") {
    const n = result.count;
    text =
      n > 0
        ? `Unsubscribed from everything (${n} ${n === 1 ? "subscription" : "subscriptions"}).`
        : "Nothing to unsubscribe from.";
  } else if (result.action === "unsubscribe") {
    text = (
      <>
        No more mail about <Scope s={result.subscription} />.
      </>
    );
  } else {
    text = (
      <>
        You will get {MODE_TEXT[result.subscription.mode]} for <Scope s={result.subscription} />.
      </>
    );
  }
  return (
    <p class="notice" role="status">
      {text}
    </p>
  );
}

/** One form per subscription: the token and the subscription in hidden fields, one button per action. */
function ManageButtons({ token, s, pending }: { token: string; s: Subscription; pending: boolean }) {
  const name = s.session ? (s.sessionTitle ?? s.session) : `every session of ${s.eventTitle ?? s.event}`;
  const other: SubscriptionMode = s.mode === "immediate" ? "daily" : "immediate";
  const leave = pending ? "Cancel" : "Unsubscribe";
  return (
    <form class="actions" method="post" action={subscriptionPaths.manage()}>
      <input type="hidden" name="token" value={token} />
      <input type="hidden" name="subscription" value={s.id} />
      {pending ? null : (
        <button type="submit" name="action" value={other} aria-label={`${SWITCH_LABELS[other]}: ${name}`}>
          {SWITCH_LABELS[other]}
        </button>
      )}
      <button type="submit" name="action" value="unsubscribe" aria-label={`${leave}: ${name}`}>
        {leave}
      </button>
    </form>
  );
}

/** The address's confirmed subscriptions, one section per event (the store's order: by event, whole event first). */
function Following({ token, subscriptions }: { token: string; subscriptions: Subscription[] }) {
  const events = [...new Set(subscriptions.map((s) => s.event))];
  return (
    <>
      {events.map((event) => {
        const own = subscriptions.filter((s) => s.event === event);
        return (
          <section>
            <h2>
              <a href={pagePaths.event(event)}>{own[0]!.eventTitle ?? event}</a>
            </h2>
            <ul class="cards">
              {own.map((s) => (
                <li>
                  <h3>{s.session ? <a href={scopePath(s)}>{s.sessionTitle ?? s.session}</a> : "Every session"}</h3>
                  <p class="count">
                    {s.mode === "immediate" ? "An email each time notes change" : "A daily digest of notes changes"}
                    {s.session ? "" : ", sessions added later included"}
                  </p>
                  <ManageButtons token={token} s={s} pending={false} />
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </>
  );
}

/**
 * Everything one address gets, with a form per change: switch immediate/daily, unsubscribe from one, or from all;
 * pending subscriptions can be cancelled (confirming them stays with the confirmation mail).
 */
export function ManagePage({
  email,
  token,
  subscriptions,
  result,
}: {
  email: string;
  token: string;
  subscriptions: Subscription[];
  result?: ManageResult | undefined;
}) {
  const confirmed = subscriptions.filter((s) => s.status === "confirmed");
  const pending = subscriptions.filter((s) => s.status === "pending");
  return (
    <Layout title="Your subscriptions">
      <h1>Your subscriptions</h1>
      <p class="lead">What {email} gets from sessionwire.</p>
      {result ? <ResultNotice result={result} /> : null}
      {subscriptions.length === 0 ? (
        <p>This address follows nothing. To follow an event or a session, use the form on its page.</p>
      ) : null}
      <Following token={token} subscriptions={confirmed} />
      {pending.length > 0 ? (
        <>
          <h2>Waiting for confirmation</h2>
          <p class="count">Nothing is mailed about these until they are confirmed from the mail we sent.</p>
          <ul class="cards">
            {pending.map((s) => (
              <li>
                <p>
                  Asked for: {MODE_TEXT[s.mode]} for <Scope s={s} />.
                </p>
                <ManageButtons token={token} s={s} pending={true} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {subscriptions.length > 0 ? (
        <>
          <h2>Leave everything</h2>
          <form class="actions" method="post" action={subscriptionPaths.manage()}>
            <input type="hidden" name="token" value={token} />
            <button type="submit" name="action" value="unsubscribe-all">
              Unsubscribe from everything
            </button>
          </form>
        </>
      ) : null}
      <p class="count">
        The link to this page works for {MANAGE_TOKEN_TTL_SECONDS / 86_400} days after the mail it came in, and every
        mail carries a fresh one. Anyone who has it can change what this address gets: think twice before forwarding our
        mails.
      </p>
    </Layout>
  );
}
